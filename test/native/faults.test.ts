/**
 * Faults and bad input that only the native backend has, each ending the run with a named
 * error and leaving the machine clean: a CPU process killed from outside (SIGKILL) mid-run,
 * one that stops answering (SIGSTOP: the heartbeats catch it), a WebAssembly trap inside a
 * program (the addon's SIGSEGV handler chains to V8's), and a peer that sends a malformed
 * frame. (A program that throws, a CPU that exits, bad addresses and
 * views are in the Cluster API conformance suite and typed-arrays.test.ts, on native too.)
 */
import { describe, expect, test } from '@jest/globals';
import { Cluster, DsmPeerLostError, DsmProcessExitError, DsmWireError, opsProgram } from '../../index.js';
import { cpuProcesses } from './fixtures/processes.js';
import { until } from './fixtures/until.js';
import type { WasmTrapResult } from './programs/wasm-trap.js';

const program = (name: string): URL => new URL(`./programs/${name}.js`, import.meta.url);
// Long, so that a failure reported in time is the failure itself, not the run's timeout.
const timeoutMs = 60000;

async function healthyCluster(): Promise<void> {
  const next = await Cluster.start({ cpus: 2, pages: 2, timeoutMs, backend: 'native' });
  try {
    const { results } = await next.run(opsProgram, [[{ op: 'write', type: 'int32', address: 0, value: 5 }, { op: 'barrier' }], [{ op: 'barrier' }, { op: 'read', type: 'int32', address: 0 }]]);
    expect(results).toEqual([[], [5]]);
  } finally {
    await next.close();
  }
}

describe('native faults', () => {
  test('a CPU process killed with SIGKILL mid-run: a DsmProcessExitError naming that CPU, no process left, and the next cluster works', async () => {
    const before = cpuProcesses().length;
    const cluster = await Cluster.start({ cpus: 3, pages: 2, timeoutMs, backend: 'native' });
    const running = cluster.run(program('hold'), { spinner: 1 }).then(() => null, (e: unknown) => e as DsmProcessExitError);
    // The run has started once CPU 1 is spinning: give it a moment, then kill it.
    await new Promise((r) => setTimeout(r, 300));
    const victim = cpuProcesses().find((p) => p.cpu === 1);
    expect(victim).toBeDefined();
    process.kill(victim!.pid, 'SIGKILL');
    const err = await running;
    expect(err).toBeInstanceOf(DsmProcessExitError);
    expect(err!.cpu).toBe(1);
    expect(err!.message).toMatch(/^CPU 1: its process died during the run: killed by SIGKILL/);
    await cluster.close();
    await until(() => cpuProcesses().length === before, 'the cluster\'s processes to end');
    expect(cpuProcesses().length).toBe(before);
    await healthyCluster();
  }, 30000);

  test.each([
    ['ring', 'a shared-memory ring'],
    ['unix', 'a Unix socket'],
  ])('a CPU process that stops answering (SIGSTOP) over transport %s: a DsmPeerLostError naming it, within the heartbeat bound; no process left', async (transport, address) => {
    const before = cpuProcesses().length;
    const cluster = await Cluster.start({ cpus: 3, pages: 2, timeoutMs, backend: 'native', transport });
    const running = cluster.run(program('hold'), { spinner: 1 }).then(() => null, (e: unknown) => e as Error);
    await new Promise((r) => setTimeout(r, 300));
    process.kill(cpuProcesses().find((p) => p.cpu === 2)!.pid, 'SIGSTOP');
    const err = await running;
    expect(err).toBeInstanceOf(DsmPeerLostError);
    expect(err!.message).toMatch(new RegExp(`^CPU [01]: nothing from CPU 2 \\(at ${address}\\) for \\d+ ms, not even a heartbeat \\(one is due every 250 ms\\): its link is down or it stopped answering$`));
    await cluster.close();
    await until(() => cpuProcesses().length === before, 'the cluster\'s processes to end');
    await healthyCluster();
  }, 30000);

  test('a WebAssembly out-of-bounds trap inside a program is still a WebAssembly RuntimeError, and the run goes on', async () => {
    const cluster = await Cluster.start({ cpus: 3, pages: 2, timeoutMs, backend: 'native' });
    try {
      const { results } = await cluster.run<WasmTrapResult>(program('wasm-trap'), { address: 0x1008 });
      expect(results).toEqual([
        { error: 'RuntimeError: memory access out of bounds', read: 1234 },
        { error: null, read: 1234 },
        { error: null, read: 1234 },
      ]);
    } finally {
      await cluster.close();
    }
  }, 30000);

  test('a peer that sends a malformed frame: a DsmWireError naming that peer; the cluster fails cleanly and closes', async () => {
    const before = cpuProcesses().length;
    // CPU 1 (the second host entry) corrupts its first frame to a peer. Both hosts are
    // 127.0.0.1; the environment goes in through the launch command.
    const cluster = await Cluster.start({
      cpus: 2, pages: 2, timeoutMs, backend: 'native', transport: 'tcp',
      hosts: [{ address: '127.0.0.1' }, { address: '127.0.0.1', launch: ['env', 'TSDSM_NATIVE_CORRUPT_FRAME=1'] }],
    });
    // CPU 1 reads page 0 (manager CPU 0): its READ_REQ is the frame it corrupts.
    const err = await cluster
      .run(opsProgram, [[{ op: 'barrier' }], [{ op: 'read', type: 'int32', address: 0 }, { op: 'barrier' }]])
      .then(() => null, (e: unknown) => e as DsmWireError);
    expect(err).toBeInstanceOf(DsmWireError);
    expect(err!.message).toMatch(/malformed frame from CPU 1: unknown kind index 250/);
    await cluster.close();
    await until(() => cpuProcesses().length === before, 'the cluster\'s processes to end');
    await healthyCluster();
  }, 30000);
});
