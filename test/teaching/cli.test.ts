/**
 * `tsdsm viz` and `tsdsm demo` through their register functions on a fresh commander program
 * (as cli/tsdsm.ts wires them), and once in a child process with a real, ended stdin, where
 * `demo --step` must finish instead of waiting for Enter forever.
 */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { registerDemoCommand, runDemoCommand, EnterWaiter } from '../../cli/commands/demo.js';
import { runSimCommand } from '../../cli/commands/sim.js';
import { registerVizCommand, runVizCommand } from '../../cli/commands/viz.js';
import { narrate, traceToJsonLines } from '../../src/runtime/trace.js';
import type { VizModel } from '../../viz/model.js';
import { loadScenario, parseScenario, scenarioToJson } from '../../sim/scenario-file.js';
import { getScenario } from '../../sim/scenarios.js';
import { simulate } from '../../sim/simulator.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const tmp = (): string => mkdtempSync(join(tmpdir(), 'tsdsm-teaching-'));

async function cli(args: string[]): Promise<string[]> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...parts: unknown[]) => { lines.push(parts.join(' ')); };
  try {
    const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
    registerVizCommand(program);
    registerDemoCommand(program);
    await program.parseAsync(args, { from: 'user' });
  } finally {
    console.log = log;
  }
  return lines;
}

function narrated(name: string, seed = 1): string[] {
  const s = getScenario(name);
  return narrate(simulate({ config: s.config, programs: s.programs, seed }).trace, s.config.cpus ?? 0);
}

describe('tsdsm viz', () => {
  test('--preset writes one HTML page and, with --chrome, a Perfetto trace', async () => {
    const dir = tmp();
    const out = await cli(['viz', '--preset', 'seed', '-o', join(dir, 'seed.html'), '--chrome', join(dir, 'seed.json')]);
    expect(out[0]).toMatch(/^wrote .*seed\.html: The seed document's test, 31 steps, 23 messages/);
    const html = readFileSync(join(dir, 'seed.html'), 'utf8');
    expect(html).toContain('<script type="application/json" id="viz-data">');
    const chrome = JSON.parse(readFileSync(join(dir, 'seed.json'), 'utf8'));
    expect(chrome.traceEvents.filter((e: { ph: string }) => e.ph === 's')).toHaveLength(23);
  });

  test('reads the trace that tsdsm sim --json prints (events and a summary line)', async () => {
    const dir = tmp();
    const s = getScenario('ping-pong');
    const result = simulate({ config: s.config, programs: s.programs, seed: 1 });
    const file = join(dir, 'run.jsonl');
    writeFileSync(file, `${traceToJsonLines(result.trace)}\n${JSON.stringify({ type: 'summary', scenario: 'ping-pong', cpus: 2, pages: 2 })}\n`);
    const model = runVizCommand(file, { output: join(dir, 'run.html') }, () => {}) as VizModel;
    expect(model!.source).toBe('trace');
    expect(model!.title).toBe('Trace of the ping-pong scenario');
    expect(model!.steps.length - 1).toBe(result.steps);
    expect(existsSync(join(dir, 'run.html'))).toBe(true);
  });

  test.each(['hlrc', 'ivy-dynamic'])('draws what tsdsm sim --json --protocol %s prints with that protocol\'s own records', async (protocol) => {
    const dir = tmp();
    const lines: string[] = [];
    runSimCommand({ scenario: 'false-sharing', cpus: 4, pages: 4, pageSize: 4096, ops: 20, seed: 1, json: true, protocol }, (line) => lines.push(line));
    expect(JSON.parse(lines[0]!)).toMatchObject({ type: 'header', format: 'tsdsm-trace', protocol, cpus: 2, pages: 2 });
    const file = join(dir, 'run.jsonl');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const model = runVizCommand(file, { output: join(dir, 'run.html') }, () => {}) as VizModel;
    expect(model.protocol).toBe(protocol);
    expect(model.pageColumns.map((c) => c.key)).toContain(protocol === 'hlrc' ? 'twins' : 'tail');
    const preset = await cli(['viz', '--preset', 'seed', '--protocol', protocol, '-o', join(dir, 'p.html')]);
    expect(preset[0]).toMatch(/^wrote .*p\.html/);
    expect(readFileSync(join(dir, 'p.html'), 'utf8')).toContain(`data-protocol="${protocol}"`);
  });

  test('--protocol ivy,hlrc writes one side-by-side page with each protocol\'s counts', async () => {
    const dir = tmp();
    const out = await cli(['viz', '--preset', 'false-sharing', '--protocol', 'ivy,hlrc', '-o', join(dir, 'cmp.html')]);
    expect(out[0]).toMatch(/^wrote .*cmp\.html: .*ivy and hlrc side by side, 12 operations; ivy: \d+ faults, \d+ messages, \d+ bytes; hlrc: /);
    const html = readFileSync(join(dir, 'cmp.html'), 'utf8');
    expect(html).toContain('data-protocols="ivy,hlrc"');
    await expect(cli(['viz', '--preset', 'seed', '--protocol', 'ivy,nope'])).rejects.toThrow(/unknown protocol "nope" in --protocol "ivy,nope"; allowed: ivy, ivy-central, ivy-dynamic, hlrc/);
    await expect(cli(['viz', '--preset', 'seed', '--protocol', 'ivy,ivy'])).rejects.toThrow(/names a protocol twice/);
    await expect(cli(['viz', '--preset', 'seed', '--protocol', 'ivy,hlrc', '--mutant', 'lostAck'])).rejects.toThrow(/--mutant cannot be combined/);
  });

  test('--mutant replays a preset with the bug and reports where it broke', async () => {
    const dir = tmp();
    const out = await cli(['viz', '--preset', 'seed', '--mutant', 'noAckWait', '-o', join(dir, 'bug.html')]);
    expect(out.join('\n')).toMatch(/the run stopped at a broken check \(step 4\): SimulationError: invariant violated/);
    expect(readFileSync(join(dir, 'bug.html'), 'utf8')).toContain('id="violation"');
  });

  test('says what is wrong with the arguments', async () => {
    await expect(cli(['viz'])).rejects.toThrow(/give either a trace file or --preset NAME/);
    await expect(cli(['viz', 'x.jsonl', '--preset', 'seed'])).rejects.toThrow(/give either a trace file or --preset NAME/);
    await expect(cli(['viz', 'x.jsonl', '--mutant', 'noAckWait'])).rejects.toThrow(/--mutant .* needs --preset/);
    await expect(cli(['viz', join(tmp(), 'missing.jsonl')])).rejects.toThrow(/cannot read trace file .*missing\.jsonl/);
    await expect(cli(['viz', '--preset', 'nope', '-o', join(tmp(), 'x.html')])).rejects.toThrow(/unknown scenario "nope"; allowed: seed, ping-pong/);
    await expect(cli(['viz', '--preset', 'seed', '--mutant', 'nope', '-o', join(tmp(), 'x.html')])).rejects.toThrow(/unknown mutant "nope"/);
  });

  test('--list names every preset and every bug', async () => {
    const out = (await cli(['viz', '--list'])).join('\n');
    for (const name of ['seed', 'ping-pong', 'false-sharing', 'no-false-sharing', 'producer-consumer', 'readers-then-writer', 'relay', 'pipeline', 'noAckWait', 'forgetCopyset']) {
      expect(out).toContain(name);
    }
  });
});

describe('tsdsm demo', () => {
  test('narrates a preset: title, explanation, then one line per cause', async () => {
    const out = await cli(['demo', 'false-sharing']);
    const s = getScenario('false-sharing');
    expect(out.slice(0, 2)).toEqual([s.title, s.explanation]);
    const lines = narrated('false-sharing');
    expect(out.slice(4, 4 + lines.length)).toEqual(lines);
    expect(out.at(-1)).toMatch(/^done: \d+ faults, \d+ messages; values read: CPU 0 \[104\], CPU 1 \[4\]$/);
  });

  test('without a preset it runs the seed on worker threads when the CLI provides them', async () => {
    const printed: string[] = [];
    await runDemoCommand(undefined, {}, { print: (l) => printed.push(l) }, { seedOnWorkers: async () => ['line from workers'] });
    expect(printed).toContain('line from workers');
    expect(printed.join('\n')).toContain('worker threads');
    const onSim: string[] = [];
    await runDemoCommand(undefined, {}, { print: (l) => onSim.push(l) });
    expect(onSim.slice(4, 4 + narrated('seed').length)).toEqual(narrated('seed'));
  });

  test('--mutant narrates up to the broken check and prints it', async () => {
    const out = await cli(['demo', 'seed', '--mutant', 'earlyRelease']);
    expect(out.at(-1)).toMatch(/^CHECK FAILED: SimulationError: invariant violated/);
  });

  test('--step prints the next line only after Enter', async () => {
    const input = new PassThrough();
    let entersWritten = 0;
    const lines = narrated('no-false-sharing');
    const seen: { line: string; enters: number }[] = [];
    let header = 4;
    await runDemoCommand('no-false-sharing', { step: true }, {
      input,
      print: (line) => { if (header > 0) header -= 1; else seen.push({ line, enters: entersWritten }); },
      // The "user" presses Enter a little later than the prompt appears.
      prompt: () => { setImmediate(() => { entersWritten += 1; input.write('\n'); }); },
    });
    expect(seen.slice(0, lines.length).map((s) => s.line)).toEqual(lines);
    expect(seen.slice(0, lines.length).map((s) => s.enters)).toEqual(lines.map((_, i) => i));
  });

  test('EnterWaiter: a line lets one wait through and says what it was; an ended input lets every wait through', async () => {
    const input = new PassThrough();
    const waiter = new EnterWaiter(input);
    input.write('\n b \n');
    expect(await waiter.next()).toBe('');
    expect(await waiter.next()).toBe('b');
    input.end();
    expect(await waiter.next()).toBeNull();
    expect(await waiter.next()).toBeNull();
    expect(waiter.ended).toBe(true);
    waiter.close();
  });

  test('--step: b goes back one sentence, q quits', async () => {
    const input = new PassThrough();
    const lines = narrated('no-false-sharing');
    const printed: string[] = [];
    const keys = ['', 'b', '', '', 'q'];
    await runDemoCommand('no-false-sharing', { step: true }, {
      input,
      print: (line) => printed.push(line),
      prompt: () => { const k = keys.shift(); if (k !== undefined) setImmediate(() => input.write(`${k}\n`)); },
    });
    const shown = printed.slice(4);
    expect(shown).toEqual([lines[0], lines[1], '(back)', lines[0], lines[1], lines[2], `(quit: ${lines.length - 3} more lines not shown)`, '', expect.stringMatching(/^done: /)]);
  });

  test('--step with an ended stdin, in a real process, prints everything and exits', () => {
    const url = (p: string): string => pathToFileURL(join(root, 'dist', p)).href;
    const script = [
      `import { Command } from 'commander';`,
      `import { registerDemoCommand } from '${url('cli/commands/demo.js')}';`,
      `const program = new Command();`,
      `registerDemoCommand(program);`,
      `await program.parseAsync(['demo', 'seed', '--step'], { from: 'user' });`,
    ].join('\n');
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, input: '\n', encoding: 'utf8', timeout: 60000 });
    expect(run.error).toBeUndefined();
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const out = run.stdout.split('\n');
    for (const line of narrated('seed')) expect(out).toContain(line);
  });
});

describe('scenario files', () => {
  const handoff = {
    format: 'tsdsm-scenario', version: 1, name: 'handoff', title: 'CPU 0 hands a value to CPU 1', explanation: 'a write, a barrier, a read',
    protocol: 'hlrc', config: { cpus: 2, pages: 2 }, watch: '0x10',
    programs: [
      [{ op: 'write', type: 'int32', address: '0x10', value: 42 }, { op: 'barrier' }],
      [{ op: 'barrier' }, { op: 'read', type: 'int32', address: '0x10' }],
    ],
  };
  const write = (value: unknown): string => {
    const file = join(tmp(), 'handoff.json');
    writeFileSync(file, JSON.stringify(value));
    return file;
  };

  test('sim, demo and viz run a scenario file under its protocol, with the counts of the simulator', async () => {
    const file = write(handoff);
    const s = parseScenario(readFileSync(file, 'utf8'), file);
    expect(s.programs[0]![0]).toEqual({ op: 'write', type: 'int32', address: 0x10, value: 42 });
    const want = simulate({ config: s.config, programs: s.programs, seed: 1, protocol: 'hlrc' });
    expect(want.results).toEqual([[], [42]]);
    const lines: string[] = [];
    runSimCommand({ scenario: file, cpus: 4, pages: 4, pageSize: 4096, ops: 20, seed: 1, json: true }, (line) => lines.push(line));
    expect(JSON.parse(lines[0]!)).toMatchObject({ type: 'header', protocol: 'hlrc', scenario: 'handoff', cpus: 2 });
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ type: 'summary', messages: want.stats.total.messages, faults: want.stats.total.readFaults + want.stats.total.writeFaults });
    const out: string[] = [];
    await runDemoCommand(file, {}, { print: (l) => out.push(l) });
    expect(out[0]).toBe('CPU 0 hands a value to CPU 1');
    expect(out.join('\n')).toContain('under hlrc');
    expect(out.at(-1)).toBe(`done: ${want.stats.total.readFaults + want.stats.total.writeFaults} faults, ${want.stats.total.messages} messages; values read: CPU 0 [], CPU 1 [42]`);
    const model = runVizCommand(undefined, { preset: file, output: join(tmp(), 'h.html') }, () => {}) as VizModel;
    expect(model.protocol).toBe('hlrc');
    expect(model.steps.at(-1)!.messages).toBe(want.stats.total.messages);
    expect(model.cpuColumns.map((c) => c.label)).toContain('bytes at 0x10');
    // --protocol overrides the file's.
    expect((runVizCommand(undefined, { preset: file, protocol: 'ivy', output: join(tmp(), 'i.html') }, () => {}) as VizModel).protocol).toBe('ivy');
  });

  test('writes back what it reads', () => {
    const file = write(handoff);
    const s = parseScenario(readFileSync(file, 'utf8'), file);
    expect(parseScenario(scenarioToJson(s), 'again.json')).toEqual(s);
  });

  test.each([
    [{ ...handoff, format: 'other' }, /handoff\.json: format must be "tsdsm-scenario"/],
    [{ ...handoff, version: 2 }, /version 2 is not supported/],
    [{ ...handoff, config: { cpus: 0 } }, /config: invalid config: cpus = 0/],
    [{ ...handoff, programs: [[{ op: 'read', address: 'ten' }], []] }, /programs\[0\]\[0\]\.address must be an integer or a hex string like "0x10", got "ten"/],
    [{ ...handoff, programs: [[{ op: 'jump' }], []] }, /programs\[0\]\[0\]\.op must be read, write, lock, unlock or barrier/],
    [{ ...handoff, programs: [[]] }, /programs: invalid programs: expected a list of 2 op lists/],
  ])('names the file and the field of a bad scenario (%#)', (bad, why) => {
    const file = write(bad);
    expect(() => loadScenario(file)).toThrow(why);
  });
});

test('the example in docs/scenario-format.md is a scenario that runs and reads what it says', () => {
  const doc = readFileSync(join(root, 'docs/scenario-format.md'), 'utf8');
  const example = doc.match(/```json\n([\s\S]*?)```/)![1]!;
  const s = parseScenario(example, 'docs/scenario-format.md');
  expect(s.explanation).toContain('0x2a');
  expect(simulate({ config: s.config, programs: s.programs, protocol: s.protocol }).results).toEqual([[], [0x2a]]);
});
