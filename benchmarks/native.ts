/**
 * Question: what does a fault cost on the native backend (real mprotect and SIGSEGV, one
 * process per CPU, Unix sockets) against worker threads (the accessor's software check,
 * MessagePorts)? The same programs on both, timed inside the faulting CPU's program:
 *
 *  - local fault: an upgrade the protocol grants without a message (the runtime's own cost);
 *  - remote read fault: 4 messages, requester, manager and owner distinct;
 *  - write fault invalidating one copy: 5 messages on the critical path.
 *
 *   npm run bench:native        (prints a table; medians and 90th percentiles in µs)
 */
import { Cluster } from '../index.js';
import { table } from '../src/runtime/stats.js';
import { fixed, median, percentile } from './stats.js';

const pageSize = 4096;
const rounds = Number(process.argv[2] ?? 1000);

async function samples(backend: string, program: string, cpus: number, pages: number): Promise<number[]> {
  const cluster = await Cluster.start({ cpus, pages, pageSize, timeoutMs: 300000, backend });
  try {
    const url = new URL(`./programs/${program}.js`, import.meta.url);
    await cluster.run(url, { rounds: Math.min(rounds, 200), pageSize }); // warm the JIT
    const { results } = await cluster.run<number[]>(url, { rounds, pageSize });
    return results[0]!;
  } finally {
    await cluster.close();
  }
}

const cases = [
  { name: 'local fault (upgrade, no message)', program: 'local-fault', cpus: 1, pages: rounds + 1 },
  { name: 'remote read fault (4 messages, 3 CPUs distinct)', program: 'read-fault', cpus: 3, pages: 8 },
  { name: 'write fault invalidating 1 copy', program: 'write-fault', cpus: 4, pages: 8 },
];

const rows: string[][] = [];
for (const c of cases) {
  const workers = await samples('workers', c.program, c.cpus, c.pages);
  const native = await samples('native', c.program, c.cpus, c.pages);
  rows.push([
    c.name,
    fixed(median(workers), 1), fixed(percentile(workers, 90), 1),
    fixed(median(native), 1), fixed(percentile(native, 90), 1),
    fixed(median(native) / median(workers), 2),
  ]);
}
console.log(`Fault latency, workers vs native, ${rounds} samples each (µs)`);
console.log(table([['case', 'workers p50', 'workers p90', 'native p50', 'native p90', 'native / workers'], ...rows]));
