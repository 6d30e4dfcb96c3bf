/**
 * LU decomposition in place (Doolittle, no pivoting, as in SPLASH-2's LU without its blocks)
 * of an n × n float64 matrix in shared memory, row-major, diagonally dominant so that no pivot
 * is needed (luOf). Rows are dealt to CPUs cyclically (row i to CPU i mod cpus), so that every
 * step keeps every CPU busy; at n = 512 a row is one 4 KiB page, so no page is written by two
 * CPUs. Step k: every CPU reads row k (one read fault per CPU for its page), eliminates
 * column k from its rows below k (storing the multiplier where the zero would be), and a
 * barrier. After step n-2 the matrix holds U on and above the diagonal and L (unit diagonal
 * implied) below it. `luSequential` is the same elimination on a plain array, in the same
 * order of operations (bit-identical). Without args, the largest n that fits, at most 32.
 */
import { defineProgram } from '../index.js';
import { fittingSize } from './matmul.js';

export interface LuArgs {
  /** Rows and columns (default: the largest that fits, at most 32). */
  n?: number;
}

/** The matrix: diagonally dominant (n on the diagonal, entries of [0, 1) elsewhere). */
export const luOf = (i: number, j: number, n: number): number => (i === j ? n : 0) + ((i * 7 + j * 3) % 11) / 11;

export function luLayout(n: number): { a: number; bytes: number } {
  return { a: 0, bytes: n * n * 8 };
}

/** The first row after `k` that CPU `id` of `cpus` owns (rows dealt cyclically). */
function firstRowAfter(k: number, id: number, cpus: number): number {
  const r = k + 1;
  return r + ((((id - r) % cpus) + cpus) % cpus);
}

export default defineProgram((cpu, args: LuArgs | undefined): number => {
  const n = args?.n ?? fittingSize(cpu, 1);
  const a = cpu.float64Array(luLayout(n).a, n * n);
  let rows = 0;
  for (let i = cpu.id; i < n; i += cpu.cpus) {
    for (let j = 0; j < n; j++) a.set(i * n + j, luOf(i, j, n));
    rows += 1;
  }
  cpu.barrier();
  for (let k = 0; k < n - 1; k++) {
    const pivot = a.get(k * n + k);
    for (let i = firstRowAfter(k, cpu.id, cpu.cpus); i < n; i += cpu.cpus) {
      const l = a.get(i * n + k) / pivot;
      a.set(i * n + k, l);
      for (let j = k + 1; j < n; j++) a.set(i * n + j, a.get(i * n + j) - l * a.get(k * n + j));
    }
    cpu.barrier();
  }
  return rows;
});

/** The same decomposition on a plain array; returns the matrix (L below the diagonal, U on and above). */
export function luSequential(n: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = luOf(i, j, n);
  for (let k = 0; k < n - 1; k++) {
    const pivot = a[k * n + k]!;
    for (let i = k + 1; i < n; i++) {
      const l = a[i * n + k]! / pivot;
      a[i * n + k] = l;
      for (let j = k + 1; j < n; j++) a[i * n + j] = a[i * n + j]! - l * a[k * n + j]!;
    }
  }
  return a;
}
