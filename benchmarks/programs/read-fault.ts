/**
 * Remote read-fault latency, 3 CPUs: requester CPU 0, manager CPU 2, owner CPU 1, all
 * distinct (4 messages). Each round CPU 1 writes the page (taking it back and invalidating
 * CPU 0's copy), a barrier, then CPU 0 times one read, which faults. Returns CPU 0's samples in µs.
 */
import { defineProgram } from '../../index.js';

export default defineProgram((cpu, { rounds, pageSize }: { rounds: number; pageSize: number }): number[] => {
  const address = 2 * pageSize; // page 2: manager CPU 2 (2 mod 3)
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (cpu.id === 1) cpu.memory.setInt32(address, r + 1);
    cpu.barrier();
    if (cpu.id === 0) {
      const t0 = performance.now();
      const v = cpu.memory.getInt32(address);
      samples.push((performance.now() - t0) * 1000);
      if (v !== r + 1) throw new Error(`read ${v}, expected ${r + 1}`);
    }
    cpu.barrier();
  }
  return samples;
});
