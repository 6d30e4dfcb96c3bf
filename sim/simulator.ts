/**
 * The deterministic simulator: every CPU's protocol core in one thread, driven by a seeded
 * scheduler over the same CpuDriver the real runtimes use.
 *
 * Fault model. The simulator injects no crashes and loses no messages; it explores
 * *interleavings*: at every step the scheduler picks one enabled step — a CPU's next program
 * operation, or the delivery of one in-flight message. With `reorder: false` (the default)
 * each ordered pair of CPUs is a FIFO channel and only channel heads can be delivered; with
 * `reorder: true` any in-flight message can be delivered next (arbitrary reordering). IVY as
 * written needs neither FIFO nor any bound on delay (see the header of src/core/ivy.ts); the
 * tests run both modes.
 *
 * Checks. After every step: the protocol's global invariants, and that each CPU's protection
 * table matches the protocol's view. At every read: the shadow-memory oracle — IVY promises
 * atomic (sequentially consistent) memory, so a read must return the bytes of the latest write
 * to that address in simulated time. At the end: every program finished and no message is in
 * flight (no deadlock, no lost wake-up).
 *
 * Determinism. Choices come only from `choose`, by default a PRNG seeded with `seed`; the
 * same options give the same trace, byte for byte.
 */
import { validateConfig, type DsmConfig, type DsmConfigInput } from '../src/core/config.js';
import { DsmAlignmentError, DsmError, DsmRangeError, InvariantViolation } from '../src/core/errors.js';
import type { Protocol } from '../src/core/protocol.js';
import { checkMutant, getProtocol } from '../src/core/registry.js';
import type { Message } from '../src/core/wire.js';
import { PagedMemory } from '../src/memory/paged-memory.js';
import { loadValue, typeSize, type Value, type ValueType } from '../src/memory/types.js';
import { CpuDriver, type DriverSnapshot } from '../src/runtime/driver.js';
import { checkPrograms, formatOp, type Op } from '../src/runtime/ops.js';
import { totalStats, type ClusterStats } from '../src/runtime/stats.js';
import { formatValue, type TraceEvent, type TraceEventInput } from '../src/runtime/trace.js';
import { Random } from './random.js';

export interface SimOptions {
  config: DsmConfigInput;
  /** One op list per CPU. */
  programs: Op[][];
  seed?: number;
  /** Deliver in-flight messages in any order (default: FIFO per channel). */
  reorder?: boolean;
  /** A protocol name from the registry, or a Protocol object (a variant under test). */
  protocol?: string | Protocol<unknown>;
  /** A deliberate bug of the protocol's (Protocol.mutants); any other is a DsmMutantError. */
  mutant?: string | undefined;
  /** Record the trace (default true). */
  trace?: boolean;
  /**
   * Check every read against the shadow memory (default true). Turn it off only to watch a
   * weaker-than-SC protocol (hlrc) run a racy program, whose reads may legally be stale.
   */
  oracle?: boolean;
  /**
   * Values in memory before the first step, on every CPU and in the shadow memory (a litmus
   * test's init block). Protocols hold no page bytes of their own, so every copy stays equal.
   */
  initialWrites?: readonly { type: ValueType; address: number; value: Value }[];
  /**
   * Programs that may still grow (the explorer's generated mode, setProgram): a CPU at the end
   * of its program does not return (a return is a release, Protocol.onFinish) until
   * `setProgram(cpu, ops, false)` says no more ops will come.
   */
  openPrograms?: boolean;
  /** Steps allowed before the run fails as a livelock (default scales with the program). */
  stepMax?: number;
  /**
   * Picks the next step among `count` enabled ones; replaces the seeded PRNG. fast-check's
   * generated choice sequences and hand-written schedules both come in here.
   */
  choose?: (count: number, steps: readonly SimStep[]) => number;
}

/** A step the scheduler may pick. */
export type SimStep =
  | { kind: 'cpu'; cpu: number; op: Op }
  | { kind: 'deliver'; from: number; to: number; id: number; msg: Message };

export function formatStep(step: SimStep): string {
  return step.kind === 'cpu'
    ? `CPU ${step.cpu}: ${formatOp(step.op)}`
    : `deliver ${step.msg.kind}${'page' in step.msg ? ` page ${step.msg.page}` : ''} CPU ${step.from} → CPU ${step.to}`;
}

export interface SimResult {
  /** Per CPU, the values its reads returned, in program order. */
  results: Value[][];
  stats: ClusterStats;
  trace: TraceEvent[];
  steps: number;
  seed: number;
  /** The step indices the scheduler chose, in order (replayable with `choose`). */
  choices: number[];
  /** A coherent read of the shared memory after the run (from each page's holders). */
  readMemory(address: number, length: number): Uint8Array;
}

/** The run broke a promise of the protocol: an invariant, the oracle, or termination. */
export class SimulationError extends DsmError {
  constructor(
    message: string,
    readonly seed: number,
    readonly step: number,
    readonly trace: TraceEvent[],
    readonly choices: number[],
    override readonly cause?: unknown,
  ) {
    super(`${message} (seed ${seed}, step ${step})`);
  }
}

interface InFlight {
  from: number;
  to: number;
  id: number;
  msg: Message;
}

/**
 * The global state between two steps, for the explorer (testing/explorer.ts): every driver's
 * protocol state, twins and held-back effects, every CPU's page bytes and protection, the
 * shadow memory, every program's position, the messages in flight (in send order) and the
 * programs. `exportState` hands out the live objects: copy them before the next step.
 * Stats, the trace and message ids are not state: they do not decide what can happen next.
 */
export interface SimState {
  drivers: DriverSnapshot<unknown>[];
  memories: { bytes: Uint8Array; access: Uint8Array }[];
  shadow: Uint8Array;
  runs: { pc: number; blocked: Op | 'return' | null; returned: boolean; reads: Value[] }[];
  inFlight: { from: number; to: number; msg: Message }[];
  programs: Op[][];
  /** Per CPU, whether its program may still grow (SimOptions.openPrograms). */
  open: boolean[];
}

interface CpuRun {
  pc: number;
  /**
   * The op waiting for a resume, 'return' while the release at the program's return waits
   * (Protocol.onFinish), or null when the CPU can take its next op.
   */
  blocked: Op | 'return' | null;
  /** The program has run its last op and the protocol was told (returnFinished). */
  returned: boolean;
  resumed: boolean;
  reads: Value[];
}

export const defaultStepMaxPerOp = 400;

export class Simulation {
  readonly config: DsmConfig;
  readonly seed: number;
  readonly protocol: Protocol<unknown>;
  readonly states: unknown[];
  readonly memories: PagedMemory[];
  readonly drivers: CpuDriver<unknown>[];
  readonly trace: TraceEvent[] = [];
  readonly choices: number[] = [];
  private readonly programs: Op[][];
  private readonly runs: CpuRun[];
  /** Per CPU: its program may still grow, so reaching its end is no return (SimOptions.openPrograms). */
  private readonly open: boolean[];
  private readonly shadow: PagedMemory;
  private readonly inFlight: InFlight[] = [];
  private readonly random: Random;
  private readonly tracing: boolean;
  private readonly stepMax: number;
  private steps = 0;
  private seq = 0;
  /** Ids of messages put back by importState: negative, so they never meet a driver's own. */
  private importedId = 0;

  constructor(private readonly options: SimOptions) {
    this.config = validateConfig(options.config);
    this.programs = checkPrograms(options.programs, this.config.cpus);
    this.seed = (options.seed ?? 1) >>> 0;
    this.random = new Random(this.seed);
    this.tracing = options.trace ?? true;
    const opCount = this.programs.reduce((n, p) => n + p.length, 0);
    this.stepMax = options.stepMax ?? 1000 + defaultStepMaxPerOp * (opCount + this.config.cpus);
    this.protocol = typeof options.protocol === 'object' ? options.protocol : getProtocol(options.protocol ?? 'ivy');
    const mutant = checkMutant(this.protocol, options.mutant);
    this.shadow = new PagedMemory(this.config, -1, 'write');
    this.states = [];
    this.memories = [];
    this.drivers = [];
    this.runs = [];
    this.open = new Array<boolean>(this.config.cpus).fill(options.openPrograms ?? false);
    for (let cpu = 0; cpu < this.config.cpus; cpu++) {
      const state = this.protocol.init(this.config, cpu, { mutant });
      const memory = new PagedMemory(this.config, cpu);
      for (let p = 0; p < this.config.pages; p++) memory.setAccess(p, this.protocol.accessOf(state, p));
      const run: CpuRun = { pc: 0, blocked: null, returned: false, resumed: false, reads: [] };
      const driver = new CpuDriver(this.protocol, state, memory, {
        send: (to, id, msg) => this.inFlight.push({ from: cpu, to, id, msg }),
      }, {
        onResume: () => {
          if (run.blocked === null) this.fail(`CPU ${cpu} resumed while not blocked`);
          run.resumed = true;
        },
        trace: this.tracing ? (e) => this.record(e) : undefined,
      });
      this.states.push(state);
      this.memories.push(memory);
      this.drivers.push(driver);
      this.runs.push(run);
    }
    for (const w of options.initialWrites ?? []) {
      for (const m of [...this.memories, this.shadow]) {
        m.checkTyped(w.type, w.address);
        m.store(w.type, w.address, w.value);
      }
    }
    this.returnFinished();
    this.checkInvariants();
  }

  private record(e: TraceEventInput): void {
    this.trace.push({ seq: this.seq++, ...e } as TraceEvent);
  }

  private fail(message: string, cause?: unknown): never {
    throw new SimulationError(message, this.seed, this.steps, this.trace, this.choices, cause);
  }

  /** The steps the scheduler may pick now, in a deterministic order. */
  enabledSteps(): SimStep[] {
    const steps: SimStep[] = [];
    this.runs.forEach((run, cpu) => {
      const op = this.programs[cpu]![run.pc];
      if (run.blocked === null && op !== undefined) steps.push({ kind: 'cpu', cpu, op });
    });
    const seen = new Set<number>();
    for (const m of this.inFlight) {
      const channel = m.from * this.config.cpus + m.to;
      if (!this.options.reorder) {
        if (seen.has(channel)) continue;
        seen.add(channel);
      }
      steps.push({ kind: 'deliver', from: m.from, to: m.to, id: m.id, msg: m.msg });
    }
    return steps;
  }

  get done(): boolean {
    return this.enabledSteps().length === 0;
  }

  get stepCount(): number {
    return this.steps;
  }

  /** Takes one step chosen by the scheduler; returns false when nothing is enabled. */
  step(): boolean {
    const enabled = this.enabledSteps();
    if (enabled.length === 0) return false;
    const choice = this.options.choose ? this.options.choose(enabled.length, enabled) : this.random.int(enabled.length);
    if (!Number.isInteger(choice) || choice < 0 || choice >= enabled.length) this.fail(`scheduler chose ${choice} of ${enabled.length} steps`);
    this.choices.push(choice);
    this.take(enabled[choice]!);
    return true;
  }

  /**
   * Manual driving, for scenario tests and demos: `cpu` takes its next op now, then every
   * in-flight message is delivered (oldest first) until none is left. Returns what was sent.
   */
  stepCpuAndSettle(cpu: number): { messages: number; byKind: Partial<Record<string, number>> } {
    const before = totalStats(this.drivers.map((d) => d.stats)).total;
    const step = this.enabledSteps().find((s) => s.kind === 'cpu' && s.cpu === cpu);
    if (!step) this.fail(`CPU ${cpu} has no op it can take now`);
    this.take(step);
    for (let m = this.inFlight[0]; m !== undefined; m = this.inFlight[0]) {
      this.take({ kind: 'deliver', from: m.from, to: m.to, id: m.id, msg: m.msg });
    }
    const after = totalStats(this.drivers.map((d) => d.stats)).total;
    const byKind: Partial<Record<string, number>> = {};
    for (const [k, v] of Object.entries(after.messagesByKind)) {
      const d = v! - (before.messagesByKind[k as keyof typeof before.messagesByKind] ?? 0);
      if (d > 0) byKind[k] = d;
    }
    return { messages: after.messages - before.messages, byKind };
  }

  /** Takes `step` (one of enabledSteps(), or an op the explorer just appended with setProgram). */
  takeStep(step: SimStep): void {
    this.take(step);
  }

  /**
   * Replaces CPU `cpu`'s program (the explorer grows generated programs as it goes); `open`
   * false says it will not grow again, so the CPU returns once it has run it.
   */
  setProgram(cpu: number, ops: Op[], open = this.open[cpu]!): void {
    this.programs[cpu] = ops;
    this.open[cpu] = open;
    this.returnFinished();
  }

  program(cpu: number): readonly Op[] {
    return this.programs[cpu]!;
  }

  /** Where CPU `cpu`'s program is: the next op's index, and the op it is blocked on. */
  position(cpu: number): { pc: number; blocked: Op | 'return' | null } {
    const run = this.runs[cpu]!;
    return { pc: run.pc, blocked: run.blocked };
  }

  exportState(): SimState {
    return {
      drivers: this.drivers.map((d) => d.snapshot()),
      memories: this.memories.map((m) => ({ bytes: m.bytes, access: m.access })),
      shadow: this.shadow.bytes,
      runs: this.runs.map((r) => ({ pc: r.pc, blocked: r.blocked, returned: r.returned, reads: r.reads })),
      inFlight: this.inFlight.map((m) => ({ from: m.from, to: m.to, msg: m.msg })),
      programs: this.programs,
      open: [...this.open],
    };
  }

  /** Puts back a state taken by exportState (and copied since); the objects become live. */
  importState(state: SimState): void {
    state.drivers.forEach((d, cpu) => {
      this.drivers[cpu]!.restore(d);
      this.states[cpu] = d.state;
    });
    state.memories.forEach((m, cpu) => {
      this.memories[cpu]!.bytes.set(m.bytes);
      this.memories[cpu]!.access.set(m.access);
    });
    this.shadow.bytes.set(state.shadow);
    state.runs.forEach((r, cpu) => {
      // The run objects stay: the drivers' resume hooks hold them.
      const run = this.runs[cpu]!;
      run.pc = r.pc;
      run.blocked = r.blocked;
      run.returned = r.returned;
      run.resumed = false;
      run.reads = r.reads;
    });
    this.inFlight.length = 0;
    for (const m of state.inFlight) this.inFlight.push({ ...m, id: --this.importedId });
    state.programs.forEach((ops, cpu) => { this.programs[cpu] = ops; });
    state.open.forEach((o, cpu) => { this.open[cpu] = o; });
    this.choices.length = 0;
  }

  private take(step: SimStep): void {
    if (this.steps >= this.stepMax) this.fail(`no progress: step bound ${this.stepMax} reached (livelock?)`);
    this.steps += 1;
    try {
      if (step.kind === 'cpu') this.runOp(step.cpu);
      else this.deliver(step);
      this.returnFinished();
      this.checkInvariants();
    } catch (err) {
      // Bad input (an address outside the region, a misaligned access) is the program's fault,
      // not the protocol's: it keeps its own name.
      if (err instanceof SimulationError || err instanceof DsmRangeError || err instanceof DsmAlignmentError) throw err;
      this.fail(`${(err as Error).name}: ${(err as Error).message}`, err);
    }
  }

  private deliver(step: Extract<SimStep, { kind: 'deliver' }>): void {
    const index = this.inFlight.findIndex((m) => m.from === step.from && m.id === step.id);
    const [m] = this.inFlight.splice(index, 1);
    this.drivers[m!.to]!.message(m!.from, m!.id, m!.msg);
    this.completeIfResumed(m!.to);
  }

  private runOp(cpu: number): void {
    const run = this.runs[cpu]!;
    const op = this.programs[cpu]![run.pc]!;
    const driver = this.drivers[cpu]!;
    run.blocked = op;
    run.resumed = false;
    switch (op.op) {
      case 'read':
      case 'write':
        if (this.tryAccess(cpu, op)) run.blocked = null;
        // A fault the protocol resolves at once (hlrc twins a read-only page) resumes inside it.
        else this.completeIfResumed(cpu);
        return;
      case 'lock': driver.lock(op.lock); break;
      case 'unlock': driver.unlock(op.lock); break;
      case 'barrier': driver.barrier(); break;
    }
    this.completeIfResumed(cpu);
  }

  /** Performs a read or write if the page allows it, else raises the fault; true when done. */
  private tryAccess(cpu: number, op: Extract<Op, { op: 'read' | 'write' }>): boolean {
    const memory = this.memories[cpu]!;
    memory.checkTyped(op.type, op.address);
    const need = op.op === 'write' ? 'write' : 'read';
    const page = memory.missingPage(op.address, typeSize[op.type], need);
    if (page >= 0) {
      this.drivers[cpu]!.fault(page, need, op.address);
      return false;
    }
    const run = this.runs[cpu]!;
    if (op.op === 'write') {
      memory.store(op.type, op.address, op.value);
      this.shadow.store(op.type, op.address, op.value);
      if (this.tracing) this.record({ type: 'write', cpu, address: op.address, valueType: op.type, value: formatValue(op.value) });
    } else {
      const value = memory.load(op.type, op.address);
      const size = typeSize[op.type];
      const got = memory.bytes.subarray(op.address, op.address + size);
      const want = this.shadow.bytes.subarray(op.address, op.address + size);
      if (this.options.oracle !== false && got.some((b, i) => b !== want[i])) {
        this.fail(`oracle: CPU ${cpu} read ${formatValue(value)} at 0x${op.address.toString(16)}, but the latest write there was ${formatValue(loadValue(this.shadow.view, op.type, op.address))}`);
      }
      run.reads.push(value);
      if (this.tracing) this.record({ type: 'read', cpu, address: op.address, valueType: op.type, value: formatValue(value) });
    }
    run.pc += 1;
    if (this.tracing && run.pc === this.programs[cpu]!.length) this.record({ type: 'done', cpu });
    return true;
  }

  /**
   * A CPU whose program has run its last op returns, within the step that ran it: a return
   * is a release (Protocol.onFinish), as on every backend, and the CPU is done once the
   * protocol resumes it.
   */
  private returnFinished(): void {
    this.runs.forEach((run, cpu) => {
      if (run.returned || this.open[cpu] || run.blocked !== null || run.pc < this.programs[cpu]!.length) return;
      run.returned = true;
      run.blocked = 'return';
      run.resumed = false;
      this.drivers[cpu]!.finish();
      this.completeIfResumed(cpu);
    });
  }

  /** A resumed CPU finishes the op it was blocked on at once, as a real CPU would retry it. */
  private completeIfResumed(cpu: number): void {
    const run = this.runs[cpu]!;
    if (!run.resumed || run.blocked === null) return;
    const op = run.blocked;
    run.resumed = false;
    if (op === 'return') {
      run.blocked = null;
    } else if (op.op === 'read' || op.op === 'write') {
      if (this.tryAccess(cpu, op)) run.blocked = null;
    } else {
      run.blocked = null;
      run.pc += 1;
      if (this.tracing && run.pc === this.programs[cpu]!.length) this.record({ type: 'done', cpu });
    }
    this.drivers[cpu]!.afterResume();
    // The held-back effects may resume nothing: this CPU's one blocking input is complete.
    if (run.resumed) this.fail(`CPU ${cpu} resumed twice for one ${op === 'return' ? 'return' : formatOp(op)}`);
  }

  checkInvariants(): void {
    try {
      this.protocol.invariants(this.states, (cpu, page) => this.memories[cpu]!.page(page), (cpu, page) => this.drivers[cpu]!.twinOf(page));
    } catch (err) {
      if (err instanceof InvariantViolation) this.fail(err.message, err);
      throw err;
    }
    this.memories.forEach((m, cpu) => {
      for (let p = 0; p < this.config.pages; p++) {
        const want = this.protocol.accessOf(this.states[cpu], p);
        if (m.accessOf(p) !== want) this.fail(`CPU ${cpu}: protection of page ${p} is ${m.accessOf(p)} but the protocol says ${want}`);
      }
    });
  }

  /** Runs to the end and checks termination; throws SimulationError on any broken promise. */
  run(): SimResult {
    while (this.step()) { /* the step bound lives in step() */ }
    const stuck = this.runs
      .map((run, cpu) => ({ cpu, run }))
      .filter(({ cpu, run }) => run.blocked !== null || run.pc < this.programs[cpu]!.length);
    if (stuck.length > 0) {
      // Every stuck CPU, and every finished one that still holds a lock (often the cause).
      const what = this.drivers.flatMap((d, cpu) => {
        if (stuck.some((s) => s.cpu === cpu)) return [`CPU ${cpu} waits on ${d.waitingOn() ?? 'nothing it knows of'}${d.holdingText()}`];
        return d.holdingText() === '' ? [] : [`CPU ${cpu} finished${d.holdingText()}`];
      });
      this.fail(`deadlock: no step is enabled but ${what.join('; ')}`);
    }
    return this.result();
  }

  result(): SimResult {
    return {
      results: this.runs.map((r) => r.reads),
      stats: totalStats(this.drivers.map((d) => d.stats)),
      trace: this.trace,
      steps: this.steps,
      seed: this.seed,
      choices: this.choices,
      readMemory: (address, length) => this.readMemory(address, length),
    };
  }

  /** Reads, for each page, from a CPU whose copy is current (see Protocol.holdsCurrentCopy). */
  readMemory(address: number, length: number): Uint8Array {
    const any = this.memories[0]!;
    any.checkRange(address, length);
    const out = new Uint8Array(length);
    for (let i = 0; i < length; ) {
      const page = any.pageOf(address + i);
      const holder = this.memories.find((_m, cpu) => this.drivers[cpu]!.holdsCurrentCopy(page));
      if (!holder) throw new InvariantViolation(`page ${page} has no current copy anywhere`);
      const end = Math.min(length, ((page + 1) << any.pageShift) - address);
      out.set(holder.bytes.subarray(address + i, address + end), i);
      i = end;
    }
    return out;
  }
}

/** Runs `options` to the end; throws SimulationError (with seed, step and trace) on any failure. */
export function simulate(options: SimOptions): SimResult {
  return new Simulation(options).run();
}
