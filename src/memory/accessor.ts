/**
 * The typed accessor: `cpu.memory` in a program. It is DataView-like (little-endian, natural
 * alignment) over one CPU's PagedMemory, and it is where a simulated CPU "traps": every access
 * checks the page's access code and, when it is too low, calls the injected blocking
 * `fault(page, access, address)`, which returns only once the protocol has granted the access.
 *
 * Every `pollIntervalAccesses` accesses it also calls the injected `poll()`, so that a CPU
 * that computes on valid pages (a spin loop on a flag, say) still answers invalidations and
 * forwards from other CPUs: without it, a writer waiting for this CPU's ack would wait for as
 * long as this CPU computes, and a spin loop waiting for that writer would never end.
 *
 * The hot path is one countdown, one combined range/alignment test, one access-code load and
 * the DataView load or store; everything else (errors, faults, polls) is out of line.
 */
import { DsmAlignmentError, DsmRangeError } from '../core/errors.js';
import type { PagedMemory } from './paged-memory.js';
import { loadValue, storeValue, typeSize, type Value, type ValueType } from './types.js';

/** Accesses between two polls of the doorbell. A poll that finds nothing costs one atomic load. */
export const pollIntervalAccesses = 1024;

export interface AccessHooks {
  /** Blocks until this CPU has `access` to `page`; `address` is the access that faulted (for traces and errors). */
  fault(page: number, access: 'read' | 'write', address: number): void;
  /** Serves whatever messages have arrived, without blocking. */
  poll(): void;
}

/**
 * Typed arrays use the host's byte order and the shared memory is little-endian: the hot
 * float64 and int32 paths use typed arrays (faster than DataView) only on little-endian hosts.
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
  declare private readonly pages: number;
  declare private readonly f64: Float64Array;
  declare private readonly i32: Int32Array;
  declare private pollCountdown: number;

  constructor(paged: PagedMemory, hooks: AccessHooks) {
    this.paged = paged;
    this.hooks = hooks;
    this.cpu = paged.cpu;
    this.regionBytes = paged.regionBytes;
    this.pageSize = paged.pageSize;
    this.view = paged.view;
    this.access = paged.access;
    this.pageShift = paged.pageShift;
    this.pages = paged.pages;
    this.f64 = new Float64Array(paged.bytes.buffer, 0, paged.regionBytes >>> 3);
    this.i32 = new Int32Array(paged.bytes.buffer, 0, paged.regionBytes >>> 2);
    this.pollCountdown = pollIntervalAccesses;
  }

  // ------------------------------------------------------------ typed loads

  getInt8(address: number): number {
    this.need(address, 1, 'int8', readCode);
    return this.view.getInt8(address);
  }
  getUint8(address: number): number {
    this.need(address, 1, 'uint8', readCode);
    return this.view.getUint8(address);
  }
  getInt16(address: number): number {
    this.need(address, 2, 'int16', readCode);
    return this.view.getInt16(address, true);
  }
  getUint16(address: number): number {
    this.need(address, 2, 'uint16', readCode);
    return this.view.getUint16(address, true);
  }
  getInt32(address: number): number {
    const page = address >>> this.pageShift;
    if (--this.pollCountdown === 0 || (address & 3) !== 0 || page >= this.pages || (address >>> 0) !== address || this.access[page]! < readCode) {
      this.needSlow(address, 4, 'int32', readCode);
    }
    return littleEndianHost ? this.i32[address >>> 2]! : this.view.getInt32(address, true);
  }
  getUint32(address: number): number {
    this.need(address, 4, 'uint32', readCode);
    return this.view.getUint32(address, true);
  }
  getFloat32(address: number): number {
    this.need(address, 4, 'float32', readCode);
    return this.view.getFloat32(address, true);
  }
  getFloat64(address: number): number {
    // The hottest calls inline the check of need() (see there) and load through a typed array.
    const page = address >>> this.pageShift;
    if (--this.pollCountdown === 0 || (address & 7) !== 0 || page >= this.pages || (address >>> 0) !== address || this.access[page]! < readCode) {
      this.needSlow(address, 8, 'float64', readCode);
    }
    return littleEndianHost ? this.f64[address >>> 3]! : this.view.getFloat64(address, true);
  }
  getBigInt64(address: number): bigint {
    this.need(address, 8, 'bigint64', readCode);
    return this.view.getBigInt64(address, true);
  }
  getBigUint64(address: number): bigint {
    this.need(address, 8, 'biguint64', readCode);
    return this.view.getBigUint64(address, true);
  }

  // ------------------------------------------------------------ typed stores

  setInt8(address: number, value: number): void {
    this.need(address, 1, 'int8', writeCode);
    this.view.setInt8(address, value);
  }
  setUint8(address: number, value: number): void {
    this.need(address, 1, 'uint8', writeCode);
    this.view.setUint8(address, value);
  }
  setInt16(address: number, value: number): void {
    this.need(address, 2, 'int16', writeCode);
    this.view.setInt16(address, value, true);
  }
  setUint16(address: number, value: number): void {
    this.need(address, 2, 'uint16', writeCode);
    this.view.setUint16(address, value, true);
  }
  setInt32(address: number, value: number): void {
    const page = address >>> this.pageShift;
    if (--this.pollCountdown === 0 || (address & 3) !== 0 || page >= this.pages || (address >>> 0) !== address || this.access[page]! < writeCode) {
      this.needSlow(address, 4, 'int32', writeCode);
    }
    if (littleEndianHost) this.i32[address >>> 2] = value;
    else this.view.setInt32(address, value, true);
  }
  setUint32(address: number, value: number): void {
    this.need(address, 4, 'uint32', writeCode);
    this.view.setUint32(address, value, true);
  }
  setFloat32(address: number, value: number): void {
    this.need(address, 4, 'float32', writeCode);
    this.view.setFloat32(address, value, true);
  }
  setFloat64(address: number, value: number): void {
    const page = address >>> this.pageShift;
    if (--this.pollCountdown === 0 || (address & 7) !== 0 || page >= this.pages || (address >>> 0) !== address || this.access[page]! < writeCode) {
      this.needSlow(address, 8, 'float64', writeCode);
    }
    if (littleEndianHost) this.f64[address >>> 3] = value;
    else this.view.setFloat64(address, value, true);
  }
  setBigInt64(address: number, value: bigint): void {
    this.need(address, 8, 'bigint64', writeCode);
    this.view.setBigInt64(address, value, true);
  }
  setBigUint64(address: number, value: bigint): void {
    this.need(address, 8, 'biguint64', writeCode);
    this.view.setBigUint64(address, value, true);
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
    this.tick();
    this.acquireRange(address, length, 'read');
    return this.paged.bytes.slice(address, address + length);
  }

  /** Writes `bytes` at `address`, across pages, once every page of the range is writable. */
  write(address: number, bytes: Uint8Array | ArrayLike<number>): void {
    this.paged.checkRange(address, bytes.length);
    this.tick();
    this.acquireRange(address, bytes.length, 'write');
    this.paged.bytes.set(bytes, address);
  }

  private acquireRange(address: number, length: number, access: 'read' | 'write'): void {
    if (length === 0) return;
    for (let page = this.paged.missingPage(address, length, access); page >= 0; page = this.paged.missingPage(address, length, access)) {
      this.hooks.fault(page, access, Math.max(address, page << this.pageShift));
    }
    this.pollCountdown = 1;
  }

  // ------------------------------------------------------------ typed views

  int8Array(offset: number, length: number): DsmArray<number> {
    return new DsmArray(this, 'int8', offset, length);
  }
  uint8Array(offset: number, length: number): DsmArray<number> {
    return new DsmArray(this, 'uint8', offset, length);
  }
  int16Array(offset: number, length: number): DsmArray<number> {
    return new DsmArray(this, 'int16', offset, length);
  }
  uint16Array(offset: number, length: number): DsmArray<number> {
    return new DsmArray(this, 'uint16', offset, length);
  }
  int32Array(offset: number, length: number): DsmArray<number> {
    return new DsmArray(this, 'int32', offset, length);
  }
  uint32Array(offset: number, length: number): DsmArray<number> {
    return new DsmArray(this, 'uint32', offset, length);
  }
  float32Array(offset: number, length: number): DsmArray<number> {
    return new DsmArray(this, 'float32', offset, length);
  }
  float64Array(offset: number, length: number): DsmArray<number> {
    return new DsmArray(this, 'float64', offset, length);
  }
  bigInt64Array(offset: number, length: number): DsmArray<bigint> {
    return new DsmArray(this, 'bigint64', offset, length);
  }
  bigUint64Array(offset: number, length: number): DsmArray<bigint> {
    return new DsmArray(this, 'biguint64', offset, length);
  }

  // ------------------------------------------------------------ the check

  /**
   * Counts down to the next poll, then takes the fast path when the access is aligned, on an
   * existing page, and allowed (one OR chain, so the common case is one predictable branch): an aligned access of a power-of-two size no
   * larger than a page lies inside one page, so `page < pages` also bounds its end, and
   * `(address >>> 0) === address` rejects negatives, fractions, NaN and non-numbers (the
   * region is at most 2 GiB). Anything else, faults included, goes out of line.
   */
  private need(address: number, size: number, type: ValueType, code: number): void {
    const page = address >>> this.pageShift;
    if (--this.pollCountdown === 0 || (address & (size - 1)) !== 0 || page >= this.pages || (address >>> 0) !== address || this.access[page]! < code) {
      this.needSlow(address, size, type, code);
    }
  }

  /** Everything off the fast path: the periodic poll, bad addresses, and faults. */
  private needSlow(address: number, size: number, type: ValueType, code: number): void {
    if (this.pollCountdown <= 0) this.tick();
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
    this.pollCountdown = 1;
  }

  private tick(): void {
    this.pollCountdown = pollIntervalAccesses;
    this.hooks.poll();
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
 */
export class DsmArray<T extends Value> {
  readonly elementSize: number;

  constructor(
    private readonly memory: DsmMemory,
    readonly type: ValueType,
    readonly offset: number,
    readonly length: number,
  ) {
    this.elementSize = typeSize[type];
    const bytes = length * this.elementSize;
    if (!Number.isInteger(length) || length < 0) {
      throw viewError(memory, `${type}Array(0x${hexOf(offset)}, ${String(length)}): length must be a non-negative integer`, offset, 0);
    }
    memory.paged.checkRange(offset, bytes);
    if ((offset & (this.elementSize - 1)) !== 0) throw new DsmAlignmentError(memory.cpu, offset, type, this.elementSize);
  }

  get(index: number): T {
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    return this.memory.load(this.type, this.offset + index * this.elementSize) as T;
  }

  set(index: number, value: T): void {
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    this.memory.store(this.type, this.offset + index * this.elementSize, value);
  }

  /** The view's elements as a plain array, read one by one through the accessor. */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.get(i));
    return out;
  }

  private badIndex(index: number): never {
    const address = this.offset + Number(index) * this.elementSize;
    throw viewError(
      this.memory,
      `index ${String(index)} is outside ${this.type}Array(0x${hexOf(this.offset)}, ${this.length}) (indices 0..${this.length - 1}; address 0x${hexOf(address)})`,
      address,
      this.elementSize,
    );
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
