/**
 * The typed accessor: `cpu.memory` in a program. It is DataView-like (little-endian, natural
 * alignment) over one CPU's PagedMemory, and it is where a simulated CPU "traps": every access
 * checks the page's access code and, when it is too low, calls the injected blocking
 * `fault(page, access, address)`, which returns only once the protocol has granted the access.
 *
 * Polling. Every access also compares the CPU's doorbell (an Int32 that every sender bumps
 * after posting, see workers/control.ts) with the value it saw at its last poll, and calls
 * the injected `poll()` when they differ, so that a CPU that computes on valid pages (a spin
 * loop on a flag, say) still answers invalidations and forwards from other CPUs: without it,
 * a writer waiting for this CPU's ack would wait for as long as this CPU computes, and a spin
 * loop waiting for that writer would never end. A doorbell rather than a countdown of
 * accesses: a countdown is a load, a decrement and a store on every access, a chain through
 * memory from one access to the next that cost more than the rest of the check together
 * (measured: 3.8 ns against 1.6 ns per float64 read); the doorbell costs one load and one
 * compare, and a message is served at the very next access instead of up to 1024 later.
 *
 * The hot path is that compare, one combined range/alignment test, one access-code load and
 * a typed-array load or store; everything else (errors, faults, polls) is out of line.
 */
import { DsmAlignmentError, DsmRangeError } from '../core/errors.js';
import type { PagedMemory } from './paged-memory.js';
import { loadValue, storeValue, typeSize, type Value, type ValueType } from './types.js';

export interface AccessHooks {
  /** Blocks until this CPU has `access` to `page`; `address` is the access that faulted (for traces and errors). */
  fault(page: number, access: 'read' | 'write', address: number): void;
  /** Serves whatever messages have arrived, without blocking. */
  poll(): void;
  /**
   * One Int32 (usually a view of the CPU's doorbell in shared memory) that changes whenever
   * `poll()` has something to do. Without it, `poll()` runs only where the accessor must
   * poll anyway: after a fault and before a byte-range copy.
   */
  readonly doorbell?: Int32Array;
}

/**
 * Typed arrays use the host's byte order and the shared memory is little-endian: typed
 * arrays (faster than DataView) serve multi-byte values only on little-endian hosts.
 */
const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const readCode = 1;
const writeCode = 2;

export class DsmMemory {
  // Fields are `declare`d and assigned once in the constructor, not defined by class-field
  // semantics: a field first defined as undefined and then set to a number loses V8's small-
  // integer representation, and every access on the hot path pays for it (measured: ~2×).
  declare readonly paged: PagedMemory;
  declare readonly cpu: number;
  /** Bytes in the shared region: addresses 0 .. regionBytes-1. */
  declare readonly regionBytes: number;
  declare readonly pageSize: number;
  declare private readonly hooks: AccessHooks;
  declare private readonly view: DataView;
  declare private readonly access: Uint8Array;
  declare private readonly pageShift: number;
  declare private readonly doorbell: Int32Array;
  /** The doorbell's value at the last poll; set to its complement to force a poll at the next access. */
  declare private seenDoorbell: number;
  declare private readonly i8: Int8Array;
  declare private readonly u8: Uint8Array;
  declare private readonly i16: Int16Array;
  declare private readonly u16: Uint16Array;
  declare private readonly i32: Int32Array;
  declare private readonly u32: Uint32Array;
  declare private readonly f32: Float32Array;
  declare private readonly f64: Float64Array;
  declare private readonly bi64: BigInt64Array;
  declare private readonly bu64: BigUint64Array;

  constructor(paged: PagedMemory, hooks: AccessHooks) {
    this.paged = paged;
    this.hooks = hooks;
    this.cpu = paged.cpu;
    this.regionBytes = paged.regionBytes;
    this.pageSize = paged.pageSize;
    this.view = paged.view;
    this.access = paged.access;
    this.pageShift = paged.pageShift;
    // A private word that nobody rings when the runtime has no doorbell.
    this.doorbell = hooks.doorbell ?? new Int32Array(1);
    this.seenDoorbell = this.doorbell[0]!;
    const buffer = paged.bytes.buffer;
    const bytes = paged.regionBytes;
    this.i8 = new Int8Array(buffer, 0, bytes);
    this.u8 = new Uint8Array(buffer, 0, bytes);
    this.i16 = new Int16Array(buffer, 0, bytes >>> 1);
    this.u16 = new Uint16Array(buffer, 0, bytes >>> 1);
    this.i32 = new Int32Array(buffer, 0, bytes >>> 2);
    this.u32 = new Uint32Array(buffer, 0, bytes >>> 2);
    this.f32 = new Float32Array(buffer, 0, bytes >>> 2);
    this.f64 = new Float64Array(buffer, 0, bytes >>> 3);
    this.bi64 = new BigInt64Array(buffer, 0, bytes >>> 3);
    this.bu64 = new BigUint64Array(buffer, 0, bytes >>> 3);
  }

  // ------------------------------------------------------------ typed loads
  // Each method spells out the check of need() (see there) rather than calling it: V8 inlines
  // these small bodies into the program's loop, and a constant size keeps the test to a mask.
  getInt8(address: number): number {
    if (this.doorbell[0] !== this.seenDoorbell || (address & 0) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= readCode)) {
      this.needSlow(address, 1, 'int8', readCode);
    }
    return this.i8[address]!;
  }
  getUint8(address: number): number {
    if (this.doorbell[0] !== this.seenDoorbell || (address & 0) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= readCode)) {
      this.needSlow(address, 1, 'uint8', readCode);
    }
    return this.u8[address]!;
  }
  getInt16(address: number): number {
    if (this.doorbell[0] !== this.seenDoorbell || (address & 1) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= readCode)) {
      this.needSlow(address, 2, 'int16', readCode);
    }
    return littleEndianHost ? this.i16[address >>> 1]! : this.view.getInt16(address, true);
  }
  getUint16(address: number): number {
    if (this.doorbell[0] !== this.seenDoorbell || (address & 1) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= readCode)) {
      this.needSlow(address, 2, 'uint16', readCode);
    }
    return littleEndianHost ? this.u16[address >>> 1]! : this.view.getUint16(address, true);
  }
  getInt32(address: number): number {
    if (this.doorbell[0] !== this.seenDoorbell || (address & 3) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= readCode)) {
      this.needSlow(address, 4, 'int32', readCode);
    }
    return littleEndianHost ? this.i32[address >>> 2]! : this.view.getInt32(address, true);
  }
  getUint32(address: number): number {
    if (this.doorbell[0] !== this.seenDoorbell || (address & 3) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= readCode)) {
      this.needSlow(address, 4, 'uint32', readCode);
    }
    return littleEndianHost ? this.u32[address >>> 2]! : this.view.getUint32(address, true);
  }
  getFloat32(address: number): number {
    if (this.doorbell[0] !== this.seenDoorbell || (address & 3) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= readCode)) {
      this.needSlow(address, 4, 'float32', readCode);
    }
    return littleEndianHost ? this.f32[address >>> 2]! : this.view.getFloat32(address, true);
  }
  getFloat64(address: number): number {
    if (this.doorbell[0] !== this.seenDoorbell || (address & 7) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= readCode)) {
      this.needSlow(address, 8, 'float64', readCode);
    }
    return littleEndianHost ? this.f64[address >>> 3]! : this.view.getFloat64(address, true);
  }
  getBigInt64(address: number): bigint {
    if (this.doorbell[0] !== this.seenDoorbell || (address & 7) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= readCode)) {
      this.needSlow(address, 8, 'bigint64', readCode);
    }
    return littleEndianHost ? this.bi64[address >>> 3]! : this.view.getBigInt64(address, true);
  }
  getBigUint64(address: number): bigint {
    if (this.doorbell[0] !== this.seenDoorbell || (address & 7) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= readCode)) {
      this.needSlow(address, 8, 'biguint64', readCode);
    }
    return littleEndianHost ? this.bu64[address >>> 3]! : this.view.getBigUint64(address, true);
  }

  // ------------------------------------------------------------ typed stores

  setInt8(address: number, value: number): void {
    if (this.doorbell[0] !== this.seenDoorbell || (address & 0) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= writeCode)) {
      this.needSlow(address, 1, 'int8', writeCode);
    }
    this.i8[address] = value;
  }
  setUint8(address: number, value: number): void {
    if (this.doorbell[0] !== this.seenDoorbell || (address & 0) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= writeCode)) {
      this.needSlow(address, 1, 'uint8', writeCode);
    }
    this.u8[address] = value;
  }
  setInt16(address: number, value: number): void {
    if (this.doorbell[0] !== this.seenDoorbell || (address & 1) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= writeCode)) {
      this.needSlow(address, 2, 'int16', writeCode);
    }
    if (littleEndianHost) this.i16[address >>> 1] = value;
    else this.view.setInt16(address, value, true);
  }
  setUint16(address: number, value: number): void {
    if (this.doorbell[0] !== this.seenDoorbell || (address & 1) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= writeCode)) {
      this.needSlow(address, 2, 'uint16', writeCode);
    }
    if (littleEndianHost) this.u16[address >>> 1] = value;
    else this.view.setUint16(address, value, true);
  }
  setInt32(address: number, value: number): void {
    if (this.doorbell[0] !== this.seenDoorbell || (address & 3) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= writeCode)) {
      this.needSlow(address, 4, 'int32', writeCode);
    }
    if (littleEndianHost) this.i32[address >>> 2] = value;
    else this.view.setInt32(address, value, true);
  }
  setUint32(address: number, value: number): void {
    if (this.doorbell[0] !== this.seenDoorbell || (address & 3) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= writeCode)) {
      this.needSlow(address, 4, 'uint32', writeCode);
    }
    if (littleEndianHost) this.u32[address >>> 2] = value;
    else this.view.setUint32(address, value, true);
  }
  setFloat32(address: number, value: number): void {
    if (this.doorbell[0] !== this.seenDoorbell || (address & 3) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= writeCode)) {
      this.needSlow(address, 4, 'float32', writeCode);
    }
    if (littleEndianHost) this.f32[address >>> 2] = value;
    else this.view.setFloat32(address, value, true);
  }
  setFloat64(address: number, value: number): void {
    if (this.doorbell[0] !== this.seenDoorbell || (address & 7) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= writeCode)) {
      this.needSlow(address, 8, 'float64', writeCode);
    }
    if (littleEndianHost) this.f64[address >>> 3] = value;
    else this.view.setFloat64(address, value, true);
  }
  setBigInt64(address: number, value: bigint): void {
    if (this.doorbell[0] !== this.seenDoorbell || (address & 7) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= writeCode)) {
      this.needSlow(address, 8, 'bigint64', writeCode);
    }
    if (littleEndianHost) this.bi64[address >>> 3] = value;
    else this.view.setBigInt64(address, value, true);
  }
  setBigUint64(address: number, value: bigint): void {
    if (this.doorbell[0] !== this.seenDoorbell || (address & 7) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= writeCode)) {
      this.needSlow(address, 8, 'biguint64', writeCode);
    }
    if (littleEndianHost) this.bu64[address >>> 3] = value;
    else this.view.setBigUint64(address, value, true);
  }

  /** A load of any type by name (the ops interpreter uses it). */
  load(type: ValueType, address: number): Value {
    this.need(address, typeSize[type], type, readCode);
    return loadValue(this.view, type, address);
  }

  /** A store of any type by name. */
  store(type: ValueType, address: number, value: Value): void {
    this.need(address, typeSize[type], type, writeCode);
    storeValue(this.view, type, address, value);
  }

  // ------------------------------------------------------------ byte ranges

  /**
   * A copy of `length` bytes at `address`, across pages. The copy is taken once every page
   * of the range is readable at the same time: faulting page by page, an earlier page may be
   * invalidated while a later one is fetched, so we loop until none is missing.
   */
  read(address: number, length: number): Uint8Array {
    this.paged.checkRange(address, length);
    this.poll();
    this.acquireRange(address, length, 'read');
    return this.paged.bytes.slice(address, address + length);
  }

  /** Writes `bytes` at `address`, across pages, once every page of the range is writable. */
  write(address: number, bytes: Uint8Array | ArrayLike<number>): void {
    this.paged.checkRange(address, bytes.length);
    this.poll();
    this.acquireRange(address, bytes.length, 'write');
    this.paged.bytes.set(bytes, address);
  }

  private acquireRange(address: number, length: number, access: 'read' | 'write'): void {
    if (length === 0) return;
    for (let page = this.paged.missingPage(address, length, access); page >= 0; page = this.paged.missingPage(address, length, access)) {
      this.hooks.fault(page, access, Math.max(address, page << this.pageShift));
    }
    this.pollAtNextAccess();
  }

  // ------------------------------------------------------------ typed views

  int8Array(offset: number, length: number): DsmArray<number> {
    return new DsmInt8Array(this, offset, length);
  }
  uint8Array(offset: number, length: number): DsmArray<number> {
    return new DsmUint8Array(this, offset, length);
  }
  int16Array(offset: number, length: number): DsmArray<number> {
    return new DsmInt16Array(this, offset, length);
  }
  uint16Array(offset: number, length: number): DsmArray<number> {
    return new DsmUint16Array(this, offset, length);
  }
  int32Array(offset: number, length: number): DsmArray<number> {
    return new DsmInt32Array(this, offset, length);
  }
  uint32Array(offset: number, length: number): DsmArray<number> {
    return new DsmUint32Array(this, offset, length);
  }
  float32Array(offset: number, length: number): DsmArray<number> {
    return new DsmFloat32Array(this, offset, length);
  }
  float64Array(offset: number, length: number): DsmArray<number> {
    return new DsmFloat64Array(this, offset, length);
  }
  bigInt64Array(offset: number, length: number): DsmArray<bigint> {
    return new DsmBigInt64Array(this, offset, length);
  }
  bigUint64Array(offset: number, length: number): DsmArray<bigint> {
    return new DsmBigUint64Array(this, offset, length);
  }

  // ------------------------------------------------------------ the check

  /**
   * The check of every typed access, spelled out in each typed method so that it inlines
   * with a constant size: the fast path is taken when nothing rang the doorbell since the
   * last poll and the access is aligned, on an existing page, and allowed (one OR chain, so
   * the common case is one predictable branch). An aligned access of a power-of-two size no
   * larger than a page lies inside one page, so the page's existence bounds its end: a page
   * beyond the table reads as undefined, which fails `>=`. `(address >>> 0) === address`
   * rejects negatives, fractions, NaN and non-numbers (the region is at most 2 GiB).
   * Anything else, faults included, goes out of line.
   *
   * The doorbell is read with a plain load, not Atomics.load (which V8 does not inline here:
   * 20 ns per access). That is enough: the load cannot be hoisted out of a program's loop,
   * because the slow path below is a call that may change anything, and on every host Node
   * runs on a plain aligned 32-bit load sees the other thread's increment soon after it.
   */
  private need(address: number, size: number, type: ValueType, code: number): void {
    if (this.doorbell[0] !== this.seenDoorbell || (address & (size - 1)) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= code)) {
      this.needSlow(address, size, type, code);
    }
  }

  /** Everything off the fast path: the poll, bad addresses, and faults. Public for the typed views' use. */
  needSlow(address: number, size: number, type: ValueType, code: number): void {
    if (this.doorbell[0] !== this.seenDoorbell) this.poll();
    if ((address >>> 0) !== address || address > this.regionBytes - size || (address & (size - 1)) !== 0) {
      this.badAddress(address, size, type);
    }
    const page = address >>> this.pageShift;
    // A loop, not an if: the protocol may resume us after the page has already moved on (when
    // this CPU manages the page, its own confirmation serves the next queued request at once,
    // before the resume), so the access is retried, as a real CPU retries a faulting instruction.
    if (this.access[page]! >= code) return;
    while (this.access[page]! < code) this.hooks.fault(page, code === writeCode ? 'write' : 'read', address);
    // Poll at the very next access: the runtime may hold back work until this access is done
    // (CpuDriver.afterResume), and the next access is the first moment after it.
    this.pollAtNextAccess();
  }

  /** Records the doorbell, then serves: a ring after the read makes the next access poll again. */
  private poll(): void {
    this.seenDoorbell = this.doorbell[0]!;
    this.hooks.poll();
  }

  /** The complement of a value is never that value: the next access sees a change and polls. */
  private pollAtNextAccess(): void {
    this.seenDoorbell = ~this.doorbell[0]!;
  }

  private badAddress(address: number, size: number, type: ValueType): never {
    if (typeof address === 'number' && Number.isInteger(address) && address >= 0 && address + size <= this.regionBytes) {
      throw new DsmAlignmentError(this.cpu, address, type, size);
    }
    throw new DsmRangeError(this.cpu, typeof address === 'number' ? address : NaN, size, this.regionBytes);
  }
}

/**
 * A typed view of `length` elements at `offset`: `get(i)`, `set(i, v)`, `length`. Every
 * element access goes through the accessor (and may fault); the index is checked against the
 * view so that an overrun is reported as the view's, not as a stray address.
 *
 * One subclass per element type, each calling the accessor's typed method directly: a view
 * that switched on its type at every access cost 10-15 ns per element, and the call site in a
 * program's loop stays monomorphic as long as the loop uses views of one type.
 */
export abstract class DsmArray<T extends Value> {
  declare readonly memory: DsmMemory;
  declare readonly type: ValueType;
  declare readonly offset: number;
  declare readonly length: number;
  declare readonly elementSize: number;

  constructor(memory: DsmMemory, type: ValueType, offset: number, length: number) {
    this.memory = memory;
    this.type = type;
    this.offset = offset;
    this.length = length;
    this.elementSize = typeSize[type];
    const bytes = length * this.elementSize;
    if (!Number.isInteger(length) || length < 0) {
      throw viewError(memory, `${type}Array(0x${hexOf(offset)}, ${String(length)}): length must be a non-negative integer`, offset, 0);
    }
    memory.paged.checkRange(offset, bytes);
    if ((offset & (this.elementSize - 1)) !== 0) throw new DsmAlignmentError(memory.cpu, offset, type, this.elementSize);
  }

  abstract get(index: number): T;
  abstract set(index: number, value: T): void;

  /** The view's elements as a plain array, read one by one through the accessor. */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.get(i));
    return out;
  }

  protected badIndex(index: number): never {
    const address = this.offset + Number(index) * this.elementSize;
    throw viewError(
      this.memory,
      `index ${String(index)} is outside ${this.type}Array(0x${hexOf(this.offset)}, ${this.length}) (indices 0..${this.length - 1}; address 0x${hexOf(address)})`,
      address,
      this.elementSize,
    );
  }
}

class DsmInt8Array extends DsmArray<number> {
  constructor(memory: DsmMemory, offset: number, length: number) {
    super(memory, 'int8', offset, length);
  }
  get(index: number): number {
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    return this.memory.getInt8(this.offset + index * 1);
  }
  set(index: number, value: number): void {
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    this.memory.setInt8(this.offset + index * 1, value);
  }
}

class DsmUint8Array extends DsmArray<number> {
  constructor(memory: DsmMemory, offset: number, length: number) {
    super(memory, 'uint8', offset, length);
  }
  get(index: number): number {
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    return this.memory.getUint8(this.offset + index * 1);
  }
  set(index: number, value: number): void {
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    this.memory.setUint8(this.offset + index * 1, value);
  }
}

class DsmInt16Array extends DsmArray<number> {
  constructor(memory: DsmMemory, offset: number, length: number) {
    super(memory, 'int16', offset, length);
  }
  get(index: number): number {
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    return this.memory.getInt16(this.offset + index * 2);
  }
  set(index: number, value: number): void {
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    this.memory.setInt16(this.offset + index * 2, value);
  }
}

class DsmUint16Array extends DsmArray<number> {
  constructor(memory: DsmMemory, offset: number, length: number) {
    super(memory, 'uint16', offset, length);
  }
  get(index: number): number {
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    return this.memory.getUint16(this.offset + index * 2);
  }
  set(index: number, value: number): void {
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    this.memory.setUint16(this.offset + index * 2, value);
  }
}

class DsmInt32Array extends DsmArray<number> {
  constructor(memory: DsmMemory, offset: number, length: number) {
    super(memory, 'int32', offset, length);
  }
  get(index: number): number {
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    return this.memory.getInt32(this.offset + index * 4);
  }
  set(index: number, value: number): void {
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    this.memory.setInt32(this.offset + index * 4, value);
  }
}

class DsmUint32Array extends DsmArray<number> {
  constructor(memory: DsmMemory, offset: number, length: number) {
    super(memory, 'uint32', offset, length);
  }
  get(index: number): number {
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    return this.memory.getUint32(this.offset + index * 4);
  }
  set(index: number, value: number): void {
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    this.memory.setUint32(this.offset + index * 4, value);
  }
}

class DsmFloat32Array extends DsmArray<number> {
  constructor(memory: DsmMemory, offset: number, length: number) {
    super(memory, 'float32', offset, length);
  }
  get(index: number): number {
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    return this.memory.getFloat32(this.offset + index * 4);
  }
  set(index: number, value: number): void {
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    this.memory.setFloat32(this.offset + index * 4, value);
  }
}

class DsmFloat64Array extends DsmArray<number> {
  constructor(memory: DsmMemory, offset: number, length: number) {
    super(memory, 'float64', offset, length);
  }
  get(index: number): number {
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    return this.memory.getFloat64(this.offset + index * 8);
  }
  set(index: number, value: number): void {
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    this.memory.setFloat64(this.offset + index * 8, value);
  }
}

class DsmBigInt64Array extends DsmArray<bigint> {
  constructor(memory: DsmMemory, offset: number, length: number) {
    super(memory, 'bigint64', offset, length);
  }
  get(index: number): bigint {
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    return this.memory.getBigInt64(this.offset + index * 8);
  }
  set(index: number, value: bigint): void {
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    this.memory.setBigInt64(this.offset + index * 8, value);
  }
}

class DsmBigUint64Array extends DsmArray<bigint> {
  constructor(memory: DsmMemory, offset: number, length: number) {
    super(memory, 'biguint64', offset, length);
  }
  get(index: number): bigint {
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    return this.memory.getBigUint64(this.offset + index * 8);
  }
  set(index: number, value: bigint): void {
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    this.memory.setBigUint64(this.offset + index * 8, value);
  }
}

function hexOf(n: number): string {
  return Number.isFinite(n) ? n.toString(16) : String(n);
}

/** A DsmRangeError (same class, same fields) whose message speaks of the view. */
function viewError(memory: DsmMemory, what: string, address: number, length: number): DsmRangeError {
  const err = new DsmRangeError(memory.cpu, Number.isFinite(address) ? address : NaN, length, memory.regionBytes);
  err.message = `CPU ${memory.cpu}: ${what}`;
  return err;
}
