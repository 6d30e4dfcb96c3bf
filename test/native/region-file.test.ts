/**
 * The region file (native/region-file.ts): the cluster makes each CPU's region and maps it
 * too, so pages move by memcpy in the cluster instead of in control frames. A CPU takes its
 * fd 3 only when it is that file (size and token); otherwise it makes its own region and the
 * pages travel in frames (the memory-between-runs suite runs both ways: 'native:frames' in
 * test/conformance/run-memory.test.ts).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { afterAll, describe, expect, test } from '@jest/globals';
import { Cluster, opsProgram, type Value } from '../../index.js';
import { loadAddon } from '../../native/index.js';
import { clusterRegionFd, createRegionFile } from '../../native/region-file.js';
import { B, R, W, at, closingFd3 } from '../conformance/harness.js';

const bytes = 4 * 4096;
const addon = loadAddon();

describe('region file: which fd a CPU takes', () => {
  const files: { fd: number; memory: ArrayBuffer }[] = [];
  afterAll(() => {
    for (const f of files) {
      closeSync(f.fd);
      addon.unmap(f.memory);
    }
  });
  const file = (size = bytes): ReturnType<typeof createRegionFile> => {
    const f = createRegionFile(addon, size);
    files.push(f);
    return f;
  };

  test('the cluster\'s file with its token is taken; another token, another size, another file or no fd is not', () => {
    const f = file();
    expect(clusterRegionFd(bytes, f.token, f.fd)).toBe(f.fd);
    const other = file();
    expect(clusterRegionFd(bytes, other.token, f.fd)).toBeNull();
    expect(clusterRegionFd(bytes, undefined, f.fd)).toBeNull();
    expect(clusterRegionFd(bytes + 4096, f.token, f.fd)).toBeNull();
    expect(clusterRegionFd(bytes, f.token, 987654)).toBeNull();
    const devNull = openSync('/dev/null', 'r');
    try {
      expect(clusterRegionFd(bytes, f.token, devNull)).toBeNull();
    } finally {
      closeSync(devNull);
    }
  });

  test('the mapping sees what is written to the file, and reads as empty once unmapped', () => {
    const f = file();
    writeSync(f.fd, Buffer.from([1, 2, 3]), 0, 3, 4096);
    const view = new Uint8Array(f.memory);
    expect(Array.from(view.subarray(4096, 4099))).toEqual([1, 2, 3]);
    const g = createRegionFile(addon, bytes);
    closeSync(g.fd);
    addon.unmap(g.memory);
    expect(g.memory.byteLength).toBe(0);
    // A second unmap of a detached buffer does nothing.
    addon.unmap(g.memory);
  });
});

describe('region file: a cluster uses it when its CPUs have it', () => {
  const cases = [
    { name: 'default launch', options: {}, shared: true },
    { name: 'a launcher that closes fd 3', options: { transport: 'tcp', hosts: [{ address: '127.0.0.1', launch: closingFd3 }] }, shared: false },
  ];
  test.each(cases)('$name: every CPU took the file: $shared; runs see each other\'s writes either way', async ({ options, shared }) => {
    const c = await Cluster.start({ cpus: 2, pages: 4, backend: 'native', timeoutMs: 20000, ...options });
    try {
      await c.run(opsProgram, [[W(1, 5), B], [B, W(2, 6)]]);
      const cpus = (c as unknown as { backend: { generation: { cpus: { memory: Uint8Array | null }[] } } }).backend.generation.cpus;
      expect(cpus.map((p) => p.memory !== null)).toEqual([shared, shared]);
      const { results } = await c.run<Value[]>(opsProgram, [[R(1), R(2)], [R(2), R(1)]]);
      expect(results).toEqual([[5, 6], [6, 5]]);
      expect(Array.from(c.readMemory(at(2), 1))).toEqual([6]);
    } finally {
      await c.close();
    }
  });
});
