/**
 * Programs: a module whose default export is `defineProgram((cpu, args) => result)`. The
 * function runs once on every CPU of a cluster; `cpu` is that CPU's view of the shared
 * memory and its synchronization calls, the same on every backend.
 *
 * Every call on `cpu` is blocking: a fault, `lock`, `barrier` return once the protocol has
 * answered, and the CPU serves other CPUs' messages while it waits.
 */
import type { DsmArray, DsmMemory } from '../memory/accessor.js';
import type { Value, ValueType } from '../memory/types.js';

/** What a program sees of its CPU. */
export interface Cpu {
  /** This CPU's id, 0..cpus-1. */
  readonly id: number;
  /** The number of CPUs in the cluster. */
  readonly cpus: number;
  readonly pages: number;
  readonly pageSize: number;
  /** The shared region, DataView-like: `getInt32(address)`, `setFloat64(address, v)`, `read`, `write`. */
  readonly memory: DsmMemory;
  int8Array(offset: number, length: number): DsmArray<number>;
  uint8Array(offset: number, length: number): DsmArray<number>;
  int16Array(offset: number, length: number): DsmArray<number>;
  uint16Array(offset: number, length: number): DsmArray<number>;
  int32Array(offset: number, length: number): DsmArray<number>;
  uint32Array(offset: number, length: number): DsmArray<number>;
  float32Array(offset: number, length: number): DsmArray<number>;
  float64Array(offset: number, length: number): DsmArray<number>;
  bigInt64Array(offset: number, length: number): DsmArray<bigint>;
  bigUint64Array(offset: number, length: number): DsmArray<bigint>;
  /** Acquires lock `id` (a non-negative integer); blocks until granted. Not recursive. */
  lock(id: number): void;
  /** Releases lock `id`, which this CPU must hold. */
  unlock(id: number): void;
  /** Blocks until every CPU has called `barrier()` as many times as this one. */
  barrier(): void;
}

export type ProgramFunction<A = unknown, R = unknown> = (cpu: Cpu, args: A) => R | Promise<R>;

/**
 * A global symbol, not a module-local one: a program may import tsdsm through another path
 * (a symlinked node_modules, a copy of dist/) than the runtime that loads it.
 */
export const programTag: unique symbol = Symbol.for('tsdsm.program') as never;

export interface Program<A = unknown, R = unknown> {
  readonly [programTag]: true;
  readonly run: ProgramFunction<A, R>;
}

/** Declares a program: `export default defineProgram((cpu, args) => ...)`. */
export function defineProgram<A = unknown, R = unknown>(run: ProgramFunction<A, R>): Program<A, R> {
  if (typeof run !== 'function') throw new TypeError(`defineProgram expects a function (cpu, args) => result, got ${typeof run}`);
  return { [programTag]: true, run };
}

/** The program function of a module's default export, or a message saying what is wrong. */
export function programOf(moduleDefault: unknown): ProgramFunction | string {
  if (moduleDefault !== null && typeof moduleDefault === 'object' && (moduleDefault as Program)[programTag] === true) {
    return (moduleDefault as Program).run;
  }
  if (typeof moduleDefault === 'function') return moduleDefault as ProgramFunction;
  return `its default export is ${moduleDefault === undefined ? 'missing' : typeof moduleDefault}; expected export default defineProgram((cpu, args) => ...)`;
}

/** What a runtime provides to build a Cpu: the memory and blocking sync calls. */
export interface CpuServices {
  readonly id: number;
  readonly cpus: number;
  readonly memory: DsmMemory;
  lock(id: number): void;
  unlock(id: number): void;
  barrier(): void;
  /** Records a program-level read or write in the trace (tracing runs only). */
  traceAccess?: ((kind: 'read' | 'write', type: ValueType, address: number, value: Value) => void) | undefined;
}

const services = Symbol('tsdsm.cpuServices');

class CpuImpl implements Cpu {
  readonly id: number;
  readonly cpus: number;
  readonly pages: number;
  readonly pageSize: number;
  readonly memory: DsmMemory;
  readonly [services]: CpuServices;

  constructor(s: CpuServices) {
    this.id = s.id;
    this.cpus = s.cpus;
    this.memory = s.memory;
    this.pages = s.memory.paged.pages;
    this.pageSize = s.memory.pageSize;
    this[services] = s;
  }

  int8Array(offset: number, length: number): DsmArray<number> { return this.memory.int8Array(offset, length); }
  uint8Array(offset: number, length: number): DsmArray<number> { return this.memory.uint8Array(offset, length); }
  int16Array(offset: number, length: number): DsmArray<number> { return this.memory.int16Array(offset, length); }
  uint16Array(offset: number, length: number): DsmArray<number> { return this.memory.uint16Array(offset, length); }
  int32Array(offset: number, length: number): DsmArray<number> { return this.memory.int32Array(offset, length); }
  uint32Array(offset: number, length: number): DsmArray<number> { return this.memory.uint32Array(offset, length); }
  float32Array(offset: number, length: number): DsmArray<number> { return this.memory.float32Array(offset, length); }
  float64Array(offset: number, length: number): DsmArray<number> { return this.memory.float64Array(offset, length); }
  bigInt64Array(offset: number, length: number): DsmArray<bigint> { return this.memory.bigInt64Array(offset, length); }
  bigUint64Array(offset: number, length: number): DsmArray<bigint> { return this.memory.bigUint64Array(offset, length); }

  lock(id: number): void {
    this[services].lock(id);
  }
  unlock(id: number): void {
    this[services].unlock(id);
  }
  barrier(): void {
    this[services].barrier();
  }
}

export function makeCpu(s: CpuServices): Cpu {
  return new CpuImpl(s);
}

/**
 * Records a read or write as a trace event when the run is traced; a no-op otherwise. The
 * ops interpreter uses it so that narrated traces show the values programs saw.
 */
export function traceAccess(cpu: Cpu, kind: 'read' | 'write', type: ValueType, address: number, value: Value): void {
  const s = (cpu as Partial<CpuImpl>)[services];
  s?.traceAccess?.(kind, type, address, value);
}
