/**
 * The Cluster API, one suite run on every backend: the seed test end to end, every accessor
 * call, memory surviving between runs, and failures that reject the run with an error naming
 * the CPU, stop every other CPU, and leave the cluster able to run again and to close. Nothing
 * may hang: every run has a timeout, and the failures are chosen so that the other CPUs are
 * blocked waiting for the failing one. A deadlock is found without a timeout; a run that
 * never ends (a CPU computing forever) is ended by its AbortSignal or by close(). What
 * differs between backends (the class of a dead CPU's error, how a CPU that never touches
 * shared memory is reported) is in the table below.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  Cluster, DsmAlignmentError, DsmCloneError, DsmConfigError, DsmDeadlockError, DsmProcessExitError, DsmProgramLoadError,
  DsmProgramSyntaxError, DsmRangeError, DsmRunAbortedError, DsmTimeoutError, DsmValueError, DsmWorkerExitError,
  narrate, opsProgram, type Op,
} from '../../index.js';
import { B, Clusters, R, W, at } from './harness.js';
import { badIndices, type HotBadIndexResult } from '../workers/programs/hot-bad-index.js';

const program = (name: string): URL => new URL(`../workers/programs/${name}.js`, import.meta.url);
const example = (name: string): URL => new URL(`../../examples/${name}.js`, import.meta.url);
const timeoutMs = 20000;

interface Backend {
  name: string;
  /** The cluster's transport, when not the backend's default. */
  transport?: string;
  /** The page size of the clusters that test memory between runs (the smallest each backend allows). */
  pageSize: number;
  /** The class of the error when a CPU's thread or process dies during a run, and how its message starts. */
  exitError: typeof DsmWorkerExitError | typeof DsmProcessExitError;
  exitMessage: RegExp;
  /** A run timeout that leaves the CPUs time to reach their lock, and how a CPU spinning without touching shared memory is reported. */
  runTimeoutMs: number;
  spinningCpu: string;
}

const workers: Backend = {
  name: 'workers',
  pageSize: 1024,
  exitError: DsmWorkerExitError,
  exitMessage: /^CPU 1: its worker thread died during the run: .*7/,
  runTimeoutMs: 1000,
  spinningCpu: 'CPU 3: not responding (busy without touching shared memory); its worker was terminated',
};

const backends: Backend[] = [
  workers,
  { ...workers, transport: 'ring' },
  {
    name: 'native',
    pageSize: 4096,
    exitError: DsmProcessExitError,
    exitMessage: /^CPU 1: its process died during the run: exit code 7/,
    runTimeoutMs: 1500,
    spinningCpu: 'CPU 3: running its program',
  },
];

/** Ops on byte addresses, for clusters whose page size is not the harness's. */
const Wa = (address: number, value: number): Op => ({ op: 'write', type: 'int32', address, value });
const Ra = (address: number): Op => ({ op: 'read', type: 'int32', address });

const finished = 'finished its program, serving until every CPU finishes';

/**
 * A Unix socket that program('hang') connects to once its run is under way: `connected`
 * resolves then (so a test aborts a run that is really hung, without guessing a delay).
 */
async function hangSocket(): Promise<{ path: string; connected: Promise<void>; close(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tsdsm-hang-'));
  const path = join(dir, 'hang.sock');
  let server!: Server;
  const connected = new Promise<void>((resolve) => {
    server = createServer((socket) => {
      socket.on('error', () => {});
      resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    path,
    connected,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describe.each(backends)('the Cluster API on $name (transport $transport)', (backend) => {
  const clusters = new Clusters('ivy', timeoutMs);
  const start = (cpus: number, pages: number, options: { pageSize?: number; timeoutMs?: number } = {}): Promise<Cluster> =>
    Cluster.start({ cpus, pages, timeoutMs, ...options, backend: backend.name, transport: backend.transport });
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await clusters.get(backend.transport ? `${backend.name}:${backend.transport}` : backend.name, 4, 10);
  });

  afterAll(async () => {
    await clusters.closeAll();
  });

  /** The run works again after a failure: the seed scenario, every reader sees the write. */
  async function expectHealthy(): Promise<void> {
    const { results } = await cluster.run(opsProgram, [[W(1, 99), B], [B, R(1)], [B, R(1)], [B, R(1)]]);
    expect(results).toEqual([[], [99], [99], [99]]);
  }

  describe('the seed test (4 CPUs, 10 pages)', () => {
    test('CPU 0 writes a value at one address; every other CPU reads it and sees it', async () => {
      const address = at(3, 8);
      const { results, stats } = await cluster.run(opsProgram, [[W(3, 1234, 8), B], [B, R(3, 8)], [B, R(3, 8)], [B, R(3, 8)]]);
      expect(results).toEqual([[], [1234], [1234], [1234]]);
      expect(stats.total.readFaults).toBe(3);
      expect(stats.total.writeFaults).toBe(1);
      expect(stats.perCpu.map((s) => s.cpu)).toEqual([0, 1, 2, 3]);
      // The readers were blocked in their faults for some time; the clock is real.
      for (const c of [1, 2, 3]) expect(stats.perCpu[c]!.blockedNs).toBeGreaterThan(0);
      expect(Array.from(cluster.readMemory(address, 4))).toEqual([0xd2, 0x04, 0, 0]);
    });

    test('the example program: every CPU reads the write after a barrier; faults and barrier waits are counted', async () => {
      const { results, stats } = await cluster.run(example('seed_test'), { address: 0x3008, value: 42 });
      expect(results).toEqual([42, 42, 42, 42]);
      expect(stats.total.writeFaults).toBe(1);
      expect(stats.total.readFaults).toBe(3);
      expect(stats.total.barrierWaits).toBe(4);
    });
  });

  describe('the accessor', () => {
    test('every typed get/set, byte ranges and views, read back by a neighbour after a barrier', async () => {
      const { results } = await cluster.run<Record<string, unknown>>(program('everything'));
      results.forEach((r, cpu) => {
        const nb = (cpu + 1) % 4;
        expect(r).toEqual({
          i8: -5, u8: 250, i16: -300, u16: 60000, i32: -70000 - nb, u32: 4000000000, f32: 1.5, f64: Math.PI + nb,
          bi64: -(2n ** 40n) - BigInt(nb), bu64: 2n ** 63n + BigInt(nb), bytes: [1, 2, 3, nb],
          view: [0, 0.5, 1, 1.5].map((x) => x + nb),
        });
      });
    });

    test('CPUs spinning on valid pages answer each other\'s invalidations and see the writes', async () => {
      const { results, stats } = await cluster.run(program('spin'));
      expect(results[0]).toEqual({ saw: 7, spun: true });
      expect(stats.perCpu[0]!.invalidations).toBeGreaterThanOrEqual(1);
      expect(stats.perCpu[1]!.invalidations).toBeGreaterThanOrEqual(1);
    });

    test('false sharing without locks loses no store: a page copied out is write-protected first', async () => {
      const rounds = 20000;
      const page = 6;
      const { results } = await cluster.run(program('false-sharing'), { rounds, page });
      expect(results).toEqual([rounds, rounds, rounds, rounds]);
      for (let cpu = 0; cpu < 4; cpu++) expect(new DataView(cluster.readMemory(at(page, cpu * 8), 4).buffer).getInt32(0, true)).toBe(rounds);
    });
  });

  describe('memory between runs', () => {
    test('nothing written is lost: a later run and readMemory see every earlier write', async () => {
      const size = backend.pageSize;
      const c = await start(3, 6, { pageSize: size });
      try {
        // Each CPU writes its own page; CPU 2 also writes a page whose manager is CPU 1.
        await c.run(opsProgram, [[Wa(0, 10)], [Wa(size, 11)], [Wa(2 * size, 12), Wa(4 * size + 4, 14)]]);
        expect(Array.from(c.readMemory(4 * size + 4, 1))).toEqual([14]);
        const { results } = await c.run(opsProgram, [[Ra(size), Ra(4 * size + 4)], [Ra(2 * size)], [Ra(0)]]);
        expect(results).toEqual([[11, 14], [12], [10]]);
        await c.run(program('add-one'), { address: 5 * size });
        await c.run(program('add-one'), { address: 5 * size });
        expect(new DataView(c.readMemory(5 * size, 4).buffer).getInt32(0, true)).toBe(6);
      } finally {
        await c.close();
      }
    });

    test.each(['ivy', 'ivy-central', 'ivy-dynamic', 'hlrc'])('%s: each CPU writes its own word and returns, no barrier after: readMemory and the next run see every word', async (protocol) => {
      // Data-race free. A return is a release: under hlrc the diffs must reach the home (CPU 0) before the run ends.
      const c = await Cluster.start({ cpus: 3, pages: 1, pageSize: backend.pageSize, timeoutMs, protocol, backend: backend.name, transport: backend.transport });
      try {
        await c.run(opsProgram, [[Wa(0, 10)], [Wa(4, 11)], [Wa(8, 12)]]);
        expect(Array.from(new Int32Array(c.readMemory(0, 12).slice().buffer))).toEqual([10, 11, 12]);
        const { results } = await c.run(opsProgram, [[Ra(0), Ra(4), Ra(8)], [Ra(0)], [Ra(4)]]);
        expect(results).toEqual([[10, 11, 12], [10], [11]]);
      } finally {
        await c.close();
      }
    });

    test('a counter incremented over two runs under a lock keeps every increment', async () => {
      await cluster.run(example('counter'), { increments: 10, address: 0x5100 });
      const { results } = await cluster.run(example('counter'), { increments: 5, address: 0x5100 });
      expect(results).toEqual([60, 60, 60, 60]);
      expect(new DataView(cluster.readMemory(0x5100, 4).buffer).getInt32(0, true)).toBe(60);
    });

    test('readMemory outside the region is a DsmRangeError', () => {
      expect(() => cluster.readMemory(10 * 4096 - 2, 4)).toThrow(DsmRangeError);
      expect(() => cluster.readMemory(10 * 4096 - 2, 4)).toThrow('readMemory: 4 byte(s) at address 0x9ffe');
    });

    test('concurrent run() calls are serialized: each sees the previous one finished', async () => {
      const c = await start(2, 2);
      try {
        const runs = Array.from({ length: 5 }, () => c.run(program('add-one'), { address: 0 }));
        await Promise.all(runs);
        expect(new DataView(c.readMemory(0, 4).buffer).getInt32(0, true)).toBe(10);
      } finally {
        await c.close();
      }
    });
  });

  describe('a program that throws', () => {
    test('rejects the run with that error, naming the CPU, and stops the CPUs blocked at the barrier', async () => {
      const err = await cluster.run(program('throws')).then(() => null, (e: unknown) => e as Error & { cpu?: number });
      expect(err).not.toBeNull();
      expect(err!.name).toBe('TypeError');
      expect(err!.message).toBe('CPU 2: boom from the program');
      expect(err!.cpu).toBe(2);
      expect(err!.stack).toContain('throws.js');
      await expectHealthy();
    });

    test('a module without a program as default export is refused, naming it', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'tsdsm-js-'));
      const file = join(dir, 'not-a-program.mjs');
      await writeFile(file, 'export default 42;\n');
      try {
        await expect(cluster.run(file)).rejects.toThrow(`program ${file} is not a program: its default export is number`);
      } finally {
        await rm(dir, { recursive: true });
      }
    });
  });

  describe(`a CPU that dies (${backend.exitError.name})`, () => {
    test('process.exit in the program rejects naming the CPU and the exit code', async () => {
      const err = await cluster.run(program('exits')).then(() => null, (e: unknown) => e as DsmWorkerExitError | DsmProcessExitError);
      expect(err).toBeInstanceOf(backend.exitError);
      expect(err!.cpu).toBe(1);
      expect(err!.message).toMatch(backend.exitMessage);
      await expectHealthy();
    });

    test('an uncaught exception in a timer kills the CPU; the run rejects naming the CPU', async () => {
      const err = await cluster.run(program('crash')).then(() => null, (e: unknown) => e as DsmWorkerExitError | DsmProcessExitError);
      expect(err).toBeInstanceOf(backend.exitError);
      expect(err!.cpu).toBe(3);
      expect(err!.message).toContain('uncaught crash in a timer');
      await expectHealthy();
    });
  });

  describe('a deadlock: DsmDeadlockError, found without a timeout', () => {
    // The suite's clusters have a 20 s timeout: a deadlock not found would be a DsmTimeoutError.
    test('a CPU returns holding the lock another CPU waits for: what each waits on, which locks each holds', async () => {
      const err = await cluster.run(program('deadlock'), { spin: false }).then(() => null, (e: unknown) => e as DsmDeadlockError);
      expect(err).toBeInstanceOf(DsmDeadlockError);
      expect(err!.cpus).toEqual([
        { cpu: 0, state: finished, locksHeld: [] },
        { cpu: 1, state: `${finished} (holding lock 5)`, locksHeld: [5] },
        { cpu: 2, state: 'blocked on lock 5', locksHeld: [] },
        { cpu: 3, state: finished, locksHeld: [] },
      ]);
      expect(err!.message).toBe(
        'deadlock: every CPU is blocked or finished and no message is in flight; ' +
        `CPU 0: ${finished}; CPU 1: ${finished} (holding lock 5); CPU 2: blocked on lock 5; CPU 3: ${finished}`,
      );
      await expectHealthy();
    });

    test('two CPUs each hold the lock the other asks for', async () => {
      const err = await cluster.run(program('deadlocks'), { kind: 'lock-order' }).then(() => null, (e: unknown) => e as DsmDeadlockError);
      expect(err).toBeInstanceOf(DsmDeadlockError);
      expect(err!.waiting).toEqual([
        'CPU 0: blocked on lock 2 (holding lock 1)',
        'CPU 1: blocked on lock 1 (holding lock 2)',
        `CPU 2: ${finished}`,
        `CPU 3: ${finished}`,
      ]);
      await expectHealthy();
    });

    test.each(['ivy', 'hlrc'])('%s: one CPU returns without reaching the barrier the others wait at', async (protocol) => {
      const c = await Cluster.start({ cpus: 3, pages: 2, pageSize: backend.pageSize, timeoutMs, protocol, backend: backend.name, transport: backend.transport });
      try {
        const err = await c.run(program('deadlocks'), { kind: 'missed-barrier' }).then(() => null, (e: unknown) => e as DsmDeadlockError);
        expect(err).toBeInstanceOf(DsmDeadlockError);
        expect(err!.waiting).toEqual([
          `CPU 0: ${finished} (holding lock 3)`,
          'CPU 1: blocked on barrier 0',
          'CPU 2: blocked on barrier 0',
        ]);
        // A failed run leaves the memory as it was, and the cluster runs again.
        expect(Array.from(c.readMemory(backend.pageSize, 4))).toEqual([0, 0, 0, 0]);
        const { results } = await c.run(opsProgram, [[Wa(0, 3)], [], []]);
        expect(results).toEqual([[], [], []]);
        expect(Array.from(c.readMemory(0, 1))).toEqual([3]);
      } finally {
        await c.close();
      }
    });
  });

  describe('a run that never ends: its AbortSignal and close() end it', () => {
    test('aborting the signal rejects with DsmRunAbortedError (the reason as its cause, what each CPU was doing); the cluster runs again', async () => {
      const hang = await hangSocket();
      try {
        const controller = new AbortController();
        const run = cluster.run(program('hang'), { socket: hang.path }, { signal: controller.signal }).then(() => null, (e: unknown) => e as DsmRunAbortedError);
        await hang.connected;
        const reason = new Error('the user pressed stop');
        controller.abort(reason);
        const err = await run;
        expect(err).toBeInstanceOf(DsmRunAbortedError);
        expect(err!.by).toBe('signal');
        expect(err!.cause).toBe(reason);
        expect(err!.message).toMatch(/^run aborted by its AbortSignal \(Error: the user pressed stop\); CPU 0: /);
        expect(err!.waiting.length).toBe(4);
        expect(err!.waiting[3]).toBe(backend.spinningCpu);
      } finally {
        await hang.close();
      }
      await expectHealthy();
    });

    test('a signal aborted before the run starts: DsmRunAbortedError, and no CPU runs', async () => {
      const before = cluster.readMemory(0, 4);
      const err = await cluster.run(program('add-one'), { address: 0 }, { signal: AbortSignal.abort('too late') }).then(() => null, (e: unknown) => e as DsmRunAbortedError);
      expect(err).toBeInstanceOf(DsmRunAbortedError);
      expect(err!.message).toBe('run aborted by its AbortSignal (too late) before it started');
      expect(cluster.readMemory(0, 4)).toEqual(before);
    });

    test('close() during a hung run returns, the run rejects with DsmRunAbortedError, and a run still waiting its turn rejects as closed', async () => {
      const hang = await hangSocket();
      const c = await start(4, 2, { timeoutMs: undefined });
      try {
        const run = c.run(program('hang'), { socket: hang.path }).then(() => null, (e: unknown) => e as DsmRunAbortedError);
        const queued = c.run(program('add-one'), { address: 0 }).then(() => null, (e: unknown) => e as Error);
        await hang.connected;
        await c.close();
        const err = await run;
        expect(err).toBeInstanceOf(DsmRunAbortedError);
        expect(err!.by).toBe('close');
        expect(err!.message).toMatch(/^run aborted by close\(\); CPU 0: /);
        expect(err!.waiting[3]).toBe(backend.spinningCpu);
        expect((await queued)!.message).toBe('the cluster is closed; start a new one with Cluster.start');
      } finally {
        await c.close();
        await hang.close();
      }
    });
  });

  describe('a run timeout', () => {
    test('rejects with what each CPU was waiting on and the locks it holds, and stops a CPU that never touches shared memory', async () => {
      const ms = backend.runTimeoutMs;
      const err = await cluster.run(program('deadlock'), { spin: true }, { timeoutMs: ms }).then(() => null, (e: unknown) => e as DsmTimeoutError);
      expect(err).toBeInstanceOf(DsmTimeoutError);
      expect(err!.timeoutMs).toBe(ms);
      expect(err!.waiting).toEqual([
        'CPU 0: finished its program, serving until every CPU finishes',
        'CPU 1: finished its program, serving until every CPU finishes (holding lock 5)',
        'CPU 2: blocked on lock 5',
        backend.spinningCpu,
      ]);
      expect(err!.message).toContain('CPU 2: blocked on lock 5');
      await expectHealthy();
    });

    test('a cluster-wide default timeout applies to every run', async () => {
      // CPU 3 computes forever (without it the run would be a deadlock, found at once). The
      // timeout is long enough for warm CPUs to reach their lock on a loaded machine; a warm-up
      // run first, so that the timeout does not race the CPUs' start.
      const short = await start(4, 3, { timeoutMs: 1500 });
      try {
        await short.run(program('add-one'), { address: 0 });
        const err = await short.run(program('deadlock'), { spin: true }).then(() => null, (e: unknown) => e as DsmTimeoutError);
        expect(err).toBeInstanceOf(DsmTimeoutError);
        expect(err!.waiting[2]).toBe('CPU 2: blocked on lock 5');
      } finally {
        await short.close();
      }
    });
  });

  describe('bad addresses', () => {
    test('outside the region: DsmRangeError with CPU and address', async () => {
      const err = await cluster.run(program('bad-address'), { cpu: 3, kind: 'range' }).then(() => null, (e: unknown) => e as DsmRangeError);
      expect(err).toBeInstanceOf(DsmRangeError);
      expect(err!.cpu).toBe(3);
      expect(err!.address).toBe(10 * 4096);
      expect(err!.message).toMatch(/^CPU 3: access of 8 byte\(s\) at address 0xa000 \(40960\) is outside the shared region/);
    });

    test('negative address: DsmRangeError', async () => {
      const err = await cluster.run(program('bad-address'), { cpu: 0, kind: 'negative' }).then(() => null, (e: unknown) => e as DsmRangeError);
      expect(err).toBeInstanceOf(DsmRangeError);
      expect(err!.cpu).toBe(0);
      expect(err!.address).toBe(-1);
    });

    test('misaligned: DsmAlignmentError with CPU, address and type', async () => {
      const err = await cluster.run(program('bad-address'), { cpu: 1, kind: 'misaligned' }).then(() => null, (e: unknown) => e as DsmAlignmentError);
      expect(err).toBeInstanceOf(DsmAlignmentError);
      expect(err!.cpu).toBe(1);
      expect(err!.address).toBe(0x1002);
      expect(err!.message).toBe('CPU 1: misaligned int32 access at address 0x1002 (4098); int32 needs an address that is a multiple of 4');
    });

    test('a typed view index past its end: DsmRangeError naming the view', async () => {
      const err = await cluster.run(program('bad-address'), { cpu: 2, kind: 'view' }).then(() => null, (e: unknown) => e as DsmRangeError);
      expect(err).toBeInstanceOf(DsmRangeError);
      expect(err!.message).toBe('CPU 2: index 4 is outside int32Array(0x2000, 4) (indices 0..3; address 0x2010)');
      await expectHealthy();
    });

    test('get and set at a bad index in optimized code (after 100000 good calls) throw, and write nothing', async () => {
      const { results } = await cluster.run<HotBadIndexResult>(program('hot-bad-index'));
      results.forEach((r, id) => {
        const view = `float64Array(0x${((id + 1) * 4096).toString(16)}, 8)`;
        expect(r.thrown).toHaveLength(badIndices.length);
        r.thrown.forEach(([set, get], k) => {
          const index = badIndices[k]!;
          const what =
            typeof index === 'string' ? `index "${index}" (a string) of ${view}: the index is not a number`
            : Number.isInteger(index) && index >= 0 ? `index ${index} is outside ${view}`
            : `index ${String(index)} of ${view}: the index`;
          // On native, set with a first argument that is not a number is the typed array's set(array, offset): an error too, but its own.
          const checked = typeof index === 'string' && backend.name === 'native' ? [get] : [set, get];
          for (const thrown of checked) expect(thrown.startsWith(`DsmRangeError: CPU ${id}: ${what}`)).toBe(true);
          expect(set).not.toBe('returned');
        });
        // The last warm-up wrote 99992..99999; the bad sets (of -5) wrote nowhere.
        expect(r.around).toEqual([99992, 99993, 99994, 99995, 99996, 99997, 99998, 99999, 0]);
        expect(r.badBoth.startsWith(`DsmRangeError: CPU ${id}: index 8 is outside ${view}`)).toBe(true);
      });
      await expectHealthy();
    });
  });

  describe('errors that show what was given', () => {
    const region = 'addresses are integers in the shared region 0x0..0x9fff (40960 bytes)';
    test.each([
      ['nan-address', DsmRangeError, `CPU 1: access of 4 byte(s) at address NaN: the address is not a number; ${region}`],
      ['fractional-address', DsmRangeError, `CPU 1: access of 8 byte(s) at address 4.5: the address is not an integer; ${region}`],
      ['negative-address', DsmRangeError, `CPU 1: access of 4 byte(s) at address -4: the address is negative; ${region}`],
      ['string-address', DsmRangeError, `CPU 1: access of 4 byte(s) at address "8" (a string): the address is not a number; ${region}`],
      ['string-value', DsmValueError, 'CPU 1: int32 store at address 0x10 (16) of "12" (a string); int32 takes a number'],
      ['number-for-bigint', DsmValueError, 'CPU 1: bigint64 store at address 0x18 (24) of 5; bigint64 takes a bigint (e.g. 5n)'],
      ['view-string-value', DsmValueError, 'CPU 1: float64 store at address 0x50 (80) of "x" (a string); float64 takes a number'],
      ['view-fractional-index', DsmRangeError, 'CPU 1: index 1.5 of int32Array(0x40, 4): the index is not an integer (indices 0..3)'],
    ] as const)('%s', async (kind, errorClass, message) => {
      const err = await cluster.run(program('bad-value'), { kind }).then(() => null, (e: unknown) => e as Error & { cpu?: number });
      expect(err).toBeInstanceOf(errorClass);
      expect(err!.cpu).toBe(1);
      expect(err!.message).toBe(message);
    });

    test('a result that cannot be copied back names the CPU and the part', async () => {
      const err = await cluster.run(program('uncloneable')).then(() => null, (e: unknown) => e as DsmCloneError);
      expect(err).toBeInstanceOf(DsmCloneError);
      expect(err!.cpu).toBe(1);
      expect(err!.path).toBe('result.parts[1].onDone');
      expect(err!.message).toBe('CPU 1: its result cannot be copied back to the cluster: result.parts[1].onDone is a function (onDone); results travel by structured clone (plain data)');
      await expectHealthy();
    });

    test('args that cannot be copied to the CPUs are refused, naming the part', async () => {
      const err = await cluster.run(program('add-one'), { address: 0, log: new Map([['sink', Symbol('x')]]) }).then(() => null, (e: unknown) => e as DsmCloneError);
      expect(err).toBeInstanceOf(DsmCloneError);
      expect(err!.path).toBe('args.log.get("sink")');
      expect(err!.message).toMatch(/^run: args\.log\.get\("sink"\) cannot be copied to the CPUs: it is a symbol \(Symbol\(x\)\)/);
    });

    test('a missing program file is named by the path given; a URL that is not file: is refused', async () => {
      const missing = join('no-such-dir', 'prog.js');
      await expect(cluster.run(missing)).rejects.toThrow(`run: cannot read program ${missing} (${join(process.cwd(), missing)}): no such file`);
      await expect(cluster.run(missing)).rejects.toBeInstanceOf(DsmProgramLoadError);
      await expect(cluster.run('https://example.com/prog.js')).rejects.toThrow('run: program https://example.com/prog.js is not a file: URL (it is https:)');
      await expect(cluster.run(new URL('data:text/javascript,export default () => 1'))).rejects.toThrow('is not a file: URL (it is data:)');
      await expectHealthy();
    });
  });

  describe('programs and tracing', () => {
    test('a TypeScript program runs, its ./lib.js import finds lib.ts, and no compiled copy is ever written beside it', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'tsdsm-ts-'));
      const entry = pathToFileURL(join(process.cwd(), 'dist', 'index.js')).href;
      const file = join(dir, 'prog.ts');
      await writeFile(join(dir, 'lib.ts'), 'export const offset: number = 40;\nexport enum Kind { A = 1 }\n');
      // The program lists its own folder while it runs: a compiled copy written anywhere in
      // it would be there now, and would stay behind if the process were killed now.
      await writeFile(file, [
        `import { readdirSync } from 'node:fs';`,
        `import { defineProgram, type Cpu } from ${JSON.stringify(entry)};`,
        `import { offset, Kind } from './lib.js';`,
        `interface Args { base: number }`,
        `export default defineProgram((cpu: Cpu, args: Args) => ({ n: args.base + offset + Kind.A + cpu.id, files: readdirSync(${JSON.stringify(dir)}).sort() }));`,
      ].join('\n'));
      const c = await start(2, 1);
      try {
        const { results } = await c.run(file, { base: 1 });
        expect(results).toEqual([{ n: 42, files: ['lib.ts', 'prog.ts'] }, { n: 43, files: ['lib.ts', 'prog.ts'] }]);
      } finally {
        await c.close();
      }
      expect((await readdir(dir)).sort()).toEqual(['lib.ts', 'prog.ts']);
      await rm(dir, { recursive: true });
    });

    test('a TypeScript syntax error names the file as given, its line and its column', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'tsdsm-ts-'));
      const file = join(dir, 'broken.ts');
      await writeFile(file, ['// a comment', 'const a: number = 1;', 'const b = (a +;', 'export default b;'].join('\n'));
      try {
        const err = await cluster.run(file).then(() => null, (e: unknown) => e as DsmProgramSyntaxError);
        expect(err).toBeInstanceOf(DsmProgramSyntaxError);
        expect(err).toBeInstanceOf(DsmProgramLoadError);
        expect([err!.file, err!.line, err!.column]).toEqual([file, 3, 15]);
        expect(err!.message).toBe(`syntax error in program ${file} at line 3, column 15 (${file}:3:15): Unexpected token`);
      } finally {
        await rm(dir, { recursive: true });
      }
      await expectHealthy();
    });

    test('a traced run returns every CPU\'s events in one global order, and narrates', async () => {
      const { trace } = await cluster.run(opsProgram, [[W(1, 5), B], [B, R(1)], [B], [B]], { trace: true });
      expect(trace).toBeDefined();
      const seqs = trace!.map((e) => e.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(seqs.length);
      // Every message sent was received, and each receive comes after its send.
      const sends = trace!.filter((e) => e.type === 'send');
      const recvs = trace!.filter((e) => e.type === 'recv');
      expect(recvs.length).toBe(sends.length);
      for (const s of sends) {
        const r = recvs.find((x) => x.type === 'recv' && s.type === 'send' && x.from === s.cpu && x.id === s.id && x.cpu === s.to);
        expect(r).toBeDefined();
        expect(r!.seq).toBeGreaterThan(s.seq);
      }
      const lines = narrate(trace!, 4);
      expect(lines.some((l) => l.includes('CPU 1: read fault on page 1 (address 0x1000)'))).toBe(true);
      expect(lines.some((l) => l.includes('reads int32 5 at 0x1000'))).toBe(true);
    });

    test('a traced run returns every CPU\'s events in one order, faults and accesses included', async () => {
      const { results, trace } = await cluster.run(opsProgram, [[W(2, 5), B], [B, R(2)], [B], [B]], { trace: true });
      expect(results).toEqual([[], [5], [], []]);
      expect(trace!.map((e) => e.seq)).toEqual(trace!.map((_e, i) => i));
      const kinds = new Set(trace!.map((e) => e.type));
      for (const k of ['fault', 'send', 'recv', 'access', 'install', 'resume', 'read', 'write', 'sync', 'done']) expect(kinds).toContain(k);
      // CPU 1's read of page 2 is traced after CPU 0's write to it.
      const write = trace!.findIndex((e) => e.type === 'write' && e.cpu === 0);
      const read = trace!.findIndex((e) => e.type === 'read' && e.cpu === 1);
      expect(write).toBeLessThan(read);
    });
  });

  describe('closing and configs', () => {
    test('close() after a failed run resolves, and a closed cluster refuses to run', async () => {
      const c = await start(2, 2);
      await expect(c.run(program('throws'))).resolves.toBeDefined(); // 2 CPUs: CPU 2 does not exist, so nobody throws
      const c3 = await start(3, 2);
      await expect(c3.run(program('throws'))).rejects.toThrow('CPU 2: boom from the program');
      await c3.close();
      await c.close();
      await expect(c.run(program('throws'))).rejects.toThrow('the cluster is closed');
    });

    test('bad configs are named errors that show what was given', async () => {
      await expect(Cluster.start({ cpus: 0, pages: 1, backend: backend.name, transport: backend.transport })).rejects.toThrow(DsmConfigError);
      await expect(Cluster.start({ cpus: '4' as unknown as number, pages: 1, backend: backend.name, transport: backend.transport })).rejects.toThrow('invalid config: cpus = "4" (a string); allowed: an integer from 1 to 256');
      await expect(Cluster.start({ cpus: 2, pages: 1, backend: 'carrier-pigeon' })).rejects.toThrow('backend = "carrier-pigeon"; allowed: workers');
      await expect(Cluster.start({ cpus: 2, pages: 1, backend: backend.name, transport: backend.transport, protocol: 'mesi' })).rejects.toThrow('protocol = "mesi"');
      await expect(Cluster.start({ cpus: 2, pages: 1, backend: backend.name, transport: backend.transport, timeoutMs: -5 })).rejects.toThrow('timeoutMs = -5');
      await expect(cluster.run(program('add-one'), { address: 0 }, { signal: 5 as unknown as AbortSignal })).rejects.toThrow(new DsmConfigError('run: signal must be an AbortSignal, got number'));
    });
  });
});
