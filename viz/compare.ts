/**
 * The same program under several protocols, side by side, aligned by program operation.
 *
 * To align two runs by operation, both must take the operations in the same order, which a
 * seeded scheduler does not promise (the protocols send different messages, so the scheduler
 * sees different choices). So a comparison runs every protocol on one *settled* schedule: a
 * CPU takes its next operation, then every message in flight is delivered (oldest first) until
 * none is left, and only then does the next operation start; the next CPU is the first one
 * after the previous, round robin, whose next operation can start. A CPU blocked at a barrier
 * or a lock is skipped until it is released, which happens at the same operation under every
 * protocol, so the operation order is the same for all of them. Each operation's group of
 * events then holds exactly what that operation cost: its fault (at most one), the messages
 * and bytes that resolved it.
 */
import { validateConfig } from '../src/core/config.js';
import { DsmConfigError } from '../src/core/errors.js';
import { formatOp } from '../src/runtime/ops.js';
import { traceSteps, type TraceEvent } from '../src/runtime/trace.js';
import { getScenario } from '../sim/scenarios.js';
import { Simulation } from '../sim/simulator.js';
import type { Scenario } from '../sim/scenarios.js';
import type { RunInfo } from './model.js';
import { viewOf, vizProtocols } from './views.js';

export interface OperationCost {
  faults: number;
  messages: number;
  bytes: number;
  /** The kinds of the messages sent, in order. */
  kinds: string[];
  /** Events of this operation: events[eventStart .. eventEnd) of the protocol's run. */
  eventStart: number;
  eventEnd: number;
  /** The run's steps (inputs at one CPU) in this operation: rows of its diagram. */
  steps: { cpu: number; start: number; end: number }[];
}

export interface CompareRun {
  protocol: string;
  protocolText: string;
  events: TraceEvent[];
  /** One entry per operation, in the order of `CompareModel.operations`. */
  costs: OperationCost[];
  total: { faults: number; messages: number; bytes: number };
}

export interface CompareModel extends RunInfo {
  kind: 'compare';
  /** The operations in the order every run took them. */
  operations: { cpu: number; text: string }[];
  runs: CompareRun[];
}

/** Parses "ivy,hlrc": two or more known protocols, no repeats. */
export function parseProtocolList(text: string): string[] {
  const list = text.split(',').map((p) => p.trim()).filter((p) => p !== '');
  for (const p of list) {
    if (viewOf(p) === undefined) throw new DsmConfigError(`unknown protocol ${JSON.stringify(p)} in --protocol ${JSON.stringify(text)}; allowed: ${vizProtocols.join(', ')}`);
  }
  if (new Set(list).size !== list.length) throw new DsmConfigError(`--protocol ${JSON.stringify(text)} names a protocol twice`);
  return list;
}

/** Runs `scenario` under `protocol` on the settled schedule (see the header). */
export function settledRun(scenario: Pick<Scenario, 'config' | 'programs'>, protocol: string): { operations: { cpu: number; text: string }[]; run: CompareRun } {
  const view = viewOf(protocol);
  if (view === undefined) throw new DsmConfigError(`unknown protocol ${JSON.stringify(protocol)}; allowed: ${vizProtocols.join(', ')}`);
  const sim = new Simulation({ config: scenario.config, programs: scenario.programs, protocol });
  const n = sim.config.cpus;
  const operations: { cpu: number; text: string }[] = [];
  const ends: number[] = [];
  let previous = n - 1;
  const opMax = scenario.programs.reduce((k, p) => k + p.length, 0);
  for (;;) {
    const ready = sim.enabledSteps().flatMap((s) => (s.kind === 'cpu' ? [s] : []));
    if (ready.length === 0) break;
    // Every operation is taken once: more rounds than operations would be a simulator bug.
    if (operations.length >= opMax) throw new DsmConfigError(`settled run of ${protocol}: more than ${opMax} operations`);
    const next = ready.find((s) => s.cpu > previous) ?? ready[0]!;
    operations.push({ cpu: next.cpu, text: `CPU ${next.cpu}: ${formatOp(next.op)}` });
    sim.stepCpuAndSettle(next.cpu);
    ends.push(sim.trace.length);
    previous = next.cpu;
  }
  sim.run(); // nothing is enabled: this checks that every program finished
  const events = sim.trace;
  const steps = traceSteps(events);
  const costs: OperationCost[] = ends.map((end, i) => {
    const start = i === 0 ? 0 : ends[i - 1]!;
    const group = events.slice(start, end);
    const sends = group.flatMap((e) => (e.type === 'send' ? [e] : []));
    return {
      faults: group.filter((e) => e.type === 'fault').length,
      messages: sends.length,
      bytes: sends.reduce((b, e) => b + e.bytes, 0),
      kinds: sends.map((e) => e.msg.kind),
      eventStart: start,
      eventEnd: end,
      steps: steps.filter((s) => s.start >= start && s.end <= end),
    };
  });
  const sum = (k: 'faults' | 'messages' | 'bytes'): number => costs.reduce((t, c) => t + c[k], 0);
  return {
    operations,
    run: { protocol, protocolText: view.describe(n), events, costs, total: { faults: sum('faults'), messages: sum('messages'), bytes: sum('bytes') } },
  };
}

/** The same program under every protocol of `protocols`, aligned by operation. */
export function compareScenario(scenario: Scenario, protocols: readonly string[]): CompareModel {
  if (protocols.length < 2) throw new DsmConfigError(`a comparison needs two protocols or more, got ${protocols.length}`);
  const results = protocols.map((p) => settledRun(scenario, p));
  const order = results[0]!.operations;
  results.forEach((r, i) => {
    const same = r.operations.length === order.length && r.operations.every((o, k) => o.text === order[k]!.text);
    // The settled schedule promises one order for every protocol (see the header).
    if (!same) throw new DsmConfigError(`the settled schedule took the operations in another order under ${protocols[i]} than under ${protocols[0]}`);
  });
  const { cpus, pages, pageSize } = validateConfig(scenario.config);
  const config = { cpus, pages, pageSize };
  return {
    kind: 'compare',
    name: scenario.name,
    title: scenario.title,
    explanation: scenario.explanation,
    ...config,
    operations: order,
    runs: results.map((r) => r.run),
  };
}

export function comparePreset(name: string, protocols: readonly string[]): CompareModel {
  return compareScenario(getScenario(name), protocols);
}
