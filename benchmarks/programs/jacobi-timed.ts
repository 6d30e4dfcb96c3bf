/**
 * Jacobi (as examples/jacobi.ts) timed inside the program, in two spellings: through the
 * views' get/set (every backend; on workers the accessor's software check), or indexing the
 * views as plain typed arrays (`plain: true`, native backend only: real typed arrays over the
 * guarded view): examples/jacobi.ts's `relax` and `relaxPlain`. Returns CPU `id`'s time
 * for the sweeps in ms (after the first barrier, to the last).
 */
import { defineProgram } from '../../index.js';
import { jacobiLayout, relax, relaxPlain } from '../../examples/jacobi.js';
import { rowsOf } from '../../examples/matmul.js';

export default defineProgram((cpu, { n, iterations, plain }: { n: number; iterations: number; plain: boolean }): number => {
  const layout = jacobiLayout(n);
  const [start, end] = rowsOf(cpu.id, cpu.cpus, n);
  const lo = Math.max(start, 1);
  const hi = Math.min(end, n - 1);
  if (plain) {
    const grids = [cpu.float64Array(layout.grids[0], n * n), cpu.float64Array(layout.grids[1], n * n)] as unknown as [Float64Array, Float64Array];
    if (!(grids[0] instanceof Float64Array)) throw new Error('plain: true needs the native backend (real typed arrays)');
    for (let i = start; i < end; i++) for (let j = 0; j < n; j++) grids[0][i * n + j] = grids[1][i * n + j] = i === 0 ? 1 : 0;
    cpu.barrier();
    const t0 = performance.now();
    for (let it = 0; it < iterations; it++) {
      relaxPlain(grids[it % 2]!, grids[(it + 1) % 2]!, lo, hi, n);
      cpu.barrier();
    }
    return performance.now() - t0;
  }
  const grids = [cpu.float64Array(layout.grids[0], n * n), cpu.float64Array(layout.grids[1], n * n)] as const;
  for (let i = start; i < end; i++) {
    for (let j = 0; j < n; j++) {
      grids[0].set(i * n + j, i === 0 ? 1 : 0);
      grids[1].set(i * n + j, i === 0 ? 1 : 0);
    }
  }
  cpu.barrier();
  const t0 = performance.now();
  for (let it = 0; it < iterations; it++) {
    relax(grids[it % 2], grids[(it + 1) % 2], lo, hi, n);
    cpu.barrier();
  }
  return performance.now() - t0;
});
