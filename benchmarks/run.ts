/**
 * `npm run bench`: every benchmark of the worker-thread runtime and the simulator's protocol
 * throughput, printed as tables and
 * written to bench-results/workers.json. Timing lives here only, never in tests.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { table } from '../src/runtime/stats.js';
import { benchAccessor } from './accessor.js';
import { benchApps } from './apps.js';
import { benchLatency } from './latency.js';
import { benchProtocolThroughput, formatProtocolThroughput } from './protocol-throughput.js';
import { fixed } from './stats.js';

const started = performance.now();
const machine = { node: process.version, cores: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown', platform: `${process.platform}-${process.arch}` };
console.log(`tsdsm benchmarks: node ${machine.node}, ${machine.cores} cores, ${machine.cpu}\n`);

const accessor = benchAccessor();
console.log('Accessor vs raw Float64Array (page already valid), ns per access; target ratio ≤ 3');
console.log(table([
  ['', 'raw Float64Array', 'cpu.memory.getFloat64/setFloat64', 'ratio', 'float64Array view .get'],
  ['read', fixed(accessor.rawReadNs), fixed(accessor.accessorReadNs), fixed(accessor.readRatio), fixed(accessor.viewReadNs)],
  ['write', fixed(accessor.rawWriteNs), fixed(accessor.accessorWriteNs), fixed(accessor.writeRatio), ''],
]));

const latency = await benchLatency(1000);
console.log(`\nFault latency vs transport floors, median of ${latency.samples} (µs); target read fault ≤ 2× port floor`);
console.log(table([
  ['', 'median µs', 'p90 µs'],
  ['remote read fault (4 messages, 3 CPUs distinct)', fixed(latency.readFaultUs, 1), fixed(latency.readFaultP90Us, 1)],
  ['write fault invalidating 1 copy (page moves)', fixed(latency.writeInvalidateUs, 1), fixed(latency.writeInvalidateP90Us, 1)],
  ['floor: MessagePort round trip (doorbell + Atomics.wait)', fixed(latency.portRoundTripUs, 1), ''],
  ['floor: SharedArrayBuffer ping-pong with 4 KiB copy', fixed(latency.sabCopyRoundTripUs, 1), ''],
  ['read fault / port floor', fixed(latency.readFaultOverPortFloor), ''],
  ['per hop: (read fault / 3) / (port floor / 2)', fixed(latency.readFaultHopOverPortHop), ''],
]));

const apps = await benchApps();
console.log(`\nApplications, best of ${apps.trials} runs after ${apps.warmups} untimed (ms), ${apps.cores} cores on this machine`);
console.log(table([
  ['app', 'size', 'CPUs', 'ms', '× sequential', 'faults', 'messages'],
  ...apps.rows.map((r) => [r.app, r.size, String(r.cpus), fixed(r.ms, 1), fixed(r.vsSequential), String(r.faults), String(r.messages)]),
]));

const throughput = await benchProtocolThroughput();
console.log(`\n${formatProtocolThroughput(throughput)}`);

const totalS = (performance.now() - started) / 1000;
await mkdir('bench-results', { recursive: true });
await writeFile('bench-results/workers.json', `${JSON.stringify({ machine, date: new Date().toISOString(), accessor, latency, apps, throughput, totalS }, null, 2)}\n`);
console.log(`\nwrote bench-results/workers.json (${fixed(totalS, 1)} s)`);
