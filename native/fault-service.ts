/**
 * The protocol thread's side of the fault record. The SIGSEGV handler (native/src) writes a
 * record into the addon's control words and a byte into the wake pipe; this class hands each
 * new fault and each completed step to its handlers when `check()` is called. Whoever waits
 * on the pipe calls it: the protocol thread's blocking loop (native/protocol-thread.ts,
 * `eventLoop: false`), or, by default, this class itself from the thread's event loop.
 * Reading the counters, not the pipe bytes, decides what happened: several wake-ups may
 * arrive as one.
 *
 * One per process: the wake pipe and the fault slot are process-wide.
 */
import { Socket } from 'node:net';
import { controlWord, faultState, type NativeAddon } from './index.js';

export interface FaultHandlers {
  /** The access granted last has run (or faulted again): effects held behind its resume may run now. */
  onStep(): void;
  /** A thread faulted at `offset` of region `region`; call `grant()` once the access is allowed. */
  onFault(region: number, offset: number, write: boolean): void;
}

export class FaultService {
  private readonly control: Int32Array;
  private readonly pipe: Socket | null;
  private seenFaults: number;
  private seenSteps: number;

  constructor(
    private readonly addon: NativeAddon,
    private readonly handlers: FaultHandlers,
    { eventLoop = true }: { eventLoop?: boolean } = {},
  ) {
    this.control = new Int32Array(addon.control());
    const fd = addon.wakeFd();
    if (fd < 0) throw new Error('FaultService: create a region first (the wake pipe opens with the first region)');
    this.seenFaults = Atomics.load(this.control, controlWord.faults);
    this.seenSteps = Atomics.load(this.control, controlWord.steps);
    this.pipe = null;
    if (!eventLoop) return;
    this.pipe = new Socket({ fd, readable: true, writable: false });
    this.pipe.on('data', () => this.check());
    // A fault may have been posted before we listened.
    setImmediate(() => this.check());
  }

  /**
   * Looks at the counters: a step first (its held effects run before the next fault), then a
   * new fault. Returns whether there was either.
   */
  check(): boolean {
    let found = false;
    const steps = Atomics.load(this.control, controlWord.steps);
    if (steps !== this.seenSteps) {
      this.seenSteps = steps;
      found = true;
      this.handlers.onStep();
    }
    const faults = Atomics.load(this.control, controlWord.faults);
    if (faults !== this.seenFaults && Atomics.load(this.control, controlWord.state) === faultState.pending) {
      this.seenFaults = faults;
      const region = Atomics.load(this.control, controlWord.region);
      const offset = Atomics.load(this.control, controlWord.offset);
      const write = Atomics.load(this.control, controlWord.write) === 1;
      found = true;
      this.handlers.onFault(region, offset, write);
    }
    return found;
  }

  /** Faults posted plus steps completed: changes whenever check() would find something. */
  events(): number {
    return (Atomics.load(this.control, controlWord.faults) + Atomics.load(this.control, controlWord.steps)) | 0;
  }

  /** Lets the pending fault retry. */
  grant(): void {
    this.addon.grant();
  }

  /** Faults posted and steps completed so far (for tests and statistics). */
  counts(): { faults: number; steps: number } {
    return { faults: Atomics.load(this.control, controlWord.faults), steps: Atomics.load(this.control, controlWord.steps) };
  }

  /** Lets the thread's event loop end while the service listens. */
  unref(): void {
    this.pipe?.unref();
  }
}
