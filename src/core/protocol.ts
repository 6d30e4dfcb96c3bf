/**
 * The contract between a coherence protocol (pure, in src/core) and every runtime (the
 * simulator, worker threads, native processes). A protocol is a state machine per CPU:
 * `init` makes one CPU's state; `on*` handlers take one input, mutate that state in place and
 * return the effects to execute. Handlers never do IO, read clocks or draw random numbers.
 */
import type { DsmConfig } from './config.js';
import type { Effect } from './effects.js';
import type { Access, Message } from './wire.js';

export interface ProtocolOptions {
  /**
   * A deliberately injected bug, for testing the tests: one of the protocol's `mutants`
   * (runtimes refuse any other, see registry.ts `checkMutant`). Never set in production.
   */
  readonly mutant?: string | undefined;
}

/** A view of every CPU's page bytes, for global invariants (the runtime owns the bytes). */
export type PageBytes = (cpu: number, page: number) => Uint8Array;

/** A view of every CPU's twins (multiple-writer protocols): the twin of a page, or undefined. */
export type TwinBytes = (cpu: number, page: number) => Uint8Array | undefined;

export interface Protocol<S> {
  readonly name: string;
  /**
   * What memory model the protocol promises: `sequential` (every program sees sequentially
   * consistent memory; the default when absent) or `release` (sequential consistency for
   * data-race-free programs only: racy programs may see stale values).
   */
  readonly consistency?: 'sequential' | 'release';
  /**
   * The deliberate bugs this protocol implements (name → what it breaks), which
   * `ProtocolOptions.mutant` may switch on; none when absent. Built-in names: mutants.ts.
   */
  readonly mutants?: Readonly<Record<string, string>>;
  init(config: DsmConfig, cpu: number, options?: ProtocolOptions): S;
  /**
   * Optional: what `init` returns, made from `s` at the cost of `pages` rather than of the
   * region. `s` came from `init` (or `restart`) with the same config, cpu and options, and
   * has since taken inputs (faults, messages) naming only `pages`, and sync calls; per-page
   * state of any other page is as init made it. May reuse and change `s`'s storage. Runtimes
   * that keep a CPU's state from one run to the next call it (runtime/kept-state.ts);
   * absent, they call init.
   */
  restart?(s: S, config: DsmConfig, cpu: number, pages: readonly number[], options?: ProtocolOptions): S;
  /** The program at this CPU touched `page` without the needed access. */
  onFault(s: S, page: number, access: 'read' | 'write'): Effect[];
  onMessage(s: S, from: number, msg: Message): Effect[];
  onLock(s: S, lock: number): Effect[];
  onUnlock(s: S, lock: number): Effect[];
  onBarrier(s: S): Effect[];
  /**
   * The program at this CPU returned. A return is a release: a release-consistent protocol
   * sends what the program wrote since its last release to where the end of the run looks
   * for it (hlrc: the diffs to their homes), so that no written data is lost. The effects
   * end, at once or after messages, in `resume('finish')`; the runtime reports the CPU done
   * only then. Absent: nothing to send (the CPU is done at once).
   */
  onFinish?(s: S): Effect[];
  /** The locks this CPU holds, in increasing order (for timeout and deadlock reports). Absent: none known. */
  heldLocks?(s: S): number[];
  /**
   * Whether, once every program has returned and no message is in flight, this CPU's copy of
   * `page` holds the page's current contents (what a coherent read of the memory after a run
   * reports). Absent: every CPU with access to the page. A release-consistent protocol names
   * the copy that released writes reach (the home).
   */
  holdsCurrentCopy?(s: S, page: number): boolean;
  /** This CPU's access to `page`, as the protocol believes it. */
  accessOf(s: S, page: number): Access;
  /** Global invariants over every CPU's state; throws InvariantViolation. Runtimes with twins pass `twinBytes`. */
  invariants(states: readonly S[], pageBytes: PageBytes, twinBytes?: TwinBytes): void;
  /** A short description of what this CPU is waiting for, or null (for timeouts and deadlock reports). */
  waitingOn(s: S): string | null;
}
