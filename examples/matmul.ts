/**
 * Matrix multiply C = A × B of n × n float64 matrices in shared memory, row-major:
 * A at byte 0, B after it, C after B. CPU k owns a contiguous block of rows: it fills its
 * rows of A and B (from a formula, so no CPU needs input from another), waits at a barrier,
 * computes its rows of C reading all of B (read faults replicate B's pages), and returns the
 * sum of its rows of C. `matmulSequential` is the same computation on a plain array.
 * Without `n`, the matrices are the largest that fit the shared memory (at most 32 × 32).
 */
import { defineProgram } from '../index.js';

export interface MatmulArgs {
  /** Rows and columns (default: see fittingSize). */
  n?: number;
}

/** The largest n, at most `max`, for which `matrices` n × n float64 matrices fit the shared memory. */
export function fittingSize(cpu: { pages: number; pageSize: number }, matrices: number, max = 32): number {
  return Math.min(max, Math.floor(Math.sqrt((cpu.pages * cpu.pageSize) / (matrices * 8))));
}

export const aOf = (i: number, j: number): number => ((i + 2 * j) % 7) - 3;
export const bOf = (i: number, j: number): number => ((3 * i + j) % 5) - 2 + 0.5;

/** Byte offsets of A, B and C, and the bytes the three matrices need. */
export function matmulLayout(n: number): { a: number; b: number; c: number; bytes: number } {
  const size = n * n * 8;
  return { a: 0, b: size, c: 2 * size, bytes: 3 * size };
}

/** Rows [start, end) of CPU `id` among `cpus`: contiguous blocks, the first ones one row longer. */
export function rowsOf(id: number, cpus: number, rows: number): [number, number] {
  const base = Math.floor(rows / cpus);
  const extra = rows % cpus;
  const start = id * base + Math.min(id, extra);
  return [start, start + base + (id < extra ? 1 : 0)];
}

export default defineProgram((cpu, args: MatmulArgs | undefined): number => {
  const n = args?.n ?? fittingSize(cpu, 3);
  const layout = matmulLayout(n);
  const a = cpu.float64Array(layout.a, n * n);
  const b = cpu.float64Array(layout.b, n * n);
  const c = cpu.float64Array(layout.c, n * n);
  const [start, end] = rowsOf(cpu.id, cpu.cpus, n);
  for (let i = start; i < end; i++) {
    for (let j = 0; j < n; j++) {
      a.set(i * n + j, aOf(i, j));
      b.set(i * n + j, bOf(i, j));
    }
  }
  cpu.barrier();
  let sum = 0;
  for (let i = start; i < end; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let k = 0; k < n; k++) acc += a.get(i * n + k) * b.get(k * n + j);
      c.set(i * n + j, acc);
      sum += acc;
    }
  }
  cpu.barrier();
  return sum;
});

/** The same product on plain arrays, in the same order of operations (so bit-identical). */
export function matmulSequential(n: number): Float64Array {
  const a = new Float64Array(n * n);
  const b = new Float64Array(n * n);
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      a[i * n + j] = aOf(i, j);
      b[i * n + j] = bOf(i, j);
    }
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let k = 0; k < n; k++) acc += a[i * n + k]! * b[k * n + j]!;
      c[i * n + j] = acc;
    }
  }
  return c;
}
