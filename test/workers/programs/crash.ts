/**
 * CPU 3's worker crashes: an uncaught exception outside the program's call stack (in a
 * timer), while its program waits on a promise that never settles.
 */
import { defineProgram } from '../../../index.js';

export default defineProgram(async (cpu) => {
  if (cpu.id === 3) {
    setTimeout(() => {
      throw new Error('uncaught crash in a timer');
    }, 5);
    await new Promise(() => {});
  }
  cpu.barrier();
  return cpu.id;
});
