/**
 * What a protocol asks its runtime to do, as data. A handler returns a list of effects; the
 * runtime executes them in order. The core never performs IO itself.
 */
import type { Access, Message } from './wire.js';

/** What a blocked program was waiting for ('finish': the release at its return, Protocol.onFinish). */
export type ResumeKind = 'fault' | 'lock' | 'unlock' | 'barrier' | 'finish';

export type Effect =
  /**
   * Send `msg` to CPU `to`. With `attachPage`, the runtime copies that page's bytes into
   * `msg.data` first. With `attachDiff`, it puts the diff of that page against its twin into
   * `msg.diff` (see wire `checkDiff`) and drops the twin.
   */
  | { kind: 'send'; to: number; msg: Message; attachPage?: number; attachDiff?: number }
  /** A step whose sender and receiver are the same CPU: handled as a local call, not sent. Runtimes trace it only. */
  | { kind: 'local'; msg: Message }
  /**
   * Set this CPU's protection of `page`. `invalidation`: the copy is dropped because another
   * CPU wrote the page, and no INVALIDATE message says so (hlrc's write notices); the runtime
   * counts it in the stats' `invalidations`.
   */
  | { kind: 'setAccess'; page: number; access: Access; invalidation?: true }
  /** Copy `data` into this CPU's copy of `page`. */
  | { kind: 'installPage'; page: number; data: Uint8Array }
  /** Keep a copy (a twin) of this CPU's `page` as it is now, to diff against later (multiple-writer protocols). */
  | { kind: 'twin'; page: number }
  /** Write the runs of a received `diff` into this CPU's copy of `page`. */
  | { kind: 'applyDiff'; page: number; diff: Uint8Array }
  /**
   * The program blocked on `what` may continue. Effects after it in the same list run only
   * once the program has performed the access it faulted on (CpuDriver.afterResume).
   * `contended` (locks): the lock was held by another CPU when asked for, and this CPU
   * waited in its queue (the stats' `lockWaits`).
   */
  | { kind: 'resume'; what: ResumeKind; contended?: true };

export type EffectKind = Effect['kind'];
