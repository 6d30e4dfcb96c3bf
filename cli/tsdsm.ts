#!/usr/bin/env node
/**
 * The tsdsm command line. Each subcommand lives in cli/commands/; this file wires them and
 * turns every error into one line on stderr and a non-zero exit.
 */
import { Command, CommanderError } from 'commander';
import { registerCheckCommand } from './commands/check.js';
import { registerLitmusCommand } from './commands/litmus.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerFuzzCommand } from './commands/fuzz.js';
import { demoSeedOnWorkers, registerRunCommand } from './commands/run.js';
import { registerSimCommand } from './commands/sim.js';
import { registerVizCommand } from './commands/viz.js';

export function makeProgram(): Command {
  const program = new Command();
  program
    .name('tsdsm')
    .description('page-based distributed shared memory: simulator, worker-thread runtime, protocol testing')
    .exitOverride()
    .configureOutput({ outputError: () => {} });
  registerSimCommand(program);
  registerRunCommand(program);
  registerDemoCommand(program, { seedOnWorkers: demoSeedOnWorkers });
  registerVizCommand(program);
  registerFuzzCommand(program);
  registerCheckCommand(program);
  registerLitmusCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await makeProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return 0;
      console.error(`tsdsm: ${err.message.replace(/^error: /, '')}`);
      return err.exitCode || 2;
    }
    const e = err as Error;
    console.error(`tsdsm: ${e.name}: ${e.message.split('\n')[0]}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
