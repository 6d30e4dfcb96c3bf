/**
 * The protocol property: run a generated program on the simulator under a generated schedule.
 * The simulator checks, after every step, the protocol's invariants and that every CPU's page
 * protection matches the protocol; at every read, the shadow-memory oracle (the value of the
 * latest write); at the end, that every program finished and no message is left (no deadlock,
 * no lost wake-up). Any broken promise throws, and fast-check shrinks the case.
 *
 * `checkProtocol` runs the property with a fixed seed and, on failure, replays the shrunk case
 * with the trace on and tells its story (see story.ts): the program, the schedule as steps, the
 * narrated trace, and the seed and path that replay it.
 */
import fc from 'fast-check';
import type { Protocol } from '../src/core/protocol.js';
import { checkMutant, getProtocol } from '../src/core/registry.js';
import type { TraceEvent } from '../src/runtime/trace.js';
import { formatStep, Simulation, SimulationError, type SimResult, type SimStep } from '../sim/simulator.js';
import { caseArbitrary, type CaseArbitraryOptions, type ProtocolCase } from './arbitraries.js';

/** One step the scheduler took, for the story. */
export interface StepRecord {
  /** 1-based step number. */
  step: number;
  /** Index chosen among `of` enabled steps. */
  chosen: number;
  of: number;
  /** True when the choice came from the generated sequence, false when the fixed rule chose. */
  generated: boolean;
  text: string;
}

/**
 * A `choose` function for the simulator: takes `schedule[i] mod count` for the i-th step and,
 * once the sequence is used up, the fixed rule (the first enabled step). Records every step.
 */
export function scheduleChooser(
  schedule: readonly number[],
  record?: StepRecord[],
): (count: number, steps: readonly SimStep[]) => number {
  let i = 0;
  return (count, steps) => {
    const generated = i < schedule.length;
    const chosen = generated ? schedule[i]! % count : 0;
    i += 1;
    if (record) record.push({ step: i, chosen, of: count, generated, text: formatStep(steps[chosen]!) });
    return chosen;
  };
}

export interface RunCaseOptions {
  /** A protocol name (built-in or registered) or a Protocol object of your own (default 'ivy'). */
  protocol?: string | Protocol<unknown> | undefined;
  /** One of the protocol's mutants (`protocol.mutants`); any other is a DsmMutantError, thrown at once. */
  mutant?: string | undefined;
  /** Record the trace (default false: the property runs faster without it). */
  trace?: boolean | undefined;
  /** Record the steps taken (default false). */
  recordSteps?: boolean | undefined;
  stepMax?: number | undefined;
}

export type CaseOutcome =
  | { ok: true; result: SimResult; steps: StepRecord[] }
  | { ok: false; error: Error; steps: StepRecord[]; trace: TraceEvent[] };

/** Runs one case to the end; never throws for a protocol failure, returns it. */
export function runCase(c: ProtocolCase, options: RunCaseOptions = {}): CaseOutcome {
  const steps: StepRecord[] = [];
  const sim = new Simulation({
    config: c.config,
    programs: c.programs,
    reorder: c.reorder,
    protocol: options.protocol,
    mutant: options.mutant,
    trace: options.trace ?? false,
    stepMax: options.stepMax,
    choose: scheduleChooser(c.schedule, options.recordSteps ? steps : undefined),
  });
  try {
    return { ok: true, result: sim.run(), steps };
  } catch (err) {
    if (!(err instanceof Error)) throw err;
    return { ok: false, error: err, steps, trace: err instanceof SimulationError ? err.trace : sim.trace };
  }
}

export interface CheckProtocolOptions extends CaseArbitraryOptions, RunCaseOptions {
  /** Runs of the property (default 100). */
  numRuns?: number | undefined;
  /** fast-check seed; every option not given is drawn from it (default: a fresh random seed). */
  seed?: number | undefined;
  /** A counterexample path printed by an earlier failure: replays exactly that case. */
  path?: string | undefined;
  /** Shrink a failing case (default true); false reports the first failing case as found, at once. */
  shrink?: boolean | undefined;
  /** Called before every execution of the property: a run, or a shrink attempt after a failure. */
  onExecution?: ((phase: 'run' | 'shrink', count: number) => void) | undefined;
}

export interface CheckReport {
  ok: boolean;
  seed: number;
  /** Runs executed: up to and including the first failure, or all when none failed. */
  numRuns: number;
  numShrinks: number;
  /** The counterexample path (with `seed`, replays the shrunk case). */
  path: string | null;
  /** The shrunk failing case. */
  counterexample: ProtocolCase | null;
  /** The shrunk case replayed with the trace on: its error, steps and trace. */
  failure: Extract<CaseOutcome, { ok: false }> | null;
}

/**
 * The options with the protocol's defaults filled in, checked before any run: a mutant the
 * protocol does not implement is a DsmMutantError now (inside the property it would count as
 * a failure of the protocol), and a release-consistent protocol gets data-race-free programs
 * unless `dataRaceFree` says otherwise (it promises sequential consistency to those only).
 */
function withProtocolDefaults<T extends CaseArbitraryOptions & RunCaseOptions>(options: T): T {
  const protocol = typeof options.protocol === 'object' ? options.protocol : getProtocol(options.protocol ?? 'ivy');
  checkMutant(protocol, options.mutant);
  return { ...options, dataRaceFree: options.dataRaceFree ?? protocol.consistency === 'release' };
}

/** A fast-check property over `caseArbitrary(options)`; it throws what the simulator throws. */
export function protocolProperty(
  options: CaseArbitraryOptions & RunCaseOptions = {},
  onExecution?: (c: ProtocolCase) => void,
): fc.IPropertyWithHooks<[ProtocolCase]> {
  options = withProtocolDefaults(options);
  return fc.property(caseArbitrary(options), (c) => {
    onExecution?.(c);
    const outcome = runCase(c, { ...options, trace: false, recordSteps: false });
    if (!outcome.ok) throw outcome.error;
  });
}

/** A fresh seed for runs where the caller gave none (printed by every caller). */
export function freshSeed(): number {
  return (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) >>> 0 & 0x7fffffff;
}

/** Runs the property with a fixed seed; on failure replays the shrunk case with its trace. */
export function checkProtocol(options: CheckProtocolOptions = {}): CheckReport {
  options = withProtocolDefaults(options);
  const seed = options.seed ?? freshSeed();
  let runs = 0;
  let shrinks = 0;
  let failing = false;
  // fast-check calls the predicate again for every shrink attempt; `failing` flips at the
  // first failure so that progress reports say which phase they are in.
  const details = fc.check(
    fc.property(caseArbitrary(options), (c) => {
      if (failing) options.onExecution?.('shrink', ++shrinks);
      else options.onExecution?.('run', ++runs);
      const outcome = runCase(c, { ...options, trace: false, recordSteps: false });
      if (!outcome.ok) {
        failing = true;
        throw outcome.error;
      }
    }),
    {
      seed, numRuns: options.numRuns ?? 100, endOnFailure: options.shrink === false,
      ...(options.path !== undefined ? { path: options.path } : {}),
    },
  );
  if (!details.failed || details.counterexample === null) {
    return { ok: !details.failed, seed, numRuns: details.numRuns, numShrinks: 0, path: null, counterexample: null, failure: null };
  }
  const [c] = details.counterexample;
  const replay = runCase(c, { ...options, trace: true, recordSteps: true });
  if (replay.ok) {
    throw new Error(`the shrunk counterexample passed when replayed (seed ${seed}, path ${details.counterexamplePath}): the run is not deterministic`);
  }
  return {
    ok: false,
    seed,
    numRuns: details.numRuns,
    numShrinks: details.numShrinks,
    path: details.counterexamplePath,
    counterexample: c,
    failure: replay,
  };
}
