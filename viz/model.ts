/**
 * What the step-by-step page shows, as data: the run's events, cut into steps, and after each
 * step a snapshot of every page's access at every CPU, each manager's owner record and each
 * owner's copyset.
 *
 * Two sources:
 * - a preset (a named scenario, sim/scenarios.ts): we step a Simulation ourselves and copy the
 *   protocol's own state after every step, so the snapshots are exact — including a manager's
 *   busy flag and queue, locks and the barrier. With a mutant switched on the simulator stops
 *   at the first broken check; we keep the steps up to it and the message, never throw.
 * - a trace file (docs/trace-format.md): we replay the events on IVY's start state. Access is
 *   exact (every change is an `access` event); owner records come from WRITE_CONFIRM, copysets
 *   from READ_DATA and WRITE_DATA; what the events do not carry (queues, locks) is listed in
 *   `notes` and the page says so.
 */
import { DsmConfigError } from '../src/core/errors.js';
import type { IvyState } from '../src/core/ivy.js';
import { isMutantName, mutantNames, mutants, type MutantName } from '../src/core/mutants.js';
import { narrate, parseTraceJsonLines, traceSteps, type TraceEvent } from '../src/runtime/trace.js';
import { getScenario } from '../sim/scenarios.js';
import { formatStep, Simulation } from '../sim/simulator.js';

export const vizModelVersion = 1;

/** One page's coherence records at one moment. */
export interface PageSnapshot {
  /** Access of this page at every CPU: 'none', 'read' or 'write'. */
  access: string[];
  manager: number;
  /** The manager's record of the owner; null when unknown. */
  record: number | null;
  /** The CPUs that hold the page as owner (one, or none while ownership moves) and their copysets. */
  owners: { cpu: number; copyset: number[] }[];
  /** What the manager serves now and who waits, when known (presets only). */
  busy?: string | null;
  queue?: string[];
}

export interface SyncSnapshot {
  locks: { lock: number; manager: number; holder: number | null; queue: number[] }[];
  barrier: { epoch: number; arrived: number[] };
}

export interface VizStep {
  /** 0 is the start, before any step. */
  index: number;
  /** The events of this step: events[eventStart .. eventEnd). */
  eventStart: number;
  eventEnd: number;
  cpu: number | null;
  title: string;
  lines: string[];
  /** Counts up to and including this step. */
  faults: number;
  messages: number;
  localCalls: number;
  pages: PageSnapshot[];
  sync?: SyncSnapshot;
  /** The step at which a check failed (the last step of a run stopped by a violation). */
  violation?: boolean;
}

export interface VizModel {
  version: number;
  /** 'ivy' (fixed distributed manager: page p's manager is CPU p mod N) or 'ivy-central' (CPU 0 manages every page). */
  protocol: string;
  source: 'preset' | 'trace';
  name: string;
  title: string;
  explanation: string;
  cpus: number;
  pages: number;
  pageSize: number;
  seed: number | null;
  mutant: { name: string; description: string } | null;
  /** The message of the check that failed, or null. */
  violation: string | null;
  /** Things the page cannot show for this source, in sentences. */
  notes: string[];
  events: TraceEvent[];
  steps: VizStep[];
}

/** The protocols the page can show: their state has IVY's records. */
export const vizProtocols = ['ivy', 'ivy-central'] as const;

/** Page p's manager under `protocol`. */
export function managerOfPage(protocol: string, cpus: number, page: number): number {
  return protocol === 'ivy-central' ? 0 : page % cpus;
}

export interface PresetOptions {
  seed?: number;
  protocol?: string;
  mutant?: string | undefined;
  /** Steps at most (a mutant may livelock; the page stops there and says so). Default 2000. */
  stepMax?: number;
}

export function checkMutant(name: string | undefined): MutantName | undefined {
  if (name === undefined) return undefined;
  if (!isMutantName(name)) throw new DsmConfigError(`unknown mutant ${JSON.stringify(name)}; allowed: ${mutantNames.join(', ')}`);
  return name;
}

const defaultStepMax = 2000;

function counts(events: readonly TraceEvent[], end: number, base: { faults: number; messages: number; localCalls: number; at: number }): void {
  for (let i = base.at; i < end; i++) {
    const t = events[i]!.type;
    if (t === 'fault') base.faults += 1;
    else if (t === 'send') base.messages += 1;
    else if (t === 'local') base.localCalls += 1;
  }
  base.at = end;
}

function ivySnapshot(protocol: string, states: readonly IvyState[]): { pages: PageSnapshot[]; sync: SyncSnapshot } {
  const n = states.length;
  const pageCount = states[0]!.pages;
  const pages: PageSnapshot[] = [];
  const describe = (r: { kind: string; requester: number } | null): string | null => (r === null ? null : `${r.kind} for CPU ${r.requester}`);
  for (let p = 0; p < pageCount; p++) {
    const manager = managerOfPage(protocol, n, p);
    const m = states[manager]!;
    pages.push({
      access: states.map((s) => s.access[p]!),
      manager,
      record: m.managerOwner[p]!,
      owners: states.filter((s) => s.owned[p]).map((s) => ({ cpu: s.id, copyset: [...s.copyset[p]!] })),
      busy: describe(m.managerBusy[p]!),
      queue: m.managerQueue[p]!.map((r) => describe(r)!),
    });
  }
  const locks: SyncSnapshot['locks'] = [];
  const lockIds = new Set<number>();
  for (const s of states) {
    for (const id of s.lockHolder.keys()) lockIds.add(id);
    for (const id of s.lockQueue.keys()) lockIds.add(id);
  }
  for (const lock of [...lockIds].sort((a, b) => a - b)) {
    const m = states[lock % n]!;
    locks.push({ lock, manager: lock % n, holder: m.lockHolder.get(lock) ?? null, queue: [...(m.lockQueue.get(lock) ?? [])] });
  }
  const b = states[0]!;
  return { pages, sync: { locks, barrier: { epoch: b.managerBarrierEpoch, arrived: [...b.barrierArrived] } } };
}

/** Runs a preset on the simulator, one snapshot per step. Never throws for a broken run. */
export function presetModel(name: string, options: PresetOptions = {}): VizModel {
  const scenario = getScenario(name);
  const mutant = checkMutant(options.mutant);
  const seed = options.seed ?? 1;
  const protocol = options.protocol ?? 'ivy';
  if (!(vizProtocols as readonly string[]).includes(protocol)) {
    throw new DsmConfigError(`the page shows the records of ${vizProtocols.join(' and ')}; protocol ${JSON.stringify(protocol)} keeps other records`);
  }
  const sim = new Simulation({
    config: scenario.config, programs: scenario.programs, seed, mutant, protocol, stepMax: options.stepMax ?? defaultStepMax,
  });
  const states = sim.states as IvyState[];
  const tally = { faults: 0, messages: 0, localCalls: 0, at: 0 };
  const steps: VizStep[] = [{ index: 0, eventStart: 0, eventEnd: 0, cpu: null, title: 'Start: every CPU holds a read copy of every page; each page\'s manager owns it', lines: [], faults: 0, messages: 0, localCalls: 0, ...ivySnapshot(protocol, states) }];
  const snap = (title: string, cpu: number | null, violation: boolean): void => {
    const eventStart = steps[steps.length - 1]!.eventEnd;
    const eventEnd = sim.trace.length;
    counts(sim.trace, eventEnd, tally);
    const step: VizStep = {
      index: steps.length, eventStart, eventEnd, cpu, title,
      lines: narrate(sim.trace.slice(eventStart, eventEnd), scenario.config.cpus ?? 0),
      faults: tally.faults, messages: tally.messages, localCalls: tally.localCalls,
      ...ivySnapshot(protocol, states),
    };
    if (violation) step.violation = true;
    steps.push(step);
  };
  let violation: string | null = null;
  // Set when a step throws: what that step was (an object, so the catch below sees the assignment).
  const failed: { step: { title: string; cpu: number } | null } = { step: null };
  try {
    for (;;) {
      const enabled = sim.enabledSteps();
      if (enabled.length === 0) break;
      // The scheduler picks among `enabled` inside step(); we read its choice afterwards.
      const before = sim.choices.length;
      const peek = (choice: number): { title: string; cpu: number } => {
        const s = enabled[choice]!;
        return { title: formatStep(s), cpu: s.kind === 'cpu' ? s.cpu : s.to };
      };
      try {
        sim.step();
      } catch (err) {
        if (sim.choices.length > before) failed.step = peek(sim.choices[sim.choices.length - 1]!);
        throw err;
      }
      const p = peek(sim.choices[sim.choices.length - 1]!);
      snap(p.title, p.cpu, false);
    }
    sim.run(); // nothing is enabled: this only checks that every program finished
  } catch (err) {
    violation = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    const pending = failed.step;
    if (pending !== null || sim.trace.length > steps[steps.length - 1]!.eventEnd) {
      snap(pending?.title ?? 'the step that broke a check', pending?.cpu ?? null, true);
    } else {
      steps[steps.length - 1]!.violation = true;
    }
  }
  const notes: string[] = [];
  if (mutant !== undefined && violation === null) {
    notes.push(`The mutant ${mutant} was switched on, but this run broke no check: the bug needs another interleaving or program. Try another seed (--seed) or preset.`);
  }
  return {
    version: vizModelVersion,
    protocol,
    source: 'preset',
    name: scenario.name,
    title: scenario.title,
    explanation: scenario.explanation,
    cpus: sim.config.cpus,
    pages: sim.config.pages,
    pageSize: sim.config.pageSize,
    seed,
    mutant: mutant === undefined ? null : { name: mutant, description: mutants[mutant] },
    violation,
    notes,
    events: sim.trace,
    steps,
  };
}

// ---------------------------------------------------------------- trace files

/** Replays IVY's records from events alone. */
class TraceReplay {
  readonly access: string[][];
  readonly record: number[];
  readonly owned: boolean[][];
  readonly copyset: number[][][];

  constructor(readonly protocol: string, readonly cpus: number, readonly pages: number) {
    const all = Array.from({ length: cpus }, (_, c) => c);
    const manager = (p: number): number => managerOfPage(protocol, cpus, p);
    this.access = Array.from({ length: pages }, () => new Array<string>(cpus).fill('read'));
    this.record = Array.from({ length: pages }, (_, p) => manager(p));
    this.owned = Array.from({ length: pages }, (_, p) => all.map((c) => c === manager(p)));
    this.copyset = Array.from({ length: pages }, (_, p) => all.map((c) => (c === manager(p) ? all.filter((o) => o !== c) : [])));
  }

  apply(e: TraceEvent): void {
    const inRange = (p: unknown): p is number => typeof p === 'number' && p >= 0 && p < this.pages && e.cpu < this.cpus;
    if (e.type === 'access' && inRange(e.page)) {
      this.access[e.page]![e.cpu] = e.access;
      // IVY: a CPU takes write access only as the page's owner, with every copy invalidated.
      if (e.access === 'write') {
        this.owned[e.page]![e.cpu] = true;
        this.copyset[e.page]![e.cpu] = [];
      }
      return;
    }
    if (e.type !== 'send' && e.type !== 'local' && e.type !== 'recv') return;
    const page = e.msg['page'];
    if (!inRange(page)) return;
    if (e.type === 'send' && e.msg.kind === 'READ_DATA') {
      const cs = this.copyset[page]![e.cpu]!;
      if (!cs.includes(e.to)) cs.push(e.to);
      cs.sort((a, b) => a - b);
    } else if ((e.type === 'send' || e.type === 'local') && e.msg.kind === 'WRITE_DATA') {
      // The owner hands the page over, even to itself (an upgrade): until the writer has
      // collected every ack and takes write access, nobody owns the page.
      this.owned[page]![e.cpu] = false;
      this.copyset[page]![e.cpu] = [];
    } else if (e.type === 'recv' && e.msg.kind === 'WRITE_CONFIRM') {
      this.record[page] = e.from;
    } else if (e.type === 'local' && e.msg.kind === 'WRITE_CONFIRM') {
      this.record[page] = e.cpu;
    }
  }

  snapshot(): PageSnapshot[] {
    return this.access.map((access, p) => ({
      access: [...access],
      manager: managerOfPage(this.protocol, this.cpus, p),
      record: this.record[p]!,
      owners: this.owned[p]!.flatMap((o, cpu) => (o ? [{ cpu, copyset: [...this.copyset[p]![cpu]!] }] : [])),
    }));
  }
}

function stepTitle(e: TraceEvent): string {
  switch (e.type) {
    case 'fault': return `CPU ${e.cpu}: ${e.access} fault on page ${e.page}`;
    case 'recv': return `deliver ${e.msg.kind}${e.msg['page'] !== undefined ? ` page ${String(e.msg['page'])}` : ''} CPU ${e.from} → CPU ${e.cpu}`;
    case 'sync': return `CPU ${e.cpu}: ${e.op}${e.lock !== undefined ? `(${e.lock})` : '()'}`;
    case 'read':
    case 'write': return `CPU ${e.cpu}: ${e.type} ${e.valueType} 0x${e.address.toString(16)}`;
    default: return `CPU ${e.cpu}: ${e.type}`;
  }
}

function inferSize(events: readonly TraceEvent[]): { cpus: number; pages: number } {
  let cpus = 0;
  let pages = 0;
  for (const e of events) {
    cpus = Math.max(cpus, e.cpu + 1);
    if (e.type === 'send') cpus = Math.max(cpus, e.to + 1);
    if (e.type === 'recv') cpus = Math.max(cpus, e.from + 1);
    const page = 'page' in e ? e.page : 'msg' in e ? e.msg['page'] : undefined;
    if (typeof page === 'number') pages = Math.max(pages, page + 1);
  }
  return { cpus, pages };
}

/** Builds the page's model from a JSON-lines trace (docs/trace-format.md). */
export function traceModel(text: string, name = 'trace'): VizModel {
  const { header, events, other } = parseTraceJsonLines(text);
  const summary = other.find((o) => o['type'] === 'summary');
  const inferred = inferSize(events);
  const pick = (key: 'cpus' | 'pages'): number => {
    const v = header?.[key] ?? summary?.[key];
    return typeof v === 'number' && Number.isInteger(v) && v > 0 ? Math.max(v, inferred[key]) : inferred[key];
  };
  const cpus = pick('cpus');
  const pages = pick('pages');
  if (cpus === 0) throw new DsmConfigError(`trace ${name} has no events`);
  const notes = [
    'Built from a trace file: page access is exact (every change is an event); the managers\' owner records and the owners\' copysets are reconstructed from WRITE_CONFIRM, READ_DATA and WRITE_DATA, assuming IVY\'s start state (every CPU holds a read copy, each page\'s manager owns it).',
    'A trace does not record the managers\' busy flags and request queues, lock holders and queues, or the barrier: the page cannot show them.',
  ];
  if (!header && !summary) notes.push(`The trace has no header: ${cpus} CPUs and ${pages} pages are the highest ids its events mention.`);
  const protocol = typeof header?.protocol === 'string' ? header.protocol : 'ivy';
  if (!(vizProtocols as readonly string[]).includes(protocol)) {
    notes.push(`The trace is of protocol ${protocol}, whose records differ from IVY's: only page access is exact; the owner records and copysets shown assume IVY and may be wrong.`);
  }
  const replay = new TraceReplay(protocol, cpus, pages);
  const tally = { faults: 0, messages: 0, localCalls: 0, at: 0 };
  const steps: VizStep[] = [{ index: 0, eventStart: 0, eventEnd: 0, cpu: null, title: 'Start (IVY: every CPU holds a read copy of every page; each page\'s manager owns it)', lines: [], faults: 0, messages: 0, localCalls: 0, pages: replay.snapshot() }];
  for (const s of traceSteps(events)) {
    for (let i = s.start; i < s.end; i++) replay.apply(events[i]!);
    counts(events, s.end, tally);
    steps.push({
      index: steps.length, eventStart: s.start, eventEnd: s.end, cpu: s.cpu, title: stepTitle(events[s.start]!),
      lines: narrate(events.slice(s.start, s.end), cpus),
      faults: tally.faults, messages: tally.messages, localCalls: tally.localCalls, pages: replay.snapshot(),
    });
  }
  const described = header ?? summary ?? {};
  const scenario = typeof described['scenario'] === 'string' ? described['scenario'] : null;
  const mutant = typeof described['mutant'] === 'string' ? described['mutant'] : null;
  return {
    version: vizModelVersion,
    protocol,
    source: 'trace',
    name,
    title: scenario ? `Trace of the ${scenario} scenario` : `Trace ${name}`,
    explanation: `${events.length} events from ${name}${typeof described['runtime'] === 'string' ? ` (runtime: ${described['runtime']})` : ''}.`,
    cpus,
    pages,
    pageSize: typeof described['pageSize'] === 'number' ? described['pageSize'] : 4096,
    seed: typeof described['seed'] === 'number' ? described['seed'] : null,
    mutant: mutant !== null && isMutantName(mutant) ? { name: mutant, description: mutants[mutant] } : null,
    violation: null,
    notes,
    events,
    steps,
  };
}
