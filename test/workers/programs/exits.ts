/** CPU 1's program calls process.exit: its worker thread dies while the others wait for it. */
import { defineProgram } from '../../../index.js';

export default defineProgram((cpu) => {
  if (cpu.id === 1) process.exit(7);
  cpu.barrier();
  return cpu.id;
});
