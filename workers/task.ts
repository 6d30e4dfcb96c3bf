/**
 * The messages between the main thread and a CPU's worker: one task per CPU per run, and
 * its result. Both sides import these types (one module holds the wire, as in piscina).
 */
import type { SerializedError } from '../src/runtime/error-transfer.js';
import type { MessagePort } from 'node:worker_threads';
import type { DsmConfig } from '../src/core/config.js';
import type { PageBatch } from '../src/memory/paged-memory.js';
import type { CpuStats } from '../src/runtime/stats.js';
import type { TraceEvent } from '../src/runtime/trace.js';

export interface CpuTask {
  readonly cpu: number;
  readonly config: DsmConfig;
  /** What the CPU loads its protocol by (loadProtocol): a built-in name, or `<module URL>#<name>`. */
  readonly protocol: string;
  readonly programUrl: string;
  readonly args: unknown;
  /** Transport 'ports': ports[j] talks to CPU j; ports[cpu] is null. Transferred with the task. Empty over rings. */
  readonly ports: (MessagePort | null)[];
  /** Transport 'ring': the run's rings (workers/links.ts), else null. */
  readonly rings: SharedArrayBuffer | null;
  /** Control words and doorbells (workers/control.ts). */
  readonly control: SharedArrayBuffer;
  /** This run's number, unique in the cluster: the worker keeps its memory under it. */
  readonly run: number;
  /**
   * The run whose memory this worker must start from (it kept it, see cpu-task.ts), or null
   * to start from zero-filled memory (runtime/starting-pages.ts).
   */
  readonly previousRun: number | null;
  /** The image's bytes of the pages that may differ from it in that memory. */
  readonly refresh: PageBatch;
  readonly trace: boolean;
}

export type CpuTaskResult =
  | {
      readonly ok: true;
      readonly cpu: number;
      readonly result: unknown;
      readonly stats: CpuStats;
      readonly trace: TraceEvent[];
      readonly pages: { page: number; data: Uint8Array }[];
      /** The pages whose bytes may have changed at this CPU during the run. */
      readonly touched: readonly number[];
    }
  | {
      readonly ok: false;
      readonly cpu: number;
      /** True when this CPU stopped because the run was aborted, not because it failed. */
      readonly aborted: boolean;
      /** What the CPU was doing when it stopped (protocol `waitingOn`, or running, or finished). */
      readonly state: string;
      /** The locks it held then (for deadlock reports). */
      readonly locksHeld: number[];
      readonly error: SerializedError;
    };
