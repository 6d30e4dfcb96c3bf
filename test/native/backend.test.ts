/**
 * The native backend through the Cluster API: one OS process per CPU, real mprotect faults,
 * Unix sockets between the processes. The same programs as on worker threads; failures are
 * named errors and never hang (every run has a timeout; a failed run kills the processes and
 * the next run starts new ones).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  Cluster, DsmAlignmentError, DsmConfigError, DsmProcessExitError, DsmRangeError, DsmTimeoutError, opsProgram,
} from '../../index.js';

const program = (name: string): URL => new URL(`../workers/programs/${name}.js`, import.meta.url);
const example = (name: string): URL => new URL(`../../examples/${name}.js`, import.meta.url);
const timeoutMs = 20000;

let cluster: Cluster;

beforeAll(async () => {
  cluster = await Cluster.start({ cpus: 4, pages: 10, timeoutMs, backend: 'native' });
});

afterAll(async () => {
  await cluster.close();
});

async function expectHealthy(): Promise<void> {
  const W = { op: 'write', type: 'int32', address: 0x1000, value: 99 } as const;
  const R = { op: 'read', type: 'int32', address: 0x1000 } as const;
  const B = { op: 'barrier' } as const;
  const { results } = await cluster.run(opsProgram, [[W, B], [B, R], [B, R], [B, R]]);
  expect(results).toEqual([[], [99], [99], [99]]);
}

describe('native backend: programs', () => {
  test('the seed test: CPU 0 writes, every CPU reads it after a barrier; faults are real and counted', async () => {
    const { results, stats } = await cluster.run(example('seed_test'), { address: 0x3008, value: 42 });
    expect(results).toEqual([42, 42, 42, 42]);
    expect(stats.total.writeFaults).toBe(1);
    expect(stats.total.readFaults).toBe(3);
    expect(stats.total.barrierWaits).toBe(4);
  });

  test('every typed get/set, byte ranges and views, read back by a neighbour after a barrier', async () => {
    const { results } = await cluster.run<Record<string, unknown>>(program('everything'));
    results.forEach((r, cpu) => {
      const nb = (cpu + 1) % 4;
      expect(r).toEqual({
        i8: -5, u8: 250, i16: -300, u16: 60000, i32: -70000 - nb, u32: 4000000000, f32: 1.5, f64: Math.PI + nb,
        bi64: -(2n ** 40n) - BigInt(nb), bu64: 2n ** 63n + BigInt(nb), bytes: [1, 2, 3, nb],
        view: [0, 0.5, 1, 1.5].map((x) => x + nb),
      });
    });
  });

  test('CPUs spinning on valid pages see each other\'s writes (the protocol thread invalidates under them)', async () => {
    const { results } = await cluster.run(program('spin'));
    expect(results[0]).toEqual({ saw: 7, spun: true });
  });

  test('false sharing without locks loses no store: a page copied out is write-protected first', async () => {
    const rounds = 20000;
    const page = 6;
    const { results } = await cluster.run(new URL('./programs/false-sharing.js', import.meta.url), { rounds, page });
    expect(results).toEqual([rounds, rounds, rounds, rounds]);
    for (let cpu = 0; cpu < 4; cpu++) expect(new DataView(cluster.readMemory(page * 4096 + cpu * 8, 4).buffer).getInt32(0, true)).toBe(rounds);
  });

  test('nothing written is lost: a later run and readMemory see earlier writes', async () => {
    await cluster.run(example('counter'), { increments: 10, address: 0x5100 });
    const { results } = await cluster.run(example('counter'), { increments: 5, address: 0x5100 });
    expect(results).toEqual([60, 60, 60, 60]);
    expect(new DataView(cluster.readMemory(0x5100, 4).buffer).getInt32(0, true)).toBe(60);
  });

  test('a traced run returns every CPU\'s events in one order, faults and accesses included', async () => {
    const W = { op: 'write', type: 'int32', address: 0x2000, value: 5 } as const;
    const R = { op: 'read', type: 'int32', address: 0x2000 } as const;
    const B = { op: 'barrier' } as const;
    const { results, trace } = await cluster.run(opsProgram, [[W, B], [B, R], [B], [B]], { trace: true });
    expect(results).toEqual([[], [5], [], []]);
    expect(trace!.map((e) => e.seq)).toEqual(trace!.map((_e, i) => i));
    const kinds = new Set(trace!.map((e) => e.type));
    for (const k of ['fault', 'send', 'recv', 'access', 'install', 'resume', 'read', 'write', 'sync', 'done']) expect(kinds).toContain(k);
    // CPU 1's read of page 2 is traced after CPU 0's write to it.
    const write = trace!.findIndex((e) => e.type === 'write' && e.cpu === 0);
    const read = trace!.findIndex((e) => e.type === 'read' && e.cpu === 1);
    expect(write).toBeLessThan(read);
  });
});

describe('native backend: failures are named errors, and the cluster runs again', () => {
  test('a program that throws rejects with its error and CPU', async () => {
    const err = await cluster.run(program('throws')).then(() => null, (e: unknown) => e as Error & { cpu?: number });
    expect(err).not.toBeNull();
    expect(err!.name).toBe('TypeError');
    expect(err!.message).toBe('CPU 2: boom from the program');
    expect(err!.cpu).toBe(2);
    expect(err!.stack).toContain('throws.js');
    await expectHealthy();
  });

  test('process.exit in a program: DsmProcessExitError naming the CPU and the exit code', async () => {
    const err = await cluster.run(program('exits')).then(() => null, (e: unknown) => e as DsmProcessExitError);
    expect(err).toBeInstanceOf(DsmProcessExitError);
    expect(err!.cpu).toBe(1);
    expect(err!.message).toMatch(/^CPU 1: its process died during the run: exit code 7/);
    await expectHealthy();
  });

  test('an uncaught exception in a timer kills the process; the error carries its stderr', async () => {
    const err = await cluster.run(program('crash')).then(() => null, (e: unknown) => e as DsmProcessExitError);
    expect(err).toBeInstanceOf(DsmProcessExitError);
    expect(err!.cpu).toBe(3);
    expect(err!.message).toContain('uncaught crash in a timer');
    await expectHealthy();
  });

  test('a timeout says what each CPU was doing, even one spinning without touching shared memory', async () => {
    const err = await cluster.run(program('deadlock'), { spin: true }, { timeoutMs: 1500 }).then(() => null, (e: unknown) => e as DsmTimeoutError);
    expect(err).toBeInstanceOf(DsmTimeoutError);
    expect(err!.waiting).toEqual([
      'CPU 0: finished its program, serving until every CPU finishes',
      'CPU 1: finished its program, serving until every CPU finishes',
      'CPU 2: blocked on lock 5',
      'CPU 3: running its program',
    ]);
    await expectHealthy();
  });

  test('bad addresses are the accessor\'s named errors, as on worker threads', async () => {
    const range = await cluster.run(program('bad-address'), { cpu: 3, kind: 'range' }).then(() => null, (e: unknown) => e as DsmRangeError);
    expect(range).toBeInstanceOf(DsmRangeError);
    expect(range!.message).toMatch(/^CPU 3: access of 8 byte\(s\) at address 0xa000 \(40960\) is outside the shared region/);
    const misaligned = await cluster.run(program('bad-address'), { cpu: 1, kind: 'misaligned' }).then(() => null, (e: unknown) => e as DsmAlignmentError);
    expect(misaligned).toBeInstanceOf(DsmAlignmentError);
    expect(misaligned!.message).toBe('CPU 1: misaligned int32 access at address 0x1002 (4098); int32 needs an address that is a multiple of 4');
    await expectHealthy();
  });

  test('close() ends every process of the cluster', async () => {
    const before = cpuProcesses().length;
    const other = await Cluster.start({ cpus: 3, pages: 2, timeoutMs, backend: 'native' });
    await other.run(example('seed_test'), { address: 0x1000 });
    expect(cpuProcesses().length).toBe(before + 3);
    await other.close();
    expect(cpuProcesses().length).toBe(before);
  });

  test('a page smaller than the MMU\'s is a DsmConfigError', async () => {
    await expect(Cluster.start({ cpus: 2, pages: 2, pageSize: 1024, backend: 'native' })).rejects.toThrow(DsmConfigError);
  });
});

/** Pids of this process's children that run a native CPU (from /proc). */
function cpuProcesses(): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
      if (ppid === process.pid && state !== 'Z' && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('cpu-entry.js')) out.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}
