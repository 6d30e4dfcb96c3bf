/**
 * Question: what do matrix multiply and Jacobi cost on 1, 2 and 4 simulated CPUs, against a
 * plain sequential run on a Float64Array? Each configuration, the sequential one included,
 * runs `warmups` times untimed, then the best of `trials` timed runs counts (for a cluster,
 * wall time of cluster.run, from posting the tasks to collecting the memory): the steady
 * state. The warm-up is long because a worker's program runs once per run, so its loops
 * reach optimized code only after a few runs (Jacobi at 1 CPU: 26 ms in runs 2-4, 15 ms from
 * run 5 on). The machine's core count bounds any speedup.
 */
import { availableParallelism } from 'node:os';
import { Cluster } from '../index.js';
import { jacobiLayout, jacobiSequential } from '../examples/jacobi.js';
import { matmulLayout, matmulSequential } from '../examples/matmul.js';

export interface AppRow {
  app: string;
  size: string;
  cpus: number | 'sequential';
  ms: number;
  vsSequential: number;
  faults: number;
  messages: number;
}

const pageSize = 4096;
const warmups = 4;
const trials = 3;

function timeSequential(fn: () => unknown): number {
  let best = Infinity;
  for (let t = 0; t < warmups + trials; t++) {
    const t0 = performance.now();
    fn();
    if (t >= warmups) best = Math.min(best, performance.now() - t0);
  }
  return best;
}

async function timeCluster(cpus: number, bytes: number, program: string, args: unknown): Promise<{ ms: number; faults: number; messages: number }> {
  const cluster = await Cluster.start({ cpus, pages: Math.ceil(bytes / pageSize), pageSize, timeoutMs: 300000 });
  try {
    const url = new URL(`../examples/${program}.js`, import.meta.url);
    let best = { ms: Infinity, faults: 0, messages: 0 };
    for (let t = 0; t < warmups + trials; t++) {
      const t0 = performance.now();
      const { stats } = await cluster.run(url, args);
      const ms = performance.now() - t0;
      if (t >= warmups && ms < best.ms) best = { ms, faults: stats.total.readFaults + stats.total.writeFaults, messages: stats.total.messages };
    }
    return best;
  } finally {
    await cluster.close();
  }
}

export async function benchApps(cpuCounts = [1, 2, 4]): Promise<{ cores: number; warmups: number; trials: number; rows: AppRow[] }> {
  const rows: AppRow[] = [];
  const apps = [
    { app: 'matmul', size: 'n=128', program: 'matmul', args: { n: 128 }, bytes: matmulLayout(128).bytes, sequential: () => matmulSequential(128) },
    { app: 'jacobi', size: 'n=128, 50 sweeps', program: 'jacobi', args: { n: 128, iterations: 50 }, bytes: jacobiLayout(128).bytes, sequential: () => jacobiSequential(128, 50) },
  ];
  for (const a of apps) {
    const seqMs = timeSequential(a.sequential);
    rows.push({ app: a.app, size: a.size, cpus: 'sequential', ms: seqMs, vsSequential: 1, faults: 0, messages: 0 });
    for (const cpus of cpuCounts) {
      const r = await timeCluster(cpus, a.bytes, a.program, a.args);
      rows.push({ app: a.app, size: a.size, cpus, ms: r.ms, vsSequential: r.ms / seqMs, faults: r.faults, messages: r.messages });
    }
  }
  return { cores: availableParallelism(), warmups, trials, rows };
}
