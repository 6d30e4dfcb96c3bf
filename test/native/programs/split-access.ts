/**
 * The split access, made deterministic (test/native/split-access.test.ts runs it with the
 * addon's test-only step delay, so that after every trap-flag step the program sleeps while
 * the protocol thread is free to serve requests).
 *
 * CPU 1 takes a read copy of page 0, then spins reading the word at `address` until it holds
 * `value`, recording every distinct value it sees. CPU 0 (page 0's manager and owner) writes
 * `value` there by the path named in `how`. A path that stores the word in one instruction,
 * or runs pinned, never lets the page leave with part of the word written: CPU 1 sees only 0
 * and `value`. A byte-wise path run unpinned (a DataView made over the guarded memory, which
 * the API refuses and this program reaches around on purpose) lets the page leave after the
 * first byte: CPU 1 sees a value no CPU wrote.
 */
import { defineProgram } from '../../../index.js';
import type { NativeDsmMemory } from '../../../native/typed-arrays.js';

export type SplitPath =
  | 'dataview-unpinned' | 'dataview-pinned' | 'store' | 'index' | 'write' | 'set' | 'fill' | 'copy-within' | 'cross-page';

export interface SplitArgs {
  how: SplitPath;
  /** Byte address of the watched word (4-aligned). */
  address: number;
  value: number;
  /** Bound on CPU 1's reads, so that a broken writer ends the run instead of hanging it. */
  readsMax: number;
}

export interface SplitResult {
  seen: number[];
  final: number;
}

/** The guarded memory behind a view, reached around the refused `.buffer` getter. */
function rawBuffer(view: ArrayBufferView): ArrayBufferLike {
  const typedArray = Object.getPrototypeOf(Int8Array.prototype) as object;
  return Object.getOwnPropertyDescriptor(typedArray, 'buffer')!.get!.call(view) as ArrayBufferLike;
}

export default defineProgram((cpu, { how, address, value, readsMax }: SplitArgs): SplitResult => {
  const memory = cpu.memory as NativeDsmMemory;
  if (cpu.id === 1) memory.load('uint32', address);
  cpu.barrier();
  const seen: number[] = [];
  if (cpu.id === 0) write(cpu.id, memory, how, address, value, cpu.pageSize);
  if (cpu.id === 1) {
    for (let i = 0; i < readsMax; i++) {
      const v = memory.load('uint32', address) as number;
      if (v !== seen[seen.length - 1]) seen.push(v);
      if (v === value) break;
    }
  }
  cpu.barrier();
  return { seen, final: memory.load('uint32', address) as number };
});

function write(_cpu: number, memory: NativeDsmMemory, how: SplitPath, address: number, value: number, pageSize: number): void {
  const bytes = new Uint8Array(new Uint32Array([value]).buffer);
  switch (how) {
    case 'dataview-unpinned': {
      const view = memory.uint8Array(address, 4) as unknown as Uint8Array;
      new DataView(rawBuffer(view), address, 4).setUint32(0, value, true);
      return;
    }
    case 'dataview-pinned': {
      const view = memory.uint8Array(address, 4) as unknown as Uint8Array;
      memory.pinned(address, 4, 2, () => new DataView(rawBuffer(view), address, 4).setUint32(0, value, true));
      return;
    }
    case 'store':
      memory.store('uint32', address, value);
      return;
    case 'index':
      (memory.uint32Array(address, 1) as unknown as Uint32Array)[0] = value;
      return;
    case 'write':
      memory.write(address, bytes);
      return;
    case 'set':
      (memory.uint8Array(address, 4) as unknown as Uint8Array).set(bytes);
      return;
    case 'fill':
      // A fill of one element: V8 stores it however it likes; pinned, it cannot matter.
      (memory.uint32Array(address, 1) as unknown as Uint32Array).fill(value);
      return;
    case 'copy-within': {
      // The value is staged two words on, then copied onto the watched word by copyWithin.
      const view = memory.uint8Array(address, 12) as unknown as Uint8Array;
      view.set(bytes, 8);
      view.copyWithin(0, 8, 12);
      return;
    }
    case 'cross-page': {
      // One write of 8 bytes that ends on the next page: the watched word is its first half.
      const data = new Uint8Array(8);
      data.set(bytes, 0);
      data.set(bytes, 4);
      if ((address + 8) % pageSize !== 4) throw new Error(`cross-page needs an address 4 bytes before a page boundary, not ${address}`);
      memory.write(address, data);
      return;
    }
  }
}
