/**
 * `tsdsm/testing`: property-based testing of coherence protocols.
 *
 *   import { checkProtocol, formatStory } from 'tsdsm/testing';
 *   const report = checkProtocol({ protocol: myVariant, numRuns: 300, seed: 1 });
 *   if (!report.ok) console.log(formatStory(report));
 *
 * - arbitraries: configs, programs (unique write values, non-nested lock sections, equal
 *   barrier counts) and schedules (a shrinkable choice sequence fed to the simulator);
 * - runner: the property (invariants and oracle after every step, termination at the end),
 *   `checkProtocol` with a fixed seed, and the replay of a shrunk case with its trace;
 * - story: a failure as program, schedule, narrated trace and replay line;
 * - sc-checker: a bounded search that decides sequential consistency of recorded histories;
 * - explorer: every reachable state of a small configuration, breadth first (`explore`).
 * See docs/testing-protocols.md.
 */
export {
  caseArbitrary, configArbitrary, programsArbitrary, scheduleArbitrary, hotAddresses, rangeOf, defaultShape,
  type CaseArbitraryOptions, type ConfigArbitraryOptions, type IntRange, type ProgramShape, type ProtocolCase,
} from './arbitraries.js';
export {
  checkProtocol, protocolProperty, runCase, scheduleChooser, freshSeed,
  type CaseOutcome, type CheckProtocolOptions, type CheckReport, type RunCaseOptions, type StepRecord,
} from './runner.js';
export { formatStory, formatFailure, failedLine, formatCase, formatPrograms, formatSchedule, type StoryOptions, type FailureParts } from './story.js';
export {
  checkSequentialConsistency, historyFromRun, formatHistoryOp, formatOrder, defaultStatesMax,
  type History, type HistoryOp, type OpRef, type ScCheckOptions, type ScVerdict,
} from './sc-checker.js';
export {
  explore, formatExploreStory, replayViolation, encodeState, canonical, hashText, reductions,
  type ExploreOptions, type ExploreResult, type ExploreProgress, type GenerateOptions, type Move, type Outcome, type Reduction, type Violation,
} from './explorer.js';
export { mutants, mutantNames, isMutantName, builtinMutants, type MutantName } from '../src/core/mutants.js';
/** Every built-in protocol object and its state type, for writing variants of them (see the docs). */
export { ivy, ivyCentral, type IvyState } from '../src/core/ivy.js';
export { ivyDynamic, type IvyDynamicState } from '../src/core/ivy-dynamic.js';
export { hlrc, type HlrcState } from '../src/core/hlrc.js';
export {
  protocols, getProtocol, registerProtocol, protocolNames, protocolsWithMutant, checkMutant, mutantTable,
  type MutantEntry, type ProtocolName, type RegisterProtocolOptions,
} from '../src/core/registry.js';
export type { Protocol, ProtocolOptions, PageBytes, TwinBytes } from '../src/core/protocol.js';
export { DsmMutantError, ProtocolViolation, InvariantViolation } from '../src/core/errors.js';
export type { Effect } from '../src/core/effects.js';
export type { Message } from '../src/core/wire.js';
export { simulate, Simulation, SimulationError, formatStep, type SimOptions, type SimResult, type SimStep } from '../sim/simulator.js';
