/**
 * The typed accessor over a PagedMemory, with the fault and poll hooks replaced by
 * recorders: which accesses fault, with what; range and alignment errors; when it polls;
 * byte ranges across pages; typed views.
 */
import { describe, expect, test } from '@jest/globals';
import { validateConfig } from '../../../src/core/config.js';
import { DsmAlignmentError, DsmRangeError, DsmValueError } from '../../../src/core/errors.js';
import { DsmMemory } from '../../../src/memory/accessor.js';
import { PagedMemory } from '../../../src/memory/paged-memory.js';

const config = validateConfig({ cpus: 2, pages: 4, pageSize: 64 });

/** A memory whose fault hook grants the access at once (as a protocol would, eventually). */
function setUp(initial: 'none' | 'read' | 'write' = 'none') {
  const paged = new PagedMemory(config, 1, initial);
  const faults: [number, string, number][] = [];
  let polls = 0;
  const memory = new DsmMemory(paged, {
    fault(page, access, address) {
      faults.push([page, access, address]);
      paged.setAccess(page, access);
    },
    poll() {
      polls += 1;
    },
  });
  return { paged, memory, faults, polls: () => polls };
}

describe('faults', () => {
  test('a read of an invalid page faults once for read, then reads locally', () => {
    const { memory, faults, paged } = setUp('none');
    paged.view.setInt32(68, -9, true);
    expect(memory.getInt32(68)).toBe(-9);
    expect(memory.getInt32(64)).toBe(0);
    expect(faults).toEqual([[1, 'read', 68]]);
  });

  test('a write to a read-only page faults for write; a read of a read-only page does not fault', () => {
    const { memory, faults } = setUp('read');
    expect(memory.getFloat64(128)).toBe(0);
    memory.setFloat64(136, 2.5);
    expect(memory.getFloat64(136)).toBe(2.5);
    expect(faults).toEqual([[2, 'write', 136]]);
  });

  test('every type round-trips little-endian', () => {
    const { memory, paged } = setUp('write');
    memory.setInt8(0, -1); memory.setUint8(1, 255); memory.setInt16(2, -2); memory.setUint16(4, 65535);
    memory.setInt32(8, -3); memory.setUint32(12, 2 ** 32 - 1); memory.setFloat32(16, 0.25); memory.setFloat64(24, -1e300);
    memory.setBigInt64(32, -5n); memory.setBigUint64(40, 2n ** 64n - 1n);
    expect([memory.getInt8(0), memory.getUint8(1), memory.getInt16(2), memory.getUint16(4), memory.getInt32(8), memory.getUint32(12), memory.getFloat32(16), memory.getFloat64(24)])
      .toEqual([-1, 255, -2, 65535, -3, 2 ** 32 - 1, 0.25, -1e300]);
    expect([memory.getBigInt64(32), memory.getBigUint64(40)]).toEqual([-5n, 2n ** 64n - 1n]);
    expect(paged.bytes[2]).toBe(0xfe); // -2 as int16, low byte first
    expect(memory.load('int16', 2)).toBe(-2);
    memory.store('uint32', 48, 7);
    expect(paged.view.getUint32(48, true)).toBe(7);
  });

  test('a fault that resumes without the access (the page moved on at once) is retried until it sticks', () => {
    const paged = new PagedMemory(config, 0, 'read');
    const faults: number[] = [];
    const memory = new DsmMemory(paged, {
      fault(page, access) {
        faults.push(page);
        if (faults.length >= 3) paged.setAccess(page, access);
      },
      poll() {},
    });
    memory.setInt32(4, 9);
    expect(faults).toEqual([0, 0, 0]);
    expect(paged.view.getInt32(4, true)).toBe(9);
  });
});

describe('bad addresses', () => {
  test('outside the region, negative, fractional: DsmRangeError with CPU and address', () => {
    const { memory, faults } = setUp('write');
    expect(() => memory.getInt32(256)).toThrow(DsmRangeError);
    expect(() => memory.getInt32(256)).toThrow('CPU 1: access of 4 byte(s) at address 0x100 (256) is outside the shared region 0x0..0xff (256 bytes)');
    expect(() => memory.getFloat64(252)).toThrow(DsmRangeError);
    expect(() => memory.setUint8(-1, 0)).toThrow(DsmRangeError);
    expect(() => memory.getInt32(4.5)).toThrow(DsmRangeError);
    expect(() => memory.getInt32(NaN)).toThrow(DsmRangeError);
    expect(faults).toEqual([]);
  });

  test('an address that is not one says what it is, never 0xNaN, 0x4.8 or 0x-4', () => {
    const { memory } = setUp('write');
    const region = 'addresses are integers in the shared region 0x0..0xff (256 bytes)';
    expect(() => memory.getInt32(NaN)).toThrow(`CPU 1: access of 4 byte(s) at address NaN: the address is not a number; ${region}`);
    expect(() => memory.getInt32(4.5)).toThrow(`CPU 1: access of 4 byte(s) at address 4.5: the address is not an integer; ${region}`);
    expect(() => memory.setUint8(-4, 0)).toThrow(`CPU 1: access of 1 byte(s) at address -4: the address is negative; ${region}`);
    expect(() => memory.getUint8(Infinity)).toThrow(`CPU 1: access of 1 byte(s) at address Infinity: the address is not finite; ${region}`);
    expect(() => memory.int32Array(4.5, 2)).toThrow('at address 4.5: the address is not an integer');
    expect(() => memory.int32Array(0, 2).get(-1)).toThrow('CPU 1: index -1 of int32Array(0x0, 2): the index is negative (indices 0..1)');
  });

  test('misaligned: DsmAlignmentError naming CPU, address and type', () => {
    const { memory } = setUp('write');
    expect(() => memory.getInt16(1)).toThrow(DsmAlignmentError);
    expect(() => memory.setFloat64(4, 1)).toThrow('CPU 1: misaligned float64 access at address 0x4 (4); float64 needs an address that is a multiple of 8');
    expect(() => memory.getBigInt64(12)).toThrow(DsmAlignmentError);
  });
});

describe('stored values', () => {
  test('a value its type cannot hold as given is a DsmValueError naming CPU, address and value, and stores nothing', () => {
    const { memory, paged } = setUp('write');
    const m = memory as unknown as Record<string, (...a: unknown[]) => void>;
    expect(() => m['setInt32']!(8, '7')).toThrow(DsmValueError);
    expect(() => m['setInt32']!(8, '7')).toThrow('CPU 1: int32 store at address 0x8 (8) of "7" (a string); int32 takes a number');
    expect(() => m['setFloat64']!(16, undefined)).toThrow('CPU 1: float64 store at address 0x10 (16) of undefined; float64 takes a number');
    expect(() => m['setUint8']!(3, 5n)).toThrow('CPU 1: uint8 store at address 0x3 (3) of 5n (a bigint); uint8 takes a number');
    expect(() => m['setBigUint64']!(24, 5)).toThrow('CPU 1: biguint64 store at address 0x18 (24) of 5; biguint64 takes a bigint (e.g. 5n)');
    expect(() => (memory.float64Array(0, 4) as unknown as { set(i: number, v: unknown): void }).set(1, null)).toThrow('CPU 1: float64 store at address 0x8 (8) of null; float64 takes a number');
    // A bad address is reported before a bad value: the error names a real address.
    expect(() => m['setInt32']!(-8, 'x')).toThrow(DsmRangeError);
    expect(Array.from(paged.bytes.subarray(0, 32))).toEqual(new Array(32).fill(0));
  });

  test('numbers out of an integer type\'s range wrap as in typed arrays (README: values)', () => {
    const { memory } = setUp('write');
    const stored = (set: (v: number) => void, get: () => number, v: number): number => (set(v), get());
    expect(stored((v) => memory.setInt8(0, v), () => memory.getInt8(0), 200)).toBe(-56);
    expect(stored((v) => memory.setUint8(0, v), () => memory.getUint8(0), -1)).toBe(255);
    expect(stored((v) => memory.setInt32(0, v), () => memory.getInt32(0), 2 ** 31)).toBe(-(2 ** 31));
    expect(stored((v) => memory.setUint16(0, v), () => memory.getUint16(0), 65536 + 3.9)).toBe(3);
    expect(stored((v) => memory.setInt32(0, v), () => memory.getInt32(0), -1.9)).toBe(-1);
    expect(stored((v) => memory.setInt32(0, v), () => memory.getInt32(0), NaN)).toBe(0);
    expect(stored((v) => memory.setInt32(0, v), () => memory.getInt32(0), Infinity)).toBe(0);
    memory.setBigInt64(8, 2n ** 63n);
    expect(memory.getBigInt64(8)).toBe(-(2n ** 63n));
    memory.setFloat32(16, 0.1);
    expect(memory.getFloat32(16)).toBe(Math.fround(0.1));
  });
});

describe('polling', () => {
  /** A memory that watches a doorbell word, as the worker runtime's does. */
  function withDoorbell() {
    const paged = new PagedMemory(config, 1, 'read');
    const doorbell = new Int32Array(new SharedArrayBuffer(4));
    let polls = 0;
    const memory = new DsmMemory(paged, {
      fault(page, access) {
        paged.setAccess(page, access);
      },
      poll() {
        polls += 1;
      },
      doorbell,
    });
    return { memory, doorbell, polls: () => polls };
  }

  test('an access polls once after each ring of the doorbell, and not while nobody rings', () => {
    const { memory, doorbell, polls } = withDoorbell();
    for (let i = 0; i < 5000; i++) memory.getUint8(i % 256);
    expect(polls()).toBe(0);
    Atomics.add(doorbell, 0, 1);
    memory.getFloat64(8);
    expect(polls()).toBe(1);
    memory.getInt32(8);
    expect(polls()).toBe(1);
    Atomics.add(doorbell, 0, 3);
    memory.float64Array(0, 4).get(1);
    expect(polls()).toBe(2);
  });

  test('the access after a fault polls (held-back work runs once the access is done), then polling stops', () => {
    const { memory, polls } = withDoorbell();
    memory.setInt32(64, 1); // write fault on a read-only page
    expect(polls()).toBe(0);
    memory.getInt32(64);
    expect(polls()).toBe(1);
    memory.getInt32(64);
    expect(polls()).toBe(1);
  });

  test('without a doorbell, byte ranges still poll before copying', () => {
    const { memory, polls } = setUp('write');
    memory.getInt32(0);
    expect(polls()).toBe(0);
    memory.read(0, 4);
    expect(polls()).toBe(1);
  });
});

describe('byte ranges', () => {
  test('read and write across pages fault on every page they lack, then copy', () => {
    const { memory, faults, paged } = setUp('none');
    memory.write(60, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(faults).toEqual([[0, 'write', 60], [1, 'write', 64]]);
    expect(Array.from(memory.read(59, 11))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0]);
    expect(faults.length).toBe(2);
    expect(Array.from(paged.bytes.subarray(60, 69))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(() => memory.read(250, 7)).toThrow(DsmRangeError);
    expect(memory.read(256, 0).length).toBe(0);
  });

  test('a page taken away while another is fetched is fetched again before the copy', () => {
    const paged = new PagedMemory(config, 0, 'none');
    const faults: number[] = [];
    const memory = new DsmMemory(paged, {
      fault(page, access) {
        faults.push(page);
        paged.setAccess(page, access);
        // Fetching page 1 costs us page 0 the first time (another CPU wrote it meanwhile).
        if (page === 1 && faults.length === 2) paged.setAccess(0, 'none');
      },
      poll() {},
    });
    memory.read(60, 8);
    expect(faults).toEqual([0, 1, 0]);
  });
});

describe('typed views', () => {
  test('get/set/length over the accessor, with index checks that name the view', () => {
    const { memory, faults } = setUp('none');
    const v = memory.float64Array(64, 10);
    expect(v.length).toBe(10);
    for (let i = 0; i < v.length; i++) v.set(i, i + 0.5);
    expect(v.toArray()).toEqual([0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5]);
    expect(memory.getFloat64(64 + 8 * 9)).toBe(9.5);
    expect(faults).toEqual([[1, 'write', 64], [2, 'write', 128]]);
    expect(() => v.get(10)).toThrow('CPU 1: index 10 is outside float64Array(0x40, 10) (indices 0..9; address 0x90)');
    expect(() => v.get(-1)).toThrow(DsmRangeError);
    const b = memory.bigUint64Array(0, 2);
    b.set(1, 3n);
    expect(b.get(1)).toBe(3n);
  });

  test('a view that does not fit or is misaligned is refused at creation', () => {
    const { memory } = setUp('none');
    expect(() => memory.int32Array(250, 2)).toThrow(DsmRangeError);
    expect(() => memory.int32Array(2, 2)).toThrow(DsmAlignmentError);
    expect(() => memory.int16Array(0, -1)).toThrow('length must be a non-negative integer');
  });
});
