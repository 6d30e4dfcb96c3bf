/**
 * CPU 0 spins reading a flag on a page it holds a valid read copy of, until CPU 1 sets it.
 * CPU 1's write must invalidate CPU 0's copy, so CPU 0 has to answer the INVALIDATE from
 * inside its spin loop: only the accessor's periodic poll lets it. Returns the loop count.
 */
import { defineProgram } from '../../../index.js';

export default defineProgram((cpu) => {
  const flag = 0x40;
  if (cpu.id === 0) {
    let spins = 0;
    while (cpu.memory.getInt32(flag) === 0) spins++;
    return { saw: cpu.memory.getInt32(flag), spun: spins > 0 };
  }
  if (cpu.id === 1) cpu.memory.setInt32(flag, 7);
  return null;
});
