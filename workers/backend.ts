/**
 * The worker_threads backend, main-thread side. One piscina pool per cluster with exactly N
 * threads (minThreads = maxThreads = N, one task per worker), so that every run's N tasks run
 * at once on warm workers. A run:
 *
 *   1. makes a fresh control SharedArrayBuffer (workers/control.ts) and a MessageChannel for
 *      every pair of CPUs (direct ports: a message crosses one queue, no hub to relay it), or
 *      with transport 'ring' a fresh SharedArrayBuffer of rings, one per ordered pair
 *      (workers/links.ts);
 *   2. posts one task per CPU carrying its ports, the control buffer, and the image's bytes of
 *      the pages the last run touched: each worker keeps its memory between runs and starts
 *      from it (runtime/starting-pages.ts, workers/cpu-task.ts), so a run copies what the last
 *      one touched, not the region;
 *   3. waits for every task. The first CPU that fails (its program threw, its worker died)
 *      sets the abort word and rings every doorbell; blocked CPUs see it and unwind, computing
 *      CPUs see it at their next poll. The same happens on a timeout, on the run's
 *      AbortSignal (close() or the caller's), and when a CPU finds the run deadlocked
 *      (workers/cpu.ts). A CPU that does not stop within `abortGraceMs` (a loop that never
 *      touches shared memory) has its worker terminated through piscina's abort signal, so
 *      run() always settles and the next run starts with no leftover task.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { DsmConfig } from '../src/core/config.js';
import type { BackendInstance, BackendRunRequest, BackendRunResult } from '../src/runtime/cluster.js';
import { DsmDeadlockError, DsmRunAbortedError, DsmTimeoutError, DsmWorkerExitError, type RunAbortCause } from '../src/runtime/errors.js';
import type { CpuStats } from '../src/runtime/stats.js';
import type { TraceEvent } from '../src/runtime/trace.js';
import { abortReason, abortWord, controlWords, ringAll } from './control.js';
import type { CpuTask, CpuTaskResult } from './task.js';
import { ringBufferBytes, type WorkersTransport } from './links.js';
import { reviveError } from '../src/runtime/error-transfer.js';
import { StartingPages } from '../src/runtime/starting-pages.js';

/** How long CPUs get to stop after an abort before their workers are terminated. */
export const abortGraceMs = 1000;

const taskFile = new URL('./task-entry.cjs', import.meta.url).href;

type Outcome =
  | { kind: 'result'; result: CpuTaskResult }
  | { kind: 'died'; error: Error }
  | { kind: 'terminated' };

export class WorkersBackend implements BackendInstance {
  private readonly pool: Piscina<CpuTask, CpuTaskResult>;
  private readonly starting: StartingPages;
  /** The number of the last run started (runs are numbered from 1). */
  private lastRun = 0;

  constructor(
    readonly config: DsmConfig,
    readonly protocol: string,
    readonly transport: WorkersTransport = 'ports',
  ) {
    this.pool = new Piscina({
      filename: taskFile,
      minThreads: config.cpus,
      maxThreads: config.cpus,
      concurrentTasksPerWorker: 1,
      // Warm workers are the point of the pool: never let idle ones go between runs.
      idleTimeout: 2 ** 31 - 1,
      name: 'default',
    });
    this.starting = new StartingPages(config.pages, config.pageSize);
  }

  async run(req: BackendRunRequest): Promise<BackendRunResult> {
    const n = this.config.cpus;
    const control = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * controlWords(n, this.config.pages)));
    const ports = this.transport === 'ports' ? makePorts(n) : Array.from({ length: n }, () => []);
    const rings = this.transport === 'ring' ? new SharedArrayBuffer(ringBufferBytes(this.config)) : null;
    const outcomes: (Outcome | undefined)[] = new Array(n).fill(undefined);
    const signals = Array.from({ length: n }, () => new AbortController());
    let firstFailure: number | null = null;
    let timedOut = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const run = ++this.lastRun;
    const previousRun = this.starting.zeroed ? null : run - 1;
    const refresh = this.starting.batch(req.image);
    // Until this run succeeds, the workers' memories are nobody's.
    this.starting.lost();

    const abortAll = (reason: number): void => {
      if (Atomics.compareExchange(control, abortWord, 0, reason) === 0) ringAll(control, n);
      if (graceTimer !== undefined) return;
      graceTimer = setTimeout(() => {
        outcomes.forEach((o, cpu) => {
          if (o === undefined) signals[cpu]!.abort();
        });
      }, abortGraceMs);
    };

    const tasks = Array.from({ length: n }, (_, cpu) => {
      const own = ports[cpu]!;
      const task: CpuTask = {
        cpu, config: this.config, protocol: this.protocol, programUrl: req.programUrl, args: req.args,
        ports: own, rings, control: control.buffer as SharedArrayBuffer, run, previousRun, refresh, trace: req.trace,
      };
      const transferList = own.filter((p): p is MessagePort => p !== null);
      return this.pool.run(task, { transferList, signal: signals[cpu]!.signal }).then(
        (result) => {
          outcomes[cpu] = { kind: 'result', result };
          if (!result.ok && !result.aborted) {
            firstFailure ??= cpu;
            abortAll(abortReason.failure);
          }
        },
        (error: Error) => {
          if (signals[cpu]!.signal.aborted) {
            outcomes[cpu] = { kind: 'terminated' };
            return;
          }
          outcomes[cpu] = { kind: 'died', error };
          firstFailure ??= cpu;
          abortAll(abortReason.failure);
        },
      );
    });

    const timer = req.timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      abortAll(abortReason.timeout);
    }, req.timeoutMs);
    const onAbort = (): void => abortAll(abortReason.abort);
    req.signal.addEventListener('abort', onAbort, { once: true });
    if (req.signal.aborted) onAbort();

    try {
      await Promise.all(tasks);
    } finally {
      clearTimeout(timer);
      clearTimeout(graceTimer);
      req.signal.removeEventListener('abort', onAbort);
    }

    const done = outcomes as Outcome[];
    if (firstFailure !== null) throw failureError(done[firstFailure]!, firstFailure);
    const why = Atomics.load(control, abortWord);
    const lines = (): string[] => done.map((o, cpu) => `CPU ${cpu}: ${describe(o)}`);
    if (why === abortReason.deadlock) {
      throw new DsmDeadlockError(done.map((o, cpu) => ({
        cpu, state: describe(o), locksHeld: o.kind === 'result' && !o.result.ok ? o.result.locksHeld : [],
      })));
    }
    if (why === abortReason.abort) throw new DsmRunAbortedError(req.signal.reason as RunAbortCause, lines());
    if (timedOut || done.some((o) => o.kind !== 'result' || !o.result.ok)) {
      throw new DsmTimeoutError(req.timeoutMs ?? 0, lines());
    }
    const results = done.map((o) => (o as { result: Extract<CpuTaskResult, { ok: true }> }).result);
    const merged = merge(results, req.trace);
    this.starting.succeeded(results.map((r) => r.touched), merged.pages.map((p) => p.page));
    return merged;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

/** ports[i][j]: CPU i's end of the channel to CPU j (null on the diagonal). */
function makePorts(n: number): (MessagePort | null)[][] {
  const ports: (MessagePort | null)[][] = Array.from({ length: n }, () => new Array<MessagePort | null>(n).fill(null));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const { port1, port2 } = new MessageChannel();
      ports[i]![j] = port1;
      ports[j]![i] = port2;
    }
  }
  return ports;
}

function describe(o: Outcome): string {
  switch (o.kind) {
    case 'terminated': return 'not responding (busy without touching shared memory); its worker was terminated';
    case 'died': return `its worker died: ${o.error.message}`;
    case 'result': return o.result.ok ? 'finished' : o.result.state;
  }
}

function failureError(o: Outcome, cpu: number): Error {
  if (o.kind === 'died') return new DsmWorkerExitError(cpu, o.error.message);
  if (o.kind === 'result' && !o.result.ok) return reviveError(o.result.error, cpu);
  return new DsmWorkerExitError(cpu, 'stopped without a result');
}

function merge(results: Extract<CpuTaskResult, { ok: true }>[], tracing: boolean): BackendRunResult {
  const perCpu: CpuStats[] = results.map((r) => r.stats);
  const pages = results.flatMap((r) => r.pages);
  const trace: TraceEvent[] | undefined = tracing ? results.flatMap((r) => r.trace).sort((a, b) => a.seq - b.seq) : undefined;
  return { results: results.map((r) => r.result), perCpu, trace, pages };
}
