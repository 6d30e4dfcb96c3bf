/**
 * `tsdsm litmus`: litmus tests in herdtools7's LISA format on the protocols.
 *
 *   tsdsm litmus litmus/SB.litmus [--protocol hlrc] [--backend sim|workers|native] [--iterations N] [--json]
 *   tsdsm litmus --table          # every built-in test on every protocol: can the condition hold?
 *
 * On the simulator every schedule is explored and the outcome set is exact; on a real backend
 * the test runs N times and the outcomes are counted. With no file, the built-in catalogue.
 * With --json, one line per test: { test, protocol, backend, exhaustive, outcomes, condition, holds }.
 */
import type { Command } from 'commander';
import { DsmConfigError } from '../../src/core/errors.js';
import { getProtocol, protocols } from '../../src/core/registry.js';
import { runLitmusOnCluster } from '../../testing/litmus-backends.js';
import {
  catalogueFiles, formatLitmusResult, readLitmusFile, runLitmusOnSimulator, scOutcomes, conditionHolds, type LitmusResult,
} from '../../testing/litmus.js';
import { parseInteger } from '../options.js';
import type { FuzzIo } from './fuzz.js';

export interface LitmusCommandOptions {
  protocol: string;
  backend: string;
  iterations: number;
  samePage?: boolean;
  json?: boolean;
  table?: boolean;
}

const backends = ['sim', 'workers', 'native'] as const;

const defaultIo: FuzzIo = { out: (line) => console.log(line), err: process.stderr };

/** One row per test, one column per protocol (and SC, computed from the programs alone): whether the condition can hold. */
export function litmusTable(files: readonly string[], protocolNames: readonly string[], samePage = false): string[] {
  const header = ['test', 'condition', 'SC', ...protocolNames];
  const rows: string[][] = [];
  for (const file of files) {
    const test = readLitmusFile(file);
    const sc = conditionHolds(test, scOutcomes(test));
    const cells = protocolNames.map((p) => (runLitmusOnSimulator(test, { protocol: p, samePage }).holds ? 'yes' : 'no'));
    rows.push([test.name, `${test.quantifier} ${test.conditionText}`, sc ? 'yes' : 'no', ...cells]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)];
}

export async function runLitmusCommand(files: string[], opts: LitmusCommandOptions, io: FuzzIo = defaultIo): Promise<void> {
  if (!(backends as readonly string[]).includes(opts.backend)) throw new DsmConfigError(`--backend = ${JSON.stringify(opts.backend)}; allowed: ${backends.join(', ')}`);
  getProtocol(opts.protocol);
  if (!Number.isInteger(opts.iterations) || opts.iterations < 1 || opts.iterations > 1_000_000) {
    throw new DsmConfigError(`--iterations = ${opts.iterations}; allowed: an integer from 1 to 1000000`);
  }
  const paths = files.length > 0 ? files : catalogueFiles();
  if (opts.table) {
    if (opts.backend !== 'sim') throw new DsmConfigError('--table runs on the simulator only (exhaustive); leave out --backend');
    io.out('Can the condition hold? Every schedule explored on the simulator; SC: the interleavings of the programs alone.');
    for (const l of litmusTable(paths, Object.keys(protocols), opts.samePage)) io.out(l);
    return;
  }
  // Parse everything first: a file the reader refuses stops the run before anything runs.
  const tests = paths.map((p) => readLitmusFile(p));
  for (const test of tests) {
    const result: LitmusResult = opts.backend === 'sim'
      ? runLitmusOnSimulator(test, { protocol: opts.protocol, samePage: opts.samePage })
      : await runLitmusOnCluster(test, { backend: opts.backend as 'workers' | 'native', protocol: opts.protocol, iterations: opts.iterations, samePage: opts.samePage });
    if (opts.json) {
      io.out(JSON.stringify({
        test: result.test, protocol: result.protocol, backend: result.backend, exhaustive: result.exhaustive,
        outcomes: result.outcomes, condition: result.condition, holds: result.holds,
      }));
    } else {
      for (const l of formatLitmusResult(result, test)) io.out(l);
    }
  }
}

export function registerLitmusCommand(program: Command, io: FuzzIo = defaultIo): void {
  program
    .command('litmus')
    .description('run litmus tests (herdtools7 LISA format) on a protocol: every outcome on the simulator, a histogram on real backends')
    .argument('[files...]', 'LISA .litmus files (default: the built-in catalogue)')
    .option('--protocol <name>', `the protocol: ${Object.keys(protocols).join(', ')}`, 'ivy')
    .option('--backend <name>', `where to run: ${backends.join(', ')}`, 'sim')
    .option('--iterations <n>', 'runs on a real backend', parseInteger('--iterations'), 100)
    .option('--same-page', 'put every location on one page (default: a page each)')
    .option('--json', 'one JSON line per test')
    .option('--table', 'one table, test by protocol, of whether each condition can hold')
    .action((files: string[], opts: LitmusCommandOptions) => runLitmusCommand(files, opts, io));
}
