/**
 * Question: do the applications run faster on more CPUs, at sizes where a DSM pays? Jacobi
 * (n = 1024, 100 sweeps), matrix multiply (n = 512), integer radix sort (2^22 keys) and LU
 * (n = 1024) on 1, 2 and 4 CPUs, on worker threads and on native processes (native Jacobi and
 * matmul also with 64 KiB pages), against the plain sequential loop on typed arrays (each
 * example's sequential twin). Each configuration, the sequential one included, runs `warmups` times untimed, then the best of `trials` timed runs
 * counts (for a cluster, wall time of cluster.run, from posting the tasks to collecting the
 * memory): the steady state. The configurations of an application take turns, run by run
 * (timeRounds), so that each ratio compares runs made close together. A worker's program runs once per run, so its loops reach
 * optimized code only after a run or two. The machine's core count bounds any speedup.
 * `quick` shrinks every size and runs each once: a smoke test of the benchmark, not a measurement.
 */
import { availableParallelism } from 'node:os';
import { Cluster } from '../index.js';
import { jacobiLayout, jacobiSequential } from '../examples/jacobi.js';
import { luLayout, luSequential } from '../examples/lu.js';
import { matmulLayout, matmulSequential } from '../examples/matmul.js';
import { radixLayout, radixSequential } from '../examples/radix.js';

export interface AppRow {
  app: string;
  size: string;
  backend: string;
  cpus: number | 'sequential';
  /** The cluster's page size in bytes (null for the sequential loop). */
  pageSize: number | null;
  ms: number;
  vsSequential: number;
  faults: number;
  messages: number;
}

export interface AppsResult {
  cores: number;
  warmups: number;
  trials: number;
  rows: AppRow[];
}

/** The page size of every configuration but the ones `variants` names with another. */
export const defaultPageSize = 4096;

/** The larger page size native Jacobi and matmul also run with. */
export const largePageSize = 65536;

/** A backend and the page size its clusters use. */
export interface Variant {
  backend: string;
  pageSize: number;
}

/**
 * The configurations measured: each backend at the system page size, and native also at 64
 * KiB pages (for the applications whose `largePages` says so): the coherence unit as a
 * tuning knob (16× fewer initializing faults, more false sharing; docs/performance.md,
 * "Page size").
 */
export const defaultVariants: readonly Variant[] = [
  { backend: 'workers', pageSize: defaultPageSize },
  { backend: 'native', pageSize: defaultPageSize },
  { backend: 'native', pageSize: largePageSize },
];

interface App {
  app: string;
  size: string;
  program: string;
  args: unknown;
  /** Bytes of shared memory for `cpus` CPUs. */
  bytes: (cpus: number) => number;
  sequential: () => unknown;
  /**
   * Whether the variants with pages larger than the system's run it. Radix sort's scatter
   * puts several CPUs' runs of keys in every 64 KiB page, and the pages then move at nearly
   * every store (4 native CPUs: no run ended within 60 s, against 3 s with 4 KiB pages).
   */
  largePages: boolean;
}

function apps(quick: boolean): App[] {
  const jacobi = quick ? { n: 64, iterations: 4 } : { n: 1024, iterations: 100 };
  const matmul = quick ? 32 : 512;
  const radix = quick ? 4096 : 1 << 22;
  const lu = quick ? 32 : 1024;
  return [
    { app: 'jacobi', size: `n=${jacobi.n}, ${jacobi.iterations} sweeps`, program: 'jacobi', args: jacobi, bytes: () => jacobiLayout(jacobi.n).bytes, sequential: () => jacobiSequential(jacobi.n, jacobi.iterations), largePages: true },
    { app: 'matmul', size: `n=${matmul}`, program: 'matmul', args: { n: matmul }, bytes: () => matmulLayout(matmul).bytes, sequential: () => matmulSequential(matmul), largePages: true },
    { app: 'radix', size: `${radix} keys`, program: 'radix', args: { n: radix }, bytes: (cpus) => radixLayout(radix, cpus).bytes, sequential: () => radixSequential(radix), largePages: false },
    { app: 'lu', size: `n=${lu}`, program: 'lu', args: { n: lu }, bytes: () => luLayout(lu).bytes, sequential: () => luSequential(lu), largePages: false },
  ];
}

/** One configuration of an application: the sequential loop, or a cluster kept for every trial. */
interface Config {
  backend: string;
  cpus: number | 'sequential';
  pageSize: number | null;
  /** Runs the configuration once; returns the run's faults and messages. */
  run: () => Promise<{ faults: number; messages: number }>;
  close: () => Promise<void>;
  best: { ms: number; faults: number; messages: number };
}

async function clusterConfig({ backend, pageSize }: Variant, cpus: number, bytes: number, program: string, args: unknown): Promise<Config> {
  const cluster = await Cluster.start({ cpus, pages: Math.ceil(bytes / pageSize), pageSize, timeoutMs: 600000, backend });
  const url = new URL(`../examples/${program}.js`, import.meta.url);
  return {
    backend,
    cpus,
    pageSize,
    run: async () => {
      const { stats } = await cluster.run(url, args);
      return { faults: stats.total.readFaults + stats.total.writeFaults, messages: stats.total.messages };
    },
    close: () => cluster.close(),
    best: { ms: Infinity, faults: 0, messages: 0 },
  };
}

/**
 * Times every configuration of one application in rounds: each round runs each
 * configuration once, the sequential loop first, so that the runs a ratio compares are
 * minutes apart at most, never a whole benchmark apart (this machine's speed drifts: the
 * sequential Jacobi took 260–314 ms in one minute and 315–468 ms in another). The first
 * `warmups` rounds are untimed; the best timed run of each configuration counts.
 */
async function timeRounds(configs: Config[], warmups: number, trials: number): Promise<void> {
  for (let t = 0; t < warmups + trials; t++) {
    for (const c of configs) {
      const t0 = performance.now();
      const counts = await c.run();
      const ms = performance.now() - t0;
      if (t >= warmups && ms < c.best.ms) c.best = { ms, ...counts };
    }
  }
}

export async function benchApps(options: { quick: boolean; variants?: readonly Variant[]; cpuCounts?: number[] }): Promise<AppsResult> {
  const warmups = options.quick ? 0 : 1;
  const trials = options.quick ? 1 : 3;
  const rows: AppRow[] = [];
  for (const a of apps(options.quick)) {
    const configs: Config[] = [
      { backend: 'plain', cpus: 'sequential', pageSize: null, run: async () => (a.sequential(), { faults: 0, messages: 0 }), close: async () => {}, best: { ms: Infinity, faults: 0, messages: 0 } },
    ];
    try {
      for (const variant of options.variants ?? defaultVariants) {
        if (variant.pageSize !== defaultPageSize && !a.largePages) continue;
        for (const cpus of options.cpuCounts ?? [1, 2, 4]) configs.push(await clusterConfig(variant, cpus, a.bytes(cpus), a.program, a.args));
      }
      await timeRounds(configs, warmups, trials);
    } finally {
      for (const c of configs) await c.close();
    }
    const seqMs = configs[0]!.best.ms;
    for (const c of configs) rows.push({ app: a.app, size: a.size, backend: c.backend, cpus: c.cpus, pageSize: c.pageSize, ms: c.best.ms, vsSequential: c.best.ms / seqMs, faults: c.best.faults, messages: c.best.messages });
  }
  return { cores: availableParallelism(), warmups, trials, rows };
}

/** The row of `app` on `backend` with `cpus` and `pageSize`, or undefined. */
export function appRow(result: AppsResult, app: string, backend: string, cpus: number | 'sequential', pageSize = defaultPageSize): AppRow | undefined {
  return result.rows.find((r) => r.app === app && r.cpus === cpus && (cpus === 'sequential' || (r.backend === backend && r.pageSize === pageSize)));
}
