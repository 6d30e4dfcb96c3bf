/**
 * Local fault latency, 1 CPU: each round writes a page not yet written. Every page starts
 * readable, and a lone CPU manages and owns every page, so the write fault is an upgrade the
 * protocol grants without a message: what remains is the runtime's own cost of a fault (on
 * native: SIGSEGV, the fault record, waking the protocol thread, mprotect, the grant, the
 * step trap). Returns the samples in µs.
 */
import { defineProgram } from '../../index.js';

export default defineProgram((cpu, { rounds, pageSize }: { rounds: number; pageSize: number }): number[] => {
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    cpu.memory.setInt32(r * pageSize, r);
    samples.push((performance.now() - t0) * 1000);
  }
  return samples;
});
