/**
 * Every example in examples/ on worker threads and on native processes, checked against a
 * sequential computation.
 * The examples compute in the same order of operations as their sequential twins, so the
 * floating-point results must match bit for bit.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Cluster, type ClusterOptions } from '../../index.js';
import { jacobiLayout, jacobiSequential } from '../../examples/jacobi.js';
import { matmulLayout, matmulSequential, rowsOf } from '../../examples/matmul.js';
import { keyOf, radixLayout, radixSequential } from '../../examples/radix.js';
import { luLayout, luOf, luSequential } from '../../examples/lu.js';

const example = (name: string): URL => new URL(`../../examples/${name}.js`, import.meta.url);
const timeoutMs = 30000;
const pageSize = 4096;

function float64s(bytes: Uint8Array): number[] {
  return Array.from(new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8));
}

describe.each(['workers', 'native'])('examples on 3 CPUs (%s)', (backend) => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await Cluster.start({ cpus: 3, pages: 64, pageSize, timeoutMs, backend });
  });
  afterAll(async () => {
    await cluster.close();
  });

  test('seed_test: every CPU reads the value CPU 0 wrote', async () => {
    const { results } = await cluster.run(example('seed_test'), { address: 0x2004, value: -17 });
    expect(results).toEqual([-17, -17, -17]);
  });

  test('counter: 3 CPUs × 50 increments under a lock = 150, seen by every CPU and in memory', async () => {
    const { results, stats } = await cluster.run(example('counter'), { increments: 50, address: 0x100 });
    expect(results).toEqual([150, 150, 150]);
    expect(new DataView(cluster.readMemory(0x100, 4).buffer).getInt32(0, true)).toBe(150);
    expect(stats.total.lockAcquires).toBe(150);
    expect(stats.total.lockWaits).toBeLessThanOrEqual(150);
  });

  test('matmul: C equals the sequential product, and each CPU returns the sum of its rows', async () => {
    const n = 24;
    const { results } = await cluster.run<number>(example('matmul'), { n });
    const want = matmulSequential(n);
    const layout = matmulLayout(n);
    expect(float64s(cluster.readMemory(layout.c, n * n * 8))).toEqual(Array.from(want));
    results.forEach((sum, cpu) => {
      const [start, end] = rowsOf(cpu, 3, n);
      let s = 0;
      for (let i = start; i < end; i++) for (let j = 0; j < n; j++) s += want[i * n + j]!;
      expect(sum).toBe(s);
    });
  });

  test('jacobi: the grid equals the sequential relaxation', async () => {
    const n = 40;
    const iterations = 15;
    await cluster.run(example('jacobi'), { n, iterations });
    const layout = jacobiLayout(n);
    const grid = float64s(cluster.readMemory(layout.grids[iterations % 2], n * n * 8));
    expect(grid).toEqual(Array.from(jacobiSequential(n, iterations)));
    // Not a trivial grid: the heat from the top edge reached the interior.
    expect(grid[2 * n + n / 2]).toBeGreaterThan(0);
  });

  test('radix: the keys end sorted, equal to the sequential radix sort; each CPU returns its block', async () => {
    // Not a multiple of 3 CPUs nor of a page's keys: blocks and digit ranges straddle pages.
    const n = 5000;
    const { results } = await cluster.run<number>(example('radix'), { n });
    const keys = new Uint32Array(cluster.readMemory(radixLayout(n, 3).keys, n * 4).buffer);
    expect(Array.from(keys)).toEqual(Array.from(radixSequential(n)));
    expect(results).toEqual([1667, 1667, 1666]);
  });

  test('lu: the factors equal the sequential elimination', async () => {
    const n = 40;
    const { results } = await cluster.run<number>(example('lu'), { n });
    expect(float64s(cluster.readMemory(luLayout(n).a, n * n * 8))).toEqual(Array.from(luSequential(n)));
    expect(results).toEqual([14, 13, 13]);
  });
});

describe('the sequential twins are right', () => {
  test('radixSequential sorts the keys (as a comparison sort does), which are not all alike', () => {
    const n = 5000;
    const keys = Uint32Array.from({ length: n }, (_, i) => keyOf(i));
    expect(new Set(keys).size).toBeGreaterThan(n * 0.99);
    expect(Array.from(radixSequential(n))).toEqual(Array.from(keys.sort()));
  });

  test('luSequential: L times U is the matrix again', () => {
    const n = 12;
    const lu = luSequential(n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let k = 0; k <= Math.min(i, j); k++) sum += (k === i ? 1 : lu[i * n + k]!) * lu[k * n + j]!;
        expect(sum).toBeCloseTo(luOf(i, j, n), 10);
      }
    }
  });
});

describe.each(['workers', 'native'])('examples on 1 CPU (no messages at all) (%s)', (backend) => {
  test('matmul on a single CPU equals the sequential product and sends nothing', async () => {
    const options: ClusterOptions = { cpus: 1, pages: 16, pageSize, timeoutMs, backend };
    const one = await Cluster.start(options);
    try {
      const n = 16;
      const { stats } = await one.run(example('matmul'), { n });
      expect(float64s(one.readMemory(matmulLayout(n).c, n * n * 8))).toEqual(Array.from(matmulSequential(n)));
      expect(stats.total.messages).toBe(0);
    } finally {
      await one.close();
    }
  });
});
