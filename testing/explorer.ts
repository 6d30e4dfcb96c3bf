/**
 * The explorer: every reachable global state of a small configuration, breadth first, over the
 * simulator (the same protocol cores and CpuDriver), as Murphi or TLC would.
 *
 * Theory of operation
 * -------------------
 * A global state is what `Simulation.exportState` returns: every CPU's protocol state, twins
 * and held-back effects, page bytes and protection, the shadow memory, every program's
 * position (and, in generated mode, how many items it has issued and the ops of the item it is
 * in), and the messages in flight. `encodeState` writes it as a canonical string: JSON with
 * Maps, Sets, byte arrays and bigints tagged, message ids left out (they are names, not
 * state), the messages in flight grouped per channel in send order under FIFO, and sorted
 * under reordering (there a channel is a multiset). The string is also the state itself: the
 * queue keeps strings, and `decodeState` gives back live objects to step from. Values read are
 * part of the state only when outcomes are asked for (litmus); else two states that differ
 * only in what was read behave alike and are one.
 *
 * The visited set holds a 53-bit hash of each string (hash compaction, as in Murphi, whose
 * default is 40 bits): two distinct states collide with probability below n²/2⁵⁴ for n states,
 * under 10⁻⁴ for a million. Each new state records its parent and the move that reached it, so
 * that the first violation found, breadth first, comes with a shortest path to it.
 *
 * At every state: the simulator checks the protocol's invariants and the protection tables
 * after each step and the oracle at each read (as in a random run); a state with no move left
 * must have every program at its end (else: deadlock, with what each blocked CPU waits on);
 * in generated mode, so must a state where only new items could move (the programs of fewer
 * items that end there), unless barriers make every program K items long.
 *
 * Moves. A CPU that is not blocked takes its next op; in generated mode a CPU that has
 * finished its item and issued fewer than `ops` items chooses the next one from the alphabet
 * (a read or a write of every hot address, each write with a value unique to its CPU and item;
 * optionally lock sections; under data-race-free generation every access is its own section
 * under its address's lock; optionally a barrier after every item but the last, so that every
 * CPU passes the same barriers). A message in flight is delivered: a channel's head under
 * FIFO, any message under reordering.
 *
 * Reduction: sleep sets (Godefroid 1996). Two moves are independent when they act on
 * different CPUs (a delivery acts on its receiver) and do not both touch one address of the
 * shadow memory with at least one write (a delivery may complete its receiver's blocked
 * access). Such moves commute: both orders reach the same state. After exploring move t at a
 * state, the successors of the moves explored later carry t in their sleep set while it stays
 * independent of what they do, and t is not tried from them: the diamond's second edge is not
 * walked. States are all still visited (a state reached again with a smaller sleep set is
 * expanded again for what its new sleep set allows), so invariants, oracle, deadlocks and
 * outcomes are all checked; what is saved is transitions, each a decode, a step and an encode.
 * Breadth-first order and the shortest path hold without the reduction (the default).
 */
import { validateConfig, type DsmConfig, type DsmConfigInput } from '../src/core/config.js';
import { DsmConfigError, DsmError } from '../src/core/errors.js';
import type { MutantName } from '../src/core/mutants.js';
import type { Protocol } from '../src/core/protocol.js';
import { getProtocol } from '../src/core/registry.js';
import type { Message } from '../src/core/wire.js';
import { typeSize, type Value } from '../src/memory/types.js';
import type { Op } from '../src/runtime/ops.js';
import type { TraceEvent } from '../src/runtime/trace.js';
import { formatStep, Simulation, SimulationError, type SimOptions, type SimState } from '../sim/simulator.js';
import { uniqueValue } from '../sim/workloads.js';
import { hotAddresses } from './arbitraries.js';
import type { StepRecord } from './runner.js';
import { failedLine, formatCase, formatFailure, type StoryOptions } from './story.js';

/** Generated mode: every program of up to `ops` items per CPU, chosen as the search goes. */
export interface GenerateOptions {
  /** Items per CPU (each a read or a write, or a lock section of one). */
  ops: number;
  /** Word slots per page that programs touch (default 1). */
  slotsPerPage?: number | undefined;
  /** Also lock sections of one access under lock 0 (default false). */
  locks?: boolean | undefined;
  /** A barrier after every item but the last, on every CPU (default false). */
  barriers?: boolean | undefined;
  /**
   * Every access in a section of its own under its address's lock (hot address i: lock i).
   * Default: true for a release-consistent protocol (it promises SC to such programs only).
   */
  dataRaceFree?: boolean | undefined;
}

export type Reduction = 'none' | 'sleep';
export const reductions: readonly Reduction[] = ['none', 'sleep'];

export interface ExploreOptions {
  config: DsmConfigInput;
  protocol?: string | Protocol<unknown> | undefined;
  mutant?: MutantName | undefined;
  /** Values in memory before the first step (see SimOptions.initialWrites). */
  initialWrites?: SimOptions['initialWrites'];
  /** Op-list mode: one op list per CPU, explored over every schedule. */
  programs?: Op[][] | undefined;
  /** Generated mode (give this or `programs`). */
  generate?: GenerateOptions | undefined;
  reorder?: boolean | undefined;
  reduction?: Reduction | undefined;
  /** Check every read against the shadow memory (default: on, unless a release-consistent protocol runs racy programs). */
  oracle?: boolean | undefined;
  /**
   * Collect the outcome of every terminal state: the values read per CPU and the int32 at each
   * of these addresses (read coherently after the run). Values read then become state.
   */
  outcomeAddresses?: readonly number[] | undefined;
  /** Stop, not exhaustive, after this many states (default 2,000,000). */
  statesMax?: number | undefined;
  /** Expand no state this many steps from the start (not exhaustive if one is left unexpanded). */
  depthMax?: number | undefined;
  /** Stop, not exhaustive, after this long (default: no bound). */
  timeMsMax?: number | undefined;
  /** Called about every `progressEvery` transitions (default 5000). */
  onProgress?: ((p: ExploreProgress) => void) | undefined;
  progressEvery?: number | undefined;
}

export interface ExploreProgress {
  states: number;
  transitions: number;
  queue: number;
  depth: number;
  ms: number;
}

/** One move of a path: a CPU's op (in generated mode with the item it chose) or a delivery. */
export type Move =
  | { kind: 'op'; cpu: number; item: Op[] | null; key: string }
  | { kind: 'deliver'; from: number; to: number; msg: Message; key: string; index: number };

export interface Violation {
  message: string;
  /** The moves from the initial state, the last one the step that broke a promise (or reaching the deadlock). */
  path: Move[];
  /** The programs the path ran (in generated mode: the items chosen). */
  programs: Op[][];
  deadlock: boolean;
}

export interface Outcome {
  /** Per CPU, the values read in program order. */
  reads: Value[][];
  /** The int32 at each of `outcomeAddresses`, after the run. */
  memory: number[];
}

export interface ExploreResult {
  ok: boolean;
  /** True when every reachable state was visited (no bound stopped the search). */
  exhaustive: boolean;
  /** Why the search stopped early, when it did. */
  reason: string | null;
  states: number;
  transitions: number;
  /** States expanded again because they were reached with a smaller sleep set. */
  reexpansions: number;
  /** Terminal states (every program ended, nothing in flight). */
  terminal: number;
  /** The longest shortest path to a state. */
  depth: number;
  ms: number;
  violation: Violation | null;
  /** Distinct outcomes of terminal states (with `outcomeAddresses`), sorted. */
  outcomes: Outcome[];
  config: DsmConfig;
  protocol: string;
  reorder: boolean;
  reduction: Reduction;
}

// ------------------------------------------------------------------ canonical encoding

// The globals the hot functions below use, bound once: under jest every test module runs in a
// vm context, where each lookup of a global name goes through the context's interceptor and
// costs as much as the work itself (a search ran 15 times slower there than in plain node).
const imul = Math.imul;
const isArray = Array.isArray;
const Bytes = Uint8Array;
const MapOf = Map;
const SetOf = Set;
const ArrayOf = Array;
const bufferFrom = Buffer.from.bind(Buffer);
const quote = JSON.stringify;


/**
 * Canonical text of a value: JSON-like, with Maps, Sets, byte arrays, bigints and undefined
 * tagged so that no two different states share a text. Written by hand: JSON.stringify with a
 * replacer costs a call per node, and this runs once per transition.
 */
export function canonical(v: unknown): string {
  switch (typeof v) {
    case 'number': return `${v}`;
    case 'string': return quote(v);
    case 'boolean': return v ? 't' : 'f';
    case 'undefined': return 'u';
    case 'bigint': return `${v}n`;
    case 'object': {
      if (v === null) return 'n';
      if (isArray(v)) {
        let out = '[';
        for (let i = 0; i < v.length; i++) out += (i > 0 ? ',' : '') + canonical(v[i]);
        return out + ']';
      }
      if (v instanceof Bytes) return `b${bufferFrom(v.buffer, v.byteOffset, v.byteLength).toString('base64')};`;
      if (v instanceof MapOf) {
        let out = 'M{';
        for (const [k, x] of v) out += `${canonical(k)}:${canonical(x)},`;
        return out + '}';
      }
      if (v instanceof SetOf) {
        let out = 'S{';
        for (const x of v) out += `${canonical(x)},`;
        return out + '}';
      }
      let out = '{';
      const o = v as Record<string, unknown>;
      for (const k in o) out += `${k}:${canonical(o[k])},`;
      return out + '}';
    }
    default:
      throw new ExplorerError(`explorer: cannot encode a ${typeof v} in a protocol state`);
  }
}

/** A deep copy of plain data (arrays, objects, Maps, Sets, byte arrays): what protocol states are made of. */
export function cloneDeep<T>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (isArray(v)) {
    const out = new ArrayOf(v.length);
    for (let i = 0; i < v.length; i++) out[i] = cloneDeep(v[i]);
    return out as T;
  }
  if (v instanceof Bytes) return v.slice() as T;
  if (v instanceof MapOf) {
    const out = new MapOf();
    for (const [k, x] of v) out.set(k, cloneDeep(x));
    return out as T;
  }
  if (v instanceof SetOf) return new SetOf([...v].map(cloneDeep)) as T;
  const out: Record<string, unknown> = {};
  const o = v as Record<string, unknown>;
  for (const k in o) out[k] = cloneDeep(o[k]);
  return out as T;
}

/** A message as canonical text (also how a path names a delivery). */
export function encodeMessage(msg: Message): string {
  return canonical(msg);
}

interface Generated {
  /** Items issued per CPU. */
  items: number[];
}

/** A global state as the queue keeps it: a copy of the simulator's, and the generator's. */
interface Snapshot {
  state: SimState;
  generated: Generated | null;
}

/**
 * The canonical text of a global state (see the header for what is left out and why): the
 * state's fields, then one line per message in flight, `from,to,message`.
 */
export function encodeState(state: SimState, options: { reorder: boolean; reads: boolean; generated: Generated | null }): string {
  let out = canonical(state.drivers) + canonical(state.memories) + canonical(state.shadow);
  for (let cpu = 0; cpu < state.runs.length; cpu++) {
    const r = state.runs[cpu]!;
    out += `|${r.pc}${canonical(r.blocked)}${r.returned ? 'R' : ''}${options.reads ? canonical(r.reads) : ''}`;
    if (options.generated) out += `${options.generated.items[cpu]}${canonical(state.programs[cpu]!.slice(r.pc))}`;
  }
  const lines = state.inFlight.map((m) => `\n${m.from},${m.to},${canonical(m.msg)}`);
  if (options.reorder) lines.sort();
  else {
    // Stable: the order within a channel is the send order.
    const order = state.inFlight.map((m, i) => ({ key: m.from * 65536 + m.to, i }));
    order.sort((a, b) => a.key - b.key || a.i - b.i);
    return out + order.map((o) => lines[o.i]!).join('');
  }
  return out + lines.join('');
}

/** 53 bits of two 32-bit multiplicative hashes of the text (FNV-1a and a second mix). */
export function hashText(text: string): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x9747b28c;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = imul(h1 ^ c, 0x01000193);
    h2 = imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  h1 ^= h1 >>> 16;
  h1 = imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h2 = imul(h2 ^ (h2 >>> 16), 0xc2b2ae35);
  return (h1 >>> 0) * 0x200000 + ((h2 >>> 0) >>> 11);
}

// ------------------------------------------------------------------ moves and independence

/** What a move touched, for independence: the CPU it acted on and the shadow address range it accessed. */
interface Footprint {
  key: string;
  actor: number;
  lo: number;
  hi: number;
  write: boolean;
}

function independent(a: Footprint, b: Footprint): boolean {
  if (a.actor === b.actor) return false;
  if (a.hi <= a.lo || b.hi <= b.lo) return true;
  const overlap = a.lo < b.hi && b.lo < a.hi;
  return !(overlap && (a.write || b.write));
}

export class ExplorerError extends DsmError {}

/** The alphabet of generated items for `cpu` at item index `k`. */
function alphabet(config: DsmConfig, g: Required<GenerateOptions>, cpu: number, k: number): Op[][] {
  const hot = hotAddresses(config, g.slotsPerPage);
  const tail: Op[] = g.barriers && k < g.ops - 1 ? [{ op: 'barrier' }] : [];
  const items: Op[][] = [];
  hot.forEach((address, i) => {
    const accesses: Op[] = [
      { op: 'read', type: 'int32', address },
      { op: 'write', type: 'int32', address, value: uniqueValue(cpu, k) },
    ];
    for (const a of accesses) {
      if (g.dataRaceFree) items.push([{ op: 'lock', lock: i }, a, { op: 'unlock', lock: i }, ...tail]);
      else {
        items.push([a, ...tail]);
        if (g.locks) items.push([{ op: 'lock', lock: 0 }, a, { op: 'unlock', lock: 0 }, ...tail]);
      }
    }
  });
  return items;
}

/** The explorer's hold on one simulation, stepped from decoded states. */
class Stepper {
  readonly sim: Simulation;
  generated: Generated | null = null;
  /** Whether moves need keys (the sleep-set reduction compares them). */
  keyed = false;

  constructor(
    readonly options: ExploreOptions,
    readonly config: DsmConfig,
    readonly gen: Required<GenerateOptions> | null,
    oracle: boolean,
    trace: boolean,
    programs: Op[][],
  ) {
    this.sim = new Simulation({
      config,
      programs,
      reorder: options.reorder ?? false,
      protocol: options.protocol,
      mutant: options.mutant,
      trace,
      oracle,
      stepMax: Number.MAX_SAFE_INTEGER,
      initialWrites: options.initialWrites,
      // A generated program returns (a release under hlrc) once it has all its items.
      openPrograms: gen !== null && gen.ops > 0,
    });
    if (gen) this.generated = { items: new Array<number>(config.cpus).fill(0) };
  }

  encode(): string {
    return encodeState(this.sim.exportState(), {
      reorder: this.options.reorder ?? false,
      reads: this.options.outcomeAddresses !== undefined,
      generated: this.generated,
    });
  }

  /**
   * The live state, to keep: the next `load` replaces the protocol states and messages with
   * copies, so only what it copies into (bytes, protection, shadow) is copied here.
   */
  keep(): Snapshot {
    const state = this.sim.exportState();
    return {
      state: {
        drivers: state.drivers,
        memories: state.memories.map((m) => ({ bytes: m.bytes.slice(), access: m.access.slice() })),
        shadow: state.shadow.slice(),
        runs: state.runs,
        open: state.open,
        inFlight: state.inFlight,
        programs: this.gen
          ? state.programs.map((ops, cpu) => {
            // The ops before the position are never run again; only their count matters.
            const pc = state.runs[cpu]!.pc;
            const copy = new Array<Op>(pc);
            for (let i = pc; i < ops.length; i++) copy.push(ops[i]!);
            return copy;
          })
          : state.programs,
      },
      generated: this.generated ? { items: [...this.generated.items] } : null,
    };
  }

  /** Makes `snap` the live state (a copy of it: the snapshot stays as it is). */
  load(snap: Snapshot): void {
    const s = snap.state;
    this.sim.importState({
      drivers: cloneDeep(s.drivers),
      memories: s.memories,
      shadow: s.shadow,
      runs: s.runs.map((r) => ({ pc: r.pc, blocked: r.blocked, returned: r.returned, reads: [...r.reads] })),
      inFlight: cloneDeep(s.inFlight),
      programs: s.programs,
      open: s.open,
    });
    this.generated = snap.generated ? { items: [...snap.generated.items] } : null;
  }

  /** The moves enabled now, in a fixed order: CPUs' ops by CPU (items in alphabet order), then deliveries. */
  moves(): Move[] {
    const out: Move[] = [];
    const steps = this.sim.enabledSteps();
    for (let cpu = 0; cpu < this.config.cpus; cpu++) {
      if (steps.some((s) => s.kind === 'cpu' && s.cpu === cpu)) out.push({ kind: 'op', cpu, item: null, key: `c${cpu}` });
      else if (this.gen && this.generated) {
        const { pc, blocked } = this.sim.position(cpu);
        const k = this.generated.items[cpu]!;
        if (blocked === null && pc === this.sim.program(cpu).length && k < this.gen.ops) {
          alphabet(this.config, this.gen, cpu, k).forEach((item, i) => out.push({ kind: 'op', cpu, item, key: `c${cpu}:${i}` }));
        }
      }
    }
    steps.forEach((s, index) => {
      if (s.kind !== 'deliver') return;
      // Keys name a move across states (sleep sets): a message by its channel and contents.
      const key = this.keyed ? `d${s.from}>${s.to}:${canonical(s.msg)}` : '';
      out.push({ kind: 'deliver', from: s.from, to: s.to, msg: s.msg, key, index });
    });
    return out;
  }

  /**
   * Takes `move` and returns what it touched; throws what the simulator throws on a broken
   * promise. A move touches the shadow memory when it completes its CPU's read or write (an
   * access that hits, or a delivery that ends the fault the access waits on).
   */
  take(move: Move): Footprint {
    const actor = move.kind === 'op' ? move.cpu : move.to;
    if (move.kind === 'op') {
      if (move.item) {
        this.generated!.items[move.cpu]! += 1;
        this.sim.setProgram(move.cpu, [...this.sim.program(move.cpu), ...move.item], this.generated!.items[move.cpu]! < this.gen!.ops);
      }
    }
    const pc = this.sim.position(actor).pc;
    const op = this.sim.program(actor)[pc];
    if (move.kind === 'op') {
      this.sim.takeStep({ kind: 'cpu', cpu: move.cpu, op: op! });
    } else {
      // The state is the one `moves()` listed from, or the same one rebuilt: the same order.
      const step = this.sim.enabledSteps()[move.index];
      if (!step || step.kind !== 'deliver' || step.from !== move.from || step.to !== move.to || step.msg.kind !== move.msg.kind) throw new ExplorerError(`explorer: the delivery of ${move.msg.kind} CPU ${move.from} → CPU ${move.to} is not enabled`);
      this.sim.takeStep(step);
    }
    const completed = this.sim.position(actor).pc > pc && op !== undefined && (op.op === 'read' || op.op === 'write');
    if (!completed) return { key: move.key, actor, lo: 0, hi: 0, write: false };
    return { key: move.key, actor, lo: op.address, hi: op.address + typeSize[op.type], write: op.op === 'write' };
  }

  /** Every program at its end: op lists run out, generated programs issued every item. */
  allDone(): boolean {
    for (let cpu = 0; cpu < this.config.cpus; cpu++) {
      const { pc, blocked } = this.sim.position(cpu);
      if (blocked !== null || pc < this.sim.program(cpu).length) return false;
      if (this.gen && this.generated!.items[cpu]! < this.gen.ops) return false;
    }
    return true;
  }

  anyBlocked(): boolean {
    for (let cpu = 0; cpu < this.config.cpus; cpu++) if (this.sim.position(cpu).blocked !== null) return true;
    return false;
  }

  deadlockMessage(): string {
    const what: string[] = [];
    for (let cpu = 0; cpu < this.config.cpus; cpu++) {
      const { blocked } = this.sim.position(cpu);
      if (blocked !== null) what.push(`CPU ${cpu} waits on ${this.sim.drivers[cpu]!.waitingOn() ?? 'nothing it knows of'}`);
    }
    return `deadlock: no step is enabled but ${what.join('; ') || 'some program has not ended'}`;
  }

  outcome(addresses: readonly number[]): Outcome {
    const reads = this.sim.exportState().runs.map((r) => [...r.reads]);
    const memory = addresses.map((a) => new DataView(this.sim.readMemory(a, 4).buffer).getInt32(0, true));
    return { reads, memory };
  }
}

function resolveGenerate(g: GenerateOptions, protocol: Protocol<unknown>): Required<GenerateOptions> {
  if (!Number.isInteger(g.ops) || g.ops < 0 || g.ops > 16) throw new DsmConfigError(`explore: generate.ops = ${g.ops}; allowed: an integer from 0 to 16`);
  return {
    ops: g.ops,
    slotsPerPage: g.slotsPerPage ?? 1,
    locks: g.locks ?? false,
    barriers: g.barriers ?? false,
    dataRaceFree: g.dataRaceFree ?? protocol.consistency === 'release',
  };
}

/** The config, protocol, generation and oracle an exploration (and its replay) runs with. */
function resolve(options: ExploreOptions): { config: DsmConfig; protocol: Protocol<unknown>; gen: Required<GenerateOptions> | null; oracle: boolean } {
  const config = validateConfig({ pageSize: 8, ...options.config });
  const protocol = typeof options.protocol === 'object' ? options.protocol : getProtocol(options.protocol ?? 'ivy');
  const gen = options.generate ? resolveGenerate(options.generate, protocol) : null;
  // A release-consistent protocol promises SC only to data-race-free programs.
  const oracle = options.oracle ?? (protocol.consistency !== 'release' || (gen?.dataRaceFree ?? false));
  return { config, protocol, gen, oracle };
}

interface Node {
  parent: number;
  move: Move | null;
  depth: number;
}

interface SleepInfo {
  /** The sleep set the state is (or was last) expanded with. */
  sleep: Footprint[];
  expanded: boolean;
}

/**
 * Explores every reachable state of `options`; returns at the first violation (with a shortest
 * path, without reduction) or when every state is visited or a bound is reached.
 */
export function explore(options: ExploreOptions): ExploreResult {
  const { config, protocol, gen, oracle } = resolve(options);
  if ((options.programs === undefined) === (options.generate === undefined)) {
    throw new DsmConfigError('explore: give either programs (op-list mode) or generate (generated mode)');
  }
  const reduction = options.reduction ?? 'none';
  if (!reductions.includes(reduction)) throw new DsmConfigError(`explore: reduction = ${JSON.stringify(reduction)}; allowed: ${reductions.join(', ')}`);
  const statesMax = options.statesMax ?? 2_000_000;
  const programs = options.programs ?? Array.from({ length: config.cpus }, () => []);
  const stepper = new Stepper(options, config, gen, oracle, false, programs);
  stepper.keyed = reduction === 'sleep';
  const startedMs = Date.now();
  const nodes: Node[] = [{ parent: -1, move: null, depth: 0 }];
  const visited = new Map<number, number>();
  const sleeps: SleepInfo[] = [];
  const outcomes = new Map<string, Outcome>();
  const initial = stepper.keep();
  visited.set(hashText(stepper.encode()), 0);
  if (reduction === 'sleep') sleeps.push({ sleep: [], expanded: false });
  // The queue holds node ids and their states; a re-expansion (sleep sets) has none and is replayed.
  const queue: ({ id: number; snap: Snapshot | null } | undefined)[] = [{ id: 0, snap: initial }];
  let head = 0;
  let transitions = 0;
  let reexpansions = 0;
  let terminal = 0;
  let depth = 0;
  let reason: string | null = null;
  let violation: Violation | null = null;
  const progressEvery = options.progressEvery ?? 5000;
  let nextProgress = progressEvery;

  const pathTo = (id: number): Move[] => {
    const path: Move[] = [];
    for (let n = id; n > 0; n = nodes[n]!.parent) path.push(nodes[n]!.move!);
    return path.reverse();
  };
  const replayTo = (id: number): Snapshot => {
    stepper.load(initial);
    for (const move of pathTo(id)) stepper.take(move);
    return stepper.keep();
  };
  const fail = (message: string, path: Move[], deadlock: boolean): void => {
    violation = { message, path, programs: programsOf(config, path, stepper), deadlock };
  };

  search: while (head < queue.length) {
    const { id, snap } = queue[head]!;
    queue[head++] = undefined;
    if (head > 4096 && head * 2 > queue.length) { queue.splice(0, head); head = 0; }
    const node = nodes[id]!;
    depth = Math.max(depth, node.depth);
    if (options.depthMax !== undefined && node.depth >= options.depthMax) {
      reason ??= `depth bound reached (${options.depthMax} steps)`;
      continue;
    }
    const here = snap ?? replayTo(id);
    stepper.load(here);
    const moves = stepper.moves();
    // Programs of up to K items: where only new items could move, the programs that end here
    // have ended, and a CPU still blocked is a deadlock of theirs. (Not with barriers: there
    // every program has all K items, so that every CPU passes the same barriers.)
    if (gen && !gen.barriers && moves.length > 0 && moves.every((m) => m.kind === 'op' && m.item !== null) && stepper.anyBlocked()) {
      fail(stepper.deadlockMessage(), pathTo(id), true);
      break;
    }
    if (moves.length === 0) {
      if (!stepper.allDone()) {
        fail(stepper.deadlockMessage(), pathTo(id), true);
        break;
      }
      if (snap !== null) {
        terminal += 1;
        if (options.outcomeAddresses) {
          const o = stepper.outcome(options.outcomeAddresses);
          outcomes.set(canonical(o), o);
        }
      }
      continue;
    }
    const info = reduction === 'sleep' ? sleeps[id]! : null;
    const sleep = info ? info.sleep : [];
    const asleep = new Set(sleep.map((z) => z.key));
    if (info) info.expanded = true;
    const explored: Footprint[] = [];
    let loaded = true;
    for (const move of moves) {
      if (info && asleep.has(move.key)) continue;
      if (!loaded) stepper.load(here);
      loaded = false;
      transitions += 1;
      let fp: Footprint;
      try {
        fp = stepper.take(move);
      } catch (err) {
        if (err instanceof SimulationError || err instanceof DsmError) {
          fail(err instanceof SimulationError ? err.message.replace(/ \(seed \d+, step \d+\)$/, '') : `${err.name}: ${err.message}`, [...pathTo(id), move], false);
          break search;
        }
        throw err;
      }
      const hash = hashText(stepper.encode());
      const childSleep = info ? [...sleep, ...explored].filter((z) => independent(z, fp)) : [];
      if (info) explored.push(fp);
      const seen = visited.get(hash);
      if (seen === undefined) {
        const child = nodes.length;
        nodes.push({ parent: id, move, depth: node.depth + 1 });
        visited.set(hash, child);
        if (info) sleeps.push({ sleep: childSleep, expanded: false });
        queue.push({ id: child, snap: stepper.keep() });
        if (nodes.length >= statesMax) {
          reason = `state bound reached (${statesMax} states)`;
          break search;
        }
      } else if (info) {
        const old = sleeps[seen]!;
        const keys = new Set(childSleep.map((c) => c.key));
        const kept = old.sleep.filter((z) => keys.has(z.key));
        if (kept.length < old.sleep.length) {
          old.sleep = kept;
          if (old.expanded) {
            old.expanded = false;
            reexpansions += 1;
            queue.push({ id: seen, snap: null });
          }
        }
      }
      if (transitions >= nextProgress) {
        nextProgress += progressEvery;
        const ms = Date.now() - startedMs;
        options.onProgress?.({ states: nodes.length, transitions, queue: queue.length - head, depth, ms });
        if (options.timeMsMax !== undefined && ms > options.timeMsMax) {
          reason = `time bound reached (${options.timeMsMax} ms)`;
          break search;
        }
      }
    }
  }
  const sorted = [...outcomes.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, o]) => o);
  return {
    ok: violation === null,
    exhaustive: violation === null && reason === null,
    reason,
    states: nodes.length,
    transitions,
    reexpansions,
    terminal,
    depth,
    ms: Date.now() - startedMs,
    violation,
    outcomes: sorted,
    config,
    protocol: protocol.name,
    reorder: options.reorder ?? false,
    reduction,
  };
}

/** The programs a path ran: the given op lists, or in generated mode the items it chose. */
function programsOf(config: DsmConfig, path: readonly Move[], stepper: Stepper): Op[][] {
  if (!stepper.gen) return Array.from({ length: config.cpus }, (_, cpu) => [...stepper.sim.program(cpu)]);
  const programs: Op[][] = Array.from({ length: config.cpus }, () => []);
  for (const m of path) if (m.kind === 'op' && m.item) programs[m.cpu]!.push(...m.item);
  return programs;
}

export interface ViolationReplay {
  error: Error | null;
  steps: StepRecord[];
  trace: TraceEvent[];
}

/**
 * Replays a violation's path on a fresh simulation with the trace on, as op lists: the steps
 * taken (for the story) and the error the last step raises (or the deadlock).
 */
export function replayViolation(options: ExploreOptions, violation: Violation): ViolationReplay {
  const { config, oracle, gen } = resolve(options);
  const steps: StepRecord[] = [];
  let i = 0;
  // In generated mode a CPU returns once it has chosen all its items: the same here.
  const open = gen !== null && gen.ops > 0;
  const items = new Array<number>(config.cpus).fill(0);
  const sim = new Simulation({
    openPrograms: open,
    config,
    programs: violation.programs,
    reorder: options.reorder ?? false,
    protocol: options.protocol,
    mutant: options.mutant,
    trace: true,
    oracle,
    stepMax: violation.path.length + 1,
    initialWrites: options.initialWrites,
    choose: (count, enabled) => {
      const move = violation.path[i++];
      const chosen = move === undefined ? -1 : enabled.findIndex((s) => (move.kind === 'op'
        ? s.kind === 'cpu' && s.cpu === move.cpu
        : s.kind === 'deliver' && s.from === move.from && s.to === move.to && canonical(s.msg) === canonical(move.msg)));
      if (chosen < 0) throw new ExplorerError(`replay: step ${i} of the path is not enabled`);
      steps.push({ step: i, chosen, of: count, generated: true, text: formatStep(enabled[chosen]!) });
      return chosen;
    },
  });
  try {
    for (let k = 0; k < violation.path.length; k++) {
      const move = violation.path[k]!;
      if (open && move.kind === 'op' && move.item && ++items[move.cpu]! === gen!.ops) sim.setProgram(move.cpu, [...sim.program(move.cpu)], false);
      sim.step();
    }
    if (violation.deadlock) sim.run();
    return { error: null, steps, trace: sim.trace };
  } catch (err) {
    if (!(err instanceof Error)) throw err;
    return { error: err, steps, trace: err instanceof SimulationError ? err.trace : sim.trace };
  }
}

/**
 * The story of a violation, in the format fuzz uses: what broke, the config and programs, the
 * path as steps, the narrated trace, and how to replay it. Empty for a passing result.
 */
export function formatExploreStory(options: ExploreOptions, result: ExploreResult, story: StoryOptions = {}): string {
  const v = result.violation;
  if (!v) return '';
  const replay = replayViolation(options, v);
  const error = replay.error ?? new ExplorerError(`the path to the violation passed when replayed: ${v.message}`);
  const shortest = result.reduction === 'none' ? 'breadth first: no shorter path breaks a promise' : `breadth first with ${result.reduction} reduction`;
  return formatFailure({
    failed: failedLine(error),
    found: `found by exhaustive search, ${shortest} (${result.states} states, ${result.transitions} transitions, ${result.ms} ms)`,
    caseLines: formatCase({ config: result.config, reorder: result.reorder, programs: v.programs }),
    steps: replay.steps,
    stepsHeader: `schedule: ${replay.steps.length} steps, the path the search found`,
    trace: replay.trace,
    cpus: result.config.cpus,
    replay: ['replay:', `  ${story.replay ?? 'explore({ ...sameOptions })'}`],
  }, story);
}
