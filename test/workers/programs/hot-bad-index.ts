/**
 * A view's get and set at a bad index after many good ones, so that the call sites run in
 * optimized code when the bad index comes (native views check an index through the element
 * access itself, see native/typed-arrays.ts; this is what proves the check still holds
 * there). For each bad index: warm the two functions below up, then call them once with it,
 * and record what each threw. Every CPU does it on its own page; the memory outside each
 * view must stay as the warm-up left it.
 */
import { defineProgram, type DsmArray } from '../../../index.js';

export interface HotBadIndexResult {
  /** Per bad index: [what set threw, what get threw], as `ClassName: message`, or 'returned'. */
  thrown: [string, string][];
  /** The view's elements and the one after it, read through cpu.memory after all the bad calls. */
  around: number[];
  /** What set threw given both a bad index (8) and a bad value ("x"): the index is named first. */
  badBoth: string;
}

/** Bad indices, the last a string that names a property of a typed array. */
export const badIndices: readonly (number | string)[] = [8, -1, 1.5, NaN, 2 ** 32, 9, 'length'];

function store(view: DsmArray<number>, index: number | string, value: number): void {
  view.set(index as number, value);
}

function load(view: DsmArray<number>, index: number | string): number {
  return view.get(index as number);
}

function outcome(f: () => unknown): string {
  try {
    f();
    return 'returned';
  } catch (e) {
    return `${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
}

export default defineProgram((cpu, args: { warm?: number } | undefined): HotBadIndexResult => {
  const warm = args?.warm ?? 100000;
  const base = (cpu.id + 1) * cpu.pageSize;
  // Eight elements, then one more the view does not cover (in the same page).
  const view = cpu.float64Array(base, 8);
  cpu.memory.setFloat64(base + 64, 0);
  const thrown: [string, string][] = [];
  let sum = 0;
  for (const bad of badIndices) {
    for (let i = 0; i < warm; i++) {
      store(view, i & 7, i);
      sum += load(view, i & 7);
    }
    thrown.push([outcome(() => store(view, bad, -5)), outcome(() => load(view, bad))]);
  }
  if (!(sum > 0)) throw new Error('warm-up did not run');
  const badBoth = outcome(() => (view as unknown as { set(i: number, v: unknown): void }).set(8, 'x'));
  const around: number[] = [];
  for (let k = 0; k <= 8; k++) around.push(cpu.memory.getFloat64(base + 8 * k));
  return { thrown, around, badBoth };
});
