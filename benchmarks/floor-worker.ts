/**
 * The floors' worker, in three roles. 'port': a MessagePort round trip carried exactly as
 * the runtime carries messages (encoded as the runtime's packets, post, bump a doorbell and
 * notify; the receiver blocks in Atomics.wait, drains with receiveMessageOnPort and decodes).
 * 'ring': the same over the workers' ring transport (workers/links.ts: the codec's frames in
 * a shared-memory ring, the doorbell, the receiver's bounded spin before Atomics.wait).
 * 'sab': a SharedArrayBuffer ping-pong that copies 4 KiB each way through shared memory, the
 * cheapest a page could possibly move. The initiator (role *-a) returns its round-trip
 * samples in µs.
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { validateConfig } from '../src/core/config.js';
import { RingLinks } from '../workers/links.js';
import { decodePacket, encodePacket, PageAllocator } from '../workers/packet.js';

interface Setup {
  role: 'port-a' | 'port-b' | 'ring-a' | 'ring-b' | 'sab-a' | 'sab-b';
  rounds: number;
  port?: MessagePort;
  control: SharedArrayBuffer;
  data?: SharedArrayBuffer;
  /** Role 'ring': the two CPUs' rings (workers/links.ts ringBufferBytes for 2 CPUs of 4 KiB pages). */
  rings?: SharedArrayBuffer;
}

const setup = workerData as Setup;
const control = new Int32Array(setup.control);
// control[0]: A's doorbell, control[1]: B's doorbell.
const me = setup.role.endsWith('a') ? 0 : 1;
const peer = 1 - me;

function waitFor(index: number, seen: number, spins = 0): number {
  for (let i = 0; i < spins && Atomics.load(control, index) === seen; i++);
  while (Atomics.load(control, index) === seen) Atomics.wait(control, index, seen, 1000);
  return Atomics.load(control, index);
}

function ring(index: number): void {
  Atomics.add(control, index, 1);
  Atomics.notify(control, index);
}

const samples: number[] = [];
const warmup = 200;
if (setup.role.startsWith('port')) {
  const port = setup.port!;
  const pages = new PageAllocator(4096);
  let seen = 0;
  for (let r = 0; r < setup.rounds + warmup; r++) {
    const t0 = performance.now();
    if (me === 0) {
      port.postMessage(encodePacket(r, { kind: 'READ_REQ', page: 1 }));
      ring(peer);
    }
    let got = receiveMessageOnPort(port);
    while (got === undefined) {
      seen = waitFor(me, seen);
      got = receiveMessageOnPort(port);
    }
    decodePacket(got.message, me, peer, pages);
    if (me === 1) {
      port.postMessage(encodePacket(r, { kind: 'READ_CONFIRM', page: 1 }));
      ring(peer);
    } else if (r >= warmup) {
      samples.push((performance.now() - t0) * 1000);
    }
  }
  port.close();
} else if (setup.role.startsWith('ring')) {
  const links = new RingLinks(validateConfig({ cpus: 2, pages: 8, pageSize: 4096 }), me, setup.rings!, (j) => ring(j));
  for (let r = 0; r < setup.rounds + warmup; r++) {
    const t0 = performance.now();
    if (me === 0) {
      links.post(peer, r, { kind: 'READ_REQ', page: 1 });
      ring(peer);
    }
    for (;;) {
      const seen = Atomics.load(control, me);
      if (links.receive() !== null) break;
      waitFor(me, seen, 200); // as workers/cpu.ts waits
    }
    if (me === 1) {
      links.post(peer, r, { kind: 'READ_CONFIRM', page: 1 });
      ring(peer);
    } else if (r >= warmup) {
      samples.push((performance.now() - t0) * 1000);
    }
  }
} else {
  const data = new Uint8Array(setup.data!);
  const local = new Uint8Array(4096);
  let seen = 0;
  for (let r = 0; r < setup.rounds + warmup; r++) {
    const t0 = performance.now();
    if (me === 0) {
      local[0] = r & 0xff;
      data.set(local);
      ring(peer);
    }
    seen = waitFor(me, seen);
    local.set(data);
    if (me === 1) {
      data.set(local);
      ring(peer);
    } else if (r >= warmup) {
      samples.push((performance.now() - t0) * 1000);
    }
  }
}
parentPort!.postMessage(samples);
