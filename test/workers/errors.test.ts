/**
 * Failures on worker threads: each must reject the run with an error that names the CPU,
 * stop every other CPU, and leave the cluster able to run again and to close. Nothing may
 * hang: every run here has a timeout, and the failures are chosen so that the other CPUs are
 * blocked waiting for the failing one.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Cluster, DsmAlignmentError, DsmRangeError, DsmTimeoutError, DsmWorkerExitError, opsProgram } from '../../index.js';

const program = (name: string): URL => new URL(`./programs/${name}.js`, import.meta.url);
const timeoutMs = 20000;

let cluster: Cluster;

beforeAll(async () => {
  cluster = await Cluster.start({ cpus: 4, pages: 10, timeoutMs });
});

afterAll(async () => {
  await cluster.close();
});

/** The run works again after a failure: the seed scenario, every reader sees the write. */
async function expectHealthy(): Promise<void> {
  const W = { op: 'write', type: 'int32', address: 0x1000, value: 99 } as const;
  const R = { op: 'read', type: 'int32', address: 0x1000 } as const;
  const B = { op: 'barrier' } as const;
  const { results } = await cluster.run(opsProgram, [[W, B], [B, R], [B, R], [B, R]]);
  expect(results).toEqual([[], [99], [99], [99]]);
}

describe('a program that throws', () => {
  test('rejects the run with that error, naming the CPU, and stops the CPUs blocked at the barrier', async () => {
    const err = await cluster.run(program('throws')).then(() => null, (e: unknown) => e as Error & { cpu?: number });
    expect(err).not.toBeNull();
    expect(err!.name).toBe('TypeError');
    expect(err!.message).toBe('CPU 2: boom from the program');
    expect(err!.cpu).toBe(2);
    expect(err!.stack).toContain('throws.js');
    await expectHealthy();
  });
});

describe('a worker that dies', () => {
  test('process.exit in the program rejects with DsmWorkerExitError naming the CPU', async () => {
    const err = await cluster.run(program('exits')).then(() => null, (e: unknown) => e as DsmWorkerExitError);
    expect(err).toBeInstanceOf(DsmWorkerExitError);
    expect(err!.cpu).toBe(1);
    expect(err!.message).toMatch(/^CPU 1: its worker thread died during the run: .*7/);
    await expectHealthy();
  });

  test('an uncaught exception in a timer kills the worker; the run rejects naming the CPU', async () => {
    const err = await cluster.run(program('crash')).then(() => null, (e: unknown) => e as DsmWorkerExitError);
    expect(err).toBeInstanceOf(DsmWorkerExitError);
    expect(err!.cpu).toBe(3);
    expect(err!.message).toContain('uncaught crash in a timer');
    await expectHealthy();
  });
});

describe('a run timeout', () => {
  test('rejects with what each CPU was waiting on, and stops a CPU that never touches shared memory', async () => {
    const err = await cluster.run(program('deadlock'), { spin: true }, { timeoutMs: 1000 }).then(() => null, (e: unknown) => e as DsmTimeoutError);
    expect(err).toBeInstanceOf(DsmTimeoutError);
    expect(err!.timeoutMs).toBe(1000);
    expect(err!.waiting).toEqual([
      'CPU 0: finished its program, serving until every CPU finishes',
      'CPU 1: finished its program, serving until every CPU finishes',
      'CPU 2: blocked on lock 5',
      'CPU 3: not responding (busy without touching shared memory); its worker was terminated',
    ]);
    expect(err!.message).toContain('CPU 2: blocked on lock 5');
    await expectHealthy();
  });

  test('a cluster-wide default timeout applies to every run', async () => {
    // Long enough for warm workers to reach their lock on a loaded machine; a warm-up run
    // first, so that the timeout does not race the workers' start.
    const short = await Cluster.start({ cpus: 3, pages: 3, timeoutMs: 1500 });
    try {
      await short.run(program('add-one'), { address: 0 });
      const err = await short.run(program('deadlock'), { spin: false }).then(() => null, (e: unknown) => e as DsmTimeoutError);
      expect(err).toBeInstanceOf(DsmTimeoutError);
      expect(err!.waiting[2]).toBe('CPU 2: blocked on lock 5');
    } finally {
      await short.close();
    }
  });
});

describe('bad addresses', () => {
  test('outside the region: DsmRangeError with CPU and address', async () => {
    const err = await cluster.run(program('bad-address'), { cpu: 3, kind: 'range' }).then(() => null, (e: unknown) => e as DsmRangeError);
    expect(err).toBeInstanceOf(DsmRangeError);
    expect(err!.cpu).toBe(3);
    expect(err!.address).toBe(10 * 4096);
    expect(err!.message).toMatch(/^CPU 3: access of 8 byte\(s\) at address 0xa000 \(40960\) is outside the shared region/);
  });

  test('negative address: DsmRangeError', async () => {
    const err = await cluster.run(program('bad-address'), { cpu: 0, kind: 'negative' }).then(() => null, (e: unknown) => e as DsmRangeError);
    expect(err).toBeInstanceOf(DsmRangeError);
    expect(err!.cpu).toBe(0);
    expect(err!.address).toBe(-1);
  });

  test('misaligned: DsmAlignmentError with CPU, address and type', async () => {
    const err = await cluster.run(program('bad-address'), { cpu: 1, kind: 'misaligned' }).then(() => null, (e: unknown) => e as DsmAlignmentError);
    expect(err).toBeInstanceOf(DsmAlignmentError);
    expect(err!.cpu).toBe(1);
    expect(err!.address).toBe(0x1002);
    expect(err!.message).toBe('CPU 1: misaligned int32 access at address 0x1002 (4098); int32 needs an address that is a multiple of 4');
  });

  test('a typed view index past its end: DsmRangeError naming the view', async () => {
    const err = await cluster.run(program('bad-address'), { cpu: 2, kind: 'view' }).then(() => null, (e: unknown) => e as DsmRangeError);
    expect(err).toBeInstanceOf(DsmRangeError);
    expect(err!.message).toBe('CPU 2: index 4 is outside int32Array(0x2000, 4) (indices 0..3; address 0x2010)');
    await expectHealthy();
  });
});

describe('closing', () => {
  test('close() after a failed run resolves, and a closed cluster refuses to run', async () => {
    const c = await Cluster.start({ cpus: 2, pages: 2, timeoutMs });
    await expect(c.run(program('throws'))).resolves.toBeDefined(); // 2 CPUs: CPU 2 does not exist, so nobody throws
    const c3 = await Cluster.start({ cpus: 3, pages: 2, timeoutMs });
    await expect(c3.run(program('throws'))).rejects.toThrow('CPU 2: boom from the program');
    await c3.close();
    await c.close();
    await expect(c.run(program('throws'))).rejects.toThrow('the cluster is closed');
  });
});
