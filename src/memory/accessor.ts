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
import { DsmAlignmentError, DsmRangeError, DsmValueError } from '../core/errors.js';
import { notAnAddress, showAddress, showValue } from '../core/show.js';
import type { PagedMemory } from './paged-memory.js';
import { isBigIntType, loadValue, storeValue, typeSize, type Value, type ValueType } from './types.js';

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
 * Typed arrays use the host's byte order and the shared memory is little-endian: the typed
 * methods below load and store through typed arrays (faster than DataView), and on a
 * big-endian host the multi-byte ones are replaced at load time by DataView ones (see
 * useDataViewAccessors at the end of this file), rather than testing the byte order in
 * every access.
 */
const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Access codes (as in PagedMemory). The hot checks write them as literals (1 read, 2 write),
 * and no hot path reads a module-level constant: V8 does not fold a module's constants into
 * optimized code, and the load of one per access cost Jacobi 40% (16 against 11.6 ms).
 */
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
  // The fields below are read by the typed views too, which spell out the same check (see
  // DsmArray): internal, not for programs.
  /** @internal */ declare readonly view: DataView;
  /** @internal */ declare readonly access: Uint8Array;
  /** @internal */ declare readonly pageShift: number;
  /** @internal */ declare readonly doorbell: Int32Array;
  /** @internal The doorbell's value at the last poll; set to its complement to force a poll at the next access. */
  declare seenDoorbell: number;
  /** @internal */ declare readonly i8: Int8Array;
  /** @internal */ declare readonly u8: Uint8Array;
  /** @internal */ declare readonly i16: Int16Array;
  /** @internal */ declare readonly u16: Uint16Array;
  /** @internal */ declare readonly i32: Int32Array;
  /** @internal */ declare readonly u32: Uint32Array;
  /** @internal */ declare readonly f32: Float32Array;
  /** @internal */ declare readonly f64: Float64Array;
  /** @internal */ declare readonly bi64: BigInt64Array;
  /** @internal */ declare readonly bu64: BigUint64Array;

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
    if (this.doorbell[0] !== this.seenDoorbell || (address & 0) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= 1)) {
      this.needSlow(address, 1, 'int8', 1);
    }
    return this.i8[address]!;
  }
  getUint8(address: number): number {
    if (this.doorbell[0] !== this.seenDoorbell || (address & 0) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= 1)) {
      this.needSlow(address, 1, 'uint8', 1);
    }
    return this.u8[address]!;
  }
  getInt16(address: number): number {
    if (this.doorbell[0] !== this.seenDoorbell || (address & 1) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= 1)) {
      this.needSlow(address, 2, 'int16', 1);
    }
    return this.i16[address >>> 1]!;
  }
  getUint16(address: number): number {
    if (this.doorbell[0] !== this.seenDoorbell || (address & 1) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= 1)) {
      this.needSlow(address, 2, 'uint16', 1);
    }
    return this.u16[address >>> 1]!;
  }
  getInt32(address: number): number {
    if (this.doorbell[0] !== this.seenDoorbell || (address & 3) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= 1)) {
      this.needSlow(address, 4, 'int32', 1);
    }
    return this.i32[address >>> 2]!;
  }
  getUint32(address: number): number {
    if (this.doorbell[0] !== this.seenDoorbell || (address & 3) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= 1)) {
      this.needSlow(address, 4, 'uint32', 1);
    }
    return this.u32[address >>> 2]!;
  }
  getFloat32(address: number): number {
    if (this.doorbell[0] !== this.seenDoorbell || (address & 3) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= 1)) {
      this.needSlow(address, 4, 'float32', 1);
    }
    return this.f32[address >>> 2]!;
  }
  getFloat64(address: number): number {
    if (this.doorbell[0] !== this.seenDoorbell || (address & 7) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= 1)) {
      this.needSlow(address, 8, 'float64', 1);
    }
    return this.f64[address >>> 3]!;
  }
  getBigInt64(address: number): bigint {
    if (this.doorbell[0] !== this.seenDoorbell || (address & 7) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= 1)) {
      this.needSlow(address, 8, 'bigint64', 1);
    }
    return this.bi64[address >>> 3]!;
  }
  getBigUint64(address: number): bigint {
    if (this.doorbell[0] !== this.seenDoorbell || (address & 7) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= 1)) {
      this.needSlow(address, 8, 'biguint64', 1);
    }
    return this.bu64[address >>> 3]!;
  }

  // ------------------------------------------------------------ typed stores

  setInt8(address: number, value: number): void {
    if (typeof value !== 'number') this.badValue(address, value, 'int8');
    if (this.doorbell[0] !== this.seenDoorbell || (address & 0) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= 2)) {
      this.needSlow(address, 1, 'int8', 2);
    }
    this.i8[address] = value;
  }
  setUint8(address: number, value: number): void {
    if (typeof value !== 'number') this.badValue(address, value, 'uint8');
    if (this.doorbell[0] !== this.seenDoorbell || (address & 0) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= 2)) {
      this.needSlow(address, 1, 'uint8', 2);
    }
    this.u8[address] = value;
  }
  setInt16(address: number, value: number): void {
    if (typeof value !== 'number') this.badValue(address, value, 'int16');
    if (this.doorbell[0] !== this.seenDoorbell || (address & 1) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= 2)) {
      this.needSlow(address, 2, 'int16', 2);
    }
    this.i16[address >>> 1] = value;
  }
  setUint16(address: number, value: number): void {
    if (typeof value !== 'number') this.badValue(address, value, 'uint16');
    if (this.doorbell[0] !== this.seenDoorbell || (address & 1) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= 2)) {
      this.needSlow(address, 2, 'uint16', 2);
    }
    this.u16[address >>> 1] = value;
  }
  setInt32(address: number, value: number): void {
    if (typeof value !== 'number') this.badValue(address, value, 'int32');
    if (this.doorbell[0] !== this.seenDoorbell || (address & 3) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= 2)) {
      this.needSlow(address, 4, 'int32', 2);
    }
    this.i32[address >>> 2] = value;
  }
  setUint32(address: number, value: number): void {
    if (typeof value !== 'number') this.badValue(address, value, 'uint32');
    if (this.doorbell[0] !== this.seenDoorbell || (address & 3) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= 2)) {
      this.needSlow(address, 4, 'uint32', 2);
    }
    this.u32[address >>> 2] = value;
  }
  setFloat32(address: number, value: number): void {
    if (typeof value !== 'number') this.badValue(address, value, 'float32');
    if (this.doorbell[0] !== this.seenDoorbell || (address & 3) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= 2)) {
      this.needSlow(address, 4, 'float32', 2);
    }
    this.f32[address >>> 2] = value;
  }
  setFloat64(address: number, value: number): void {
    if (typeof value !== 'number') this.badValue(address, value, 'float64');
    if (this.doorbell[0] !== this.seenDoorbell || (address & 7) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= 2)) {
      this.needSlow(address, 8, 'float64', 2);
    }
    this.f64[address >>> 3] = value;
  }
  setBigInt64(address: number, value: bigint): void {
    if (typeof value !== 'bigint') this.badValue(address, value, 'bigint64');
    if (this.doorbell[0] !== this.seenDoorbell || (address & 7) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= 2)) {
      this.needSlow(address, 8, 'bigint64', 2);
    }
    this.bi64[address >>> 3] = value;
  }
  setBigUint64(address: number, value: bigint): void {
    if (typeof value !== 'bigint') this.badValue(address, value, 'biguint64');
    if (this.doorbell[0] !== this.seenDoorbell || (address & 7) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= 2)) {
      this.needSlow(address, 8, 'biguint64', 2);
    }
    this.bu64[address >>> 3] = value;
  }

  /**
   * A load of any type by name (the ops interpreter uses it), through the typed method of
   * that type: one load instruction. Not through a DataView: V8's DataView builtins load and
   * store one byte per instruction until optimized, and on the native backend a page may move
   * between two instructions of one access (native/pin.ts); a typed-array element is one.
   */
  load(type: ValueType, address: number): Value {
    switch (type) {
      case 'int8': return this.getInt8(address);
      case 'uint8': return this.getUint8(address);
      case 'int16': return this.getInt16(address);
      case 'uint16': return this.getUint16(address);
      case 'int32': return this.getInt32(address);
      case 'uint32': return this.getUint32(address);
      case 'float32': return this.getFloat32(address);
      case 'float64': return this.getFloat64(address);
      case 'bigint64': return this.getBigInt64(address);
      case 'biguint64': return this.getBigUint64(address);
    }
  }

  /** A store of any type by name, through the typed method of that type (see `load`). */
  store(type: ValueType, address: number, value: Value): void {
    switch (type) {
      case 'int8': return this.setInt8(address, Number(value));
      case 'uint8': return this.setUint8(address, Number(value));
      case 'int16': return this.setInt16(address, Number(value));
      case 'uint16': return this.setUint16(address, Number(value));
      case 'int32': return this.setInt32(address, Number(value));
      case 'uint32': return this.setUint32(address, Number(value));
      case 'float32': return this.setFloat32(address, Number(value));
      case 'float64': return this.setFloat64(address, Number(value));
      case 'bigint64': return this.setBigInt64(address, BigInt(value));
      case 'biguint64': return this.setBigUint64(address, BigInt(value));
    }
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
  /** @internal */
  need(address: number, size: number, type: ValueType, code: number): void {
    if (this.doorbell[0] !== this.seenDoorbell || (address & (size - 1)) !== 0 || (address >>> 0) !== address || !(this.access[address >>> this.pageShift]! >= code)) {
      this.needSlow(address, size, type, code);
    }
  }

  /** @internal Everything off the fast path: the poll, bad addresses, and faults (the typed views call it too). */
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
    throw new DsmRangeError(this.cpu, address, size, this.regionBytes);
  }

  /**
   * A store of something its type cannot hold as given (see DsmValueError): a typed array
   * would turn '12' into 12, undefined into 0 and a number into a TypeError for the 64-bit
   * types, hiding the program's mistake. The address is checked first, so that an error
   * names a real address. Out of line, as the other errors.
   * @internal
   */
  badValue(address: number, value: unknown, type: ValueType): never {
    const size = typeSize[type];
    if ((address >>> 0) !== address || address > this.regionBytes - size || (address & (size - 1)) !== 0) this.badAddress(address, size, type);
    throw new DsmValueError(this.cpu, address, type, showValue(value));
  }
}

/**
 * A typed view of `length` elements at `offset`: `get(i)`, `set(i, v)`, `length`. Every
 * element access goes through the accessor (and may fault); the index is checked against the
 * view so that an overrun is reported as the view's, not as a stray address.
 *
 * One subclass per element type: a view that switched on its type at every access cost
 * 10-15 ns per element, and the call site in a program's loop stays monomorphic as long as
 * the loop uses views of one type. Each spells out the accessor's check itself, minus the
 * alignment and range tests that the view's construction and index check already imply
 * (an element of an aligned, in-range view is aligned and in range): delegating to
 * `memory.getFloat64` cost Jacobi twice the time (21 against 11 ms, n = 128, 50 sweeps).
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
      throw viewError(memory, `${type}Array(${hexOf(offset)}, ${showValue(length)}): length must be a non-negative integer`, offset, 0);
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
    throw badIndexError(this.memory, this.type, this.offset, this.length, index);
  }
}

class DsmInt8Array extends DsmArray<number> {
  constructor(memory: DsmMemory, offset: number, length: number) {
    super(memory, 'int8', offset, length);
  }
  get(index: number): number {
    const m = this.memory;
    const address = this.offset + index * 1;
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    if (m.doorbell[0] !== m.seenDoorbell || !(m.access[address >>> m.pageShift]! >= 1)) m.needSlow(address, 1, 'int8', 1);
    return m.i8[address]!;
  }
  set(index: number, value: number): void {
    const m = this.memory;
    const address = this.offset + index * 1;
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    if (typeof value !== 'number') m.badValue(address, value, this.type);
    if (m.doorbell[0] !== m.seenDoorbell || !(m.access[address >>> m.pageShift]! >= 2)) m.needSlow(address, 1, 'int8', 2);
    m.i8[address] = value;
  }
}

class DsmUint8Array extends DsmArray<number> {
  constructor(memory: DsmMemory, offset: number, length: number) {
    super(memory, 'uint8', offset, length);
  }
  get(index: number): number {
    const m = this.memory;
    const address = this.offset + index * 1;
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    if (m.doorbell[0] !== m.seenDoorbell || !(m.access[address >>> m.pageShift]! >= 1)) m.needSlow(address, 1, 'uint8', 1);
    return m.u8[address]!;
  }
  set(index: number, value: number): void {
    const m = this.memory;
    const address = this.offset + index * 1;
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    if (typeof value !== 'number') m.badValue(address, value, this.type);
    if (m.doorbell[0] !== m.seenDoorbell || !(m.access[address >>> m.pageShift]! >= 2)) m.needSlow(address, 1, 'uint8', 2);
    m.u8[address] = value;
  }
}

class DsmInt16Array extends DsmArray<number> {
  constructor(memory: DsmMemory, offset: number, length: number) {
    super(memory, 'int16', offset, length);
  }
  get(index: number): number {
    const m = this.memory;
    const address = this.offset + index * 2;
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    if (m.doorbell[0] !== m.seenDoorbell || !(m.access[address >>> m.pageShift]! >= 1)) m.needSlow(address, 2, 'int16', 1);
    return m.i16[address >>> 1]!;
  }
  set(index: number, value: number): void {
    const m = this.memory;
    const address = this.offset + index * 2;
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    if (typeof value !== 'number') m.badValue(address, value, this.type);
    if (m.doorbell[0] !== m.seenDoorbell || !(m.access[address >>> m.pageShift]! >= 2)) m.needSlow(address, 2, 'int16', 2);
    m.i16[address >>> 1] = value;
  }
}

class DsmUint16Array extends DsmArray<number> {
  constructor(memory: DsmMemory, offset: number, length: number) {
    super(memory, 'uint16', offset, length);
  }
  get(index: number): number {
    const m = this.memory;
    const address = this.offset + index * 2;
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    if (m.doorbell[0] !== m.seenDoorbell || !(m.access[address >>> m.pageShift]! >= 1)) m.needSlow(address, 2, 'uint16', 1);
    return m.u16[address >>> 1]!;
  }
  set(index: number, value: number): void {
    const m = this.memory;
    const address = this.offset + index * 2;
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    if (typeof value !== 'number') m.badValue(address, value, this.type);
    if (m.doorbell[0] !== m.seenDoorbell || !(m.access[address >>> m.pageShift]! >= 2)) m.needSlow(address, 2, 'uint16', 2);
    m.u16[address >>> 1] = value;
  }
}

class DsmInt32Array extends DsmArray<number> {
  constructor(memory: DsmMemory, offset: number, length: number) {
    super(memory, 'int32', offset, length);
  }
  get(index: number): number {
    const m = this.memory;
    const address = this.offset + index * 4;
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    if (m.doorbell[0] !== m.seenDoorbell || !(m.access[address >>> m.pageShift]! >= 1)) m.needSlow(address, 4, 'int32', 1);
    return m.i32[address >>> 2]!;
  }
  set(index: number, value: number): void {
    const m = this.memory;
    const address = this.offset + index * 4;
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    if (typeof value !== 'number') m.badValue(address, value, this.type);
    if (m.doorbell[0] !== m.seenDoorbell || !(m.access[address >>> m.pageShift]! >= 2)) m.needSlow(address, 4, 'int32', 2);
    m.i32[address >>> 2] = value;
  }
}

class DsmUint32Array extends DsmArray<number> {
  constructor(memory: DsmMemory, offset: number, length: number) {
    super(memory, 'uint32', offset, length);
  }
  get(index: number): number {
    const m = this.memory;
    const address = this.offset + index * 4;
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    if (m.doorbell[0] !== m.seenDoorbell || !(m.access[address >>> m.pageShift]! >= 1)) m.needSlow(address, 4, 'uint32', 1);
    return m.u32[address >>> 2]!;
  }
  set(index: number, value: number): void {
    const m = this.memory;
    const address = this.offset + index * 4;
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    if (typeof value !== 'number') m.badValue(address, value, this.type);
    if (m.doorbell[0] !== m.seenDoorbell || !(m.access[address >>> m.pageShift]! >= 2)) m.needSlow(address, 4, 'uint32', 2);
    m.u32[address >>> 2] = value;
  }
}

class DsmFloat32Array extends DsmArray<number> {
  constructor(memory: DsmMemory, offset: number, length: number) {
    super(memory, 'float32', offset, length);
  }
  get(index: number): number {
    const m = this.memory;
    const address = this.offset + index * 4;
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    if (m.doorbell[0] !== m.seenDoorbell || !(m.access[address >>> m.pageShift]! >= 1)) m.needSlow(address, 4, 'float32', 1);
    return m.f32[address >>> 2]!;
  }
  set(index: number, value: number): void {
    const m = this.memory;
    const address = this.offset + index * 4;
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    if (typeof value !== 'number') m.badValue(address, value, this.type);
    if (m.doorbell[0] !== m.seenDoorbell || !(m.access[address >>> m.pageShift]! >= 2)) m.needSlow(address, 4, 'float32', 2);
    m.f32[address >>> 2] = value;
  }
}

class DsmFloat64Array extends DsmArray<number> {
  constructor(memory: DsmMemory, offset: number, length: number) {
    super(memory, 'float64', offset, length);
  }
  get(index: number): number {
    const m = this.memory;
    const address = this.offset + index * 8;
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    if (m.doorbell[0] !== m.seenDoorbell || !(m.access[address >>> m.pageShift]! >= 1)) m.needSlow(address, 8, 'float64', 1);
    return m.f64[address >>> 3]!;
  }
  set(index: number, value: number): void {
    const m = this.memory;
    const address = this.offset + index * 8;
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    if (typeof value !== 'number') m.badValue(address, value, this.type);
    if (m.doorbell[0] !== m.seenDoorbell || !(m.access[address >>> m.pageShift]! >= 2)) m.needSlow(address, 8, 'float64', 2);
    m.f64[address >>> 3] = value;
  }
}

class DsmBigInt64Array extends DsmArray<bigint> {
  constructor(memory: DsmMemory, offset: number, length: number) {
    super(memory, 'bigint64', offset, length);
  }
  get(index: number): bigint {
    const m = this.memory;
    const address = this.offset + index * 8;
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    if (m.doorbell[0] !== m.seenDoorbell || !(m.access[address >>> m.pageShift]! >= 1)) m.needSlow(address, 8, 'bigint64', 1);
    return m.bi64[address >>> 3]!;
  }
  set(index: number, value: bigint): void {
    const m = this.memory;
    const address = this.offset + index * 8;
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    if (typeof value !== 'bigint') m.badValue(address, value, this.type);
    if (m.doorbell[0] !== m.seenDoorbell || !(m.access[address >>> m.pageShift]! >= 2)) m.needSlow(address, 8, 'bigint64', 2);
    m.bi64[address >>> 3] = value;
  }
}

class DsmBigUint64Array extends DsmArray<bigint> {
  constructor(memory: DsmMemory, offset: number, length: number) {
    super(memory, 'biguint64', offset, length);
  }
  get(index: number): bigint {
    const m = this.memory;
    const address = this.offset + index * 8;
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    if (m.doorbell[0] !== m.seenDoorbell || !(m.access[address >>> m.pageShift]! >= 1)) m.needSlow(address, 8, 'biguint64', 1);
    return m.bu64[address >>> 3]!;
  }
  set(index: number, value: bigint): void {
    const m = this.memory;
    const address = this.offset + index * 8;
    if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
    if (typeof value !== 'bigint') m.badValue(address, value, this.type);
    if (m.doorbell[0] !== m.seenDoorbell || !(m.access[address >>> m.pageShift]! >= 2)) m.needSlow(address, 8, 'biguint64', 2);
    m.bu64[address >>> 3] = value;
  }
}

/** An offset or address in an error: `0x1f` when it is a non-negative integer, else the value as given (never `0xNaN` or `0x4.8`). */
export function hexOf(n: unknown): string {
  return notAnAddress(n) === null ? `0x${(n as number).toString(16)}` : typeof n === 'number' ? String(n) : showValue(n);
}

/** A DsmRangeError (same class, same fields) whose message speaks of the view. */
export function viewError(memory: DsmMemory, what: string, address: number, length: number): DsmRangeError {
  const err = new DsmRangeError(memory.cpu, address, length, memory.regionBytes);
  err.message = `CPU ${memory.cpu}: ${what}`;
  return err;
}

/** The error of a view's get/set at `index` outside it, or at something that is not an index (every backend's views). */
export function badIndexError(memory: DsmMemory, type: ValueType, offset: number, length: number, index: unknown): DsmRangeError {
  const view = `${type}Array(${hexOf(offset)}, ${length})`;
  const indices = length === 0 ? 'it has no elements' : `indices 0..${length - 1}`;
  const why = notAnAddress(index);
  if (why !== null) return viewError(memory, `index ${showAddress(index)} of ${view}: the index ${why} (${indices})`, NaN, typeSize[type]);
  const address = offset + (index as number) * typeSize[type];
  return viewError(memory, `index ${String(index)} is outside ${view} (${indices}; address ${hexOf(address)})`, address, typeSize[type]);
}

/** The typed views by element type, for useDataViewAccessors. */
const multiByteViews: readonly (abstract new (...args: never[]) => DsmArray<Value>)[] = [
  DsmInt16Array, DsmUint16Array, DsmInt32Array, DsmUint32Array, DsmFloat32Array, DsmFloat64Array, DsmBigInt64Array, DsmBigUint64Array,
];
const multiByteNames: readonly [string, ValueType][] = [
  ['Int16', 'int16'], ['Uint16', 'uint16'], ['Int32', 'int32'], ['Uint32', 'uint32'],
  ['Float32', 'float32'], ['Float64', 'float64'], ['BigInt64', 'bigint64'], ['BigUint64', 'biguint64'],
];

/**
 * Replaces every multi-byte typed method (of the accessor and of the views) by one that goes
 * through `load`/`store`, that is a little-endian DataView: what a big-endian host needs.
 * Runs at load time on such hosts; exported so that a test can exercise it on any host.
 * @internal
 */
export function useDataViewAccessors(): void {
  const memory = DsmMemory.prototype as unknown as Record<string, unknown>;
  // load and store by name go through the DataView here, and the typed methods through them.
  memory['load'] = function (this: DsmMemory, type: ValueType, address: number): Value {
    this.need(address, typeSize[type], type, readCode);
    return loadValue(this.view, type, address);
  };
  memory['store'] = function (this: DsmMemory, type: ValueType, address: number, value: Value): void {
    this.need(address, typeSize[type], type, writeCode);
    storeValue(this.view, type, address, value);
  };
  for (const [name, type] of multiByteNames) {
    memory[`get${name}`] = function (this: DsmMemory, address: number): Value {
      return this.load(type, address);
    };
    memory[`set${name}`] = function (this: DsmMemory, address: number, value: Value): void {
      if (typeof value !== (isBigIntType(type) ? 'bigint' : 'number')) this.badValue(address, value, type);
      this.store(type, address, value);
    };
  }
  for (const View of multiByteViews) {
    const view = View.prototype as unknown as Record<string, unknown>;
    view['get'] = function (this: DsmArray<Value>, index: number): Value {
      if ((index >>> 0) !== index || index >= this.length) (this as unknown as { badIndex(i: number): never }).badIndex(index);
      return this.memory.load(this.type, this.offset + index * this.elementSize);
    };
    view['set'] = function (this: DsmArray<Value>, index: number, value: Value): void {
      if ((index >>> 0) !== index || index >= this.length) (this as unknown as { badIndex(i: number): never }).badIndex(index);
      if (typeof value !== (isBigIntType(this.type) ? 'bigint' : 'number')) this.memory.badValue(this.offset + index * this.elementSize, value, this.type);
      this.memory.store(this.type, this.offset + index * this.elementSize, value);
    };
  }
}

if (!littleEndianHost) useDataViewAccessors();
