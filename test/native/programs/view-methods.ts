/**
 * Every method of a native view that touches many elements, run on a view that spans three
 * pages and on a plain typed array with the same contents: the results and the contents after
 * must be the same (the pinned, page-at-a-time versions keep typed-array semantics). Also
 * what a program must not do: `.buffer` is a named DsmViewError.
 */
import { defineProgram } from '../../../index.js';

export interface ViewMethodsResult {
  /** One line per method and element type whose result or contents differ. */
  mismatches: string[];
  checked: number;
  bufferError: { name: string; message: string } | null;
}

type Plain = Int32Array | Float64Array | BigInt64Array | Uint8Array;
type Op = [name: string, run: (a: Plain) => unknown];
/** ES2023's copying methods, which this project's lib setting does not declare. */
type Es2023 = { toSorted(): ArrayLike<unknown>; toReversed(): ArrayLike<unknown>; with(i: number, v: unknown): ArrayLike<unknown> };

const ops: Op[] = [
  ['set(array, 7)', (a) => a.set(Array.from({ length: 40 }, (_, i) => (typeof a[0] === 'bigint' ? BigInt(i * 3) : i * 3)) as never, 7)],
  ['set(typed, at page end)', (a) => a.set(a.slice(0, 9) as never, a.length - 9)],
  ['fill(5, 3, -2)', (a) => a.fill((typeof a[0] === 'bigint' ? 5n : 5) as never, 3, -2)],
  ['fill whole', (a) => a.fill((typeof a[0] === 'bigint' ? -1n : -1) as never)],
  ['copyWithin(1, 0) (overlapping, forward)', (a) => a.copyWithin(1, 0)],
  ['copyWithin(0, 5, -3) (overlapping, back)', (a) => a.copyWithin(0, 5, -3)],
  ['copyWithin(-20, 2, 30)', (a) => a.copyWithin(-20, 2, 30)],
  ['slice(-30, -2)', (a) => Array.from(a.slice(-30, -2) as ArrayLike<unknown>)],
  ['sort()', (a) => a.sort()],
  ['sort(desc)', (a) => (a as Int32Array).sort(((x: number, y: number) => (y > x ? 1 : y < x ? -1 : 0)) as never)],
  ['reverse()', (a) => a.reverse()],
  ['toSorted()', (a) => Array.from((a as unknown as Es2023).toSorted())],
  ['toReversed()', (a) => Array.from((a as unknown as Es2023).toReversed())],
  ['with(3, x)', (a) => Array.from((a as unknown as Es2023).with(3, typeof a[0] === 'bigint' ? 9n : 9))],
  ['indexOf(last element)', (a) => a.indexOf(a[a.length - 1] as never)],
  ['lastIndexOf(first element, 10)', (a) => a.lastIndexOf(a[0] as never, 10)],
  ['includes(missing)', (a) => a.includes((typeof a[0] === 'bigint' ? 123456789n : 123456789) as never)],
  ['join("|")', (a) => a.join('|')],
  ['toString()', (a) => a.toString()],
  ['toLocaleString()', (a) => a.toLocaleString()],
  ['subarray(2, 50).fill', (a) => a.subarray(2, 50).fill((typeof a[0] === 'bigint' ? 7n : 7) as never)],
];

const show = (x: unknown): string => JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? `${v}n` : ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<unknown>) : v));

export default defineProgram((cpu): ViewMethodsResult => {
  const mismatches: string[] = [];
  let checked = 0;
  if (cpu.id !== 0) return { mismatches, checked, bufferError: null };
  const kinds: Array<[string, number, (offset: number, length: number) => Plain, (n: number) => Plain, (i: number) => number | bigint]> = [
    ['int32', 4, (o, n) => cpu.int32Array(o, n) as unknown as Int32Array, (n) => new Int32Array(n), (i) => ((i * 7919) % 1000) - 500],
    ['float64', 8, (o, n) => cpu.float64Array(o, n) as unknown as Float64Array, (n) => new Float64Array(n), (i) => ((i * 104729) % 997) / 8 - 40],
    ['bigint64', 8, (o, n) => cpu.bigInt64Array(o, n) as unknown as BigInt64Array, (n) => new BigInt64Array(n), (i) => BigInt((i * 7919) % 1000) - 500n],
    ['uint8', 1, (o, n) => cpu.uint8Array(o, n) as unknown as Uint8Array, (n) => new Uint8Array(n), (i) => (i * 31) % 256],
  ];
  for (const [type, size, make, plainOf, valueAt] of kinds) {
    // From the middle of page 0 to the middle of page 2: three pages, two boundaries.
    const offset = cpu.pageSize / 2;
    const length = (2 * cpu.pageSize) / size;
    for (const [name, run] of ops) {
      const view = make(offset, length);
      const plain = plainOf(length);
      for (let i = 0; i < length; i++) {
        const v = valueAt(i);
        view[i] = v as never;
        plain[i] = v as never;
      }
      const got = run(view);
      const want = run(plain);
      const same = (x: unknown, y: unknown): boolean => show(x === view ? plain : x) === show(y);
      if (!same(got, want)) mismatches.push(`${type} ${name}: returned ${show(got).slice(0, 200)}, a plain array returns ${show(want).slice(0, 200)}`);
      if (show(Array.from(view as ArrayLike<unknown>)) !== show(Array.from(plain as ArrayLike<unknown>))) mismatches.push(`${type} ${name}: contents differ from a plain array's`);
      checked += 1;
    }
  }
  let bufferError: ViewMethodsResult['bufferError'] = null;
  try {
    void (cpu.int32Array(0, 4) as unknown as Int32Array).buffer;
  } catch (e) {
    bufferError = { name: (e as Error).name, message: (e as Error).message };
  }
  return { mismatches, checked, bufferError };
});
