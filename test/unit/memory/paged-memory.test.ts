import { describe, expect, test } from '@jest/globals';
import { validateConfig } from '../../../src/core/config.js';
import { DsmAlignmentError, DsmRangeError } from '../../../src/core/errors.js';
import { PagedMemory } from '../../../src/memory/paged-memory.js';
import { valueTypes, typeSize } from '../../../src/memory/types.js';

const config = validateConfig({ cpus: 2, pages: 4, pageSize: 64 });

describe('PagedMemory', () => {
  test('starts zero-filled with read access everywhere', () => {
    const m = new PagedMemory(config, 1);
    expect(m.bytes.every((b) => b === 0)).toBe(true);
    expect([0, 1, 2, 3].map((p) => m.accessOf(p))).toEqual(['read', 'read', 'read', 'read']);
  });

  test('an address outside the region is a DsmRangeError naming CPU and address', () => {
    const m = new PagedMemory(config, 1);
    expect(() => m.checkTyped('int32', 256)).toThrow(DsmRangeError);
    expect(() => m.checkTyped('int32', 256)).toThrow(/CPU 1: access of 4 byte\(s\) at address 0x100 \(256\) is outside the shared region 0x0..0xff/);
    expect(() => m.checkTyped('int8', -1)).toThrow(DsmRangeError);
  });

  test('a misaligned access is a DsmAlignmentError naming CPU, address and type', () => {
    const m = new PagedMemory(config, 0);
    expect(() => m.checkTyped('float64', 4)).toThrow(DsmAlignmentError);
    expect(() => m.checkTyped('float64', 4)).toThrow(/CPU 0: misaligned float64 access at address 0x4/);
  });

  test('missingPage finds the first page lacking access across a range', () => {
    const m = new PagedMemory(config, 0);
    m.setAccess(2, 'none');
    expect(m.missingPage(60, 10, 'read')).toBe(-1);
    expect(m.missingPage(100, 40, 'read')).toBe(2);
    expect(m.missingPage(0, 4, 'write')).toBe(0);
  });

  test.each(valueTypes)('%s round-trips little-endian at an aligned address', (type) => {
    const m = new PagedMemory(config, 0);
    const size = typeSize[type];
    const value = type.startsWith('big') ? 5n : type.startsWith('float') ? 1.5 : 5;
    m.store(type, 64 + size, value);
    expect(m.load(type, 64 + size)).toBe(value);
    if (!type.startsWith('float')) expect(m.bytes[64 + size]).toBe(5); // little-endian: low byte first
  });

  test('pages mark themselves touched when granted write access or installed, and only then', () => {
    const m = new PagedMemory(config, 0);
    m.setAccess(1, 'none');
    m.setAccess(2, 'read');
    expect(m.touched()).toEqual([]);
    m.setAccess(3, 'write');
    m.install(0, new Uint8Array(64).fill(7));
    m.setAccess(3, 'read');
    m.setAccess(3, 'write');
    expect(m.touched()).toEqual([3, 0]);
  });

  test('startRun on the bytes of a previous run: every page readable, the refreshed pages installed, nothing touched', () => {
    const first = new PagedMemory(config, 0);
    first.setAccess(1, 'write');
    first.bytes.fill(5, 64, 128);
    first.setAccess(2, 'none');
    const m = new PagedMemory(config, 1, 'read', first.bytes.buffer as ArrayBuffer);
    m.setAccess(2, 'none');
    m.setAccess(3, 'write');
    m.startRun({ pages: [1], data: new Uint8Array(64).fill(9) });
    expect([0, 1, 2, 3].map((p) => m.accessOf(p))).toEqual(['read', 'read', 'read', 'read']);
    expect(Array.from(m.page(1))).toEqual(new Array(64).fill(9));
    expect(m.touched()).toEqual([]);
    expect(m.cpu).toBe(1);
    expect(() => new PagedMemory(config, 0, 'read', new ArrayBuffer(8))).toThrow('a buffer of 8 bytes for a region of 256');
  });
});
