/**
 * `--protocol` on every command that runs a protocol (run, demo, viz, as sim and fuzz already
 * had it), for every registered protocol, and `--protocol-module FILE`, which registers a
 * protocol of the user's own so that `--protocol` can name it (here through the executable,
 * on worker threads, the simulator and the fuzzer).
 */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDemoCommand } from '../../cli/commands/demo.js';
import { runProgram } from '../../cli/commands/run.js';
import { runVizCommand } from '../../cli/commands/viz.js';
import type { VizModel } from '../../viz/model.js';
import { DsmConfigError, DsmMutantError } from '../../src/core/errors.js';
import { protocols } from '../../src/core/registry.js';

const cli = fileURLToPath(new URL('../../cli/tsdsm.js', import.meta.url));
const tsdsm = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60000 });
const counter = fileURLToPath(new URL('../../examples/counter.js', import.meta.url));
const userModule = fileURLToPath(new URL('../conformance/fixtures/exclusive-ivy.js', import.meta.url));
const builtins = Object.keys(protocols);

/** A message kind only this protocol sends in a counter run (what shows that it ran). */
const signature: Record<string, RegExp> = {
  ivy: /^WRITE_CONFIRM /m,
  'ivy-central': /^WRITE_CONFIRM /m,
  'ivy-dynamic': /^INVALIDATE /m,
  hlrc: /^DIFF /m,
};

describe('tsdsm run --protocol', () => {
  test.each(builtins)('%s: the counter counts, under that protocol', async (protocol) => {
    const lines = await runProgram(counter, { cpus: 3, pages: 1, timeoutMs: 30000, args: '{"increments": 5}', protocol });
    expect(lines.slice(0, 3)).toEqual(['CPU 0: 15', 'CPU 1: 15', 'CPU 2: 15']);
    const table = lines.join('\n');
    expect(table).toMatch(signature[protocol]!);
    if (protocol === 'ivy-dynamic' || protocol === 'hlrc') expect(table).not.toMatch(/^WRITE_CONFIRM /m);
    if (protocol !== 'hlrc') expect(table).not.toMatch(/^DIFF /m);
  });

  test('an unknown protocol is a DsmConfigError listing the registered ones', async () => {
    await expect(runProgram(counter, { cpus: 2, pages: 1, protocol: 'mesi' })).rejects.toThrow(
      new DsmConfigError('invalid config: protocol = "mesi"; allowed: ivy, ivy-central, ivy-dynamic, hlrc (or registerProtocol your own)'),
    );
  });
});

describe('tsdsm demo --protocol', () => {
  test.each(builtins)('%s: a preset on the simulator, narrated, under that protocol', async (protocol) => {
    const lines: string[] = [];
    await runDemoCommand('ping-pong', { protocol }, { print: (l) => lines.push(l) });
    expect(lines[2]).toBe(`(on the deterministic simulator under ${protocol}, scheduler seed 1)`);
    expect(lines[lines.length - 1]).toMatch(/^done: \d+ faults, \d+ messages/);
    if (protocol === 'hlrc') expect(lines.join('\n')).toContain('PAGE_REQ');
    else expect(lines.join('\n')).not.toContain('PAGE_REQ');
  });

  test('the seed on worker threads takes the protocol too', async () => {
    const lines: string[] = [];
    let asked = '';
    await runDemoCommand(undefined, { protocol: 'ivy-dynamic' }, { print: (l) => lines.push(l) }, {
      seedOnWorkers: async (protocol) => {
        asked = protocol;
        return ['narrated'];
      },
    });
    expect(asked).toBe('ivy-dynamic');
    expect(lines).toContain('(running on worker threads under ivy-dynamic: one thread per CPU, real messages between them)');
  });

  test('a mutant the protocol lacks is refused, naming the protocols that have it', async () => {
    const run = runDemoCommand('seed', { protocol: 'hlrc', mutant: 'lostAck' }, { print: () => {} });
    await expect(run).rejects.toThrow(DsmMutantError);
    await expect(runDemoCommand('seed', { protocol: 'hlrc', mutant: 'lostAck' }, { print: () => {} })).rejects.toThrow(/the protocols that have it: ivy, ivy-central, ivy-dynamic;/);
  });
});

describe('tsdsm viz --protocol', () => {
  test('takes any registered protocol by name and refuses others and missing mutants by name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsdsm-viz-protocol-'));
    const model = runVizCommand(undefined, { preset: 'seed', protocol: 'ivy-central', output: join(dir, 'p.html') }, () => {});
    expect((model as VizModel).protocol).toBe('ivy-central');
    expect(() => runVizCommand(undefined, { preset: 'seed', protocol: 'mesi', output: join(dir, 'q.html') }, () => {})).toThrow(/protocol = "mesi"; allowed: ivy, ivy-central, ivy-dynamic, hlrc/);
    expect(() => runVizCommand(undefined, { preset: 'seed', protocol: 'hlrc', mutant: 'noAckWait', output: join(dir, 'r.html') }, () => {}))
      .toThrow(new DsmMutantError('noAckWait', 'hlrc', ['ivy', 'ivy-central'], Object.keys(protocols.hlrc.mutants!)));
  });
});

describe('--protocol-module: a protocol of your own from the command line', () => {
  test('tsdsm run counts on worker threads with it', () => {
    const r = tsdsm('run', counter, '--cpus', '3', '--pages', '1', '--args', '{"increments":4}', '--timeout-ms', '30000', '--protocol-module', userModule, '--protocol', 'ivy-exclusive');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').slice(0, 3)).toEqual(['CPU 0: 12', 'CPU 1: 12', 'CPU 2: 12']);
    expect(r.stdout).not.toMatch(/^READ_REQ /m);
  });

  test('tsdsm sim and fuzz run it; without the module its name is unknown', () => {
    const sim = tsdsm('sim', '--workload', 'random', '--cpus', '3', '--pages', '2', '--ops', '8', '--protocol-module', userModule, '--protocol', 'ivy-exclusive', '--json');
    expect(sim.status).toBe(0);
    const summary = JSON.parse(sim.stdout.trim().split('\n').pop()!);
    expect(summary.protocol).toBe('ivy-exclusive');
    expect(summary.messagesByKind.READ_REQ ?? 0).toBe(0);
    const fuzz = tsdsm('fuzz', '--runs', '50', '--seed', '1', '--protocol-module', userModule, '--protocol', 'ivy-exclusive');
    expect(fuzz.status).toBe(0);
    expect(fuzz.stdout).toMatch(/^fuzz: ivy-exclusive, 50 runs/m);
    const unknown = tsdsm('sim', '--protocol', 'ivy-exclusive');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr.trim()).toMatch(/^tsdsm: DsmConfigError: invalid config: protocol = "ivy-exclusive"; allowed: ivy, ivy-central, ivy-dynamic, hlrc/);
  });

  test('a module that exports no protocol is a named error', () => {
    const r = tsdsm('sim', '--protocol-module', counter);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`tsdsm: DsmProtocolLoadError: protocol module ${counter} exports no protocol object (see Protocol in src/core/protocol.ts)`);
  });
});
