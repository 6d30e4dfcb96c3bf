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
  declare cpu: number;
  /** Bytes in the shared region: addresses 0 .. regionBytes-1. */
  declare readonly regionBytes: number;
  declare readonly pageSize: number;
  /** The runtime's hooks; a memory kept from run to run is rebound to each run's (rebind). */
  declare private hooks: AccessHooks;
  // The fields below are read by the typed views too, which spell out the same check (see
  // DsmArray): internal, not for programs.
  /** @internal */ declare readonly view: DataView;
  /** @internal */ declare readonly access: Uint8Array;
  /** @internal */ declare readonly pageShift: number;
  /** @internal */ declare doorbell: Int32Array;
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
  /** The view classes made for this memory, by element type (viewClass). */
  declare private readonly viewClasses: Map<ValueType, new (memory: DsmMemory, offset: number, length: number) => DsmArray<Value>>;

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
    this.viewClasses = new Map();
    // Once more through rebind, on purpose: V8 treats a field stored once as a constant and
    // folds it into optimized code, and the first rebind of a kept memory would then undo
    // that (a deoptimization) and leave the loops slower than if the fields had never looked
    // constant (2-CPU worker Jacobi, runs after the first: 2739–3516 ms against 1312–1588 ms
    // with this second store; docs/performance.md). The fields rebind sets are per run.
    this.rebind(hooks, paged.cpu);
  }

  /**
   * The same memory (its bytes, protection table and view classes) for the next run, with
   * that run's hooks, serving `cpu` (a worker thread may run another CPU of the cluster next
   * time: every CPU starts a run from the same image): a runtime that keeps a thread's memory
   * from run to run calls it instead of making a new one, so that the views a program makes
   * on that thread are of the classes its optimized code has already seen.
   */
  rebind(hooks: AccessHooks, cpu: number): void {
    this.cpu = cpu;
    this.paged.cpu = cpu;
    this.hooks = hooks;
    this.doorbell = hooks.doorbell ?? new Int32Array(1);
    this.seenDoorbell = this.doorbell[0]!;
  }

  /** @internal The typed array over this memory's bytes of `type`'s elements. */
  elementsOf(type: ValueType): Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array {
    switch (type) {
      case 'int8': return this.i8;
      case 'uint8': return this.u8;
      case 'int16': return this.i16;
      case 'uint16': return this.u16;
      case 'int32': return this.i32;
      case 'uint32': return this.u32;
      case 'float32': return this.f32;
      case 'float64': return this.f64;
      case 'bigint64': return this.bi64;
      case 'biguint64': return this.bu64;
    }
  }

  /** A view of `length` elements of `type` at `offset`, of this memory's class for `type`. */
  private viewOf(type: ValueType, offset: number, length: number): DsmArray<Value> {
    let View = this.viewClasses.get(type);
    if (View === undefined) {
      View = viewClass(this, type);
      this.viewClasses.set(type, View);
    }
    return new View(this, offset, length);
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
    return this.viewOf('int8', offset, length) as DsmArray<number>;
  }
  uint8Array(offset: number, length: number): DsmArray<number> {
    return this.viewOf('uint8', offset, length) as DsmArray<number>;
  }
  int16Array(offset: number, length: number): DsmArray<number> {
    return this.viewOf('int16', offset, length) as DsmArray<number>;
  }
  uint16Array(offset: number, length: number): DsmArray<number> {
    return this.viewOf('uint16', offset, length) as DsmArray<number>;
  }
  int32Array(offset: number, length: number): DsmArray<number> {
    return this.viewOf('int32', offset, length) as DsmArray<number>;
  }
  uint32Array(offset: number, length: number): DsmArray<number> {
    return this.viewOf('uint32', offset, length) as DsmArray<number>;
  }
  float32Array(offset: number, length: number): DsmArray<number> {
    return this.viewOf('float32', offset, length) as DsmArray<number>;
  }
  float64Array(offset: number, length: number): DsmArray<number> {
    return this.viewOf('float64', offset, length) as DsmArray<number>;
  }
  bigInt64Array(offset: number, length: number): DsmArray<bigint> {
    return this.viewOf('bigint64', offset, length) as DsmArray<bigint>;
  }
  bigUint64Array(offset: number, length: number): DsmArray<bigint> {
    return this.viewOf('biguint64', offset, length) as DsmArray<bigint>;
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
 * One subclass per element type and memory (viewClass): a view that switched on its type at
 * every access cost 10-15 ns per element, and the call site in a program's loop stays
 * monomorphic as long as the loop uses views of one type of one memory (a worker keeps a
 * CPU's memory from run to run, so that holds across runs too).
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

/** What a view class needs of its memory's typed arrays: element loads and stores. */
type Elements = { [index: number]: Value };

/** Set by useDataViewAccessors: view classes made from then on load and store multi-byte elements through the DataView. */
let viewsThroughDataView = false;

/**
 * The class of `m`'s views of `type`, made once per memory and element type (DsmMemory.viewOf
 * keeps it). Its `get`/`set` hold `m`, the typed array over `m`'s bytes and the protection
 * table in their closure, not in fields, so that V8 folds them into a program's optimized loop
 * as constants: the typed arrays' data pointers and lengths are then known even when the slow
 * path is a live call in the loop (it is on 2 CPUs and more: every barrier rings the doorbell),
 * where fields would be loaded again after every such call (measured in a worker, Jacobi
 * n = 1024 a sweep: 12.3 → 8.7 ms on 1 CPU, 8.7 → 5.7 ms on 2; docs/performance.md). A memory
 * that lives from run to run (workers/cpu-task.ts keeps a CPU's) keeps its classes, so a
 * program's call sites see one class in every run.
 *
 * Each spells out the accessor's check itself, minus the alignment and range tests that the
 * view's construction and index check already imply (an element of an aligned, in-range view
 * is aligned and in range): delegating to `memory.getFloat64` cost Jacobi twice the time
 * (21 against 11 ms, n = 128, 50 sweeps).
 * Numbers and bigints have a class template each, so that each `typeof` test is a literal.
 */
function viewClass(m: DsmMemory, type: ValueType): new (memory: DsmMemory, offset: number, length: number) => DsmArray<Value> {
  const size = typeSize[type];
  const shift = Math.log2(size);
  const elements = m.elementsOf(type) as Elements;
  const access = m.access;
  const pageShift = m.pageShift;
  if (viewsThroughDataView && size > 1) {
    const kind = isBigIntType(type) ? 'bigint' : 'number';
    return class DataViewDsmArray extends DsmArray<Value> {
      constructor(memory: DsmMemory, offset: number, length: number) {
        super(memory, type, offset, length);
      }
      get(index: number): Value {
        if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
        return m.load(type, this.offset + index * size);
      }
      set(index: number, value: Value): void {
        if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
        if (typeof value !== kind) m.badValue(this.offset + index * size, value, type);
        m.store(type, this.offset + index * size, value);
      }
    };
  }
  if (isBigIntType(type)) {
    return class BigIntDsmArray extends DsmArray<bigint> {
      constructor(memory: DsmMemory, offset: number, length: number) {
        super(memory, type, offset, length);
      }
      get(index: number): bigint {
        const address = this.offset + index * size;
        if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
        if (m.doorbell[0] !== m.seenDoorbell || !(access[address >>> pageShift]! >= 1)) m.needSlow(address, size, type, 1);
        return elements[address >>> shift] as bigint;
      }
      set(index: number, value: bigint): void {
        const address = this.offset + index * size;
        if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
        if (typeof value !== 'bigint') m.badValue(address, value, type);
        if (m.doorbell[0] !== m.seenDoorbell || !(access[address >>> pageShift]! >= 2)) m.needSlow(address, size, type, 2);
        elements[address >>> shift] = value;
      }
    } as unknown as new (memory: DsmMemory, offset: number, length: number) => DsmArray<Value>;
  }
  return class NumberDsmArray extends DsmArray<number> {
    constructor(memory: DsmMemory, offset: number, length: number) {
      super(memory, type, offset, length);
    }
    get(index: number): number {
      const address = this.offset + index * size;
      if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
      if (m.doorbell[0] !== m.seenDoorbell || !(access[address >>> pageShift]! >= 1)) m.needSlow(address, size, type, 1);
      return elements[address >>> shift] as number;
    }
    set(index: number, value: number): void {
      const address = this.offset + index * size;
      if ((index >>> 0) !== index || index >= this.length) this.badIndex(index);
      if (typeof value !== 'number') m.badValue(address, value, type);
      if (m.doorbell[0] !== m.seenDoorbell || !(access[address >>> pageShift]! >= 2)) m.needSlow(address, size, type, 2);
      elements[address >>> shift] = value;
    }
  } as unknown as new (memory: DsmMemory, offset: number, length: number) => DsmArray<Value>;
}

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

const multiByteNames: readonly [string, ValueType][] = [
  ['Int16', 'int16'], ['Uint16', 'uint16'], ['Int32', 'int32'], ['Uint32', 'uint32'],
  ['Float32', 'float32'], ['Float64', 'float64'], ['BigInt64', 'bigint64'], ['BigUint64', 'biguint64'],
];

/**
 * Replaces every multi-byte typed method of the accessor by one that goes through
 * `load`/`store`, that is a little-endian DataView, and has the views of every memory made
 * afterwards do the same: what a big-endian host needs.
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
  // The views: classes made from now on (viewClass) go through load and store.
  viewsThroughDataView = true;
}

if (!littleEndianHost) useDataViewAccessors();
