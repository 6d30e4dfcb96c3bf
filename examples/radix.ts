/**
 * Integer radix sort (least significant digit first, as in SPLASH-2's RADIX) of n uint32 keys
 * in shared memory: 4 passes of 8-bit digits, ping-ponging between the keys and a buffer of
 * the same size. CPU k owns a contiguous block of indices. Each pass: every CPU counts the
 * digits of its block and publishes its histogram (a page of its own), a barrier, then every
 * CPU reads all histograms, works out where each of its keys goes (the keys with a smaller
 * digit, then those of lower CPUs with the same digit, then its own in order: a stable
 * sort), writes them there, and a barrier. The writes of a pass scatter over the whole
 * buffer, so pages at the edges of each CPU's range of a digit are written by two CPUs:
 * radix sort is a classic hard case for a page-based DSM. The keys come from a formula
 * (keyOf), so no CPU needs input from another. `radixSequential` is the same sort on plain
 * arrays. Without args, the largest n that fits the shared memory, at most 4096 (in a
 * region too small for a page per array, on 64-byte boundaries).
 */
import { defineProgram } from '../index.js';
import { rowsOf } from './matmul.js';

export interface RadixArgs {
  /** Keys (default: the largest that fits, at most 4096). */
  n?: number;
  /** Where the arrays and each CPU's histogram start: multiples of this many bytes (default 4096: a page each). */
  align?: number;
}

export const radixBits = 8;
export const radixBuckets = 1 << radixBits;
export const radixPasses = 32 / radixBits;
/** Arrays start on 4 KiB boundaries, and each CPU's histogram has a 4 KiB page of its own (unless args.align says less). */
const pageAlign = 4096;
/** The alignment of the default layout when the aligned one does not fit (a region of one page, say). */
const smallAlign = 64;

/** The i-th key: a multiplicative hash of i, spread over all 32 bits. */
export function keyOf(i: number): number {
  const h = Math.imul(i + 1, 0x9e3779b1);
  return (h ^ (h >>> 15) ^ Math.imul(i, 0x85ebca6b)) >>> 0;
}

/** Byte offsets of the keys, the buffer and the histograms (one aligned block per CPU), and the bytes they need. */
export function radixLayout(n: number, cpus: number, align = pageAlign): { keys: number; buffer: number; histograms: number; histogramStride: number; bytes: number } {
  const roundUp = (bytes: number): number => Math.ceil(bytes / align) * align;
  const array = roundUp(n * 4);
  const histogramStride = roundUp(radixBuckets * 4);
  return { keys: 0, buffer: array, histograms: 2 * array, histogramStride, bytes: 2 * array + cpus * histogramStride };
}

/** The largest n, at most `max`, whose layout with `align` fits the shared memory. */
function fittingKeys(cpu: { pages: number; pageSize: number; cpus: number }, align: number, max = 4096): number {
  const free = cpu.pages * cpu.pageSize - radixLayout(0, cpu.cpus, align).bytes;
  return Math.max(0, Math.min(max, Math.floor(free / (2 * align)) * (align / 4)));
}

export default defineProgram((cpu, args: RadixArgs | undefined): number => {
  const align = args?.align ?? (args?.n === undefined && fittingKeys(cpu, pageAlign) === 0 ? smallAlign : pageAlign);
  const n = args?.n ?? fittingKeys(cpu, align);
  const layout = radixLayout(n, cpu.cpus, align);
  const arrays = [cpu.uint32Array(layout.keys, n), cpu.uint32Array(layout.buffer, n)] as const;
  const histograms = Array.from({ length: cpu.cpus }, (_, c) => cpu.uint32Array(layout.histograms + c * layout.histogramStride, radixBuckets));
  const mine = histograms[cpu.id]!;
  const [start, end] = rowsOf(cpu.id, cpu.cpus, n);
  for (let i = start; i < end; i++) arrays[0].set(i, keyOf(i));
  cpu.barrier();
  const counts = new Uint32Array(radixBuckets);
  const next = new Uint32Array(radixBuckets);
  for (let pass = 0; pass < radixPasses; pass++) {
    const shift = pass * radixBits;
    const from = arrays[pass % 2];
    const to = arrays[(pass + 1) % 2];
    counts.fill(0);
    for (let i = start; i < end; i++) counts[(from.get(i) >>> shift) & (radixBuckets - 1)]! += 1;
    for (let b = 0; b < radixBuckets; b++) mine.set(b, counts[b]!);
    cpu.barrier();
    let total = 0;
    for (let b = 0; b < radixBuckets; b++) {
      let before = 0;
      let all = 0;
      for (let c = 0; c < cpu.cpus; c++) {
        const h = histograms[c]!.get(b);
        if (c < cpu.id) before += h;
        all += h;
      }
      next[b] = total + before;
      total += all;
    }
    for (let i = start; i < end; i++) {
      const key = from.get(i);
      const d = (key >>> shift) & (radixBuckets - 1);
      to.set(next[d]!, key);
      next[d]! += 1;
    }
    cpu.barrier();
  }
  return end - start;
});

/** The same sort on plain arrays; returns the sorted keys (after an even number of passes, in the keys' array). */
export function radixSequential(n: number): Uint32Array {
  const arrays = [new Uint32Array(n), new Uint32Array(n)] as const;
  for (let i = 0; i < n; i++) arrays[0][i] = keyOf(i);
  const next = new Uint32Array(radixBuckets);
  for (let pass = 0; pass < radixPasses; pass++) {
    const shift = pass * radixBits;
    const from = arrays[pass % 2];
    const to = arrays[(pass + 1) % 2];
    next.fill(0);
    for (let i = 0; i < n; i++) next[(from[i]! >>> shift) & (radixBuckets - 1)]! += 1;
    let total = 0;
    for (let b = 0; b < radixBuckets; b++) {
      const count = next[b]!;
      next[b] = total;
      total += count;
    }
    for (let i = 0; i < n; i++) {
      const key = from[i]!;
      const d = (key >>> shift) & (radixBuckets - 1);
      to[next[d]!] = key;
      next[d]! += 1;
    }
  }
  return arrays[radixPasses % 2];
}
