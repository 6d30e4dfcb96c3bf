/**
 * The accessor as a big-endian host runs it: useDataViewAccessors swaps every multi-byte
 * typed method (accessor and views) for one through a little-endian DataView. Calling it
 * here, on any host, checks that path: values round-trip, bytes are little-endian in memory,
 * faults and index errors behave as on the typed-array path. (Its own file: the swap changes
 * the prototypes for every test in this module registry.)
 */
import { expect, test } from '@jest/globals';
import { validateConfig } from '../../../src/core/config.js';
import { DsmMemory, useDataViewAccessors } from '../../../src/memory/accessor.js';
import { PagedMemory } from '../../../src/memory/paged-memory.js';

useDataViewAccessors();

const config = validateConfig({ cpus: 2, pages: 4, pageSize: 64 });

test('every multi-byte type round-trips little-endian through the DataView path, faults included', () => {
  const paged = new PagedMemory(config, 1, 'read');
  const faults: number[] = [];
  const memory = new DsmMemory(paged, {
    fault(page, access) {
      faults.push(page);
      paged.setAccess(page, access);
    },
    poll() {},
  });
  memory.setInt16(2, -2); memory.setUint16(4, 65535); memory.setInt32(8, -3); memory.setUint32(12, 2 ** 32 - 1);
  memory.setFloat32(16, 0.25); memory.setFloat64(24, -1e300); memory.setBigInt64(32, -5n); memory.setBigUint64(40, 2n ** 64n - 1n);
  expect([memory.getInt16(2), memory.getUint16(4), memory.getInt32(8), memory.getUint32(12), memory.getFloat32(16), memory.getFloat64(24)])
    .toEqual([-2, 65535, -3, 2 ** 32 - 1, 0.25, -1e300]);
  expect([memory.getBigInt64(32), memory.getBigUint64(40)]).toEqual([-5n, 2n ** 64n - 1n]);
  expect(Array.from(paged.bytes.subarray(8, 12))).toEqual([0xfd, 0xff, 0xff, 0xff]);
  expect(faults).toEqual([0]);

  const v = memory.float64Array(64, 4);
  v.set(3, 2.5);
  expect(v.get(3)).toBe(2.5);
  expect(paged.view.getFloat64(64 + 24, true)).toBe(2.5);
  expect(faults).toEqual([0, 1]);
  expect(() => v.get(4)).toThrow('CPU 1: index 4 is outside float64Array(0x40, 4) (indices 0..3; address 0x60)');
  const w = memory.int16Array(128, 2);
  w.set(1, -7);
  expect(w.get(1)).toBe(-7);
  expect(() => memory.getInt32(2)).toThrow('misaligned int32 access at address 0x2');
});
