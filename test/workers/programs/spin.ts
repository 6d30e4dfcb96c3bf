/**
 * Two CPUs that each spin reading a flag on a page they hold a valid read copy of, so that
 * only the accessor's poll lets them answer the other's invalidation. CPU 0 spins on A; in
 * its first turn of the loop (so after it has read A = 0) it sets B. CPU 1 spins on B and,
 * once it sees B set, sets A. The order is forced by the data, not by timing: CPU 0 always
 * spins at least once, and each write must invalidate the other spinner's copy, which that
 * spinner answers from inside its loop. A is on page 2 and B on page 3, managed and owned
 * by CPUs 2 and 3 (4 CPUs), so the requests go through CPUs that are not spinning.
 * (B is 1 once CPU 1 leaves its loop, so CPU 1 writes 7.)
 */
import { defineProgram } from '../../../index.js';

export default defineProgram((cpu) => {
  const a = 2 * cpu.pageSize;
  const b = 3 * cpu.pageSize;
  if (cpu.id === 0) {
    let spins = 0;
    while (cpu.memory.getInt32(a) === 0) {
      if (spins === 0) cpu.memory.setInt32(b, 1);
      spins++;
    }
    return { saw: cpu.memory.getInt32(a), spun: spins > 0 };
  }
  if (cpu.id === 1) {
    while (cpu.memory.getInt32(b) === 0) {
      // Spin: the invalidation of our copy of B arrives while we loop here.
    }
    // Keep CPU 0 spinning for a while before the write, so that its loop runs as optimized
    // code by then: the accessor reads the doorbell with a plain load, which this shows the
    // compiler does not hoist out of the loop.
    let sum = 0;
    for (let i = 0; i < 2_000_000; i++) sum += cpu.memory.getInt32(b);
    cpu.memory.setInt32(a, sum > 0 ? 7 : 8);
  }
  return null;
});
