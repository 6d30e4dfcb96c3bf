/**
 * Jacobi relaxation of the Laplace equation on an n × n grid of float64: the top edge is held
 * at 1, the other edges at 0, and every interior point becomes the mean of its four
 * neighbours, `iterations` times. Two grids in shared memory (ping-pong: read one, write the
 * other), rows split in contiguous blocks among CPUs, a barrier after every sweep. Only the
 * rows at block edges cross CPUs, so each sweep costs a few page faults per neighbour.
 * `jacobiSequential` is the same computation on plain arrays. Without args, the grids are the
 * largest that fit the shared memory (at most 32 × 32) and relax 10 times.
 */
import { defineProgram } from '../index.js';
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
    const from = grids[it % 2];
    const to = grids[(it + 1) % 2];
    for (let i = Math.max(start, 1); i < Math.min(end, n - 1); i++) {
      for (let j = 1; j < n - 1; j++) {
        const v = (from.get((i - 1) * n + j) + from.get((i + 1) * n + j) + from.get(i * n + j - 1) + from.get(i * n + j + 1)) * 0.25;
        to.set(i * n + j, v);
      }
    }
    cpu.barrier();
  }
  return end - start;
});

/** The same relaxation on plain arrays; returns the final grid. */
export function jacobiSequential(n: number, iterations: number): Float64Array {
  const grids = [new Float64Array(n * n), new Float64Array(n * n)] as const;
  for (let j = 0; j < n; j++) {
    grids[0][j] = 1;
    grids[1][j] = 1;
  }
  for (let it = 0; it < iterations; it++) {
    const from = grids[it % 2];
    const to = grids[(it + 1) % 2];
    for (let i = 1; i < n - 1; i++) {
      for (let j = 1; j < n - 1; j++) {
        to[i * n + j] = (from[(i - 1) * n + j]! + from[(i + 1) * n + j]! + from[i * n + j - 1]! + from[i * n + j + 1]!) * 0.25;
      }
    }
  }
  return grids[iterations % 2];
}
