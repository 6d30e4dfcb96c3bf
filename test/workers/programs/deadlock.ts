/**
 * Never finishes: CPU 1 takes lock 5 and returns without releasing it; CPU 2 then waits for
 * lock 5 forever; CPU 3 computes forever without touching shared memory. args = which CPU
 * waits on what is reported by the timeout.
 */
import { defineProgram } from '../../../index.js';

export default defineProgram((cpu, args: { spin: boolean }) => {
  if (cpu.id === 1) cpu.lock(5);
  cpu.barrier();
  if (cpu.id === 2) cpu.lock(5);
  if (cpu.id === 3 && args.spin) {
    for (;;) {
      // Busy, never touching shared memory: only terminating the worker stops it.
    }
  }
  return cpu.id;
});
