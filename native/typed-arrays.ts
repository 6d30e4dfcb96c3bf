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
 * Checks: the view's construction checks its range and alignment as the accessor does
 * (DsmRangeError, DsmAlignmentError with the CPU and address); get/set check the index and
 * throw the worker views' DsmRangeError. Plain indexing has JavaScript's typed-array
 * semantics (an index past the end reads undefined and writes nothing), which is the price
 * of a plain load.
 *
 * Derived arrays (slice, map, filter, subarray) are plain typed arrays (Symbol.species):
 * subarray still aliases the guarded view, the others are private copies.
 */
import { DsmAlignmentError } from '../src/core/errors.js';
import { DsmMemory, hexOf, viewError, type AccessHooks, type DsmArray } from '../src/memory/accessor.js';
import type { PagedMemory } from '../src/memory/paged-memory.js';
import { typeSize, type Value, type ValueType } from '../src/memory/types.js';

type TypedArrayConstructor =
  | Int8ArrayConstructor | Uint8ArrayConstructor | Int16ArrayConstructor | Uint16ArrayConstructor
  | Int32ArrayConstructor | Uint32ArrayConstructor | Float32ArrayConstructor | Float64ArrayConstructor
  | BigInt64ArrayConstructor | BigUint64ArrayConstructor;

/**
 * One subclass of `Base` with the view API. A factory, called once per element type at load
 * time, so each type has its own class (and the call sites in a program's loop stay
 * monomorphic, as with the worker views).
 */
function nativeClass(Base: TypedArrayConstructor, type: ValueType) {
  const size = typeSize[type];
  type Self = Record<number, Value> & { length: number; byteOffset: number; memory: DsmMemory };
  const baseSet = Base.prototype.set as (this: unknown, array: ArrayLike<Value>, offset?: number) => void;

  function badIndex(self: Self, index: number): never {
    const address = self.byteOffset + Number(index) * size;
    throw viewError(
      self.memory,
      `index ${String(index)} is outside ${type}Array(0x${hexOf(self.byteOffset)}, ${self.length}) (indices 0..${self.length - 1}; address 0x${hexOf(address)})`,
      address,
      size,
    );
  }
  function get(this: Self, index: number): Value {
    if ((index >>> 0) !== index || index >= this.length) badIndex(this, index);
    return this[index]!;
  }
  /** `set(index, value)` as on every backend; `set(array, offset?)` as on every typed array. */
  function set(this: Self, index: number | ArrayLike<Value>, value?: Value): void {
    if (typeof index !== 'number') {
      baseSet.call(this, index, value as number | undefined);
      return;
    }
    if ((index >>> 0) !== index || index >= this.length) badIndex(this, index);
    this[index] = value!;
  }

  const B = Base as unknown as new (buffer: ArrayBuffer, byteOffset: number, length: number) => object;
  class NativeView extends B {
    static get [Symbol.species](): TypedArrayConstructor {
      return Base;
    }

    constructor(memory: DsmMemory, buffer: ArrayBuffer, offset: number, length: number) {
      if (!Number.isInteger(length) || length < 0) {
        throw viewError(memory, `${type}Array(0x${hexOf(offset)}, ${String(length)}): length must be a non-negative integer`, offset, 0);
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

    toArray(): Value[] {
      return Array.from(this as unknown as ArrayLike<Value>);
    }
  }
  Object.defineProperty(NativeView, 'name', { value: `Native${Base.name}` });
  return NativeView as unknown as new (memory: DsmMemory, buffer: ArrayBuffer, offset: number, length: number) => DsmArray<Value>;
}

const NativeInt8Array = nativeClass(Int8Array, 'int8');
const NativeUint8Array = nativeClass(Uint8Array, 'uint8');
const NativeInt16Array = nativeClass(Int16Array, 'int16');
const NativeUint16Array = nativeClass(Uint16Array, 'uint16');
const NativeInt32Array = nativeClass(Int32Array, 'int32');
const NativeUint32Array = nativeClass(Uint32Array, 'uint32');
const NativeFloat32Array = nativeClass(Float32Array, 'float32');
const NativeFloat64Array = nativeClass(Float64Array, 'float64');
const NativeBigInt64Array = nativeClass(BigInt64Array, 'bigint64');
const NativeBigUint64Array = nativeClass(BigUint64Array, 'biguint64');

/**
 * The accessor of a native CPU's program: `cpu.memory` as everywhere (its get/set methods
 * are the accessor's), but its typed views, and so `cpu.float64Array(...)` and the others,
 * are real typed arrays over the guarded view.
 */
export class NativeDsmMemory extends DsmMemory {
  constructor(paged: PagedMemory, hooks: AccessHooks) {
    super(paged, hooks);
  }

  private get buffer(): ArrayBuffer {
    return this.paged.bytes.buffer as ArrayBuffer;
  }

  override int8Array(offset: number, length: number): DsmArray<number> {
    return new NativeInt8Array(this, this.buffer, offset, length) as DsmArray<number>;
  }
  override uint8Array(offset: number, length: number): DsmArray<number> {
    return new NativeUint8Array(this, this.buffer, offset, length) as DsmArray<number>;
  }
  override int16Array(offset: number, length: number): DsmArray<number> {
    return new NativeInt16Array(this, this.buffer, offset, length) as DsmArray<number>;
  }
  override uint16Array(offset: number, length: number): DsmArray<number> {
    return new NativeUint16Array(this, this.buffer, offset, length) as DsmArray<number>;
  }
  override int32Array(offset: number, length: number): DsmArray<number> {
    return new NativeInt32Array(this, this.buffer, offset, length) as DsmArray<number>;
  }
  override uint32Array(offset: number, length: number): DsmArray<number> {
    return new NativeUint32Array(this, this.buffer, offset, length) as DsmArray<number>;
  }
  override float32Array(offset: number, length: number): DsmArray<number> {
    return new NativeFloat32Array(this, this.buffer, offset, length) as DsmArray<number>;
  }
  override float64Array(offset: number, length: number): DsmArray<number> {
    return new NativeFloat64Array(this, this.buffer, offset, length) as DsmArray<number>;
  }
  override bigInt64Array(offset: number, length: number): DsmArray<bigint> {
    return new NativeBigInt64Array(this, this.buffer, offset, length) as DsmArray<bigint>;
  }
  override bigUint64Array(offset: number, length: number): DsmArray<bigint> {
    return new NativeBigUint64Array(this, this.buffer, offset, length) as DsmArray<bigint>;
  }
}
