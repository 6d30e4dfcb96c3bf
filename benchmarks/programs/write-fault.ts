/**
 * Write-invalidate latency, 4 CPUs: writer CPU 0, manager CPU 3, owner CPU 1, one reader
 * CPU 2 to invalidate (WRITE_REQ, WRITE_FWD, WRITE_DATA with the page, INVALIDATE,
 * INVALIDATE_ACK; the WRITE_CONFIRM follows the resume). Each round CPU 1 writes the page and
 * CPU 2 reads it, then CPU 0 times one write. Returns CPU 0's samples in µs.
 */
import { defineProgram } from '../../index.js';

export default defineProgram((cpu, { rounds, pageSize }: { rounds: number; pageSize: number }): number[] => {
  const address = 3 * pageSize; // page 3: manager CPU 3
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (cpu.id === 1) cpu.memory.setInt32(address, r + 1);
    cpu.barrier();
    if (cpu.id === 2) cpu.memory.getInt32(address);
    cpu.barrier();
    if (cpu.id === 0) {
      const t0 = performance.now();
      cpu.memory.setInt32(address + 4, r);
      samples.push((performance.now() - t0) * 1000);
    }
    cpu.barrier();
  }
  return samples;
});
