/**
 * Real typed arrays for programs on the native backend.
 *
 * On the native backend the MMU checks every access, so a program's typed view can be a
 * plain typed array over the guarded application view (`new Float64Array(view, offset,
 * length)`): `a[i]` is a plain load or store, and an access the protocol has not granted is a
 * real SIGSEGV that blocks until the protocol thread grants it. To keep one program running
 * on every backend, each native array is a subclass of its typed array with the worker
 * views' API as well: `get(i)`, `set(i, v)` (with a number as its first argument; with an
 * array it is TypedArray.prototype.set), `toArray()`, `offset`, `type`, `elementSize`,
 * `memory`. Programs written with get/set run unchanged on workers and native; programs
 * that index (`a[i]`) run on native only.
 *
 * What a program may do with a view, and what it must not (docs/native.md says the same):
 *  - An element access (`a[i]`, `a[i] = v`, `get`, `set(i, v)`, `at`, `Atomics.*`) is one
 *    instruction, which the fault's trap-flag step covers.
 *  - The methods that touch many elements in one call run pinned, a page at a time (pin.ts),
 *    so that no page leaves in the middle of an element: `set(array, offset)` and `fill`
 *    write in place; `slice` copies out; `copyWithin`, `sort` and `reverse` copy out, work
 *    on the copy, and write it back; `toSorted`, `toReversed`, `with`, `indexOf`,
 *    `lastIndexOf`, `includes`, `join` (and so `toString`), `toLocaleString` and `toArray`
 *    work on a copy. Their arguments are converted (valueOf, getters of an array-like
 *    source) before any pin, so no program code runs inside one. Each is a sequence of
 *    element accesses, as a loop would be: a view of several pages is not one snapshot.
 *  - The methods with a callback (`forEach`, `map`, `filter`, `reduce`, `find`, `every`,
 *    ...) and the iterators read one element per instruction, as a loop would: each element
 *    read is whole, the view as a whole is not a snapshot (use `slice()` for one).
 *  - `subarray` is a native view of its own (pinned methods included).
 *  - `buffer` is refused (DsmViewError): a DataView, or another typed array, made over the
 *    guarded memory would access it in several instructions unpinned. For the same reason a
 *    program must not pass a view to a TypedArray constructor, to another array's `set`, to
 *    structuredClone or postMessage, or call %TypedArray%.prototype methods on it with
 *    `.call` (the same methods on the view itself are the pinned ones): copy it with
 *    `slice()` first. These are the only ways around the rule, and the error says so.
 *
 * Checks: the view's construction checks its range and alignment as the accessor does
 * (DsmRangeError, DsmAlignmentError with the CPU and address); get/set check the index and
 * throw the worker views' DsmRangeError. Plain indexing has JavaScript's typed-array
 * semantics (an index past the end reads undefined and writes nothing), which is the price
 * of a plain load.
 *
 * Derived arrays (slice, map, filter) are plain typed arrays (Symbol.species): private copies.
 */
import { DsmAlignmentError } from '../src/core/errors.js';
import { DsmViewError } from '../src/runtime/errors.js';
import { badIndexError, DsmMemory, hexOf, viewError, type AccessHooks, type DsmArray } from '../src/memory/accessor.js';
import type { PagedMemory } from '../src/memory/paged-memory.js';
import { isBigIntType, typeSize, type Value, type ValueType } from '../src/memory/types.js';
import type { PinGate } from './pin.js';

export { DsmViewError };

type TypedArrayConstructor =
  | Int8ArrayConstructor | Uint8ArrayConstructor | Int16ArrayConstructor | Uint16ArrayConstructor
  | Int32ArrayConstructor | Uint32ArrayConstructor | Float32ArrayConstructor | Float64ArrayConstructor
  | BigInt64ArrayConstructor | BigUint64ArrayConstructor;

type AnyTypedArray = Record<number, Value> & { length: number; byteOffset: number };
type Method = (this: unknown, ...args: unknown[]) => unknown;

/** Every native view, to tell them from private typed arrays (a source or destination that is guarded too). */
const nativeViews = new WeakSet<object>();

export function isNativeView(x: unknown): boolean {
  return typeof x === 'object' && x !== null && nativeViews.has(x);
}

/** ECMAScript's ToIntegerOrInfinity, run before a pin so that a valueOf runs outside it. */
function toIntegerOrInfinity(x: unknown): number {
  const n = +(x as number);
  return Number.isNaN(n) || n === 0 ? 0 : Math.trunc(n);
}

/** A relative index argument (negative counts from the end) resolved against `length`, as the typed-array methods do. */
function relative(x: unknown, length: number, fallback: number): number {
  if (x === undefined) return fallback;
  const n = toIntegerOrInfinity(x);
  return n < 0 ? Math.max(length + n, 0) : Math.min(n, length);
}

/**
 * One subclass of `Base` with the view API. A factory, called once per element type at load
 * time, so each type has its own class (and the call sites in a program's loop stay
 * monomorphic, as with the worker views).
 */
function nativeClass(Base: TypedArrayConstructor, type: ValueType) {
  const size = typeSize[type];
  const valueKind = isBigIntType(type) ? 'bigint' : 'number';
  type Self = AnyTypedArray & { memory: NativeDsmMemory };
  const proto = Object.getPrototypeOf(Base.prototype) as Record<string, Method>;
  const base = {
    set: proto['set']!, fill: proto['fill']!, slice: proto['slice']!,
    indexOf: proto['indexOf']!, lastIndexOf: proto['lastIndexOf']!, includes: proto['includes']!, join: proto['join']!,
  };
  const Private = Base as unknown as new (length: number) => AnyTypedArray & { set(a: unknown, offset?: number): void; slice(): AnyTypedArray };

  function badIndex(self: Self, index: number): never {
    throw badIndexError(self.memory, type, self.byteOffset, self.length, index);
  }
  /** Calls `piece(from, to)` for each page's part of the elements [first, end) of `self`, pinned with `code` (1 read, 2 write). */
  function pinned(self: Self, first: number, end: number, code: 1 | 2, piece: (from: number, to: number) => void): void {
    if (end <= first) return;
    const origin = self.byteOffset;
    self.memory.pinned(origin + first * size, (end - first) * size, code, (start, stop) => piece((start - origin) / size, (stop - origin) / size));
  }
  /** A private copy of the elements [first, end) (a plain typed array). */
  function copyOut(self: Self, first: number, end: number): AnyTypedArray {
    const copy = new Private(Math.max(end - first, 0));
    pinned(self, first, end, 1, (from, to) => copy.set(base.slice.call(self, from, to) as ArrayLike<Value>, from - first));
    return copy;
  }
  /** Writes the private typed array `data` (of this type) at element `at`, a page at a time. */
  function copyIn(self: Self, data: AnyTypedArray & { subarray(a: number, b: number): unknown }, at: number): void {
    pinned(self, at, at + data.length, 2, (from, to) => base.set.call(self, data.subarray(from - at, to - at), from));
  }
  // get and set check the index through the element access itself: a typed array's element
  // at anything but an index in range is undefined (a fraction, a negative number, NaN, past
  // the end), and a store there does nothing. So get loads first and throws if it got
  // undefined, and set stores first and throws if the element then reads undefined (nothing
  // was written). V8 compiles an element access in range as a load or store with its own
  // bounds check, which deoptimizes when it fails, so the undefined test folds away and the
  // loop costs what plain indexing costs. An explicit test before the access, as the worker
  // views do, cost native Jacobi's sweeps 2x (n = 1024: 470 against 215 ms for 100 sweeps):
  // its out-of-line throw is a call that stops V8 from reusing the arrays' loads from one
  // element to the next (docs/performance.md, "Native views at plain speed").
  function get(this: Self, index: number): Value {
    if (typeof index !== 'number') badIndex(this, index); // before the load: a string may name a property (length, buffer)
    const value = this[index];
    if (value === undefined) badIndex(this, index);
    return value!;
  }
  /** `set(index, value)` as on every backend; `set(array, offset?)` as on every typed array, pinned. */
  function set(this: Self, index: number | ArrayLike<Value>, value?: Value): void {
    if (typeof index !== 'number') {
      setArray(this, index, value);
      return;
    }
    if (typeof value !== valueKind) {
      // Out of the loop's way: a bad index is still named before a bad value.
      if (this[index] === undefined) badIndex(this, index);
      this.memory.badValue(this.byteOffset + index * size, value, type);
    }
    this[index] = value!;
    if (this[index] === undefined) badIndex(this, index);
  }
  function setArray(self: Self, source: ArrayLike<Value>, offset: unknown): void {
    const at = offset === undefined ? 0 : toIntegerOrInfinity(offset);
    let data: ArrayLike<Value>;
    if (isNativeView(source)) {
      data = (source as unknown as { slice(): AnyTypedArray }).slice();
    } else if (source instanceof Base) {
      data = source;
    } else {
      // Converted to this type here, before any pin: an array-like's getters, its elements'
      // valueOf, another element type's conversion (or TypeError, bigint against number).
      const copy = new Private(Math.max(0, Math.min(toIntegerOrInfinity((Object(source) as ArrayLike<Value>).length), 2 ** 32)));
      copy.set(source);
      data = copy;
    }
    if (!(at >= 0) || at + data.length > self.length) {
      base.set.call(self, data, at); // the typed array's own RangeError, before any access
      return;
    }
    copyIn(self, data as AnyTypedArray & { subarray(a: number, b: number): unknown }, at);
  }

  const B = Base as unknown as new (buffer: ArrayBuffer, byteOffset: number, length: number) => object;
  class NativeView extends B {
    static get [Symbol.species](): TypedArrayConstructor {
      return Base;
    }

    constructor(memory: NativeDsmMemory, buffer: ArrayBuffer, offset: number, length: number) {
      if (!Number.isInteger(length) || length < 0) {
        throw viewError(memory, `${type}Array(${hexOf(offset)}, ${String(length)}): length must be a non-negative integer`, offset, 0);
      }
      // The accessor's checks and errors, before the typed array's own (a RangeError without CPU or address).
      memory.paged.checkRange(offset, length * size);
      if ((offset & (size - 1)) !== 0) throw new DsmAlignmentError(memory.cpu, offset, type, size);
      super(buffer, offset, length);
      // get and set are own properties, not the prototype's: V8 does not inline a method that
      // a typed array finds on its prototype chain (measured: Jacobi n = 256 through get/set,
      // 27 ms with own properties, 140-270 ms with prototype methods).
      Object.defineProperty(this, 'memory', { value: memory });
      Object.defineProperty(this, 'get', { value: get });
      Object.defineProperty(this, 'set', { value: set });
      nativeViews.add(this);
    }

    get offset(): number {
      return (this as unknown as Self).byteOffset;
    }
    get type(): ValueType {
      return type;
    }
    get elementSize(): number {
      return size;
    }

    /** Refused: see the header (a DataView or typed array over the guarded memory is unpinned). */
    get buffer(): never {
      const self = this as unknown as Self;
      throw new DsmViewError(
        `CPU ${self.memory.cpu}: ${type}Array(${hexOf(self.byteOffset)}, ${self.length}).buffer is not available on the native backend: ` +
          `a DataView or typed array over the guarded memory would access it in several instructions, and a page could move in the middle ` +
          `of one access; use the view's own methods, cpu.memory, or copy it with slice()`,
      );
    }

    // ---------------------------------------------------------- methods of many elements, pinned

    fill(value: Value, start?: unknown, end?: unknown): this {
      const self = this as unknown as Self;
      const one = new Private(1);
      one[0] = value; // converted as fill converts it, before the pin
      const first = relative(start, self.length, 0);
      const last = relative(end, self.length, self.length);
      pinned(self, first, last, 2, (from, to) => base.fill.call(self, one[0], from, to));
      return this;
    }

    copyWithin(target: unknown, start: unknown, end?: unknown): this {
      const self = this as unknown as Self;
      const n = self.length;
      const to = relative(target, n, 0);
      const from = relative(start, n, 0);
      const final = relative(end, n, n);
      const count = Math.min(final - from, n - to);
      if (count > 0) copyIn(self, copyOut(self, from, from + count) as AnyTypedArray & { subarray(a: number, b: number): unknown }, to);
      return this;
    }

    slice(start?: unknown, end?: unknown): AnyTypedArray {
      const self = this as unknown as Self;
      const first = relative(start, self.length, 0);
      const last = relative(end, self.length, self.length);
      return copyOut(self, first, last);
    }

    /** A native view of the elements [begin, end): it aliases this one, with the same rules. */
    subarray(begin?: unknown, end?: unknown): DsmArray<Value> {
      const self = this as unknown as Self;
      const first = relative(begin, self.length, 0);
      const last = relative(end, self.length, self.length);
      return self.memory.nativeView(type, self.byteOffset + first * size, Math.max(last - first, 0));
    }

    sort(compare?: (a: Value, b: Value) => number): this {
      const self = this as unknown as Self;
      // The comparator is program code: it must not run pinned. Sort a copy, write it back.
      const copy = copyOut(self, 0, self.length) as AnyTypedArray & { sort(c: unknown): void; subarray(a: number, b: number): unknown };
      copy.sort(compare);
      copyIn(self, copy, 0);
      return this;
    }

    reverse(): this {
      const self = this as unknown as Self;
      const copy = copyOut(self, 0, self.length) as AnyTypedArray & { reverse(): void; subarray(a: number, b: number): unknown };
      copy.reverse();
      copyIn(self, copy, 0);
      return this;
    }

    toSorted(compare?: (a: Value, b: Value) => number): AnyTypedArray {
      return (this.slice() as unknown as { sort(c: unknown): AnyTypedArray }).sort(compare);
    }

    toReversed(): AnyTypedArray {
      return (this.slice() as unknown as { reverse(): AnyTypedArray }).reverse();
    }

    with(index: unknown, value: Value): AnyTypedArray {
      return (this.slice() as unknown as { with(i: unknown, v: Value): AnyTypedArray }).with(index, value);
    }

    indexOf(search: Value, ...from: unknown[]): number {
      return this.search(base.indexOf, search, from);
    }

    lastIndexOf(search: Value, ...from: unknown[]): number {
      return this.search(base.lastIndexOf, search, from);
    }

    includes(search: Value, ...from: unknown[]): boolean {
      return this.search(base.includes, search, from);
    }

    private search<T>(method: Method, search: Value, from: unknown[]): T {
      const self = this as unknown as Self;
      // lastIndexOf(x) and lastIndexOf(x, undefined) differ: keep the argument count.
      const args = from.length > 0 ? [search, toIntegerOrInfinity(from[0])] : [search];
      return method.apply(copyOut(self, 0, self.length), args) as T;
    }

    join(separator?: unknown): string {
      const self = this as unknown as Self;
      const sep = separator === undefined ? undefined : String(separator);
      return base.join.call(copyOut(self, 0, self.length), sep) as string;
    }

    override toLocaleString(...args: unknown[]): string {
      return (this.slice() as unknown as { toLocaleString(...a: unknown[]): string }).toLocaleString(...args);
    }

    /** The view's elements as a plain array (one pinned copy). */
    toArray(): Value[] {
      return Array.from(this.slice() as unknown as ArrayLike<Value>);
    }
  }
  Object.defineProperty(NativeView, 'name', { value: `Native${Base.name}` });
  return NativeView as unknown as new (memory: NativeDsmMemory, buffer: ArrayBuffer, offset: number, length: number) => DsmArray<Value>;
}

const nativeClasses: Readonly<Record<ValueType, new (memory: NativeDsmMemory, buffer: ArrayBuffer, offset: number, length: number) => DsmArray<Value>>> = {
  int8: nativeClass(Int8Array, 'int8'),
  uint8: nativeClass(Uint8Array, 'uint8'),
  int16: nativeClass(Int16Array, 'int16'),
  uint16: nativeClass(Uint16Array, 'uint16'),
  int32: nativeClass(Int32Array, 'int32'),
  uint32: nativeClass(Uint32Array, 'uint32'),
  float32: nativeClass(Float32Array, 'float32'),
  float64: nativeClass(Float64Array, 'float64'),
  bigint64: nativeClass(BigInt64Array, 'bigint64'),
  biguint64: nativeClass(BigUint64Array, 'biguint64'),
};

/**
 * The accessor of a native CPU's program: `cpu.memory` as everywhere (its typed get/set are
 * the accessor's, one instruction each), with its byte-range `read`/`write` pinned, and its
 * typed views, and so `cpu.float64Array(...)` and the others, real typed arrays over the
 * guarded view.
 */
export class NativeDsmMemory extends DsmMemory {
  declare private readonly gate: PinGate;

  constructor(paged: PagedMemory, gate: PinGate, hooks: AccessHooks) {
    super(paged, hooks);
    this.gate = gate;
  }

  private get guarded(): ArrayBuffer {
    return this.paged.bytes.buffer as ArrayBuffer;
  }

  /** Calls `piece(start, end)` for each page's part of [address, address + length), that page held with `code` (pin.ts). @internal */
  pinned(address: number, length: number, code: 1 | 2, piece: (start: number, end: number) => void): void {
    this.gate.pinned(address, length, code, piece);
  }

  /** A copy of `length` bytes at `address`, each page's part pinned. */
  override read(address: number, length: number): Uint8Array {
    this.paged.checkRange(address, length);
    const copy = new Uint8Array(length);
    const bytes = this.paged.bytes;
    this.gate.pinned(address, length, 1, (start, end) => copy.set(bytes.subarray(start, end), start - address));
    return copy;
  }

  /** Writes `bytes` at `address`, each page's part pinned. */
  override write(address: number, bytes: Uint8Array | ArrayLike<number>): void {
    this.paged.checkRange(address, bytes.length);
    let data: Uint8Array;
    if (isNativeView(bytes)) {
      data = Uint8Array.from((bytes as unknown as { slice(): ArrayLike<number> }).slice());
    } else if (bytes instanceof Uint8Array) {
      data = bytes;
    } else {
      data = new Uint8Array(bytes.length);
      data.set(bytes); // conversions (valueOf) before the pin
    }
    const guarded = this.paged.bytes;
    this.gate.pinned(address, data.length, 2, (start, end) => guarded.set(data.subarray(start - address, end - address), start));
  }

  /** A native view of `length` elements of `type` at `offset`. @internal */
  nativeView(type: ValueType, offset: number, length: number): DsmArray<Value> {
    return new nativeClasses[type](this, this.guarded, offset, length);
  }

  override int8Array(offset: number, length: number): DsmArray<number> {
    return this.nativeView('int8', offset, length) as DsmArray<number>;
  }
  override uint8Array(offset: number, length: number): DsmArray<number> {
    return this.nativeView('uint8', offset, length) as DsmArray<number>;
  }
  override int16Array(offset: number, length: number): DsmArray<number> {
    return this.nativeView('int16', offset, length) as DsmArray<number>;
  }
  override uint16Array(offset: number, length: number): DsmArray<number> {
    return this.nativeView('uint16', offset, length) as DsmArray<number>;
  }
  override int32Array(offset: number, length: number): DsmArray<number> {
    return this.nativeView('int32', offset, length) as DsmArray<number>;
  }
  override uint32Array(offset: number, length: number): DsmArray<number> {
    return this.nativeView('uint32', offset, length) as DsmArray<number>;
  }
  override float32Array(offset: number, length: number): DsmArray<number> {
    return this.nativeView('float32', offset, length) as DsmArray<number>;
  }
  override float64Array(offset: number, length: number): DsmArray<number> {
    return this.nativeView('float64', offset, length) as DsmArray<number>;
  }
  override bigInt64Array(offset: number, length: number): DsmArray<bigint> {
    return this.nativeView('bigint64', offset, length) as DsmArray<bigint>;
  }
  override bigUint64Array(offset: number, length: number): DsmArray<bigint> {
    return this.nativeView('biguint64', offset, length) as DsmArray<bigint>;
  }
}
