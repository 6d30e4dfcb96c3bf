/**
 * `tsdsm check`: the explorer (tsdsm/testing `explore`) from the command line. Every program
 * of up to `--ops` items per CPU, every schedule, breadth first; a violation prints the
 * shortest counterexample as a story and exits non-zero.
 *
 *   tsdsm check --protocol ivy --cpus 3 --pages 1 --ops 2 [--reorder] [--json]
 *   tsdsm check --protocol ivy --cpus 3 --pages 1 --ops 2 --mutant lostAck
 *
 * Progress goes to stderr on a terminal (states, queue, states per second). With --json the
 * last line of stdout is a summary: { ok, exhaustive, states, transitions, ms, ... }, with
 * `reason` when a bound stopped the search and `violation` and `story` when one was found.
 */
import type { Command } from 'commander';
import { cpuCountMax } from '../../src/core/config.js';
import { DsmConfigError, DsmError } from '../../src/core/errors.js';
import { checkMutant, getProtocol } from '../../src/core/registry.js';
import type { MutantName } from '../../src/core/mutants.js';
import { explore, formatExploreStory, reductions, type ExploreOptions, type Reduction } from '../../testing/explorer.js';
import { addProtocolOptions, loadProtocolModules, parseInteger, type ProtocolCommandOptions } from '../options.js';
import type { FuzzIo } from './fuzz.js';

/** The explorer found a violation: the story is on stdout. */
export class CheckFailure extends DsmError {}

export interface CheckCommandOptions extends ProtocolCommandOptions {
  cpus: number;
  pages: number;
  ops: number;
  pageSize?: number;
  slots?: number;
  locks?: boolean;
  barriers?: boolean;
  reorder?: boolean;
  mutant?: string;
  reduction: string;
  maxStates?: number;
  maxSeconds?: number;
  json?: boolean;
}

const defaultIo: FuzzIo = { out: (line) => console.log(line), err: process.stderr };

function checkRange(name: string, value: number | undefined, min: number, max: number): void {
  if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) {
    throw new DsmConfigError(`${name} = ${value}; allowed: an integer from ${min} to ${max}`);
  }
}

/** The command line that finds the same counterexample again (the search is deterministic). */
export function checkCommandLine(opts: CheckCommandOptions): string {
  const parts = ['tsdsm check', ...(opts.protocolModule ?? []).map((m) => `--protocol-module ${m}`), `--protocol ${opts.protocol}`, `--cpus ${opts.cpus}`, `--pages ${opts.pages}`, `--ops ${opts.ops}`];
  if (opts.pageSize !== undefined) parts.push(`--page-size ${opts.pageSize}`);
  if (opts.slots !== undefined) parts.push(`--slots ${opts.slots}`);
  if (opts.locks) parts.push('--locks');
  if (opts.barriers) parts.push('--barriers');
  if (opts.reorder) parts.push('--reorder');
  if (opts.reduction !== 'none') parts.push(`--reduction ${opts.reduction}`);
  if (opts.mutant !== undefined) parts.push(`--mutant ${opts.mutant}`);
  return parts.join(' ');
}

export function runCheckCommand(opts: CheckCommandOptions, io: FuzzIo = defaultIo): void {
  const mutant = checkMutant(getProtocol(opts.protocol), opts.mutant) as MutantName | undefined;
  checkRange('--cpus', opts.cpus, 1, cpuCountMax);
  checkRange('--pages', opts.pages, 1, 64);
  checkRange('--ops', opts.ops, 0, 16);
  checkRange('--slots', opts.slots, 1, 64);
  checkRange('--max-states', opts.maxStates, 1, 100_000_000);
  checkRange('--max-seconds', opts.maxSeconds, 1, 86_400);
  if (!reductions.includes(opts.reduction as Reduction)) {
    throw new DsmConfigError(`--reduction = ${JSON.stringify(opts.reduction)}; allowed: ${reductions.join(', ')}`);
  }
  const tty = io.err.isTTY === true;
  const options: ExploreOptions = {
    config: { cpus: opts.cpus, pages: opts.pages, ...(opts.pageSize !== undefined ? { pageSize: opts.pageSize } : {}) },
    protocol: opts.protocol,
    mutant,
    reorder: !!opts.reorder,
    reduction: opts.reduction as Reduction,
    generate: { ops: opts.ops, slotsPerPage: opts.slots, locks: !!opts.locks, barriers: !!opts.barriers },
    statesMax: opts.maxStates,
    timeMsMax: opts.maxSeconds !== undefined ? opts.maxSeconds * 1000 : undefined,
    onProgress: tty
      ? (p) => io.err.write(`\rcheck: ${p.states} states, queue ${p.queue}, depth ${p.depth}, ${Math.round((p.states * 1000) / Math.max(1, p.ms))} states/s   `)
      : undefined,
  };
  if (!opts.json) {
    io.out(`check: ${opts.protocol}${mutant ? ` with mutant ${mutant}` : ''}, ${opts.cpus} CPUs, ${opts.pages} page(s), every program of ${opts.ops} item(s) per CPU, ` +
      `${opts.reorder ? 'messages reordered' : 'FIFO channels'}, reduction ${opts.reduction}`);
  }
  const result = explore(options);
  if (tty) io.err.write('\n');
  const replay = checkCommandLine(opts);
  const story = result.violation ? formatExploreStory(options, result, { replay }) : '';
  if (!opts.json) {
    if (story) io.out(story);
    else if (result.exhaustive) {
      io.out(`passed: every reachable state visited: ${result.states} states, ${result.transitions} transitions, ${result.terminal} terminal, depth ${result.depth}, in ${(result.ms / 1000).toFixed(1)} s`);
    } else io.out(`stopped, not exhaustive: ${result.reason}; no violation in ${result.states} states, ${result.transitions} transitions`);
  }
  if (opts.json) {
    io.out(JSON.stringify({
      ok: result.ok,
      exhaustive: result.exhaustive,
      ...(result.reason !== null ? { reason: result.reason } : {}),
      states: result.states,
      transitions: result.transitions,
      ms: result.ms,
      terminal: result.terminal,
      depth: result.depth,
      protocol: opts.protocol,
      cpus: opts.cpus,
      pages: opts.pages,
      ops: opts.ops,
      reorder: !!opts.reorder,
      reduction: opts.reduction,
      ...(mutant !== undefined ? { mutant } : {}),
      ...(result.violation ? { violation: result.violation.message, steps: result.violation.path.length, story, replay } : {}),
    }));
  }
  if (result.violation) throw new CheckFailure(`the explorer found a violation in ${result.violation.path.length} steps: ${result.violation.message}; replay: ${replay}`);
}

export function registerCheckCommand(program: Command, io: FuzzIo = defaultIo): void {
  const command = program
    .command('check')
    .description('exhaustive exploration: every program of up to --ops items per CPU under every schedule, breadth first; a violation prints the shortest story')
    .option('--cpus <n>', 'CPUs', parseInteger('--cpus'), 3)
    .option('--pages <n>', 'pages', parseInteger('--pages'), 1)
    .option('--ops <n>', 'items per CPU: a read or a write of a hot address (or a lock section of one)', parseInteger('--ops'), 2)
    .option('--page-size <bytes>', 'bytes per page (default 8)', parseInteger('--page-size'))
    .option('--slots <n>', 'int32 words per page that programs touch (default 1)', parseInteger('--slots'))
    .option('--locks', 'also lock sections of one access under lock 0')
    .option('--barriers', 'a barrier after every item but the last, on every CPU')
    .option('--reorder', 'deliver messages in any order (default: FIFO channels)')
    .option('--mutant <name>', 'switch on a protocol bug (see tsdsm fuzz --list-mutants)')
    .option('--reduction <name>', `state-space reduction: ${reductions.join(', ')}`, 'none')
    .option('--max-states <n>', 'stop (not exhaustive) after this many states', parseInteger('--max-states'))
    .option('--max-seconds <n>', 'stop (not exhaustive) after this long', parseInteger('--max-seconds'))
    .option('--json', 'end with a JSON summary line');
  addProtocolOptions(command).action(async (opts: CheckCommandOptions) => {
    await loadProtocolModules(opts);
    runCheckCommand(opts, io);
  });
}
