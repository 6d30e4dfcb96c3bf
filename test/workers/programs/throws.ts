/** CPU 2 throws at once; the others wait at a barrier that CPU 2 never reaches. */
import { defineProgram } from '../../../index.js';

export default defineProgram((cpu) => {
  if (cpu.id === 2) throw new TypeError('boom from the program');
  cpu.barrier();
  return cpu.id;
});
