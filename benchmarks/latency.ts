/**
 * Question: how long does a remote fault block a program, against the cost of the transport
 * it rides on? Fault latencies are measured inside the faulting CPU's program; the floors
 * (a MessagePort round trip carried as the runtime carries messages, and a SharedArrayBuffer
 * ping-pong copying 4 KiB) between two plain workers, in the same run.
 * Target: remote read fault ≤ 2× the MessagePort floor.
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import { Cluster } from '../index.js';
import { validateConfig } from '../src/core/config.js';
import { ringBufferBytes } from '../workers/links.js';
import { median, percentile } from './stats.js';

export interface LatencyResult {
  samples: number;
  readFaultUs: number;
  readFaultP90Us: number;
  writeInvalidateUs: number;
  writeInvalidateP90Us: number;
  portRoundTripUs: number;
  /** Transport 'ring' of the workers backend: its remote read fault and its floor. */
  ringReadFaultUs: number;
  ringRoundTripUs: number;
  sabCopyRoundTripUs: number;
  readFaultOverPortFloor: number;
  /**
   * The same ratio per hop: the read fault's critical path has 3 (requester → manager →
   * owner → requester; the confirmation follows the resume), the round trip 2.
   */
  readFaultHopOverPortHop: number;
}

const pageSize = 4096;
const floorWorker = new URL('./floor-worker.js', import.meta.url);

/** A fault program's samples (µs, timed inside CPU 0's program) on `backend`. */
export async function faultSamples(program: string, cpus: number, rounds: number, backend = 'workers', transport?: string): Promise<number[]> {
  const cluster = await Cluster.start({ cpus, pages: 8, pageSize, timeoutMs: 120000, backend, transport });
  try {
    const url = new URL(`./programs/${program}.js`, import.meta.url);
    await cluster.run(url, { rounds: Math.min(rounds, 200), pageSize }); // warm the workers and the JIT
    const { results } = await cluster.run<number[]>(url, { rounds, pageSize });
    return results[0]!;
  } finally {
    await cluster.close();
  }
}

async function floorSamples(kind: 'port' | 'ring' | 'sab', rounds: number): Promise<number[]> {
  const control = new SharedArrayBuffer(8);
  const data = new SharedArrayBuffer(4096);
  const rings = new SharedArrayBuffer(ringBufferBytes(validateConfig({ cpus: 2, pages: 8, pageSize })));
  const { port1, port2 } = new MessageChannel();
  const start = (role: string, port: typeof port1 | undefined): Worker =>
    new Worker(floorWorker, {
      workerData: { role, rounds, control, data, rings, port },
      transferList: port ? [port] : [],
    });
  const b = start(`${kind}-b`, kind === 'port' ? port2 : undefined);
  const a = start(`${kind}-a`, kind === 'port' ? port1 : undefined);
  const samples = await new Promise<number[]>((resolve, reject) => {
    a.once('message', resolve);
    a.once('error', reject);
  });
  await Promise.all([a.terminate(), b.terminate()]);
  return samples;
}

export async function benchLatency(rounds = 1000): Promise<LatencyResult> {
  const read = await faultSamples('read-fault', 3, rounds);
  const write = await faultSamples('write-fault', 4, rounds);
  const port = await floorSamples('port', rounds * 2);
  const ringRead = await faultSamples('read-fault', 3, rounds, 'workers', 'ring');
  const ringFloor = await floorSamples('ring', rounds * 2);
  const sab = await floorSamples('sab', rounds * 2);
  const readFaultUs = median(read);
  const portRoundTripUs = median(port);
  return {
    samples: rounds,
    readFaultUs,
    readFaultP90Us: percentile(read, 90),
    writeInvalidateUs: median(write),
    writeInvalidateP90Us: percentile(write, 90),
    portRoundTripUs,
    ringReadFaultUs: median(ringRead),
    ringRoundTripUs: median(ringFloor),
    sabCopyRoundTripUs: median(sab),
    readFaultOverPortFloor: readFaultUs / portRoundTripUs,
    readFaultHopOverPortHop: readFaultUs / 3 / (portRoundTripUs / 2),
  };
}
