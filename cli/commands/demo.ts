/**
 * `tsdsm demo [PRESET] [--step]`: narrates a run in the terminal, one sentence per fault,
 * message or sync call, saying why each message is sent. With --step it waits for Enter
 * between sentences. With no PRESET it runs the seed's scenario on real worker threads when
 * the CLI provides that runner, else on the deterministic simulator.
 *
 * Stepping reads lines from stdin: Enter for the next sentence, b to see the one before again,
 * q to stop. When stdin ends (a pipe, /dev/null, CI), the demo stops waiting and prints the
 * rest: it must never hang on input that cannot come.
 */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { narrate } from '../../src/runtime/trace.js';
import { loadScenario } from '../../sim/scenario-file.js';
import { simulate } from '../../sim/simulator.js';
import { checkMutant, getProtocol } from '../../src/core/registry.js';
import { addProtocolOptions, loadProtocolModules, parseInteger } from '../options.js';
import { listPresets } from './viz.js';

export interface DemoCommandOptions {
  step?: boolean;
  seed?: number;
  mutant?: string;
  list?: boolean;
  /** The protocol (default ivy): any registered one. */
  protocol?: string;
  protocolModule?: string[];
}

export interface DemoRegistration {
  /** Runs the seed's scenario on worker threads under `protocol` and returns its narrated lines. */
  seedOnWorkers?: (protocol: string) => Promise<string[]>;
}

export interface DemoIo {
  print: (line: string) => void;
  /** Where Enter comes from (default process.stdin). */
  input?: NodeJS.ReadableStream;
  /** Written before each wait when the input is a terminal. */
  prompt?: (text: string) => void;
}

/**
 * Waits for one line of input at a time and says what it was (trimmed); once the input has
 * ended every wait returns null at once.
 */
export class EnterWaiter {
  private closed = false;
  private readonly buffered: string[] = [];
  private readonly waiters: ((line: string | null) => void)[] = [];
  private readonly rl;

  constructor(input: NodeJS.ReadableStream) {
    this.rl = createInterface({ input, terminal: false });
    this.rl.on('line', (line: string) => {
      const w = this.waiters.shift();
      if (w) w(line.trim());
      else this.buffered.push(line.trim());
    });
    this.rl.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w(null);
    });
  }

  get ended(): boolean {
    return this.closed;
  }

  next(): Promise<string | null> {
    const line = this.buffered.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Stops reading, so that the process can exit. */
  close(): void {
    this.rl.close();
  }
}

async function narrateLines(lines: readonly string[], opts: DemoCommandOptions, io: DemoIo): Promise<void> {
  if (!opts.step) {
    for (const line of lines) io.print(line);
    return;
  }
  const waiter = new EnterWaiter(io.input ?? process.stdin);
  try {
    // Enter: the next line; b (back): the line before again; q (quit): stop here. Every line
    // is printed at most once per key, so the loop ends after at most one pass per key read,
    // and an ended input lets it run to the end.
    for (let i = 0; i < lines.length; ) {
      io.print(lines[i]!);
      if (i === lines.length - 1) break;
      if (!waiter.ended) io.prompt?.('  [Enter: next, b: back, q: quit] ');
      const key = await waiter.next();
      if (key === 'q') {
        io.print(`(quit: ${lines.length - 1 - i} more line${lines.length - 1 - i === 1 ? '' : 's'} not shown)`);
        return;
      }
      if (key === 'b') {
        if (i > 0) io.print('(back)');
        i = Math.max(0, i - 1);
      } else {
        i += 1;
      }
    }
  } finally {
    waiter.close();
  }
}

export async function runDemoCommand(preset: string | undefined, opts: DemoCommandOptions, io: DemoIo, registration: DemoRegistration = {}): Promise<void> {
  if (opts.list) {
    listPresets(io.print);
    return;
  }
  const scenario = loadScenario(preset ?? 'seed');
  const protocol = opts.protocol ?? scenario.protocol ?? 'ivy';
  const mutant = checkMutant(getProtocol(protocol), opts.mutant);
  if (preset === undefined && registration.seedOnWorkers && mutant === undefined) {
    io.print(scenario.title);
    io.print(scenario.explanation);
    io.print(`(running on worker threads under ${protocol}: one thread per CPU, real messages between them)`);
    io.print('');
    await narrateLines(await registration.seedOnWorkers(protocol), opts, io);
    return;
  }
  io.print(scenario.title);
  io.print(scenario.explanation);
  io.print(`(on the deterministic simulator under ${protocol}, scheduler seed ${opts.seed ?? 1}${mutant ? `, with the bug ${mutant} switched on` : ''})`);
  io.print('');
  let trace;
  let failure: string | null = null;
  let summary = '';
  try {
    const result = simulate({ config: scenario.config, programs: scenario.programs, seed: opts.seed ?? 1, mutant, protocol });
    trace = result.trace;
    const t = result.stats.total;
    summary = `done: ${t.readFaults + t.writeFaults} faults, ${t.messages} messages; values read: ${result.results.map((r, cpu) => `CPU ${cpu} [${r.join(', ')}]`).join(', ')}`;
  } catch (err) {
    const e = err as Error & { trace?: unknown };
    if (!Array.isArray(e.trace)) throw err;
    trace = e.trace as ReturnType<typeof simulate>['trace'];
    failure = `${e.name}: ${e.message}`;
  }
  await narrateLines(narrate(trace, scenario.config.cpus ?? 0, protocol), opts, io);
  io.print('');
  io.print(failure === null ? summary : `CHECK FAILED: ${failure}`);
}

export function registerDemoCommand(program: Command, options: DemoRegistration = {}): void {
  const command = program
    .command('demo')
    .description('narrate a preset in the terminal: every fault and message, and why it is sent')
    .argument('[preset]', 'a named scenario (see --list) or a scenario file (FILE.json); default: the seed\'s test, on worker threads')
    .option('--step', 'wait for Enter between events (b: back one, q: quit)')
    .option('--seed <n>', 'scheduler seed for the simulator', parseInteger('--seed'), 1)
    .option('--mutant <name>', 'switch on a deliberate bug (see --list) and watch the run break')
    .option('--list', 'list the presets and the bugs that can be switched on');
  addProtocolOptions(command, ' (default: the scenario file\'s, else ivy)', undefined)
    .action(async (preset: string | undefined, opts: DemoCommandOptions) => {
      await loadProtocolModules({ protocol: opts.protocol ?? 'ivy', protocolModule: opts.protocolModule });
      await runDemoCommand(preset, opts, {
        print: (line) => console.log(line),
        prompt: process.stdin.isTTY ? (text) => process.stdout.write(text) : undefined,
      }, options);
    });
}
