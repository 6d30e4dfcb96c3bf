/**
 * `tsdsm fuzz`: the protocol property (tsdsm/testing) from the command line.
 *
 *   tsdsm fuzz --runs 500 --seed 1                  # the real protocol: must pass
 *   tsdsm fuzz --runs 500 --seed 1 --mutant lostAck # a mutant: must fail with a story
 *   tsdsm fuzz --list-mutants
 *
 * Swarm testing: every option not given (CPUs, pages, ops per CPU, FIFO or reordering, the
 * weight of lock sections, barriers per CPU) is drawn per run from the seed, so one seed covers
 * many shapes of workload. The seed is printed first; a failure prints the shrunk story and the
 * command that replays it, and the command exits non-zero. Progress goes to stderr: a bar when
 * stderr is a terminal, else a plain line every tenth of the runs.
 */
import type { Command } from 'commander';
import { cpuCountMax, validateConfig } from '../../src/core/config.js';
import { DsmConfigError, DsmError } from '../../src/core/errors.js';
import { isMutantName, mutantNames, mutants, type MutantName } from '../../src/core/mutants.js';
import { getProtocol, protocols } from '../../src/core/registry.js';
import type { IntRange } from '../../testing/arbitraries.js';
import { checkProtocol, freshSeed, type CheckProtocolOptions } from '../../testing/runner.js';
import { formatStory } from '../../testing/story.js';
import { parseInteger } from '../options.js';

/** The property failed: the story is on stdout; this one line says how to replay it. */
export class FuzzFailure extends DsmError {}

export interface FuzzIo {
  out(line: string): void;
  err: { write(text: string): unknown; isTTY?: boolean | undefined };
}

const defaultIo: FuzzIo = { out: (line) => console.log(line), err: process.stderr };

export interface FuzzCommandOptions {
  runs: number;
  seed?: number;
  mutant?: string;
  protocol: string;
  cpus?: IntRange;
  pages?: IntRange;
  ops?: IntRange;
  pageSize?: number;
  reorder?: boolean;
  fifo?: boolean;
  lockWeight?: number;
  barriers?: number;
  replay?: string;
  listMutants?: boolean;
}

export const fuzzRunsMax = 1_000_000;

/** A commander parser for `N` or `MIN-MAX`, integers from `min` to `max`. */
export function parseRange(option: string, min: number, max: number): (value: string) => IntRange {
  return (value: string) => {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(value);
    const lo = m ? Number(m[1]) : NaN;
    const hi = m ? Number(m[2] ?? m[1]) : NaN;
    if (!m || lo < min || hi > max || lo > hi) {
      throw new DsmConfigError(`${option} must be N or MIN-MAX with integers from ${min} to ${max}, got ${JSON.stringify(value)}`);
    }
    return lo === hi ? lo : { min: lo, max: hi };
  };
}

const formatRange = (r: IntRange): string => (typeof r === 'number' ? String(r) : `${r.min}-${r.max}`);

export function checkMutant(name: string | undefined): MutantName | undefined {
  if (name === undefined) return undefined;
  if (!isMutantName(name)) throw new DsmConfigError(`unknown mutant ${JSON.stringify(name)}; allowed: ${mutantNames.join(', ')}`);
  return name;
}

/** The command line that replays a failure: every option that shapes the cases, and the path. */
export function replayCommand(opts: FuzzCommandOptions, seed: number, path: string): string {
  const parts = ['tsdsm fuzz', `--seed ${seed}`];
  if (opts.protocol !== 'ivy') parts.push(`--protocol ${opts.protocol}`);
  if (opts.mutant !== undefined) parts.push(`--mutant ${opts.mutant}`);
  if (opts.cpus !== undefined) parts.push(`--cpus ${formatRange(opts.cpus)}`);
  if (opts.pages !== undefined) parts.push(`--pages ${formatRange(opts.pages)}`);
  if (opts.ops !== undefined) parts.push(`--ops ${formatRange(opts.ops)}`);
  if (opts.pageSize !== undefined) parts.push(`--page-size ${opts.pageSize}`);
  if (opts.reorder) parts.push('--reorder');
  if (opts.fifo) parts.push('--fifo');
  if (opts.lockWeight !== undefined) parts.push(`--lock-weight ${opts.lockWeight}`);
  if (opts.barriers !== undefined) parts.push(`--barriers ${opts.barriers}`);
  parts.push(`--replay ${path}`);
  return parts.join(' ');
}

/** Progress on stderr: a bar on a terminal, else a plain line every tenth of the runs. */
function progressReporter(io: FuzzIo, runs: number): { update(phase: 'run' | 'shrink', count: number): void; end(): void } {
  const tty = io.err.isTTY === true;
  const width = 30;
  let lastShown = -1;
  let drawn = false;
  return {
    update(phase, count) {
      if (tty) {
        const step = phase === 'run' ? Math.floor((count * width) / runs) : count;
        if (step === lastShown && count !== runs) return;
        lastShown = step;
        const text = phase === 'run'
          ? `fuzz [${'#'.repeat(Math.floor((count * width) / runs)).padEnd(width, '.')}] ${count}/${runs} runs`
          : `fuzz: failure found; shrinking, attempt ${count}`;
        io.err.write(`\r${text.padEnd(width + 30)}`);
        drawn = true;
      } else if (phase === 'run') {
        const tenth = Math.floor((count * 10) / runs);
        if (tenth > lastShown && tenth > 0 && count < runs) {
          lastShown = tenth;
          io.err.write(`fuzz: ${count}/${runs} runs\n`);
        }
      } else if (count === 1) {
        io.err.write('fuzz: failure found; shrinking\n');
      }
    },
    end() {
      if (tty && drawn) io.err.write('\n');
    },
  };
}

/** Runs `tsdsm fuzz`; throws FuzzFailure when the property fails, DsmConfigError on bad options. */
export function runFuzzCommand(opts: FuzzCommandOptions, io: FuzzIo = defaultIo): void {
  if (opts.listMutants) {
    const width = Math.max(...mutantNames.map((m) => m.length));
    for (const m of mutantNames) io.out(`${m.padEnd(width)}  ${mutants[m]}`);
    return;
  }
  const mutant = checkMutant(opts.mutant);
  // A release-consistent protocol promises sequential consistency to data-race-free programs
  // only, so that is what it is fuzzed with.
  const dataRaceFree = getProtocol(opts.protocol).consistency === 'release';
  if (opts.reorder && opts.fifo) throw new DsmConfigError('give either --reorder or --fifo, not both');
  if (!Number.isInteger(opts.runs) || opts.runs < 1 || opts.runs > fuzzRunsMax) {
    throw new DsmConfigError(`--runs = ${opts.runs}; allowed: an integer from 1 to ${fuzzRunsMax}`);
  }
  if (opts.seed !== undefined && (opts.seed < 0 || opts.seed > 0x7fffffff)) {
    throw new DsmConfigError(`--seed = ${opts.seed}; allowed: an integer from 0 to ${0x7fffffff}`);
  }
  for (const [name, value, max] of [['--lock-weight', opts.lockWeight, 100], ['--barriers', opts.barriers, 100]] as const) {
    if (value !== undefined && (value < 0 || value > max)) throw new DsmConfigError(`${name} = ${value}; allowed: an integer from 0 to ${max}`);
  }
  if (opts.pageSize !== undefined) validateConfig({ cpus: 1, pages: 1, pageSize: opts.pageSize });
  const seed = opts.seed ?? freshSeed();
  io.out(`seed ${seed}`);
  const reorder = opts.reorder ? true : opts.fifo ? false : undefined;
  const drawn = [
    opts.cpus === undefined && 'cpus', opts.pages === undefined && 'pages', opts.ops === undefined && 'ops',
    reorder === undefined && 'channel order', opts.lockWeight === undefined && 'lock mix', opts.barriers === undefined && 'barriers',
  ].filter(Boolean);
  io.out(
    `fuzz: ${opts.protocol}${mutant ? ` with mutant ${mutant} (${mutants[mutant]})` : ''}, ` +
      (opts.replay !== undefined ? `replaying path ${opts.replay}` : `${opts.runs} runs`) +
      (drawn.length > 0 ? `; drawn per run from the seed: ${drawn.join(', ')}` : '') +
      (dataRaceFree ? '; data-race-free programs only (the protocol promises sequential consistency to those)' : ''),
  );
  const progress = progressReporter(io, opts.runs);
  const options: CheckProtocolOptions = {
    protocol: opts.protocol,
    mutant,
    seed,
    numRuns: opts.runs,
    path: opts.replay,
    cpus: opts.cpus,
    pages: opts.pages,
    pageSize: opts.pageSize,
    opsMax: opts.ops,
    reorder,
    lockWeight: opts.lockWeight,
    barriersMax: opts.barriers,
    dataRaceFree,
    onExecution: opts.replay === undefined ? (phase, count) => progress.update(phase, count) : undefined,
  };
  const startedMs = Date.now();
  const report = (() => {
    try {
      return checkProtocol(options);
    } finally {
      progress.end();
    }
  })();
  if (report.ok) {
    io.out(`passed: ${report.numRuns} runs in ${((Date.now() - startedMs) / 1000).toFixed(1)} s`);
    return;
  }
  const replay = replayCommand(opts, seed, report.path!);
  io.out(formatStory(report, { replay }));
  throw new FuzzFailure(`the property failed after ${report.numRuns} run(s) (seed ${seed}, path ${report.path}); replay: ${replay}`);
}

export function registerFuzzCommand(program: Command, io: FuzzIo = defaultIo): void {
  program
    .command('fuzz')
    .description('property-based protocol testing on the simulator: generated programs and schedules, shrunk to a story on failure')
    .option('--runs <n>', 'runs of the property', parseInteger('--runs'), 100)
    .option('--seed <n>', 'fast-check seed; every option not given is drawn from it per run (default: fresh, printed)', parseInteger('--seed'))
    .option('--mutant <name>', 'switch on a protocol bug (see --list-mutants)')
    .option('--protocol <name>', `the protocol: ${Object.keys(protocols).join(', ')}`, 'ivy')
    .option('--cpus <n|min-max>', 'CPUs (default: drawn from 2-5)', parseRange('--cpus', 1, cpuCountMax))
    .option('--pages <n|min-max>', 'pages (default: drawn from 1-3)', parseRange('--pages', 1, 64))
    .option('--ops <n|min-max>', 'accesses or lock sections per CPU, at most (default: drawn from 1-12)', parseRange('--ops', 0, 1000))
    .option('--page-size <bytes>', 'bytes per page (default 64)', parseInteger('--page-size'))
    .option('--reorder', 'deliver messages in any order (default: drawn per run)')
    .option('--fifo', 'FIFO channels only (default: drawn per run)')
    .option('--lock-weight <n>', 'weight of lock sections against single accesses, 0 for none (default: drawn from 0-4)', parseInteger('--lock-weight'))
    .option('--barriers <n>', 'barriers per CPU at most (default: drawn from 0-3)', parseInteger('--barriers'))
    .option('--replay <path>', 'replay the failure at this counterexample path (with the same --seed and options)')
    .option('--list-mutants', 'list the mutants and what each breaks')
    .action((opts: FuzzCommandOptions) => runFuzzCommand(opts, io));
}
