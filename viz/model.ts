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
import { isMutantName, mutantNames, mutants, type MutantName } from '../src/core/mutants.js';
import { narrate, parseTraceJsonLines, traceSteps, type TraceEvent } from '../src/runtime/trace.js';
import { scenarioToJson } from '../sim/scenario-file.js';
import { getScenario, type Scenario } from '../sim/scenarios.js';
import { typeSize } from '../src/memory/types.js';
import { rowsOfStep, transitionTable, type TransitionTable } from './table-rows.js';
import { formatStep, Simulation } from '../sim/simulator.js';
import { viewOf, vizProtocols, type Column, type CpuSnapshot, type PageSnapshot, type ProtocolView, type StateSnapshot, type SyncSnapshot } from './views.js';

export const vizModelVersion = 1;

export type { Cell, Column, CpuSnapshot, PageSnapshot, SyncSnapshot } from './views.js';
export { vizProtocols } from './views.js';

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
  /** Per CPU, the view's CPU columns (what it waits for; hlrc: vector timestamp, notices). */
  cpuState: CpuSnapshot[];
  sync?: SyncSnapshot;
  /** The rows of the protocol's transition table this step follows (indices into `table.rows`). */
  rows: number[];
  /** The step at which a check failed (the last step of a run stopped by a violation). */
  violation?: boolean;
}

/** What every page says about the run it shows: the scenario's words and its size. */
export interface RunInfo {
  name: string;
  title: string;
  explanation: string;
  cpus: number;
  pages: number;
  pageSize: number;
}

export interface VizModel extends RunInfo {
  version: number;
  /** A protocol name of the registry: the page draws that protocol's own records (viz/views.ts). */
  protocol: string;
  /** The header line that says which protocol this is, in words. */
  protocolText: string;
  /** The columns of the page table and of the CPU table, and the marks beside access letters. */
  pageColumns: Column[];
  cpuColumns: Column[];
  marks: { mark: string; meaning: string }[];
  source: 'preset' | 'trace';
  seed: number | null;
  mutant: { name: string; description: string } | null;
  /** The message of the check that failed, or null. */
  violation: string | null;
  /** The cells (page, CPU) the failed check names: the page marks them at the violation step. */
  violationCells: { page: number; cpu: number }[];
  /** The protocol's transition table (read from its source file), or null when not at hand. */
  table: TransitionTable | null;
  /** The scenario as a scenario file (docs/scenario-format.md), for the page's editor; presets only. */
  scenarioJson?: string;
  /** Quiz mode: the page hides the bug's name and the failed check until the student asks. */
  quiz: boolean;
  /** Things the page cannot show for this source, in sentences. */
  notes: string[];
  events: TraceEvent[];
  steps: VizStep[];
}

function checkProtocol(protocol: string): ProtocolView {
  const view = viewOf(protocol);
  if (view === undefined) throw new DsmConfigError(`unknown protocol ${JSON.stringify(protocol)}; the page shows ${vizProtocols.join(', ')}`);
  return view;
}

function viewFields(view: ProtocolView, cpus: number): Pick<VizModel, 'protocol' | 'protocolText' | 'pageColumns' | 'cpuColumns' | 'marks'> {
  return { protocol: view.protocol, protocolText: view.describe(cpus), pageColumns: view.pageColumns, cpuColumns: view.cpuColumns, marks: view.marks };
}

export interface PresetOptions {
  seed?: number;
  protocol?: string;
  mutant?: string | undefined;
  /** Steps at most (a mutant may livelock; the page stops there and says so). Default 2000. */
  stepMax?: number;
  /** Hide the bug's name and the failed check until the student reveals them. */
  quiz?: boolean;
}

/**
 * The cells a failed check is about: every page and CPU its message names ("page 3", "CPU 2",
 * "CPUs 0, 1", or an address "at 0x3010", whose page it is). When it names pages but no CPU,
 * the page's whole row is meant; when it names CPUs but no page, nothing is marked.
 */
export function cellsOfViolation(message: string, cpus: number, pages: number, pageSize: number): { page: number; cpu: number }[] {
  const text = message.replace(/\(seed \d+, step \d+\)/g, '');
  const pageIds = new Set<number>();
  for (const m of text.matchAll(/\bpage (\d+)/g)) pageIds.add(Number(m[1]));
  for (const m of text.matchAll(/\bat 0x([0-9a-f]+)/g)) pageIds.add(Math.floor(parseInt(m[1]!, 16) / pageSize));
  const cpuIds = new Set<number>();
  for (const m of text.matchAll(/\bCPUs? ((?:\d+(?:, | and )?)+)/g)) for (const id of m[1]!.split(/, | and /)) if (id !== '') cpuIds.add(Number(id));
  const cells: { page: number; cpu: number }[] = [];
  const cpuList = cpuIds.size > 0 ? [...cpuIds] : Array.from({ length: cpus }, (_, c) => c);
  for (const page of [...pageIds].sort((a, b) => a - b)) {
    if (page >= pages) continue;
    for (const cpu of cpuList.sort((a, b) => a - b)) if (cpu < cpus) cells.push({ page, cpu });
  }
  return cells;
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

/**
 * What each fault completed in the step events[start, end) cost: the messages (and their
 * bytes) about its page sent from the fault to the end of the step that resumed its CPU (the
 * driver sends what a protocol holds back, IVY's confirmation, right after the resume). One
 * sentence per completed fault, for the step text.
 */
export function faultCostLines(events: readonly TraceEvent[], start: number, end: number): string[] {
  const lines: string[] = [];
  for (let i = start; i < end; i++) {
    const r = events[i]!;
    if (r.type !== 'resume' || r.what !== 'fault') continue;
    let f = i - 1;
    while (f >= 0 && !(events[f]!.type === 'fault' && events[f]!.cpu === r.cpu)) f--;
    if (f < 0) continue;
    const fault = events[f] as Extract<TraceEvent, { type: 'fault' }>;
    let messages = 0;
    let bytes = 0;
    for (let k = f + 1; k < end; k++) {
      const e = events[k]!;
      if (e.type === 'send' && e.msg['page'] === fault.page) { messages += 1; bytes += e.bytes; }
    }
    lines.push(`cost of CPU ${r.cpu}'s ${fault.access} fault on page ${fault.page}: ${messages} message${messages === 1 ? '' : 's'}, ${bytes} bytes (about page ${fault.page}, from the fault to its confirmation)`);
  }
  return lines;
}

/** The rows a step follows, and a sentence per row for its text. */
function explain(table: TransitionTable | null, protocol: string, events: readonly TraceEvent[], cpus: number): { rows: number[]; lines: string[] } {
  if (table === null) return { rows: [], lines: [] };
  const rows = rowsOfStep(table, protocol, events, cpus);
  return { rows, lines: rows.map((k) => { const r = table.rows[k]!; return `table row (${table.file}): ${r.input}${r.condition ? ` | ${r.condition}` : ''} \u2192 ${r.action}`; }) };
}

/** The word a page watches in every copy: the scenario's, else the first write's address. */
function watchedWord(scenario: Scenario): { address: number; size: number } | null {
  const ops = scenario.programs.flat();
  const op = ops.find((o) => o.op === 'write') ?? ops.find((o) => o.op === 'read');
  if (scenario.watch !== undefined) return { address: scenario.watch, size: 4 };
  return op && (op.op === 'write' || op.op === 'read') ? { address: op.address, size: typeSize[op.type] } : null;
}

const hexBytes = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');

/** Runs a preset on the simulator, one snapshot per step. Never throws for a broken run. */
export function presetModel(name: string, options: PresetOptions = {}): VizModel {
  return scenarioModel(getScenario(name), options);
}

/** Runs a scenario (a preset, a scenario file, the page's editor) with a snapshot per step. */
export function scenarioModel(scenario: Scenario, options: PresetOptions = {}): VizModel {
  const mutant = checkMutant(options.mutant);
  const seed = options.seed ?? 1;
  const protocol = options.protocol ?? 'ivy';
  const view = checkProtocol(protocol);
  const sim = new Simulation({
    config: scenario.config, programs: scenario.programs, seed, mutant, protocol, stepMax: options.stepMax ?? defaultStepMax,
  });
  const states = sim.states;
  const tally = { faults: 0, messages: 0, localCalls: 0, at: 0 };
  // The watched word's bytes in every copy, and in the latest write's copy: a copy with access
  // whose bytes differ from those is stale (legal only where the protocol allows it, hlrc).
  const watch = watchedWord(scenario);
  let latest: Uint8Array | null = null;
  const withWord = (snapshot: StateSnapshot, events: readonly TraceEvent[]): StateSnapshot => {
    if (watch === null) return snapshot;
    const word = (cpu: number): Uint8Array => sim.memories[cpu]!.bytes.slice(watch.address, watch.address + watch.size);
    for (const e of events) if (e.type === 'write' && e.address === watch.address) latest = word(e.cpu);
    snapshot.cpuState.forEach((c, cpu) => {
      const bytes = word(cpu);
      const access = sim.memories[cpu]!.accessOf(Math.floor(watch.address / sim.config.pageSize));
      const stale = access !== 'none' && latest !== null && bytes.some((b, i) => b !== latest![i]);
      c.cells['word'] = { text: `${hexBytes(bytes)}${access === 'none' ? ' (no access)' : stale ? ' STALE' : ''}`, value: `${hexBytes(bytes)}${stale ? ' stale' : ''}` };
    });
    return snapshot;
  };
  const table = transitionTable(protocol);
  const steps: VizStep[] = [{ index: 0, eventStart: 0, eventEnd: 0, cpu: null, title: `Start: ${view.start}`, lines: [], rows: [], faults: 0, messages: 0, localCalls: 0, ...withWord(view.fromStates(states), []) }];
  const snap = (title: string, cpu: number | null, violation: boolean): void => {
    const eventStart = steps[steps.length - 1]!.eventEnd;
    const eventEnd = sim.trace.length;
    counts(sim.trace, eventEnd, tally);
    const events = sim.trace.slice(eventStart, eventEnd);
    const why = explain(table, protocol, events, sim.config.cpus);
    const step: VizStep = {
      index: steps.length, eventStart, eventEnd, cpu, title, rows: why.rows,
      lines: [...narrate(events, sim.config.cpus, protocol), ...why.lines, ...faultCostLines(sim.trace, eventStart, eventEnd)],
      faults: tally.faults, messages: tally.messages, localCalls: tally.localCalls,
      ...withWord(view.fromStates(states), events),
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
  const fields = viewFields(view, sim.config.cpus);
  if (watch !== null) {
    fields.cpuColumns = [...fields.cpuColumns, { key: 'word', label: `bytes at 0x${watch.address.toString(16)}`, title: 'the watched word in this CPU\u2019s copy, byte by byte (little-endian); STALE: the copy is readable but differs from the latest write' }];
  }
  return {
    version: vizModelVersion,
    ...fields,
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
    violationCells: violation === null ? [] : cellsOfViolation(violation, sim.config.cpus, sim.config.pages, sim.config.pageSize),
    quiz: options.quiz === true,
    table,
    scenarioJson: scenarioToJson({ ...scenario, protocol }),
    notes,
    events: sim.trace,
    steps,
  };
}

// ---------------------------------------------------------------- trace files

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
  const described: Record<string, unknown> = { ...summary, ...header };
  // The header names the protocol; `tsdsm sim --json` of older versions wrote only a summary.
  const named = described['protocol'];
  const protocol = typeof named === 'string' ? named : 'ivy';
  const view = checkProtocol(protocol);
  const notes = [...view.traceNotes];
  if (typeof named !== 'string') notes.push('The trace does not name its protocol (no header or summary says it): it is drawn as IVY.');
  if (!header && !summary) notes.push(`The trace has no header: ${cpus} CPUs and ${pages} pages are the highest ids its events mention.`);
  const replay = view.replay(cpus, pages);
  const tally = { faults: 0, messages: 0, localCalls: 0, at: 0 };
  const table = transitionTable(protocol);
  const steps: VizStep[] = [{ index: 0, eventStart: 0, eventEnd: 0, cpu: null, title: `Start: ${view.start}`, lines: [], rows: [], faults: 0, messages: 0, localCalls: 0, ...replay.snapshot() }];
  for (const s of traceSteps(events)) {
    for (let i = s.start; i < s.end; i++) replay.apply(events[i]!);
    counts(events, s.end, tally);
    const why = explain(table, protocol, events.slice(s.start, s.end), cpus);
    steps.push({
      index: steps.length, eventStart: s.start, eventEnd: s.end, cpu: s.cpu, title: stepTitle(events[s.start]!), rows: why.rows,
      lines: [...narrate(events.slice(s.start, s.end), cpus, protocol), ...why.lines, ...faultCostLines(events, s.start, s.end)],
      faults: tally.faults, messages: tally.messages, localCalls: tally.localCalls, ...replay.snapshot(),
    });
  }
  const scenario = typeof described['scenario'] === 'string' ? described['scenario'] : null;
  const mutant = typeof described['mutant'] === 'string' ? described['mutant'] : null;
  return {
    version: vizModelVersion,
    ...viewFields(view, cpus),
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
    violationCells: [],
    quiz: false,
    table,
    notes,
    events,
    steps,
  };
}
