/**
 * The ring transport's own floor (native, one host): the round trip of a 16-byte frame
 * between two Node processes through the rings of a shared mapping (native/rings.ts), each
 * side waiting as a CPU's protocol thread does: a bounded spin on its bell, then poll(2) on
 * its doorbell FIFO. No protocol, no fault.
 *
 *   node ring-pingpong.js DIR 1        the echo side (CPU 1): echoes every frame
 *   node ring-pingpong.js DIR 0 N [G]  the timing side (CPU 0): N timed round trips, printed as JSON (µs),
 *                                      each after G ms idle (default 0: back to back), so the
 *                                      echo side has gone to sleep as a quiet CPU has
 *
 * DIR holds the mapping (`rings`, made by the caller) and the two FIFOs; the echo side prints
 * "ready" once its FIFO exists. Started by benchmarks/floors.ts.
 */
import { loadAddon } from '../native/index.js';
import { bellPath } from '../native/paths.js';
import { Rings } from '../native/rings.js';

const [dir, cpuArg, count, gapArg] = process.argv.slice(2);
const gapMs = Number(gapArg ?? 0);
const idle = new Int32Array(new SharedArrayBuffer(4));
const cpu = Number(cpuArg);
const addon = loadAddon();
const rings = new Rings(addon, dir!, cpu, { cpus: 2, pageSize: 4096 });
const fds = Int32Array.of(rings.bellFd);
const ready = new Int32Array(1);
const spins = 200;

/** The next frame from the other side, waiting the way the protocol thread waits. */
function next(): Uint8Array {
  for (;;) {
    const seen = rings.seen();
    const got = rings.ends.receive();
    if (got !== null) return got.frame;
    let moved = false;
    for (let i = 0; i < spins && !moved; i++) moved = rings.seen() !== seen;
    if (moved || !rings.sleep(seen)) continue;
    addon.waitFds(fds, ready, 1000);
    rings.awake();
    if (ready[0] !== 0) addon.drain(fds[0]!);
  }
}

if (cpu === 1) {
  console.log('ready');
  // Wait for the timing side's FIFO, then echo forever (the caller kills us).
  const { existsSync } = await import('node:fs');
  while (!existsSync(bellPath(dir!, 0))) await new Promise((r) => setTimeout(r, 5));
  const send = rings.connect(0, bellPath(dir!, 0));
  for (;;) send(next());
} else {
  const send = rings.connect(1, bellPath(dir!, 1));
  const message = new Uint8Array(16).fill(7);
  const n = Number(count);
  const samples: number[] = [];
  for (let r = 0; r < n + 100; r++) {
    if (gapMs > 0) Atomics.wait(idle, 0, 0, gapMs);
    const t0 = performance.now();
    send(message);
    next();
    samples.push((performance.now() - t0) * 1000);
  }
  console.log(JSON.stringify(samples.slice(100))); // the first 100 warm up
  process.exit(0);
}
