/**
 * `tsdsm sim`: run a scenario or a random workload on the deterministic simulator and print
 * a narrated trace and stats, or (--json) the trace as JSON lines and a summary line.
 */
import type { Command } from 'commander';
import { validateConfig } from '../../src/core/config.js';
import { DsmConfigError } from '../../src/core/errors.js';
import { formatStats } from '../../src/runtime/stats.js';
import { narrate, traceHeader, traceToJsonLines } from '../../src/runtime/trace.js';
import { loadScenario } from '../../sim/scenario-file.js';
import { simulate, SimulationError, type SimOptions, type SimResult } from '../../sim/simulator.js';
import { getProtocol } from '../../src/core/registry.js';
import { randomDrfWorkload, randomWorkload } from '../../sim/workloads.js';
import { addProtocolOptions, loadProtocolModules, parseInteger, type ProtocolCommandOptions } from '../options.js';

export interface SimCommandOptions extends Omit<ProtocolCommandOptions, 'protocol'> {
  /** Default: the scenario file's protocol, else ivy. */
  protocol?: string | undefined;
  scenario?: string;
  workload?: string;
  cpus: number;
  pages: number;
  pageSize: number;
  ops: number;
  seed: number;
  reorder?: boolean;
  json?: boolean;
}

export function summary(result: SimResult, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const t = result.stats.total;
  return {
    type: 'summary',
    ...extra,
    seed: result.seed,
    steps: result.steps,
    messages: t.messages,
    bytes: t.bytes,
    faults: t.readFaults + t.writeFaults,
    readFaults: t.readFaults,
    writeFaults: t.writeFaults,
    messagesByKind: t.messagesByKind,
    results: result.results.map((r) => r.map((v) => (typeof v === 'bigint' ? `${v}n` : v))),
  };
}

/**
 * Runs the simulation; when a release-consistent protocol fails the oracle, the error says
 * why that is no bug on a racy workload and points to the data-race-free one.
 */
function simulateWithHint(opts: SimCommandOptions, options: SimOptions & { protocol: string }): SimResult {
  const protocol = getProtocol(options.protocol);
  try {
    return simulate(options);
  } catch (err) {
    if (err instanceof SimulationError && err.message.startsWith('oracle:') && protocol.consistency === 'release' && opts.workload !== 'drf') {
      err.message += `. ${protocol.name} is release-consistent: it promises sequential consistency to data-race-free programs only, ` +
        `and this ${opts.workload === undefined ? 'scenario' : 'workload'} has data races; try --workload drf`;
    }
    throw err;
  }
}

export function runSimCommand(opts: SimCommandOptions, print: (line: string) => void): void {
  let config;
  let programs;
  let label: Record<string, unknown>;
  let protocol = opts.protocol ?? 'ivy';
  if (opts.scenario !== undefined && opts.workload !== undefined) {
    throw new DsmConfigError('give either --scenario or --workload, not both');
  }
  if (opts.workload !== undefined) {
    if (opts.workload !== 'random' && opts.workload !== 'drf') throw new DsmConfigError(`unknown workload ${JSON.stringify(opts.workload)}; allowed: random, drf`);
    config = validateConfig({ cpus: opts.cpus, pages: opts.pages, pageSize: opts.pageSize });
    programs = (opts.workload === 'drf' ? randomDrfWorkload : randomWorkload)(config, { ops: opts.ops, seed: opts.seed });
    label = { protocol, workload: opts.workload, cpus: config.cpus, pages: config.pages, ops: opts.ops, reorder: !!opts.reorder };
  } else {
    const scenario = loadScenario(opts.scenario ?? 'seed');
    protocol = opts.protocol ?? scenario.protocol ?? 'ivy';
    config = validateConfig(scenario.config);
    programs = scenario.programs;
    label = { protocol, scenario: scenario.name, cpus: config.cpus, pages: config.pages, reorder: !!opts.reorder };
    if (!opts.json) {
      print(`${scenario.title}`);
      print(scenario.explanation);
      print('');
    }
  }
  const result = simulateWithHint(opts, { config, programs, seed: opts.seed, reorder: !!opts.reorder, protocol });
  if (opts.json) {
    // The header first, so that a reader (tsdsm viz) knows the protocol and size before any event.
    print(JSON.stringify(traceHeader({ ...label, cpus: config.cpus, pages: config.pages, pageSize: config.pageSize, protocol, runtime: 'sim', seed: result.seed })));
    if (result.trace.length > 0) print(traceToJsonLines(result.trace));
    print(JSON.stringify(summary(result, label)));
    return;
  }
  if (!opts.json && opts.workload !== undefined) print(`seed ${result.seed}`);
  for (const line of narrate(result.trace, config.cpus, protocol)) print(line);
  print('');
  print(`results (values read, per CPU): ${result.results.map((r, cpu) => `CPU ${cpu}: [${r.join(', ')}]`).join('; ')}`);
  print('');
  print(formatStats(result.stats));
}

export function registerSimCommand(program: Command): void {
  const command = program
    .command('sim')
    .description('run a scenario or a random workload on the deterministic simulator, narrated')
    .option('--scenario <name>', 'a named scenario (seed, ping-pong, false-sharing, ...) or a scenario file (FILE.json, docs/scenario-format.md)')
    .option('--workload <kind>', 'a generated workload: random, or drf (data-race free: what hlrc needs)')
    .option('--cpus <n>', 'CPUs (random workload)', parseInteger('--cpus'), 4)
    .option('--pages <n>', 'pages (random workload)', parseInteger('--pages'), 4)
    .option('--page-size <bytes>', 'bytes per page', parseInteger('--page-size'), 4096)
    .option('--ops <n>', 'operations per CPU (random workload)', parseInteger('--ops'), 20)
    .option('--seed <n>', 'scheduler and workload seed', parseInteger('--seed'), 1)
    .option('--reorder', 'deliver messages in any order (default: FIFO channels)')
    .option('--json', 'print the trace as JSON lines, the last line a summary');
  addProtocolOptions(command, ' (default: the scenario file\'s, else ivy; hlrc: home-based lazy release consistency, SC for data-race-free programs only; see --workload drf)', undefined)
    .action(async (opts: SimCommandOptions) => {
      await loadProtocolModules({ protocol: opts.protocol ?? 'ivy', protocolModule: opts.protocolModule });
      runSimCommand(opts, (line) => console.log(line));
    });
}
