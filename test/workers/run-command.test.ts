/**
 * `tsdsm run` and the worker-thread demo, called as functions (the lead's cli/tsdsm.ts wires
 * them into the command line).
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { Command } from 'commander';
import { demoSeedOnWorkers, parseArgs, registerRunCommand, runProgram } from '../../cli/commands/run.js';

const example = (name: string): string => fileURLToPath(new URL(`../../examples/${name}.js`, import.meta.url));

describe('tsdsm run', () => {
  test('prints each CPU\'s result, then the stats table', async () => {
    const lines = await runProgram(example('counter'), { cpus: 2, pages: 1, timeoutMs: 20000, args: '{"increments": 3}' });
    expect(lines.slice(0, 2)).toEqual(['CPU 0: 6', 'CPU 1: 6']);
    const table = lines.slice(2).join('\n');
    expect(table).toMatch(/read faults +write faults +messages/);
    expect(table).toMatch(/\ntotal +\d+ +\d+ +\d+/);
    expect(table).toContain('LOCK_REQ');
  });

  test('--trace adds the narrated trace', async () => {
    const lines = await runProgram(example('seed_test'), { cpus: 2, pages: 2, timeoutMs: 20000, trace: true });
    expect(lines.slice(0, 2)).toEqual(['CPU 0: 42', 'CPU 1: 42']);
    expect(lines.some((l) => /CPU 1: read fault on page 1 \(address 0x1000\)/.test(l))).toBe(true);
  });

  test('--args that is not JSON is a named error', () => {
    expect(() => parseArgs('{increments: 3}')).toThrow('--args must be JSON');
  });

  test('the command registers with its options', () => {
    const program = new Command();
    registerRunCommand(program);
    const run = program.commands.find((c) => c.name() === 'run')!;
    expect(run.options.map((o) => o.long)).toEqual(['--cpus', '--pages', '--page-size', '--timeout-ms', '--args', '--trace', '--backend', '--protocol', '--protocol-module']);
  });
});

describe('the seed demo on worker threads', () => {
  test('narrates faults and messages, and every reader sees 0xc0ffee', async () => {
    const lines = await demoSeedOnWorkers();
    expect(lines.slice(-4)).toEqual(['CPU 0 read: [12648430]', 'CPU 1 read: []', 'CPU 2 read: [12648430]', 'CPU 3 read: [12648430]']);
    // On real threads another CPU's event may fall between the fault and its request in the
    // trace's global order, and the narration then tells them on two lines (seen 1-2 in 30 runs).
    const together = lines.some((l) => l.includes('CPU 1: write fault on page 2 (address 0x2010) → WRITE_REQ to manager CPU 2 (page 2)'));
    const apart = lines.some((l) => l.endsWith('CPU 1: write fault on page 2 (address 0x2010)')) &&
      lines.some((l) => l.includes('CPU 1: → WRITE_REQ to manager CPU 2 (page 2)'));
    expect(together || apart).toBe(true);
    expect(lines.filter((l) => l.includes('READ_DATA to CPU')).length).toBe(3);
  });
});
