/**
 * One simulated CPU inside its worker thread: its private PagedMemory, the shared CpuDriver
 * (protocol + effect execution), its links to every other CPU (a MessagePort each, or
 * shared-memory rings: workers/links.ts), and the blocking loop.
 *
 * Blocking. A fault, lock or barrier hands its input to the driver, which posts the core's
 * messages; the program then blocks until the driver executes a `resume` effect. While it
 * blocks, the CPU serves every message that reaches it, because it may be the manager or the
 * owner of pages other CPUs wait for: a blocked CPU that stops serving deadlocks the cluster.
 * It takes one message at a time and stops as soon as it is resumed, leaving later messages
 * for the next poll: handling, say, a WRITE_FWD after our own write fault was granted but
 * before the faulting store ran would take the page away under the store, and the store
 * would land in a copy nobody owns.
 *
 * Waking. A sender posts its message, then bumps the receiver's doorbell (an Int32 in shared
 * memory) and notifies it. A waiter reads its doorbell, then looks at its links, spins on the
 * doorbell a bounded while (`spins` loads) if it found nothing, and then sleeps with
 * `Atomics.wait(doorbell, valueRead)`: a message posted after the look bumped the doorbell
 * after the read, so the spin sees it or the wait returns at once, and nothing is lost. The
 * same order serves the abort word: the main thread sets it, then rings every bell; and a
 * ring reader that made room a writer asked for rings the writer's bell.
 *
 * Deadlock. A CPU waiting for the protocol counts itself in the blocked word, and a CPU whose
 * program has returned (and whose return's release is done) in the done word. When blocked +
 * done = N with someone blocked and every message sent has been handled, nothing can move
 * again: a blocked CPU moves only when it handles a message, and a done CPU sends only in
 * answer to one. checkDeadlock reads `handled`, then the two counts, then `sent`: `handled`
 * and `sent` only grow and a message is counted sent before it is posted and handled after
 * its handler returns, so equal readings mean no message was in flight or being handled at
 * any moment between them, and at those moments no counted CPU could have moved. A CPU
 * leaves the blocked count before its resuming message counts as handled, for the same
 * reason. The last event that makes the condition true (a CPU blocks, returns, or handles the
 * last message) is followed by a check by that CPU, so every deadlock is found.
 */
import type { DsmConfig } from '../src/core/config.js';
import type { ResumeKind } from '../src/core/effects.js';
import type { Protocol } from '../src/core/protocol.js';
import { getProtocol } from '../src/core/registry.js';
import type { Message } from '../src/core/wire.js';
import { DsmMemory, type AccessHooks } from '../src/memory/accessor.js';
import type { Links, Received } from './links.js';
import { PagedMemory, type PageBatch } from '../src/memory/paged-memory.js';
import type { Value, ValueType } from '../src/memory/types.js';
import { CpuDriver, type Transport } from '../src/runtime/driver.js';
import { DsmAbortedError } from '../src/runtime/errors.js';
import { startingState, type KeptState } from '../src/runtime/kept-state.js';
import { makeCpu, type Cpu, type CpuServices } from '../src/runtime/program.js';
import { formatValue, type TraceEvent, type TraceEventInput } from '../src/runtime/trace.js';
import {
  abortReason, abortWord, blockedWord, claimBase, doneWord, doorbellBase, handledWord, ring, ringAll, sentWord, traceSeqWord,
} from './control.js';

/**
 * Longest single sleep, in ms. Every wake-up we need comes from a doorbell; the bound only
 * limits the damage of a bug in that reasoning (a missed ring costs a pause, not a hang).
 */
const waitSliceMs = 200;
/** How many times a waiter loads its doorbell before it sleeps (the bounded spin). */
const spins = 200;

type Phase = 'running' | 'finished';

export class WorkerCpu implements Transport, AccessHooks {
  readonly cpu: number;
  readonly paged: PagedMemory;
  readonly memory: DsmMemory;
  readonly driver: CpuDriver<unknown>;
  readonly trace: TraceEvent[] = [];
  /** The index of this CPU's doorbell in the control words. */
  private readonly doorbellIndex: number;
  /** This CPU's doorbell as a one-word view, which the accessor compares at every access (AccessHooks). */
  readonly doorbell: Int32Array;
  private resumed = false;
  /** This CPU is counted in the blocked word (see the file header). */
  private countedBlocked = false;
  private phase: Phase = 'running';

  constructor(
    readonly config: DsmConfig,
    cpu: number,
    /** A built-in protocol's name, or the protocol itself (a registered one, loaded by the task). */
    protocolOrName: string | Protocol<unknown>,
    private readonly links: Links,
    private readonly control: Int32Array,
    /** The memory a previous run left (see cpu-task.ts), or undefined for zero-filled memory. */
    previous: DsmMemory | undefined,
    /** The image's bytes of the pages that may differ from it in `previous`. */
    refresh: PageBatch,
    private readonly tracing: boolean,
    /** This CPU's protocol state from its last run that succeeded on this worker, if any (runtime/kept-state.ts). */
    kept?: KeptState,
  ) {
    this.cpu = cpu;
    this.doorbellIndex = doorbellBase + cpu;
    this.doorbell = new Int32Array(control.buffer, control.byteOffset + this.doorbellIndex * 4, 1);
    // The previous run's memory object (rebound below), whichever CPU it served: every CPU
    // starts from the same image, and the refresh brings its bytes up to it.
    const same = previous !== undefined && previous.paged.pages === config.pages && previous.pageSize === config.pageSize;
    this.paged = same ? previous.paged : new PagedMemory(config, cpu, 'read', previous?.paged.bytes.buffer as ArrayBuffer | undefined);
    this.paged.startRun(refresh);
    const protocol = typeof protocolOrName === 'string' ? getProtocol(protocolOrName) : protocolOrName;
    const trace = this.tracing ? (e: TraceEventInput): void => this.record(e) : undefined;
    this.driver = new CpuDriver(protocol, startingState(protocol, config, cpu, kept), this.paged, this, {
      onResume: (_what: ResumeKind) => {
        this.resumed = true;
      },
      trace,
    });
    // The hooks are this object's prototype methods, not closures made per CPU: a program's
    // optimized loop may inline the call to them, and a closure made afresh for every run is
    // a different call target in the next run (a deopt per run).
    if (same) {
      previous.rebind(this, cpu);
      this.memory = previous;
    } else {
      this.memory = new DsmMemory(this.paged, this);
    }
  }

  /** The Cpu a program sees. */
  makeCpu(): Cpu {
    const traceAccess = this.tracing
      ? (kind: 'read' | 'write', type: ValueType, address: number, value: Value): void =>
          this.record({ type: kind, cpu: this.cpu, address, valueType: type, value: formatValue(value) })
      : undefined;
    return makeCpu(new WorkerCpuServices(this, traceAccess));
  }

  // A sync call performs no access after its resume: release held-back effects at once.
  lock(id: number): void {
    this.block(() => this.driver.lock(id));
    this.afterResume();
  }

  unlock(id: number): void {
    this.block(() => this.driver.unlock(id));
    this.afterResume();
  }

  barrier(): void {
    this.block(() => this.driver.barrier());
    this.afterResume();
  }

  // ------------------------------------------------------------ Transport

  send(to: number, id: number, msg: Message): void {
    // Counted before posting, so that `handled === sent` can never hold while this is in flight.
    Atomics.add(this.control, sentWord, 1);
    this.links.post(to, id, msg);
    ring(this.control, to);
  }

  // ------------------------------------------------------------ the accessor's hooks

  fault(page: number, access: 'read' | 'write', address: number): void {
    // The faulting access runs after we return; the accessor polls at its next access, which
    // releases whatever the driver held back behind the resume (see afterResume).
    this.block(() => this.driver.fault(page, access, address));
  }

  /**
   * Runs the effects the driver holds back behind a `resume` until the resumed program has
   * made its access (for instance serving the next queued request for the page). Drivers
   * without that hold-back have nothing to run.
   */
  private afterResume(): void {
    (this.driver as { afterResume?: () => void }).afterResume?.();
  }

  /**
   * Serves what has arrived, never blocking. The accessor calls it when the doorbell moved
   * since its last look (so it reads the doorbell before calling: a later post rings again).
   */
  poll(): void {
    this.checkAbort();
    this.afterResume();
    while (this.receiveOne()) {
      // Not blocked: nothing waits for a resume, so every pending message may be served now.
    }
  }

  // ------------------------------------------------------------ blocking

  /** Starts a blocking input (fault, lock, unlock, barrier) and serves messages until the protocol resumes us. */
  private block(start: () => void): void {
    const t0 = performance.now();
    this.resumed = false;
    try {
      start();
      if (!this.resumed) this.countBlocked();
      while (!this.resumed) this.serveOrWait();
    } finally {
      this.uncountBlocked();
      this.driver.stats.blockedNs += Math.round((performance.now() - t0) * 1e6);
    }
  }

  /** Serves one message if there is one, else sleeps until the doorbell rings. */
  private serveOrWait(): void {
    this.checkAbort();
    // Read the doorbell BEFORE looking at the links (see the file header: no lost wake-ups).
    const bell = Atomics.load(this.control, this.doorbellIndex);
    if (this.receiveOne()) return;
    this.waitBell(bell);
  }

  /** The bounded spin on the doorbell, then the futex wait (see the file header). */
  private waitBell(bell: number): void {
    for (let i = 0; i < spins; i++) if (Atomics.load(this.control, this.doorbellIndex) !== bell) return;
    Atomics.wait(this.control, this.doorbellIndex, bell, waitSliceMs);
  }

  private countBlocked(): void {
    Atomics.add(this.control, blockedWord, 1);
    this.countedBlocked = true;
    this.checkDeadlock();
  }

  private uncountBlocked(): void {
    if (!this.countedBlocked) return;
    this.countedBlocked = false;
    Atomics.sub(this.control, blockedWord, 1);
  }

  /** Stops the run as deadlocked if nothing can move any more (see the file header for the order of the reads). */
  private checkDeadlock(): void {
    const c = this.control;
    const handled = Atomics.load(c, handledWord);
    const blocked = Atomics.load(c, blockedWord);
    const done = Atomics.load(c, doneWord);
    if (blocked === 0 || blocked + done !== this.config.cpus) return;
    if (Atomics.load(c, sentWord) !== handled) return;
    if (Atomics.compareExchange(c, abortWord, 0, abortReason.deadlock) === 0) ringAll(c, this.config.cpus);
  }

  /**
   * After the program returned: the protocol's release at a return (its diffs must reach
   * their homes), then count ourselves done and keep serving until every CPU is done and no
   * message is in flight or being handled (sent === handled). Once all programs have
   * returned, no new request can start, and the tail messages (confirms, unlocks) cause no
   * further messages, so the condition, once true, stays true.
   */
  finish(): void {
    this.block(() => this.driver.finish());
    this.afterResume();
    this.phase = 'finished';
    const done = Atomics.add(this.control, doneWord, 1) + 1;
    if (done === this.config.cpus) ringAll(this.control, this.config.cpus);
    else this.checkDeadlock();
    for (;;) {
      this.checkAbort();
      const bell = Atomics.load(this.control, this.doorbellIndex);
      if (this.receiveOne()) continue;
      if (this.quiescent()) return;
      this.waitBell(bell);
    }
  }

  private quiescent(): boolean {
    return (
      Atomics.load(this.control, doneWord) === this.config.cpus &&
      Atomics.load(this.control, handledWord) === Atomics.load(this.control, sentWord)
    );
  }

  /**
   * The pages this CPU reports at the end of a quiescent run: each page is claimed by exactly
   * one CPU whose copy the protocol calls current (first come). At quiescence every current
   * copy of a page holds the same bytes (for IVY every valid copy; for HLRC the home's). Only
   * touched pages: a current copy this CPU never touched holds the run's starting bytes, which
   * the image has (memory/paged-memory.ts).
   */
  collectPages(): { page: number; data: Uint8Array }[] {
    const base = claimBase(this.config.cpus);
    const out: { page: number; data: Uint8Array }[] = [];
    for (const p of this.paged.touched()) {
      if (!this.driver.holdsCurrentCopy(p)) continue;
      if (Atomics.compareExchange(this.control, base + p, 0, this.cpu + 1) === 0) out.push({ page: p, data: this.paged.page(p).slice() }); // an exact copy: it is cloned to the main thread
    }
    return out;
  }

  // ------------------------------------------------------------ receiving

  /** Takes at most one message from the links (fairly) and hands it to the driver. */
  private receiveOne(): boolean {
    const got = this.links.receive();
    if (got === null) return false;
    this.handle(got);
    return true;
  }

  private handle({ from, id, msg }: Received): void {
    this.driver.message(from, id, msg);
    // Out of the blocked count before the message counts as handled (see the file header).
    if (this.resumed) this.uncountBlocked();
    const handled = Atomics.add(this.control, handledWord, 1) + 1;
    if (handled !== Atomics.load(this.control, sentWord)) return;
    // The last message of a finished run wakes the CPUs waiting in finish().
    if (Atomics.load(this.control, doneWord) === this.config.cpus) ringAll(this.control, this.config.cpus);
    else this.checkDeadlock();
  }

  // ------------------------------------------------------------ abort, state, trace

  private checkAbort(): void {
    if (Atomics.load(this.control, abortWord) !== 0) throw new DsmAbortedError(this.cpu, this.state());
  }

  heldLocks(): number[] {
    return this.driver.heldLocks();
  }

  /** What this CPU is doing, for timeout and abort reports. */
  state(): string {
    return this.driver.describeState(this.phase === 'running');
  }

  /** Signals every other CPU to stop, at once (without waiting for the main thread). */
  abortAll(): void {
    if (Atomics.compareExchange(this.control, abortWord, 0, 1) === 0) ringAll(this.control, this.config.cpus);
  }

  record(e: TraceEventInput): void {
    this.trace.push({ seq: Atomics.add(this.control, traceSeqWord, 1), ...e } as TraceEvent);
  }
}

/**
 * What a program's Cpu calls: prototype methods, for the same reason as the accessor's hooks
 * (a program's loop that inlines `cpu.barrier()` keeps one call target from run to run).
 */
class WorkerCpuServices implements CpuServices {
  readonly id: number;
  readonly cpus: number;
  readonly memory: DsmMemory;

  constructor(
    private readonly node: WorkerCpu,
    readonly traceAccess: CpuServices['traceAccess'],
  ) {
    this.id = node.cpu;
    this.cpus = node.config.cpus;
    this.memory = node.memory;
  }

  lock(id: number): void {
    this.node.lock(id);
  }
  unlock(id: number): void {
    this.node.unlock(id);
  }
  barrier(): void {
    this.node.barrier();
  }
}
