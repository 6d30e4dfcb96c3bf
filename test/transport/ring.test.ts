/**
 * The shared-memory ring (src/transport/ring.ts): records, padding at the end of the data,
 * fragments of frames longer than a record, a full ring, the "room wanted" handshake, counters
 * that wrap past 2^32; a fast-check property against a FIFO model (its seed printed, replay
 * with TSDSM_SEED); and two threads streaming frames of every size through one small ring.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { RingEnds, RingLink, RingReader, RingWriter, ringBytes, ringCapacity, ringMesh } from '../../src/transport/ring.js';

const seed = Number(process.env['TSDSM_SEED'] ?? Date.now() % 2 ** 31);

function makeRing(capacity: number, start = 0) {
  const buffer = new SharedArrayBuffer(ringBytes(capacity) + 8);
  if (start !== 0) {
    // head and tail both at `start`: the ring is empty, its counters about to wrap.
    const words = new Int32Array(buffer, 8, 48);
    words[0] = start | 0;
    words[16] = start | 0;
  }
  return { writer: new RingWriter(buffer, 8, capacity), reader: new RingReader(buffer, 8, capacity) };
}

const bytes = (n: number, salt: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + salt) & 255);

describe('ring layout', () => {
  test('capacities are powers of two from 64 bytes; anything else is a RangeError saying so', () => {
    expect(ringCapacity(1)).toBe(64);
    expect(ringCapacity(65)).toBe(128);
    expect(ringCapacity(70000)).toBe(131072);
    expect(ringBytes(64)).toBe(192 + 64);
    expect(() => ringBytes(100)).toThrow('ring capacity = 100: it must be a power of two from 64 to 2^30 bytes');
    expect(() => ringBytes(32)).toThrow(RangeError);
    expect(() => new RingWriter(new SharedArrayBuffer(1000), 4, 64)).toThrow('ring at byte 4: it must start at a multiple of 8');
    expect(() => new RingReader(new SharedArrayBuffer(200), 0, 64)).toThrow('ring at byte 0 of 64 bytes does not fit in a buffer of 200');
  });

  test('a mesh has one ring per ordered pair, each of its own bytes, holding several pages', () => {
    const mesh = ringMesh(3, 4096, 192);
    expect(mesh.capacity).toBeGreaterThanOrEqual(4 * 4096);
    const offsets = [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => mesh.ringOffset(i, j)));
    expect(new Set(offsets).size).toBe(9);
    for (let k = 1; k < offsets.length; k++) expect(offsets[k]! - offsets[k - 1]!).toBe(ringBytes(mesh.capacity));
    expect(offsets[0]).toBe(192);
    expect(mesh.bytes).toBe(9 * ringBytes(mesh.capacity));
  });
});

describe('one ring', () => {
  test('an empty ring gives null; frames come out whole, in order, as copies', () => {
    const { writer, reader } = makeRing(256);
    expect(reader.receive()).toBeNull();
    const a = bytes(10, 1);
    expect(writer.trySend(a)).toBe(true);
    expect(writer.trySend(new Uint8Array(0))).toBe(true);
    expect(writer.trySend(bytes(3, 2))).toBe(true);
    a.fill(0); // the ring holds its own bytes
    expect(reader.receive()).toEqual(bytes(10, 1));
    expect(reader.receive()).toEqual(new Uint8Array(0));
    expect(reader.receive()).toEqual(bytes(3, 2));
    expect(reader.receive()).toBeNull();
  });

  test('a full ring refuses a frame whole, asks for room, and the reader that makes room says so once', () => {
    const { writer, reader } = makeRing(64);
    // Records of 4 + 12 bytes: four fill the 64 bytes.
    for (let k = 0; k < 4; k++) expect(writer.trySend(bytes(12, k))).toBe(true);
    expect(writer.trySend(bytes(1, 9))).toBe(false);
    expect(reader.takeRoomWanted()).toBe(false);
    expect(reader.receive()).toEqual(bytes(12, 0));
    expect(reader.takeRoomWanted()).toBe(true);
    expect(reader.takeRoomWanted()).toBe(false);
    expect(writer.trySend(bytes(12, 4))).toBe(true);
    for (let k = 1; k <= 4; k++) expect(reader.receive()).toEqual(bytes(12, k));
    expect(reader.takeRoomWanted()).toBe(false);
  });

  test('a record that would cross the end of the data is put at the start after padding', () => {
    const { writer, reader } = makeRing(64);
    expect(writer.trySend(bytes(20, 1))).toBe(true); // 24 bytes
    expect(writer.trySend(bytes(20, 2))).toBe(true); // 48
    expect(reader.receive()).toEqual(bytes(20, 1));
    expect(reader.receive()).toEqual(bytes(20, 2));
    // 16 bytes left before the end: a 24-byte record pads them and starts at 0.
    expect(writer.trySend(bytes(20, 3))).toBe(true);
    expect(reader.receive()).toEqual(bytes(20, 3));
    expect(writer.trySend(bytes(28, 4))).toBe(true); // the longest record: capacity/2 - 4
    expect(writer.trySend(bytes(29, 5))).toBe(false); // longer frames go as fragments, through a RingLink
    expect(reader.receive()).toEqual(bytes(28, 4));
  });

  test('a frame many times the capacity flows through in fragments, joined by the reader', () => {
    const { writer, reader } = makeRing(64);
    const link = new RingLink(writer);
    const big = bytes(1000, 3);
    link.send(big);
    expect(link.queued).toBe(1);
    big.fill(0); // queued as a copy
    let got: Uint8Array | null = null;
    for (let turns = 0; got === null && turns < 1000; turns++) {
      got = reader.receive();
      link.flush();
    }
    expect(got).toEqual(bytes(1000, 3));
    expect(link.queued).toBe(0);
    expect(link.flush()).toBe(false);
  });

  test('counters wrap past 2^32 without losing a byte', () => {
    const { writer, reader } = makeRing(64, 0xffffffe0);
    const link = new RingLink(writer);
    const sent = [bytes(5, 1), bytes(28, 2), bytes(200, 3), bytes(0, 4), bytes(17, 5)];
    const got: Uint8Array[] = [];
    for (const f of sent) link.send(f);
    for (let turns = 0; got.length < sent.length && turns < 1000; turns++) {
      const f = reader.receive();
      if (f !== null) got.push(f);
      link.flush();
    }
    expect(got).toEqual(sent);
  });
});

describe('one CPU\'s ends of a mesh', () => {
  test('frames from several peers come out fairly, in order per peer; a full ring queues, and flush sends on and wakes', () => {
    const mesh = ringMesh(3, 4096);
    const buffer = new SharedArrayBuffer(mesh.bytes);
    const woken: string[] = [];
    const ends = [0, 1, 2].map((cpu) => new RingEnds(buffer, mesh, cpu, 3, (j) => woken.push(`${cpu}->${j}`)));
    expect(ends[0]!.post(0, bytes(1, 0))).toBe(false); // no ring to itself
    expect(ends[0]!.post(3, bytes(1, 0))).toBe(false);
    for (let k = 0; k < 3; k++) {
      expect(ends[1]!.post(0, bytes(8, 10 + k))).toBe(true);
      expect(ends[2]!.post(0, bytes(8, 20 + k))).toBe(true);
    }
    const got: string[] = [];
    for (let f = ends[0]!.receive(); f !== null; f = ends[0]!.receive()) got.push(`${f.from}:${f.frame[0]}`);
    expect(got).toEqual(['1:10', '2:20', '1:11', '2:21', '1:12', '2:22']);
    expect(woken).toEqual([]);
    // Fill the ring 1 -> 0 with pages until one waits in the queue.
    const page = new Uint8Array(mesh.capacity / 2 - 4).fill(5);
    let posted = 0;
    while (posted < 8) {
      ends[1]!.post(0, page);
      posted += 1;
    }
    expect(ends[1]!.flush()).toBe(false); // no room yet: nothing went, nobody woken
    const out: Uint8Array[] = [];
    for (let f = ends[0]!.receive(); f !== null; f = ends[0]!.receive()) out.push(f.frame);
    expect(woken).toEqual(['0->1']); // the reader made the room the writer asked for
    expect(ends[1]!.flush()).toBe(true);
    expect(woken).toEqual(['0->1', '1->0']);
    for (let turns = 0; out.length < posted && turns < 100; turns++) {
      for (let f = ends[0]!.receive(); f !== null; f = ends[0]!.receive()) out.push(f.frame);
      ends[1]!.flush();
    }
    expect(out.length).toBe(posted);
    for (const f of out) expect(f).toEqual(page);
  });
});

describe('ring property', () => {
  test(`any interleaving of sends, receives and flushes delivers every frame once, in order, byte for byte (seed ${seed})`, () => {
    console.log(`ring property: seed ${seed} (replay: TSDSM_SEED=${seed})`);
    const op = fc.oneof(
      fc.record({ kind: fc.constant('send' as const), length: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 700 })) }),
      fc.record({ kind: fc.constant('receive' as const), times: fc.integer({ min: 1, max: 4 }) }),
      fc.record({ kind: fc.constant('flush' as const) }),
    );
    const run = fc.record({
      capacity: fc.constantFrom(64, 128, 256, 1024),
      start: fc.oneof(fc.constant(0), fc.constant(0xfffffe00), fc.integer({ min: 0, max: 2 ** 30 - 1 }).map((x) => x * 4)),
      ops: fc.array(op, { maxLength: 80 }),
    });
    fc.assert(
      fc.property(run, ({ capacity, start, ops }) => {
        const { writer, reader } = makeRing(capacity, start);
        const link = new RingLink(writer);
        const sent: Uint8Array[] = [];
        const got: Uint8Array[] = [];
        const take = (): boolean => {
          const f = reader.receive();
          if (reader.takeRoomWanted()) link.flush();
          if (f === null) return false;
          got.push(f);
          return true;
        };
        for (const o of ops) {
          if (o.kind === 'send') {
            const f = bytes(o.length, sent.length);
            sent.push(f);
            link.send(f);
          } else if (o.kind === 'receive') {
            for (let t = 0; t < o.times; t++) take();
          } else link.flush();
          // Never more out than in, and in order so far.
          expect(got).toEqual(sent.slice(0, got.length));
        }
        for (let turns = 0; got.length < sent.length; turns++) {
          if (turns > 100000) throw new Error(`stuck: ${got.length} of ${sent.length} frames out`);
          if (!take()) link.flush();
        }
        expect(got).toEqual(sent);
        expect(link.queued).toBe(0);
        expect(reader.receive()).toBeNull();
      }),
      { seed, numRuns: 300 },
    );
  });
});

describe('two threads', () => {
  test('a worker streams 20000 frames of 0 to 3000 bytes through a 256-byte ring; every one arrives intact, no wake-up lost', async () => {
    const capacity = 256;
    const buffer = new SharedArrayBuffer(64 + ringBytes(capacity));
    const lengths = [0, 1, 3, 4, 7, 60, 124, 125, 300, 3000, 16, 2];
    const frames = 20000;
    const worker = new Worker(new URL('./fixtures/ring-writer.js', import.meta.url), { workerData: { buffer, capacity, frames, lengths } });
    const report = new Promise<{ timedOut: number; sent: number }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    const bells = new Int32Array(buffer, 0, 3);
    const reader = new RingReader(buffer, 64, capacity);
    let bad = -1;
    let waitsTimedOut = 0;
    // A wait that runs out is a lost wake-up (the writer never stalls for 5 s): stop both sides.
    let k = 0;
    while (k < frames && waitsTimedOut === 0) {
      const seen = Atomics.load(bells, 1);
      const f = reader.receive();
      if (reader.takeRoomWanted()) {
        Atomics.add(bells, 0, 1);
        Atomics.notify(bells, 0);
      }
      if (f === null) {
        if (Atomics.wait(bells, 1, seen, 5000) === 'timed-out') {
          waitsTimedOut += 1;
          Atomics.store(bells, 2, 1);
          Atomics.notify(bells, 0);
        }
        continue;
      }
      const n = lengths[k % lengths.length]!;
      let ok = f.byteLength === n;
      for (let i = 0; ok && i < n; i++) ok = f[i] === ((k + i) & 255);
      if (!ok && bad < 0) bad = k;
      k += 1;
    }
    const { timedOut, sent } = await report;
    await worker.terminate();
    expect({ received: k, sent, bad, waitsTimedOut, writerWaitsTimedOut: timedOut, left: reader.receive() })
      .toEqual({ received: frames, sent: frames, bad: -1, waitsTimedOut: 0, writerWaitsTimedOut: 0, left: null });
  }, 60000);
});
