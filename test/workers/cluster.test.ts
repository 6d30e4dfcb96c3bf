/**
 * The Cluster API on worker threads: the seed's test end to end, every accessor call, the
 * memory surviving between runs, serialized concurrent runs, TypeScript programs, stats,
 * tracing, and the poll that lets a spinning CPU answer invalidations.
 */
import { mkdtemp, rm, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Cluster, DsmConfigError, DsmRangeError, narrate, opsProgram, type Op } from '../../index.js';

const program = (name: string): URL => new URL(`./programs/${name}.js`, import.meta.url);
const timeoutMs = 20000;
const W = (address: number, value: number): Op => ({ op: 'write', type: 'int32', address, value });
const R = (address: number): Op => ({ op: 'read', type: 'int32', address });
const B: Op = { op: 'barrier' };

let cluster: Cluster;

beforeAll(async () => {
  cluster = await Cluster.start({ cpus: 4, pages: 10, timeoutMs });
});

afterAll(async () => {
  await cluster.close();
});

describe('the seed test (4 CPUs, 10 pages)', () => {
  test('CPU 0 writes a value at one address; every other CPU reads it and sees it', async () => {
    const address = 0x3008;
    const { results, stats } = await cluster.run(opsProgram, [[W(address, 1234), B], [B, R(address)], [B, R(address)], [B, R(address)]]);
    expect(results).toEqual([[], [1234], [1234], [1234]]);
    expect(stats.total.readFaults).toBe(3);
    expect(stats.total.writeFaults).toBe(1);
    expect(stats.perCpu.map((s) => s.cpu)).toEqual([0, 1, 2, 3]);
    // The readers were blocked in their faults for some time; the clock is real.
    for (const c of [1, 2, 3]) expect(stats.perCpu[c]!.blockedNs).toBeGreaterThan(0);
    expect(Array.from(cluster.readMemory(address, 4))).toEqual([0xd2, 0x04, 0, 0]);
  });
});

describe('the accessor on workers', () => {
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

  test('CPUs spinning on valid pages answer each other\'s invalidations (the accessor polls) and see the writes', async () => {
    const { results, stats } = await cluster.run(program('spin'));
    expect(results[0]).toEqual({ saw: 7, spun: true });
    expect(stats.perCpu[0]!.invalidations).toBeGreaterThanOrEqual(1);
    expect(stats.perCpu[1]!.invalidations).toBeGreaterThanOrEqual(1);
  });
});

describe('memory between runs', () => {
  test('nothing written is lost: a later run and readMemory see every earlier write', async () => {
    const c = await Cluster.start({ cpus: 3, pages: 6, pageSize: 1024, timeoutMs });
    try {
      // Each CPU writes its own page; CPU 2 also writes a page whose manager is CPU 1.
      await c.run(opsProgram, [[W(0, 10)], [W(1024, 11)], [W(2048, 12), W(4 * 1024 + 4, 14)]]);
      expect(Array.from(c.readMemory(4 * 1024 + 4, 1))).toEqual([14]);
      const { results } = await c.run(opsProgram, [[R(1024), R(4 * 1024 + 4)], [R(2048)], [R(0)]]);
      expect(results).toEqual([[11, 14], [12], [10]]);
      await c.run(program('add-one'), { address: 5 * 1024 });
      await c.run(program('add-one'), { address: 5 * 1024 });
      expect(new DataView(c.readMemory(5 * 1024, 4).buffer).getInt32(0, true)).toBe(6);
    } finally {
      await c.close();
    }
  });

  test('readMemory outside the region is a DsmRangeError', () => {
    expect(() => cluster.readMemory(10 * 4096 - 2, 4)).toThrow(DsmRangeError);
    expect(() => cluster.readMemory(10 * 4096 - 2, 4)).toThrow('readMemory: 4 byte(s) at address 0x9ffe');
  });

  test('concurrent run() calls are serialized: each sees the previous one finished', async () => {
    const c = await Cluster.start({ cpus: 2, pages: 2, timeoutMs });
    try {
      const runs = Array.from({ length: 5 }, () => c.run(program('add-one'), { address: 0 }));
      await Promise.all(runs);
      expect(new DataView(c.readMemory(0, 4).buffer).getInt32(0, true)).toBe(10);
    } finally {
      await c.close();
    }
  });
});

describe('programs', () => {
  test('a TypeScript program runs (transpiled), and its transpiled file is removed on close', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tsdsm-ts-'));
    const entry = pathToFileURL(join(process.cwd(), 'dist', 'index.js')).href;
    const file = join(dir, 'prog.ts');
    await writeFile(file, [
      `import { defineProgram, type Cpu } from ${JSON.stringify(entry)};`,
      `interface Args { base: number }`,
      `export default defineProgram((cpu: Cpu, args: Args): number => args.base + cpu.id);`,
    ].join('\n'));
    const c = await Cluster.start({ cpus: 2, pages: 1, timeoutMs });
    try {
      const { results } = await c.run(file, { base: 40 });
      expect(results).toEqual([40, 41]);
      expect((await readdir(dir)).length).toBe(2);
    } finally {
      await c.close();
    }
    expect(await readdir(dir)).toEqual(['prog.ts']);
    await rm(dir, { recursive: true });
  });

  test('a module without a program as default export is refused, naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tsdsm-js-'));
    const file = join(dir, 'not-a-program.mjs');
    await writeFile(file, 'export default 42;\n');
    try {
      await expect(cluster.run(file)).rejects.toThrow(/CPU \d: program file:.*not-a-program\.mjs is not a program: its default export is number/);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  test('bad configs are named errors', async () => {
    await expect(Cluster.start({ cpus: 0, pages: 1 })).rejects.toThrow(DsmConfigError);
    await expect(Cluster.start({ cpus: 2, pages: 1, backend: 'carrier-pigeon' })).rejects.toThrow('backend = "carrier-pigeon"; allowed: workers');
    await expect(Cluster.start({ cpus: 2, pages: 1, protocol: 'mesi' })).rejects.toThrow('protocol = "mesi"');
    await expect(Cluster.start({ cpus: 2, pages: 1, timeoutMs: -5 })).rejects.toThrow('timeoutMs = -5');
  });
});

describe('tracing', () => {
  test('a traced run returns every CPU\'s events in one global order, and narrates', async () => {
    const { trace } = await cluster.run(opsProgram, [[W(0x1000, 5), B], [B, R(0x1000)], [B], [B]], { trace: true });
    expect(trace).toBeDefined();
    const seqs = trace!.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    // Every message sent was received, and each receive comes after its send.
    const sends = trace!.filter((e) => e.type === 'send');
    const recvs = trace!.filter((e) => e.type === 'recv');
    expect(recvs.length).toBe(sends.length);
    for (const s of sends) {
      const r = recvs.find((x) => x.type === 'recv' && s.type === 'send' && x.from === s.cpu && x.id === s.id && x.cpu === s.to);
      expect(r).toBeDefined();
      expect(r!.seq).toBeGreaterThan(s.seq);
    }
    const lines = narrate(trace!, 4);
    expect(lines.some((l) => l.includes('CPU 1: read fault on page 1 (address 0x1000)'))).toBe(true);
    expect(lines.some((l) => l.includes('reads int32 5 at 0x1000'))).toBe(true);
  });
});
