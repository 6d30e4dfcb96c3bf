/**
 * `tsdsm run <program>`: runs a program module (JavaScript, or TypeScript transpiled on the
 * fly) on worker threads, one per CPU (or with `--backend native` on OS processes whose pages
 * the MMU guards), and prints each CPU's result and the stats table.
 * Also the worker-thread half of `tsdsm demo`: the seed scenario on real threads, narrated.
 */
import type { Command } from 'commander';
import { Cluster, DsmConfigError, type ClusterOptions, formatStats, narrate, opsProgram, type RunResult } from '../../index.js';
import { getScenario } from '../../sim/scenarios.js';
import { addProtocolOptions, loadProtocolModules, parseInteger, type ProtocolCommandOptions } from '../options.js';

export interface RunCommandOptions extends Partial<ProtocolCommandOptions> {
  cpus: number;
  pages: number;
  pageSize?: number | undefined;
  timeoutMs?: number | undefined;
  args?: string | undefined;
  trace?: boolean | undefined;
  backend?: string | undefined;
  /** The cluster's `transport` (ClusterOptions); --hosts implies 'tcp'. */
  transport?: string | undefined;
  hosts?: string | undefined;
  launch?: string | undefined;
  coordinator?: string | undefined;
  /** Stops the run (the command line's Ctrl-C). */
  signal?: AbortSignal | undefined;
}

/**
 * `--hosts A,B,...` and `--launch TEMPLATE` as the native backend's `transport: 'tcp'` and
 * `hosts`: CPU i on host i mod n (give as many hosts as CPUs, repeating, for an explicit
 * placement); the template, split at spaces (no shell), with `{host}` replaced by the host's
 * address, is put before `node` (for example `ssh -T {host}`). The secret comes from
 * TSDSM_SECRET, never from the command line (which every user of the machine can read).
 */
export function hostOptions(opts: Pick<RunCommandOptions, 'hosts' | 'launch' | 'coordinator' | 'backend' | 'transport'>): Partial<ClusterOptions> {
  if (opts.hosts === undefined) {
    if (opts.launch !== undefined || opts.coordinator !== undefined) throw new DsmConfigError('--launch and --coordinator need --hosts');
    return opts.transport === undefined ? {} : { transport: opts.transport };
  }
  if (opts.backend !== 'native') throw new DsmConfigError(`--hosts needs --backend native (given: ${opts.backend ?? 'workers, the default'})`);
  if (opts.transport !== undefined && opts.transport !== 'tcp') throw new DsmConfigError(`--hosts needs --transport tcp (given: ${opts.transport})`);
  const addresses = opts.hosts.split(',').map((a) => a.trim());
  if (addresses.some((a) => a === '')) throw new DsmConfigError(`--hosts ${JSON.stringify(opts.hosts)}: an empty address; give ADDR,ADDR[,...]`);
  const template = opts.launch === undefined ? [] : opts.launch.split(/\s+/).filter((w) => w !== '');
  return {
    transport: 'tcp',
    coordinator: opts.coordinator,
    hosts: addresses.map((address) => ({ address, launch: template.map((w) => w.replaceAll('{host}', address)) })),
  };
}

function showValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(value);
}

export function parseArgs(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DsmConfigError(`--args must be JSON: ${(err as Error).message}`);
  }
}

/** Runs `program` once and returns the lines to print (results, stats, and the narrated trace when asked). */
export async function runProgram(program: string, opts: RunCommandOptions): Promise<string[]> {
  const args = parseArgs(opts.args);
  const cluster = await Cluster.start({
    cpus: opts.cpus, pages: opts.pages, pageSize: opts.pageSize, timeoutMs: opts.timeoutMs, protocol: opts.protocol, backend: opts.backend,
    ...hostOptions(opts),
  });
  let result: RunResult;
  try {
    result = await cluster.run(program, args, { trace: opts.trace ?? false, signal: opts.signal });
  } finally {
    await cluster.close();
  }
  const lines = result.results.map((r, cpu) => `CPU ${cpu}: ${showValue(r)}`);
  if (result.trace) lines.push('', ...narrate(result.trace, opts.cpus));
  lines.push('', formatStats(result.stats));
  return lines;
}

export function registerRunCommand(program: Command): void {
  const command = program
    .command('run')
    .description('run a program (a module whose default export is defineProgram(...)) on worker threads, one per CPU, or on native processes')
    .argument('<program>', 'path of the program module (.js, .mjs, or .ts)')
    .requiredOption('--cpus <C>', 'number of CPUs (worker threads)', parseInteger('--cpus'))
    .requiredOption('--pages <P>', 'pages of shared memory', parseInteger('--pages'))
    .option('--page-size <B>', 'bytes per page, a power of two (default 4096)', parseInteger('--page-size'))
    .option('--timeout-ms <T>', 'fail the run after T ms, saying what each CPU waits on (default: none; a deadlock is reported without it, and Ctrl-C stops a run)', parseInteger('--timeout-ms'))
    .option('--args <JSON>', 'arguments passed to the program on every CPU, as JSON')
    .option('--trace', 'print the narrated trace of the run')
    .option('--backend <name>', "'workers' (default: one worker thread per CPU) or 'native' (one OS process per CPU, pages guarded by mprotect; Linux x86-64)")
    .option('--transport <name>', "how CPUs send messages: workers 'ports' (default) or 'ring' (shared-memory rings); native 'ring' (default, one host), 'unix' or 'tcp'")
    .option('--hosts <A,B,...>', 'native over TCP: CPU i runs on host i mod n and listens on its address only (the secret: TSDSM_SECRET)')
    .option('--launch <template>', "native with --hosts: the command that starts a process on a host, {host} replaced by its address (e.g. 'ssh -T {host}'; default: a local child)")
    .option('--coordinator <A>', "native with --hosts: this machine's address for the control link over TCP (CPUs on other machines); default a Unix socket");
  addProtocolOptions(command).action(async (file: string, opts: RunCommandOptions) => {
    await loadProtocolModules({ protocol: opts.protocol ?? 'ivy', protocolModule: opts.protocolModule });
    // Ctrl-C ends the run through its AbortSignal: the error says what each CPU was doing,
    // and the CPUs are stopped before the command exits. A second Ctrl-C kills at once.
    const controller = new AbortController();
    const onInterrupt = (): void => controller.abort('SIGINT');
    process.once('SIGINT', onInterrupt);
    try {
      for (const line of await runProgram(file, { ...opts, signal: controller.signal })) console.log(line);
    } finally {
      process.off('SIGINT', onInterrupt);
    }
  });
}

/**
 * The seed scenario (sim/scenarios.ts) on real worker threads, traced: the narrated lines,
 * then each CPU's reads. The interleaving is the threads' own, so it may differ between runs;
 * what the readers see may not.
 */
export async function demoSeedOnWorkers(protocol = 'ivy'): Promise<string[]> {
  const scenario = getScenario('seed');
  const cluster = await Cluster.start({ ...scenario.config, timeoutMs: 30000, protocol });
  try {
    const { results, trace } = await cluster.run(opsProgram, scenario.programs, { trace: true });
    const reads = results.map((r, cpu) => `CPU ${cpu} read: ${showValue(r)}`);
    return [...narrate(trace ?? [], scenario.config.cpus), ...reads];
  } finally {
    await cluster.close();
  }
}
