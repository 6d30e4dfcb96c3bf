/**
 * Memory between runs, when runs cost what they touch: every CPU keeps its memory from one run
 * to the next (a worker its buffer, a native CPU its region) and installs only the pages the
 * last run touched (runtime/starting-pages.ts). So these runs leave stale copies behind on
 * purpose (a page read by one CPU and written later by another, a page written by three CPUs in
 * turn), then read every page from every CPU; a failed run in between must leave no trace; and
 * a run that touches two pages of a large region hands back only those two. On every backend,
 * under an SC protocol of each family and under hlrc (the ops are data-race free: barriers
 * separate every conflicting pair).
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { Cluster, opsProgram, type Value } from '../../index.js';
import type { BackendInstance, BackendRunRequest, BackendRunResult } from '../../src/runtime/cluster.js';
import { B, Clusters, R, W, at } from './harness.js';

const program = (name: string): URL => new URL(`../workers/programs/${name}.js`, import.meta.url);
const timeoutMs = 20000;
// native:frames: pages in control frames instead of the shared region file (harness.ts).
const cases = ['workers', 'native', 'native:frames'].flatMap((backend) => ['ivy', 'ivy-dynamic', 'hlrc'].map((protocol) => ({ backend, protocol })));

/** Every CPU reads pages 0..3 (offset 0). */
const readAll = (cpus: number): ReturnType<typeof R>[][] => Array.from({ length: cpus }, () => [R(0), R(1), R(2), R(3)]);

describe.each(cases)('memory between runs on $backend under $protocol', ({ backend, protocol }) => {
  const clusters = new Clusters(protocol, timeoutMs);
  afterAll(async () => {
    await clusters.closeAll();
  });

  test('stale copies left by one run are never read in the next; a failed run leaves no trace', async () => {
    const c = await clusters.get(backend, 3, 6);
    // Phase 1: CPU 0 writes page 0, CPU 2 page 1. Phase 2: CPU 1 reads page 0 (a copy) and
    // writes page 2, CPU 0 overwrites page 1 (CPU 2's copy goes stale). Phase 3: CPU 2
    // overwrites page 2, CPU 1 reads page 1.
    await c.run(opsProgram, [
      [W(0, 1), B, W(1, 4), B, B],
      [B, R(0), W(2, 3), B, B, R(1)],
      [W(1, 2), B, B, W(2, 5), B],
    ]);
    const second = await c.run<Value[]>(opsProgram, readAll(3));
    expect(second.results).toEqual([[1, 4, 5, 0], [1, 4, 5, 0], [1, 4, 5, 0]]);
    // The readers of the last run hold copies now; a write moves page 0 on again.
    await c.run(opsProgram, [[B], [B], [W(0, 9), B]]);
    expect((await c.run<Value[]>(opsProgram, readAll(3))).results).toEqual([[9, 4, 5, 0], [9, 4, 5, 0], [9, 4, 5, 0]]);

    // Every CPU writes page 3, then CPU 1 throws: none of it is kept.
    await expect(c.run(program('write-then-throw'), { address: at(3), value: 77, thrower: 1 })).rejects.toThrow('CPU 1: thrown after writing');
    expect(Array.from(c.readMemory(at(3), 12))).toEqual(new Array(12).fill(0));
    const after = await c.run<Value[]>(opsProgram, readAll(3));
    expect(after.results).toEqual([[9, 4, 5, 0], [9, 4, 5, 0], [9, 4, 5, 0]]);
    // And the next run after that starts from its memory again.
    await c.run(opsProgram, [[W(3, 6)], [], []]);
    expect((await c.run<Value[]>(opsProgram, readAll(3))).results).toEqual([[9, 4, 5, 6], [9, 4, 5, 6], [9, 4, 5, 6]]);
  });

  test('a counter under a lock, over three runs, keeps every increment', async () => {
    const c = await clusters.get(backend, 3, 6);
    for (let run = 0; run < 3; run++) await c.run(program('add-one'), { address: at(5, 8) });
    expect(new DataView(c.readMemory(at(5, 8), 4).buffer).getInt32(0, true)).toBe(9);
  });
});

describe.each(['workers', 'native'])('a run on %s hands back what it touched', (backend) => {
  test('a 64 MiB region, a program that writes one page and reads others: that page comes back, and the next run sees the write', async () => {
    const pages = 16384;
    const c = await Cluster.start({ cpus: 2, pages, backend, timeoutMs });
    try {
      // The pages the backend hands back to the cluster at the end of each run.
      const instance = (c as unknown as { backend: BackendInstance }).backend;
      const handedBack: number[][] = [];
      const run = instance.run.bind(instance);
      instance.run = async (req: BackendRunRequest): Promise<BackendRunResult> => {
        const out = await run(req);
        handedBack.push(out.pages.map((p) => p.page).sort((a, b) => a - b));
        return out;
      };
      // Every CPU starts a run with a read copy of every page: reading page 9000 touches nothing.
      await c.run(opsProgram, [[W(7000, 42), B], [B, R(9000)]]);
      expect(handedBack).toEqual([[7000]]);
      // CPU 1's copy of page 7000 was the stale one; the run starts with the image's in it, readable.
      const { results, stats } = await c.run<Value[]>(opsProgram, [[R(7000), W(12000, 1)], [R(7000), R(100)]]);
      expect(results).toEqual([[42], [42, 0]]);
      expect(stats.total.readFaults).toBe(0);
      expect(handedBack[1]).toEqual([12000]);
    } finally {
      await c.close();
    }
  });
});
