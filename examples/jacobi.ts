/**
 * Jacobi relaxation of the Laplace equation on an n × n grid of float64: the top edge is held
 * at 1, the other edges at 0, and every interior point becomes the mean of its four
 * neighbours, `iterations` times. Two grids in shared memory (ping-pong: read one, write the
 * other), rows split in contiguous blocks among CPUs, a barrier after every sweep. Only the
 * rows at block edges cross CPUs, so each sweep costs a few page faults per neighbour.
 * `jacobiSequential` is the same computation on plain arrays. Without args, the grids are the
 * largest that fit the shared memory (at most 32 × 32) and relax 10 times.
 */
import { defineProgram, type DsmArray } from '../index.js';
import { fittingSize, rowsOf } from './matmul.js';

export interface JacobiArgs {
  /** Grid side (default: the largest that fits, at most 32). */
  n?: number;
  /** Sweeps (default 10). */
  iterations?: number;
}

/** Byte offsets of the two grids; after `iterations` sweeps the result is in grid `iterations % 2`. */
export function jacobiLayout(n: number): { grids: [number, number]; bytes: number } {
  const size = n * n * 8;
  return { grids: [0, size], bytes: 2 * size };
}

export default defineProgram((cpu, args: JacobiArgs | undefined): number => {
  const n = args?.n ?? fittingSize(cpu, 2);
  const iterations = args?.iterations ?? 10;
  const layout = jacobiLayout(n);
  const grids = [cpu.float64Array(layout.grids[0], n * n), cpu.float64Array(layout.grids[1], n * n)] as const;
  const [start, end] = rowsOf(cpu.id, cpu.cpus, n);
  // Each CPU initializes its rows of both grids: the top row is 1, everything else 0. (The
  // memory may hold an earlier run's data: a cluster's memory lives on between runs.)
  for (let i = start; i < end; i++) {
    for (let j = 0; j < n; j++) {
      grids[0].set(i * n + j, i === 0 ? 1 : 0);
      grids[1].set(i * n + j, i === 0 ? 1 : 0);
    }
  }
  cpu.barrier();
  for (let it = 0; it < iterations; it++) {
    relax(grids[it % 2], grids[(it + 1) % 2], Math.max(start, 1), Math.min(end, n - 1), n);
    cpu.barrier();
  }
  return end - start;
});

/**
 * One sweep over the interior rows [lo, hi): each point of `to` becomes the mean of its four
 * neighbours in `from`. A function of its own, called once a sweep, so that V8 optimizes it
 * as a whole function after a few sweeps: a loop nest left inside one long call is optimized
 * on the stack instead (OSR), and that code ran this sweep 2× slower in some runs
 * (docs/performance.md, "Hot loops in functions of their own").
 */
export function relax(from: DsmArray<number>, to: DsmArray<number>, lo: number, hi: number, n: number): void {
  for (let i = lo; i < hi; i++) {
    for (let j = 1; j < n - 1; j++) {
      to.set(i * n + j, (from.get((i - 1) * n + j) + from.get((i + 1) * n + j) + from.get(i * n + j - 1) + from.get(i * n + j + 1)) * 0.25);
    }
  }
}

/** The same relaxation on plain arrays; returns the final grid. */
export function jacobiSequential(n: number, iterations: number): Float64Array {
  const grids = [new Float64Array(n * n), new Float64Array(n * n)] as const;
  for (let j = 0; j < n; j++) {
    grids[0][j] = 1;
    grids[1][j] = 1;
  }
  for (let it = 0; it < iterations; it++) relaxPlain(grids[it % 2], grids[(it + 1) % 2], 1, n - 1, n);
  return grids[iterations % 2];
}

/** `relax` on plain typed arrays, indexing them (a function of its own for the same reason). */
export function relaxPlain(from: Float64Array, to: Float64Array, lo: number, hi: number, n: number): void {
  for (let i = lo; i < hi; i++) {
    for (let j = 1; j < n - 1; j++) {
      to[i * n + j] = (from[(i - 1) * n + j]! + from[(i + 1) * n + j]! + from[i * n + j - 1]! + from[i * n + j + 1]!) * 0.25;
    }
  }
}
