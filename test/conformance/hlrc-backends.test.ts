/**
 * hlrc on every backend: the deterministic simulator, worker threads and native processes
 * (Cluster.start({ protocol: 'hlrc', backend })), which run the protocol through the same
 * CpuDriver, so twins, diffs and their application happen in the shared driver on all three.
 *
 *  - message counts: the textbook cases, isolated between barriers; the count of one
 *    operation is the difference between the program with it and without it;
 *  - reads: data-race-free programs whose results do not depend on the schedule (phases cut
 *    by barriers, each word owned by one CPU per phase) give the same values on both;
 *  - examples: the lock counter and Jacobi (barriers) give the sequential answers, and, since
 *    both end at a barrier after which every valid copy equals its home's, so does memory.
 *
 * Only data-race-free programs: release consistency promises nothing more.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { simulate } from '../../sim/index.js';
import { randomDrfWorkload } from '../../sim/workloads.js';
import { jacobiLayout, jacobiSequential } from '../../examples/jacobi.js';
import { opsProgram, type Cluster, type Op } from '../../index.js';
import { at, B, Clusters, difference, L, onSim as onSimOf, pageSize, R, U, W, type Outcome } from './harness.js';

const timeoutMs = 20000;
const clusters = new Clusters('hlrc', timeoutMs);
afterAll(() => clusters.closeAll());

const realBackends = ['workers', 'workers:ring', 'native', 'native:unix'];
const onSim = (cpus: number, pages: number, programs: Op[][], size = pageSize, seed = 1): Outcome => onSimOf('hlrc', cpus, pages, programs, size, seed);

const backends: [string, (cpus: number, pages: number, programs: Op[][]) => Promise<Outcome>][] = [
  ['simulator', async (c, p, prog) => onSim(c, p, prog)],
  ...realBackends.map((b): [string, (cpus: number, pages: number, programs: Op[][]) => Promise<Outcome>] => [b, (c, p, prog) => clusters.run(b, c, p, prog)]),
];

describe.each(backends)('hlrc textbook message counts on %s', (_name, run) => {
  test('a remote read miss after an acquire that invalidated the page: 2 messages', async () => {
    // CPU 2 writes page 1 (home CPU 1) under lock 0 (manager CPU 0); after a barrier CPU 0
    // takes lock 0, whose grant invalidates page 1, and reads it from the home.
    const programs = (read: Op[]): Op[][] => [[B, L(0), ...read, U(0)], [B], [L(0), W(1, 7), U(0), B]];
    const withRead = await run(3, 4, programs([R(1)]));
    const d = difference(withRead, await run(3, 4, programs([])));
    expect(d).toEqual({ messages: 2, byKind: { PAGE_REQ: 1, PAGE_DATA: 1 } });
    expect(withRead.results[0]).toEqual([7]);
  });

  test('a release with d = 2 dirty pages with remote homes: 2 diffs + 2 acks more than an empty one', async () => {
    const programs = (writes: Op[]): Op[][] => [[L(4), ...writes, U(4)], [], [], [], []];
    const d = difference(await run(5, 5, programs([W(1, 11), W(2, 12)])), await run(5, 5, programs([])));
    expect(d).toEqual({ messages: 4, byKind: { DIFF: 2, DIFF_ACK: 2 } });
  });

  test('false sharing: two CPUs write their own words of one page, then read each other\'s after a barrier', async () => {
    const writes = (cpu: number): Op[] => Array.from({ length: 5 }, (_, i) => W(2, 100 * (cpu + 1) + i, 4 * cpu));
    const res = await run(3, 4, [[...writes(0), B, R(2, 4)], [...writes(1), B, R(2, 0)], [B]]);
    expect(res.results).toEqual([[204], [104], []]);
    expect(res.byKind).toEqual({ DIFF: 2, DIFF_ACK: 2, BARRIER_ARRIVE: 2, BARRIER_RELEASE: 2, PAGE_REQ: 2, PAGE_DATA: 2 });
  });
});

describe.each(realBackends)('hlrc: the same reads on the simulator and on %s', (backend) => {
  test.each([1, 2, 3, 4, 5])('schedule-independent data-race-free program (barrier phases only), seed %i', async (seed) => {
    const cpus = 2 + (seed % 3);
    const pages = 1 + (seed % 2);
    const programs = randomDrfWorkload({ cpus, pages, pageSize }, { ops: 16, seed, locks: 0, barriers: 3 });
    const sim = onSim(cpus, pages, programs, pageSize, seed);
    const real = await clusters.run(backend, cpus, pages, programs);
    expect({ seed, results: real.results }).toEqual({ seed, results: sim.results });
    // Something was read that another CPU wrote in an earlier phase.
    expect(sim.results.flat().some((v) => v !== 0)).toBe(true);
  });
});

describe.each(realBackends)('hlrc: examples on %s', (backend) => {
  const clusterOf = (cpus: number, pages: number): Promise<Cluster> => clusters.get(backend, cpus, pages);
  const example = (name: string): URL => new URL(`../../examples/${name}.js`, import.meta.url);

  test('counter: 3 CPUs × 30 increments under a lock = 90, seen by every CPU and in memory', async () => {
    const cluster = await clusterOf(3, 64);
    const { results, stats } = await cluster.run(example('counter'), { increments: 30, address: 0x100 });
    expect(results).toEqual([90, 90, 90]);
    expect(new DataView(cluster.readMemory(0x100, 4).buffer).getInt32(0, true)).toBe(90);
    // The counter's page (page 0) has its home at CPU 0: only CPUs 1 and 2 send diffs, one per release.
    expect(stats.total.messagesByKind.DIFF).toBe(60);
  });

  test('jacobi: the grid equals the sequential relaxation', async () => {
    const cluster = await clusterOf(3, 64);
    const n = 40;
    const iterations = 15;
    await cluster.run(example('jacobi'), { n, iterations });
    const layout = jacobiLayout(n);
    const bytes = cluster.readMemory(layout.grids[iterations % 2], n * n * 8);
    const grid = Array.from(new Float64Array(bytes.buffer, bytes.byteOffset, n * n));
    expect(grid).toEqual(Array.from(jacobiSequential(n, iterations)));
    expect(grid[2 * n + n / 2]).toBeGreaterThan(0);
  });
});

describe.each(realBackends)('memory after a run under hlrc is what the releases made visible (%s)', (backend) => {
  test('a write released by an unlock, with no barrier after it, is in readMemory and in the simulator\'s', async () => {
    // Page 1's home is CPU 1. CPU 2 writes page 1 inside lock 0 and releases: its diff reaches
    // the home before the unlock completes. Nobody reads it afterwards, and there is no barrier,
    // so CPU 2's own (twinned, then flushed) copy and the home's are the only ones that know.
    const programs: Op[][] = [[], [], [L(0), W(1, 77, 8), U(0)]];
    const cluster = await clusters.get(backend, 3, 2);
    await cluster.run(opsProgram, programs);
    const fromWorkers = new DataView(cluster.readMemory(at(1, 8), 4).buffer).getInt32(0, true);
    const sim = simulate({ config: { cpus: 3, pages: 2, pageSize }, programs, seed: 1, protocol: 'hlrc' });
    const fromSim = new DataView(sim.readMemory(at(1, 8), 4).buffer).getInt32(0, true);
    expect({ fromWorkers, fromSim }).toEqual({ fromWorkers: 77, fromSim: 77 });
  });
});
