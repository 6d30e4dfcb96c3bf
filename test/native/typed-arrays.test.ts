/**
 * On the native backend a program's typed views are real typed arrays over the guarded view:
 * `a[i]` is a plain load or store, a fault is a real SIGSEGV, and the same views still have
 * get/set (so programs written for every backend run unchanged). Views are checked at
 * construction as the accessor checks addresses.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Cluster, DsmAlignmentError, DsmRangeError } from '../../index.js';
import type { PlainIndexResult } from './programs/plain-index.js';
import type { ViewMethodsResult } from './programs/view-methods.js';

const timeoutMs = 20000;
const cpus = 3;
let cluster: Cluster;

beforeAll(async () => {
  cluster = await Cluster.start({ cpus, pages: 8, timeoutMs, backend: 'native' });
});

afterAll(async () => {
  await cluster.close();
});

describe('native typed arrays', () => {
  test('a program indexing its view as a plain array faults and sees the other CPUs\' writes', async () => {
    const increments = 50;
    const { results, stats } = await cluster.run<PlainIndexResult>(new URL('./programs/plain-index.js', import.meta.url), {
      offset: 0x1000, counter: 0x6000, increments,
    });
    const perPage = 4096 / 8;
    const sumOf = (k: number): number => k * 1000 * perPage + (perPage * (perPage - 1)) / 2;
    for (const r of results) {
      expect(r).toEqual({
        isTypedArray: true, constructorName: 'NativeFloat64Array', perPage,
        sums: [0, 1, 2].map(sumOf), counter: cpus * increments, getMatches: true,
      });
    }
    // Every CPU read the two pages the others wrote: real faults, counted by the protocol.
    expect(stats.total.readFaults).toBeGreaterThanOrEqual(cpus * (cpus - 1));
    expect(stats.total.writeFaults).toBeGreaterThanOrEqual(cpus);
    expect(new DataView(cluster.readMemory(0x6000, 4).buffer).getInt32(0, true)).toBe(cpus * increments);
    expect(new DataView(cluster.readMemory(0x1000 + 4096 * 2 + 8, 8).buffer).getFloat64(0, true)).toBe(2001);
  });

  test('a view outside the region, misaligned, or indexed past its end by get is a named error with CPU and address', async () => {
    const program = new URL('./programs/bad-view.js', import.meta.url);
    const range = await cluster.run(program, { cpu: 2, kind: 'range' }).then(() => null, (e: unknown) => e as DsmRangeError);
    expect(range).toBeInstanceOf(DsmRangeError);
    expect(range!.message).toMatch(/^CPU 2: access of 16 byte\(s\) at address 0x7ff8 \(32760\) is outside the shared region/);
    const misaligned = await cluster.run(program, { cpu: 1, kind: 'misaligned' }).then(() => null, (e: unknown) => e as DsmAlignmentError);
    expect(misaligned).toBeInstanceOf(DsmAlignmentError);
    expect(misaligned!.message).toBe('CPU 1: misaligned float64 access at address 0x1004 (4100); float64 needs an address that is a multiple of 8');
    const index = await cluster.run(program, { cpu: 0, kind: 'index' }).then(() => null, (e: unknown) => e as DsmRangeError);
    expect(index).toBeInstanceOf(DsmRangeError);
    expect(index!.message).toBe('CPU 0: index 4 is outside float64Array(0x1000, 4) (indices 0..3; address 0x1020)');
  });
});

describe('native views: methods of many elements', () => {
  test('set, fill, copyWithin, slice, sort, reverse and the rest, on a view of three pages, do what they do on a plain typed array', async () => {
    const { results } = await cluster.run<ViewMethodsResult>(new URL('./programs/view-methods.js', import.meta.url));
    expect(results[0]!.mismatches).toEqual([]);
    expect(results[0]!.checked).toBe(4 * 21);
  });

  test('a view\'s .buffer is a DsmViewError that says why and what to use instead', async () => {
    const { results } = await cluster.run<ViewMethodsResult>(new URL('./programs/view-methods.js', import.meta.url));
    expect(results[0]!.bufferError).toEqual({
      name: 'DsmViewError',
      message: expect.stringMatching(/^CPU 0: int32Array\(0x0, 4\)\.buffer is not available on the native backend: .*use the view's own methods, cpu\.memory, or copy it with slice\(\)$/),
    });
  });
});
