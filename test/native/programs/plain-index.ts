/**
 * A program for the native backend only: it indexes its views as plain typed arrays
 * (`a[i]`), with no get/set. Every CPU fills its own page of a Float64Array that spans one
 * page per CPU, a barrier, then reads every other CPU's page (each first read a real SIGSEGV
 * read fault), sums them, and a lock-protected counter is incremented with `c[0] += 1`.
 */
import { defineProgram } from '../../../index.js';

export interface PlainIndexArgs {
  /** Byte offset of the array (page-aligned). */
  offset: number;
  /** Byte offset of the shared counter (an Int32 on a page of its own). */
  counter: number;
  increments: number;
}

export interface PlainIndexResult {
  isTypedArray: boolean;
  constructorName: string;
  perPage: number;
  sums: number[];
  counter: number;
  getMatches: boolean;
}

export default defineProgram((cpu, { offset, counter, increments }: PlainIndexArgs): PlainIndexResult => {
  const perPage = cpu.pageSize / 8;
  const a = cpu.float64Array(offset, perPage * cpu.cpus) as unknown as Float64Array;
  const c = cpu.int32Array(counter, 1) as unknown as Int32Array;
  for (let i = 0; i < perPage; i++) a[cpu.id * perPage + i] = cpu.id * 1000 + i;
  if (cpu.id === 0) c[0] = 0;
  cpu.barrier();
  const sums: number[] = [];
  for (let k = 0; k < cpu.cpus; k++) {
    let s = 0;
    for (let i = 0; i < perPage; i++) s += a[k * perPage + i]!;
    sums.push(s);
  }
  for (let i = 0; i < increments; i++) {
    cpu.lock(0);
    c[0]! += 1;
    cpu.unlock(0);
  }
  cpu.barrier();
  const view = cpu.float64Array(offset, perPage * cpu.cpus);
  return {
    isTypedArray: a instanceof Float64Array && ArrayBuffer.isView(a),
    constructorName: a.constructor.name,
    perPage,
    sums,
    counter: c[0]!,
    getMatches: view.get(perPage + 3) === a[perPage + 3],
  };
});
