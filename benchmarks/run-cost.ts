/**
 * Question: does a run cost what it touches? A region of `regionMiB` (256 MiB in the full run)
 * on 2 CPUs, a program that writes 2 pages: the wall time of cluster.run (start to end: the
 * starting pages out, the program, quiescence, the touched pages back), median of `runs`
 * after one untimed, and how much memory each CPU gained over those runs (resident set: the
 * process's for worker threads, which all live in it; each CPU process's own on native). A
 * run that copied the region into every CPU would take seconds and gain the region per CPU.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { Cluster } from '../index.js';
import { median } from './stats.js';

export interface RunCostResult {
  backend: string;
  regionMiB: number;
  cpus: number;
  runs: number;
  runMs: number;
  rssGrowthPerCpuMiB: number;
}

const pageSize = 4096;
const cpus = 2;
const program = new URL('./programs/touch-two.js', import.meta.url);

/** Resident bytes of this process (workers), or of each of its children running a native CPU. */
function residentBytes(backend: string): number {
  if (backend !== 'native') return process.memoryUsage().rss;
  let total = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid || !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('cpu-entry')) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      total += Number(rss?.[1] ?? 0) * 1024;
    } catch {
      // A process that ended between the listing and the read.
    }
  }
  return total;
}

export async function benchRunCost(backend: string, regionMiB: number, runs: number): Promise<RunCostResult> {
  const pages = (regionMiB * 1024 * 1024) / pageSize;
  const cluster = await Cluster.start({ cpus, pages, pageSize, backend, timeoutMs: 120000 });
  try {
    const before = residentBytes(backend);
    await cluster.run(program);
    const times: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      await cluster.run(program);
      times.push(performance.now() - t0);
    }
    const growth = residentBytes(backend) - before;
    const counter = new DataView(cluster.readMemory((pages - 1) * pageSize, 4).buffer).getInt32(0, true);
    if (counter !== runs + 1) throw new Error(`run-cost: the last page's counter is ${counter} after ${runs + 1} runs`);
    return { backend, regionMiB, cpus, runs, runMs: median(times), rssGrowthPerCpuMiB: growth / cpus / (1024 * 1024) };
  } finally {
    await cluster.close();
  }
}
