/**
 * The one SharedArrayBuffer of a run: control words and doorbells, never page data (every
 * CPU's pages live in its own private ArrayBuffer and travel in messages). A fresh buffer per
 * run, so that a worker still unwinding from an aborted run cannot disturb the next one.
 *
 *   word 0        abort: 0 running, else why the run stops (AbortReason)
 *   word 1        CPUs whose program has returned
 *   word 2        messages sent (incremented before posting)
 *   word 3        messages handled (incremented after the handler returns)
 *   word 4        next trace sequence number
 *   word 5        CPUs blocked waiting for the protocol (a fault, a sync call, the release at
 *                 their return) with no message of theirs being handled (workers/cpu.ts)
 *   words 8..8+N  one doorbell per CPU: a counter bumped after every post to that CPU
 *   then P words  per-page claims for collecting the memory at the end (0 unclaimed, cpu+1)
 */
export const abortWord = 0;
export const doneWord = 1;
export const sentWord = 2;
export const handledWord = 3;
export const traceSeqWord = 4;
export const blockedWord = 5;
export const doorbellBase = 8;

/** Why a run stops: the value of the abort word. */
export const abortReason = {
  none: 0,
  /** A CPU failed (its program threw, its worker died, a protocol or wire error). */
  failure: 1,
  timeout: 2,
  /** The run's AbortSignal: close() or the caller's signal. */
  abort: 3,
  /** Every CPU is blocked or done and no message is in flight (found by a CPU). */
  deadlock: 4,
} as const;

export function controlWords(cpus: number, pages: number): number {
  return doorbellBase + cpus + pages;
}

export function claimBase(cpus: number): number {
  return doorbellBase + cpus;
}

/** Rings CPU `cpu`'s doorbell: bump the counter, then wake a waiter. */
export function ring(control: Int32Array, cpu: number): void {
  Atomics.add(control, doorbellBase + cpu, 1);
  Atomics.notify(control, doorbellBase + cpu);
}

export function ringAll(control: Int32Array, cpus: number): void {
  for (let c = 0; c < cpus; c++) ring(control, c);
}
