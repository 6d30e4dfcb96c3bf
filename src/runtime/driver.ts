/**
 * The driver shared by every runtime: it feeds one CPU's inputs to the protocol and executes
 * the effects the protocol returns against that CPU's PagedMemory, its Transport and its
 * stats, and reports them to an optional trace sink. Runtimes differ only in how they block
 * a program and how messages travel; this loop is the same everywhere.
 */
import type { Effect, ResumeKind } from '../core/effects.js';
import { ProtocolViolation } from '../core/errors.js';
import type { Protocol } from '../core/protocol.js';
import { messageBytes, type Message } from '../core/wire.js';
import type { PagedMemory } from '../memory/paged-memory.js';
import { applyDiff, computeDiff } from './diff.js';
import { countSend, emptyStats, type CpuStats } from './stats.js';
import { traceMessage, type TraceEventInput } from './trace.js';

export interface Transport {
  /** Hands `msg` (with id `id`, unique per sending CPU) to CPU `to`. Never delivers synchronously. */
  send(to: number, id: number, msg: Message): void;
}

export interface DriverHooks {
  /** The protocol let the blocked program continue. */
  onResume(what: ResumeKind): void;
  /** Every event, when tracing. */
  trace?: ((event: TraceEventInput) => void) | undefined;
}

export interface DriverSnapshot<S> {
  state: S;
  twins: [number, Uint8Array][];
  afterResume: Effect[];
}

export class CpuDriver<S> {
  readonly stats: CpuStats;
  private nextMessageId = 0;
  /**
   * Effects that came after a `resume` in one batch. The resumed program must first perform
   * the access it faulted on: a later effect of the same batch (say, serving a queued request
   * for the page through a local call) could otherwise take the page away before the access
   * runs, and the program would fault forever. The runtime calls `afterResume()` once the
   * access is done; any other input runs them first too.
   */
  private afterResumeEffects: Effect[] = [];
  /** Twins of pages, for multiple-writer protocols: copies taken at `twin`, dropped when diffed. */
  private twins = new Map<number, Uint8Array>();
  private protocolState: S;
  /** Per page, 1 once an input named it; `seenList` the same pages in order (Protocol.restart's `pages`). */
  private readonly seenFlags: Uint8Array;
  private readonly seenList: number[] = [];

  constructor(
    readonly protocol: Protocol<S>,
    state: S,
    readonly memory: PagedMemory,
    private readonly transport: Transport,
    private readonly hooks: DriverHooks,
  ) {
    this.stats = emptyStats(memory.cpu);
    this.protocolState = state;
    this.seenFlags = new Uint8Array(memory.pages);
  }

  /** This CPU's protocol state (the protocol mutates it in place). */
  get state(): S {
    return this.protocolState;
  }

  /**
   * What this driver keeps between inputs besides the memory and the stats: the protocol
   * state, the twins and the effects held back behind a resume. The explorer saves it after a
   * step and puts it back (`restore`) to take another step from the same global state; the
   * objects are the live ones, so a caller copies them before the next input.
   */
  snapshot(): DriverSnapshot<S> {
    return { state: this.protocolState, twins: [...this.twins], afterResume: this.afterResumeEffects };
  }

  /** Puts back a snapshot (objects the caller no longer uses: the driver mutates them). */
  restore(snapshot: DriverSnapshot<S>): void {
    this.protocolState = snapshot.state;
    this.twins = new Map(snapshot.twins);
    this.afterResumeEffects = snapshot.afterResume;
  }

  /** The pages an input to the protocol has named so far (faults on them, messages about them). */
  seenPages(): readonly number[] {
    return this.seenList;
  }

  private see(page: number): void {
    if (this.seenFlags[page] === 0) {
      this.seenFlags[page] = 1;
      this.seenList.push(page);
    }
  }

  get cpu(): number {
    return this.memory.cpu;
  }

  fault(page: number, access: 'read' | 'write', address: number): void {
    this.afterResume();
    this.see(page);
    if (access === 'read') this.stats.readFaults += 1;
    else this.stats.writeFaults += 1;
    this.hooks.trace?.({ type: 'fault', cpu: this.cpu, page, access, address });
    this.execute(this.protocol.onFault(this.state, page, access));
  }

  message(from: number, id: number, msg: Message): void {
    this.afterResume();
    if ('page' in msg) this.see(msg.page);
    if (msg.kind === 'INVALIDATE') this.stats.invalidations += 1;
    this.hooks.trace?.({ type: 'recv', cpu: this.cpu, from, id, msg: traceMessage(msg) });
    this.execute(this.protocol.onMessage(this.state, from, msg));
  }

  lock(lock: number): void {
    this.afterResume();
    this.stats.lockAcquires += 1;
    this.hooks.trace?.({ type: 'sync', cpu: this.cpu, op: 'lock', lock });
    this.execute(this.protocol.onLock(this.state, lock));
  }

  unlock(lock: number): void {
    this.afterResume();
    this.hooks.trace?.({ type: 'sync', cpu: this.cpu, op: 'unlock', lock });
    this.execute(this.protocol.onUnlock(this.state, lock));
  }

  barrier(): void {
    this.afterResume();
    this.stats.barrierWaits += 1;
    this.hooks.trace?.({ type: 'sync', cpu: this.cpu, op: 'barrier' });
    this.execute(this.protocol.onBarrier(this.state));
  }

  /**
   * The program returned: the protocol's release at a return (Protocol.onFinish). The CPU is
   * done once `onResume('finish')` comes, at once or after messages; until then it is blocked
   * like any release. Not traced as a sync call: the program's 'done' event marks the return.
   */
  finish(): void {
    this.afterResume();
    const p = this.protocol;
    this.execute(p.onFinish ? p.onFinish(this.state) : [{ kind: 'resume', what: 'finish' }]);
  }

  /** The locks this CPU holds (for deadlock reports). */
  heldLocks(): number[] {
    return this.protocol.heldLocks?.(this.state) ?? [];
  }

  /** The twin of `page`, or undefined (for global invariants; do not modify). */
  twinOf(page: number): Uint8Array | undefined {
    return this.twins.get(page);
  }

  /** Whether this CPU's copy of `page` is the one to report after a quiescent run (see Protocol). */
  holdsCurrentCopy(page: number): boolean {
    const p = this.protocol;
    return p.holdsCurrentCopy ? p.holdsCurrentCopy(this.state, page) : this.memory.access[page] !== 0;
  }

  waitingOn(): string | null {
    return this.protocol.waitingOn(this.state);
  }

  /**
   * What this CPU is doing, for timeout, abort and deadlock reports, the same words on every
   * backend: what it waits on (or whether its program still runs), and the locks it holds.
   */
  describeState(programRunning: boolean): string {
    const waiting = this.waitingOn();
    const doing = waiting !== null ? `blocked on ${waiting}` : programRunning ? 'running its program' : 'finished its program, serving until every CPU finishes';
    return `${doing}${this.holdingText()}`;
  }

  /** ` (holding locks 3, 7)` for the locks this CPU holds, or '' when it holds none. */
  holdingText(): string {
    const held = this.heldLocks();
    return held.length === 0 ? '' : ` (holding lock${held.length > 1 ? 's' : ''} ${held.join(', ')})`;
  }

  /** Executes the effects held back behind the last `resume` (see `afterResumeEffects`). */
  afterResume(): void {
    if (this.afterResumeEffects.length === 0) return;
    const held = this.afterResumeEffects;
    this.afterResumeEffects = [];
    this.execute(held);
  }

  private execute(effects: readonly Effect[]): void {
    for (let i = 0; i < effects.length; i++) {
      const e = effects[i]!;
      switch (e.kind) {
        case 'send': {
          let msg = e.attachPage === undefined ? e.msg : { ...e.msg, data: this.memory.copyPage(e.attachPage) };
          if (e.attachDiff !== undefined) msg = { ...msg, diff: this.takeDiff(e.attachDiff) } as Message;
          const bytes = messageBytes(msg);
          const id = this.nextMessageId++;
          countSend(this.stats, msg.kind, bytes);
          this.hooks.trace?.({ type: 'send', cpu: this.cpu, to: e.to, id, msg: traceMessage(msg), bytes });
          this.transport.send(e.to, id, msg);
          break;
        }
        case 'local':
          this.hooks.trace?.({ type: 'local', cpu: this.cpu, msg: traceMessage(e.msg) });
          break;
        case 'setAccess':
          if (e.invalidation) this.stats.invalidations += 1;
          this.memory.setAccess(e.page, e.access);
          this.hooks.trace?.({ type: 'access', cpu: this.cpu, page: e.page, access: e.access });
          break;
        case 'installPage':
          this.memory.install(e.page, e.data);
          this.hooks.trace?.({ type: 'install', cpu: this.cpu, page: e.page });
          break;
        case 'twin':
          if (this.twins.has(e.page)) throw new ProtocolViolation(this.cpu, `twin of page ${e.page} asked for while one is kept`);
          this.twins.set(e.page, this.memory.copyPage(e.page));
          break;
        case 'applyDiff':
          this.memory.markTouched(e.page);
          applyDiff(this.memory.page(e.page), e.diff);
          break;
        case 'resume':
          if (e.contended) this.stats.lockWaits += 1;
          // The end of a return's release is no program step to narrate (see finish()).
          if (e.what !== 'finish') this.hooks.trace?.({ type: 'resume', cpu: this.cpu, what: e.what });
          this.hooks.onResume(e.what);
          this.afterResumeEffects = effects.slice(i + 1);
          return;
      }
    }
  }

  /** The diff of `page` against its twin; drops the twin. */
  private takeDiff(page: number): Uint8Array {
    const twin = this.twins.get(page);
    if (twin === undefined) throw new ProtocolViolation(this.cpu, `diff of page ${page} asked for, but it has no twin`);
    this.twins.delete(page);
    return computeDiff(this.memory.page(page), twin);
  }
}
