/** CPU 0 writes the first page of the region, CPU 1 the last, each adding 1 to its first int32; the others do nothing. */
import { defineProgram } from '../../index.js';

export default defineProgram((cpu): void => {
  const last = (cpu.pages - 1) * cpu.pageSize;
  if (cpu.id === 0) cpu.memory.setInt32(0, cpu.memory.getInt32(0) + 1);
  if (cpu.id === 1) cpu.memory.setInt32(last, cpu.memory.getInt32(last) + 1);
});
