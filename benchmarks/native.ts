/**
 * Question: what does a fault cost on the native backend (real mprotect and SIGSEGV, one
 * process per CPU, shared-memory rings) against worker threads (the accessor's software check,
 * MessagePorts)? The same programs on both, timed inside the faulting CPU's program:
 *
 *  - the floor (native only): a fault granted by a bare worker thread, no protocol (SIGSEGV,
 *    the pipe wake-up of the other thread, mprotect, the futex grant);
 *  - local fault: an upgrade the protocol grants without a message (the runtime's own cost);
 *  - remote read fault: 4 messages, requester, manager and owner distinct;
 *  - write fault invalidating one copy: 5 messages on the critical path;
 *
 * native over shared-memory rings (the default) and over TCP on 127.0.0.1 (`transport: 'tcp'`).
 *
 * Several hosts (as root): the remote read fault with its CPUs on two network namespaces
 * joined by a veth pair (CPU 0 and CPU 1 on host A, CPU 2, the page's manager, on host B: two
 * of the three hops on the critical path cross the link), beside the same fault over TCP on
 * 127.0.0.1, over Unix sockets and over rings, with each transport's own round trip
 * (pingpong.ts, ring-pingpong.ts) measured in the same run.
 *
 * And what the native backend's real typed arrays buy a compute loop: Jacobi (n = 256, 1 and 2 CPUs)
 * through the views' get/set on workers (the accessor's software check) and on native (a
 * typed-array subclass's get/set), and indexing the native views as plain arrays (`a[i]`).
 *
 *   npm run bench:native        (prints two tables; medians and 90th percentiles in µs; Jacobi in ms)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ringFloorSamples, roundTrips } from './floors.js';
import { makeTwoHosts, type TwoHosts } from './netns.js';
import { Cluster } from '../index.js';
import { loadAddon, Region } from '../native/index.js';
import { table } from '../src/runtime/stats.js';
import { fixed, median, percentile } from './stats.js';

const pageSize = 4096;
const rounds = Number(process.argv[2] ?? 1000);

type Hosts = { address: string; launch?: string[] }[];

async function samples(backend: string, program: string, cpus: number, pages: number, transport?: string, hosts?: Hosts): Promise<number[]> {
  const cluster = await Cluster.start({ cpus, pages, pageSize, timeoutMs: 300000, backend, transport, hosts });
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

/** Write faults on fresh pages of a region whose faults a bare worker grants; µs per fault. */
async function floorSamples(): Promise<number[]> {
  const pages = rounds + 1;
  const region = new Region(loadAddon(), pages, pageSize);
  const view = new Int32Array(region.view());
  const worker = new Worker(new URL('./native-grant-worker.js', import.meta.url), { workerData: { regionId: region.id, pages, pageSize } });
  await new Promise((resolve) => worker.once('message', resolve));
  const out: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    view[(r * pageSize) / 4] = r;
    out.push((performance.now() - t0) * 1000);
  }
  await worker.terminate();
  return out;
}

const rows: string[][] = [];
const floor = await floorSamples();
rows.push(['floor: fault granted by a bare thread (no protocol)', '', '', fixed(median(floor), 1), fixed(percentile(floor, 90), 1), '', '', '']);
for (const c of cases) {
  const workers = await samples('workers', c.program, c.cpus, c.pages);
  const native = await samples('native', c.program, c.cpus, c.pages);
  const tcp = await samples('native', c.program, c.cpus, c.pages, 'tcp');
  rows.push([
    c.name,
    fixed(median(workers), 1), fixed(percentile(workers, 90), 1),
    fixed(median(native), 1), fixed(percentile(native, 90), 1),
    fixed(median(native) / median(workers), 2),
    fixed(median(tcp), 1), fixed(percentile(tcp, 90), 1),
  ]);
}
console.log(`Fault latency, workers vs native, ${rounds} samples each (µs)`);
console.log(table([['case', 'workers p50', 'workers p90', 'native p50', 'native p90', 'native / workers', 'native tcp p50', 'native tcp p90'], ...rows]));

/** Jacobi sweeps timed inside CPU 0's program (ms): the median of `repeats` runs after a warm-up. */
async function jacobiMs(backend: string, plain: boolean, cpus: number, n: number, iterations: number, repeats = 5): Promise<number> {
  const pages = Math.ceil((2 * n * n * 8) / pageSize);
  const cluster = await Cluster.start({ cpus, pages, pageSize, timeoutMs: 300000, backend });
  try {
    const url = new URL('./programs/jacobi-timed.js', import.meta.url);
    await cluster.run(url, { n, iterations, plain }); // warm the JIT
    const times: number[] = [];
    for (let r = 0; r < repeats; r++) times.push((await cluster.run<number>(url, { n, iterations, plain })).results[0]!);
    return median(times);
  } finally {
    await cluster.close();
  }
}

const n = 256;
const iterations = 50;
const jacobiRows: string[][] = [];
for (const cpus of [1, 2]) {
  const workers = await jacobiMs('workers', false, cpus, n, iterations);
  const nativeGetSet = await jacobiMs('native', false, cpus, n, iterations);
  const nativePlain = await jacobiMs('native', true, cpus, n, iterations);
  jacobiRows.push([String(cpus), fixed(workers, 1), fixed(nativeGetSet, 1), fixed(nativePlain, 1), fixed(nativePlain / workers, 2)]);
}
console.log(`\nJacobi n = ${n}, ${iterations} sweeps: CPU 0's sweep time (ms, median of 5); 1 CPU is compute alone, 2 CPUs adds faults and barriers`);
console.log(table([['cpus', 'workers get/set', 'native get/set', 'native a[i]', 'native a[i] / workers'], ...jacobiRows]));

const hostRows: string[][] = [];
const readFault = cases[1]!;
const dir = mkdtempSync(join(tmpdir(), 'tsdsm-bench-'));
let twoHosts: TwoHosts | null = null;
try {
  const ringFloor = await ringFloorSamples(rounds);
  const ringFault = await samples('native', readFault.program, readFault.cpus, readFault.pages, 'ring');
  const unixFloor = await roundTrips(join(dir, 'pp.sock'), [], [], rounds);
  const unixFault = await samples('native', readFault.program, readFault.cpus, readFault.pages, 'unix');
  const loopFloor = await roundTrips('127.0.0.1', [], [], rounds);
  const loopFault = await samples('native', readFault.program, readFault.cpus, readFault.pages, 'tcp');
  const row = (name: string, fault: number[], floor: number[]): string[] => [
    name, fixed(median(fault), 1), fixed(percentile(fault, 90), 1), fixed(median(floor), 1), fixed(median(fault) / 3 / (median(floor) / 2), 2),
  ];
  hostRows.push(row('shared-memory rings, one host (default)', ringFault, ringFloor));
  hostRows.push(row('Unix sockets, one host', unixFault, unixFloor));
  hostRows.push(row('TCP on 127.0.0.1, one host', loopFault, loopFloor));
  try {
    twoHosts = makeTwoHosts(process.pid, '10.213.78');
  } catch (err) {
    hostRows.push(['TCP across two namespaces (veth)', `not measured: ${(err as Error).message.split('\n')[0]}`, '', '', '']);
  }
  if (twoHosts) {
    const h = twoHosts;
    const netFloor = await roundTrips(h.addrB, h.launch('B'), h.launch('A'), rounds);
    const netFault = await samples('native', readFault.program, readFault.cpus, readFault.pages, 'tcp', [
      { address: h.addrA, launch: h.launch('A') }, { address: h.addrA, launch: h.launch('A') }, { address: h.addrB, launch: h.launch('B') },
    ]);
    hostRows.push(row('TCP across two namespaces (veth)', netFault, netFloor));
  }
} finally {
  twoHosts?.remove();
  rmSync(dir, { recursive: true, force: true });
}
console.log(`\nRemote read fault by transport (native, ${rounds} samples, µs); floor: the transport's own 16-byte round trip between two processes`);
console.log(table([['transport', 'read fault p50', 'read fault p90', 'floor round trip p50', 'per hop / half floor'], ...hostRows]));
