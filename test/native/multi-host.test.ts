/**
 * The native backend on two "hosts": two network namespaces of this machine joined by a veth
 * pair, each with an address of a private /24 (10.213.77.0/24) that exists only inside them.
 * CPUs 0 and 2 run in tsdsm-a-<pid> (10.213.77.1), CPUs 1 and 3 in tsdsm-b-<pid>
 * (10.213.77.2), started with `ip netns exec`; they talk over TCP across the veth. The test
 * makes the namespaces and removes them afterwards, always (afterAll, even on failure).
 *
 * Needs root and iproute2 (`ip`): CI runs as root. If the namespaces cannot be made the test
 * fails and says why; it does not skip.
 */
import { readlinkSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Cluster, DsmPeerLostError, DsmProcessExitError, opsProgram, type Op } from '../../index.js';
import { onSim } from '../conformance/harness.js';
import { cpuProcesses } from './fixtures/processes.js';
import { ip, makeTwoHosts, type TwoHosts } from '../../benchmarks/netns.js';

const example = (name: string): URL => new URL(`../../examples/${name}.js`, import.meta.url);
const timeoutMs = 10000;
let hosts: TwoHosts | undefined;
let cluster: Cluster | undefined;
let setupError: Error | undefined;
// Set once the namespaces exist (beforeAll); the tests read them through these.
let nsA = '';
let nsB = '';
let vethA = '';
let addrA = '';
let addrB = '';

beforeAll(async () => {
  try {
    hosts = makeTwoHosts(process.pid);
  } catch (err) {
    setupError = new Error(`${(err as Error).message} (CI runs as root)`);
    throw setupError;
  }
  ({ nsA, nsB, vethA, addrA, addrB } = hosts);
  cluster = await Cluster.start({
    cpus: 4, pages: 16, timeoutMs, backend: 'native', transport: 'tcp',
    hosts: [
      { address: addrA, launch: hosts.launch('A') },
      { address: addrB, launch: hosts.launch('B') },
    ],
  });
}, 20000);

afterAll(async () => {
  try {
    await cluster?.close();
  } finally {
    hosts?.remove();
  }
}, 15000);

describe('native backend on two hosts (network namespaces joined by a veth pair)', () => {
  test('setup: the namespaces exist and every CPU runs in its host\'s namespace', () => {
    if (setupError) throw setupError;
    const inode = (ns: string): string => `net:[${statSync(`/run/netns/${ns}`).ino}]`;
    const processes = cpuProcesses();
    expect(processes.length).toBe(4);
    for (const { cpu, pid } of processes) expect(readlinkSync(`/proc/${pid}/ns/net`)).toBe(inode(cpu % 2 === 0 ? nsA : nsB));
  });

  test('the seed test runs across the two hosts', async () => {
    const { results, stats } = await cluster!.run(example('seed_test'), { address: 0x3008, value: 42 });
    expect(results).toEqual([42, 42, 42, 42]);
    expect(stats.total.writeFaults).toBe(1);
    expect(stats.total.readFaults).toBe(3);
    // The CPUs of one host are connected to the other host's over the veth.
    const established = ip('netns', 'exec', nsA, 'ss', '-Htn', 'state', 'established');
    const remote = established.split('\n').filter((l) => l.includes(`${addrA}:`) && l.includes(`${addrB}:`));
    expect(remote.length).toBe(4); // CPUs 0 and 2 each to CPUs 1 and 3
  });

  test('an op-list program across the two hosts reads and sends what the simulator does', async () => {
    const W = (address: number, value: number): Op => ({ op: 'write', type: 'int32', address, value });
    const R = (address: number): Op => ({ op: 'read', type: 'int32', address });
    const B: Op = { op: 'barrier' };
    // CPU 2 (host A) writes four words of page 5 (managed by CPU 1, host B); after a barrier
    // every CPU reads them. One writer, then readers: the counts do not depend on the schedule.
    const words = [0, 1, 2, 3].map((k) => 5 * 4096 + 8 * k);
    const programs: Op[][] = [0, 1, 2, 3].map((cpu) => [...(cpu === 2 ? words.map((a, k) => W(a, 10 + k)) : []), B, ...words.map(R)]);
    const sim = onSim('ivy', 4, 16, programs);
    const { results, stats } = await cluster!.run(opsProgram, programs);
    expect(results).toEqual(sim.results);
    expect(results[0]).toEqual([10, 11, 12, 13]);
    expect(stats.total.messagesByKind).toEqual(sim.byKind);
  });

  test('the counter runs across the two hosts', async () => {
    const { results } = await cluster!.run(example('counter'), { increments: 25, address: 0x5100 });
    expect(results).toEqual([100, 100, 100, 100]);
    expect(new DataView(cluster!.readMemory(0x5100, 4).buffer).getInt32(0, true)).toBe(100);
  });

  test('a CPU process on the other host killed mid-run: a DsmProcessExitError naming the CPU and its host; the next run starts anew', async () => {
    const running = cluster!.run(new URL('./programs/hold.js', import.meta.url), { spinner: 1 }).then(() => null, (e: unknown) => e as DsmProcessExitError);
    await new Promise((r) => setTimeout(r, 300));
    process.kill(cpuProcesses().find((p) => p.cpu === 3)!.pid, 'SIGKILL');
    const err = await running;
    expect(err).toBeInstanceOf(DsmProcessExitError);
    expect(err!.message).toMatch(new RegExp(`^CPU 3: its process on host ${addrB.replaceAll('.', '\\.')} died during the run: killed by SIGKILL`));
    const { results } = await cluster!.run(example('seed_test'), { address: 0x3008, value: 7 });
    expect(results).toEqual([7, 7, 7, 7]);
  }, 20000);

  // Last: it takes the link down for good.
  test('the link between the hosts goes down mid-run: a DsmPeerLostError naming the CPU and its host, and no process left', async () => {
    const running = cluster!.run(new URL('./programs/hold.js', import.meta.url), { spinner: 1 }).then(() => null, (e: unknown) => e as Error);
    await new Promise((r) => setTimeout(r, 300));
    ip('-n', nsA, 'link', 'set', vethA, 'down');
    const err = await running;
    expect(err).toBeInstanceOf(DsmPeerLostError);
    expect(err!.message).toMatch(/^CPU \d: nothing from CPU \d \(at 10\.213\.77\.[12]:\d+\) for \d+ ms, not even a heartbeat/);
    await cluster!.close();
    cluster = undefined;
    for (let waited = 0; cpuProcesses().length > 0 && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    expect(cpuProcesses()).toEqual([]);
  }, 20000);
});
