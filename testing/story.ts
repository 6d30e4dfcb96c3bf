/**
 * A failure told as a story: what broke, the shrunk program, the schedule as the steps the
 * scheduler took, the narrated trace, and how to replay it (seed and path, and a command line).
 */
import { formatOp, type Op } from '../src/runtime/ops.js';
import { narrate, type TraceEvent } from '../src/runtime/trace.js';
import { SimulationError } from '../sim/simulator.js';
import type { ProtocolCase } from './arbitraries.js';
import type { CheckReport, StepRecord } from './runner.js';

export interface StoryOptions {
  /** A command line that replays the failure (e.g. `tsdsm fuzz --seed 1 --replay 3:1:0`). */
  replay?: string | undefined;
  /** Trace lines shown at most (default 200; the end is kept, where the failure is). */
  traceLinesMax?: number | undefined;
  /** Schedule steps shown at most (default 200). */
  stepsMax?: number | undefined;
}

export function formatPrograms(programs: readonly (readonly Op[])[]): string[] {
  return programs.map((ops, cpu) => `  CPU ${cpu}: ${ops.length === 0 ? '(nothing)' : ops.map(formatOp).join('; ')}`);
}

export function formatCase(c: Pick<ProtocolCase, 'config' | 'reorder' | 'programs'>): string[] {
  const { cpus, pages, pageSize } = c.config;
  return [
    `config: ${cpus} CPUs, ${pages} page${pages === 1 ? '' : 's'} of ${pageSize} bytes, ${c.reorder ? 'messages reordered' : 'FIFO channels'}`,
    'program:',
    ...formatPrograms(c.programs),
  ];
}

/** The steps a failing run took; `header` replaces the first line (default: how a generated schedule chose). */
export function formatSchedule(steps: readonly StepRecord[], stepsMax = 200, header?: string): string[] {
  const generated = steps.filter((s) => s.generated).length;
  const lines = [
    header ?? `schedule: ${steps.length} steps; ${generated} chosen by the generated sequence, ` +
      `${steps.length - generated} by the fixed rule (the first enabled step)`,
  ];
  const shown = steps.length > stepsMax ? steps.slice(steps.length - stepsMax) : steps;
  if (shown.length < steps.length) lines.push(`  ... ${steps.length - shown.length} earlier steps`);
  for (const s of shown) {
    const how = s.of === 1 ? 'the only step' : `${s.chosen + 1} of ${s.of}${s.generated ? '' : ', fixed rule'}`;
    lines.push(`  ${String(s.step).padStart(3)}. ${s.text}  [${how}]`);
  }
  return lines;
}

/** The first line of a story: the step that broke a promise, and what it broke. */
export function failedLine(error: Error): string {
  // The simulator's own seed is not used under a chosen schedule: keep only its step.
  return error instanceof SimulationError
    ? `FAILED at step ${error.step}: ${error.message.replace(/ \(seed \d+, step \d+\)$/, '')}`
    : `FAILED: ${error.name}: ${error.message}`;
}

/** The parts of every story (fuzz and the explorer tell theirs alike). */
export interface FailureParts {
  failed: string;
  /** How the failure was found (one line). */
  found: string;
  caseLines: string[];
  steps: readonly StepRecord[];
  stepsHeader?: string | undefined;
  trace: readonly TraceEvent[];
  cpus: number;
  /** The replay section, first line unindented. */
  replay: string[];
}

export function formatFailure(f: FailureParts, options: StoryOptions = {}): string {
  const traceMax = options.traceLinesMax ?? 200;
  const narrated = narrate(f.trace, f.cpus);
  const traceShown = narrated.length > traceMax ? narrated.slice(narrated.length - traceMax) : narrated;
  return [
    f.failed,
    f.found,
    '',
    ...f.caseLines,
    '',
    ...formatSchedule(f.steps, options.stepsMax, f.stepsHeader),
    '',
    `trace (narrated${traceShown.length < narrated.length ? `, last ${traceShown.length} of ${narrated.length} lines` : ''}):`,
    ...traceShown.map((l) => `  ${l}`),
    '',
    ...f.replay,
  ].join('\n');
}

/** The story of a failed check; an empty string for a passing one. */
export function formatStory(report: CheckReport, options: StoryOptions = {}): string {
  if (report.ok || report.failure === null || report.counterexample === null) return '';
  const c = report.counterexample;
  const f = report.failure;
  return formatFailure({
    failed: failedLine(f.error),
    found: `found after ${report.numRuns} run${report.numRuns === 1 ? '' : 's'}, shrunk in ${report.numShrinks} step${report.numShrinks === 1 ? '' : 's'}`,
    caseLines: formatCase(c),
    steps: f.steps,
    trace: f.trace,
    cpus: c.config.cpus,
    replay: [
      `replay: seed ${report.seed}, path ${report.path}`,
      options.replay !== undefined
        ? `  ${options.replay}`
        : `  checkProtocol({ ...sameOptions, seed: ${report.seed}, path: '${report.path}' })`,
    ],
  }, options);
}
