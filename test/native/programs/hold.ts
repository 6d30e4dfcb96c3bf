/**
 * CPU `spinner` spins reading a page (so that it is mid-run, in its program) until the flag
 * word is set, which nobody does; the others wait at a barrier. A test kills the spinner's
 * process from outside.
 */
import { defineProgram } from '../../../index.js';

export default defineProgram((cpu, { spinner }: { spinner: number }) => {
  if (cpu.id === spinner) {
    while (cpu.memory.getInt32(0) === 0) {
      // Spinning on shared memory.
    }
  }
  cpu.barrier();
  return cpu.id;
});
