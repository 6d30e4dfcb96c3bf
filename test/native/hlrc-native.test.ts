/**
 * hlrc (home-based lazy release consistency) on the native backend: the protocol's twins and
 * diffs work on real pages, with the program running while the protocol thread copies pages
 * out (a home serving its master copy keeps write access). Same expectations as on worker
 * threads (test/conformance/hlrc-workers.test.ts).
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { jacobiLayout, jacobiSequential } from '../../examples/jacobi.js';
import { simulate } from '../../sim/index.js';
import { Cluster, opsProgram, type Op, type Value } from '../../index.js';

const pageSize = 4096;
const timeoutMs = 20000;
const at = (page: number, offset = 0): number => page * pageSize + offset;
const example = (name: string): URL => new URL(`../../examples/${name}.js`, import.meta.url);

const clusters: Cluster[] = [];
afterAll(async () => {
  await Promise.all(clusters.map((c) => c.close()));
});

async function hlrc(cpus: number, pages: number): Promise<Cluster> {
  const cluster = await Cluster.start({ cpus, pages, pageSize, timeoutMs, protocol: 'hlrc', backend: 'native' });
  clusters.push(cluster);
  return cluster;
}

describe('hlrc on native', () => {
  test('false sharing: two CPUs write their own words of one page, then read each other\'s after a barrier (the simulator\'s reads and counts)', async () => {
    const W = (value: number, offset: number): Op => ({ op: 'write', type: 'int32', address: at(2, offset), value });
    const R = (offset: number): Op => ({ op: 'read', type: 'int32', address: at(2, offset) });
    const B: Op = { op: 'barrier' };
    const writes = (cpu: number): Op[] => Array.from({ length: 5 }, (_, i) => W(100 * (cpu + 1) + i, 4 * cpu));
    const programs = [[...writes(0), B, R(4)], [...writes(1), B, R(0)], [B]];
    const cluster = await hlrc(3, 4);
    const { results, stats } = await cluster.run<Value[]>(opsProgram, programs);
    const sim = simulate({ config: { cpus: 3, pages: 4, pageSize }, programs, seed: 1, protocol: 'hlrc' });
    expect(results).toEqual([[204], [104], []]);
    expect(results).toEqual(sim.results);
    expect(stats.total.messagesByKind).toEqual(sim.stats.total.messagesByKind);
  });

  test('counter: 3 CPUs × 30 increments under a lock = 90, seen by every CPU and in memory', async () => {
    const cluster = await hlrc(3, 64);
    const { results, stats } = await cluster.run(example('counter'), { increments: 30, address: 0x100 });
    expect(results).toEqual([90, 90, 90]);
    expect(new DataView(cluster.readMemory(0x100, 4).buffer).getInt32(0, true)).toBe(90);
    expect(stats.total.messagesByKind.DIFF).toBe(60);
  });

  test('jacobi: the grid equals the sequential relaxation', async () => {
    const cluster = await hlrc(3, 64);
    const n = 40;
    const iterations = 15;
    await cluster.run(example('jacobi'), { n, iterations });
    const bytes = cluster.readMemory(jacobiLayout(n).grids[iterations % 2], n * n * 8);
    expect(Array.from(new Float64Array(bytes.buffer, bytes.byteOffset, n * n))).toEqual(Array.from(jacobiSequential(n, iterations)));
  });

  test('a write released by an unlock, with no barrier after it, is in readMemory (the home\'s copy is collected)', async () => {
    const programs: Op[][] = [[], [], [{ op: 'lock', lock: 0 }, { op: 'write', type: 'int32', address: at(1, 8), value: 77 }, { op: 'unlock', lock: 0 }]];
    const cluster = await hlrc(3, 2);
    await cluster.run(opsProgram, programs);
    expect(new DataView(cluster.readMemory(at(1, 8), 4).buffer).getInt32(0, true)).toBe(77);
  });
});
