/**
 * What travels between the cluster's process and a CPU's protocol thread (over a Unix socket,
 * one v8-serialized object per frame), and between a CPU's protocol thread and its main
 * thread (postMessage). Both sides import these types: one module holds the wire.
 */
import type { SerializedError } from '../src/runtime/error-transfer.js';
import { deserialize, serialize } from 'node:v8';
import type { PageBatch } from '../src/memory/paged-memory.js';
import type { CpuStats } from '../src/runtime/stats.js';
import type { TraceEventInput } from '../src/runtime/trace.js';
import { frame } from '../src/transport/codec.js';
import type { Endpoint } from './paths.js';

/** A trace event with the monotonic time it happened at (ns); the cluster orders by it. */
export type TimedEvent = TraceEventInput & { t: number };

/** Cluster → protocol thread. */
export type ToCpu =
  /** `peers[j]`: where CPU j listens; a CPU connects to every lower-numbered one. */
  | { type: 'connect'; peers: Endpoint[] }
  /**
   * `refresh`: the image's bytes of the pages that may differ from it in this CPU's region
   * (runtime/starting-pages.ts); none for a shared region, which the cluster wrote itself.
   */
  | { type: 'prepare'; programUrl: string; args: unknown; refresh: PageBatch; trace: boolean }
  | { type: 'go' }
  | { type: 'counters' }
  | { type: 'collect'; pages: number[] }
  | { type: 'state' };

/** Protocol thread → cluster. */
export type FromCpu =
  /**
   * `endpoint`: where this CPU listens for the other CPUs; `sharedRegion`: its region is the
   * file the cluster made (region-file.ts), so pages are not sent in 'prepare' or 'collected'.
   */
  | { type: 'hello'; cpu: number; endpoint: Endpoint; sharedRegion: boolean }
  | { type: 'ready' }
  | { type: 'prepared' }
  | { type: 'done'; result: unknown }
  | { type: 'failed'; error: SerializedError }
  /**
   * `touched`: the pages this CPU touched in the run (memory/paged-memory.ts); `current[i]`:
   * for page touched[i], 0 when this CPU's copy is not current, 2 when it is and writable, else 1.
   * `status`: 'blocked' while the program waits for the protocol (a fault, a sync call, the
   * release at its return), 'finished' once that release is done (for deadlock detection,
   * native/backend.ts).
   */
  | { type: 'counters'; sent: number; handled: number; touched: number[]; current: Uint8Array; status: CpuStatus }
  /** `pages`: the pages asked for, with their bytes; none for a shared region (the cluster reads them). */
  | { type: 'collected'; pages: { page: number; data: Uint8Array }[]; stats: CpuStats; trace: TimedEvent[] }
  | { type: 'state'; state: string; locksHeld: number[] }
  /** A connection to this CPU that did not authenticate (auth.ts); the run goes on. */
  | { type: 'refused'; address: string; message: string };

export type CpuStatus = 'running' | 'blocked' | 'finished';

/** Protocol thread → main thread. */
export type ToMain =
  | { type: 'load'; programUrl: string }
  | { type: 'start'; args: unknown; trace: boolean };

/** Main thread → protocol thread. */
export type FromMain =
  | { type: 'loaded' }
  | { type: 'sync'; op: 'lock' | 'unlock' | 'barrier'; id: number }
  | { type: 'done'; result: unknown; accesses: TimedEvent[] }
  | { type: 'failed'; error: SerializedError }
  /** The program let go of the pin word while inputs were waiting (pin.ts). */
  | { type: 'unpinned' };

export function encodeControl(message: ToCpu | FromCpu): Buffer {
  return frame(serialize(message));
}

export function decodeControl<T extends ToCpu | FromCpu>(payload: Buffer): T {
  return deserialize(payload) as T;
}


/** Sync-word values: the main thread waits while the word is `waiting`. */
export const syncWord = { waiting: 0, released: 1 } as const;

/** Monotonic time in ns, the same clock in every process of the host. */
export function nowNs(): number {
  return Number(process.hrtime.bigint());
}
