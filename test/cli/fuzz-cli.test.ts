/**
 * `tsdsm fuzz` through its registration on a fresh commander program (the same call
 * cli/tsdsm.ts makes), with stdout and stderr captured.
 */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { FuzzFailure, parseRange, registerFuzzCommand, replayCommand, type FuzzIo } from '../../cli/commands/fuzz.js';
import { DsmConfigError, DsmMutantError } from '../../src/core/errors.js';
import { builtinMutants, mutants } from '../../src/core/mutants.js';
import { mutantTable } from '../../src/core/registry.js';

/** IVY's mutants on ivy, and those of the other protocols on theirs (their own or shared). */
const cases: [string, string][] = [
  ...builtinMutants.ivy.map((m): [string, string] => ['ivy', m]),
  ['ivy-dynamic', 'forgetCopyset'], ['ivy-dynamic', 'readMovesHint'], ['hlrc', 'diffNotApplied'], ['hlrc', 'ignoreWriteNotice'],
];

const cli = fileURLToPath(new URL('../../cli/tsdsm.js', import.meta.url));
const tsdsm = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 60000 });

interface Captured { out: string[]; err: string; error: unknown }

async function fuzz(args: string[], isTTY = false): Promise<Captured> {
  const captured: Captured = { out: [], err: '', error: undefined };
  const io: FuzzIo = { out: (line) => captured.out.push(line), err: { write: (t: string) => { captured.err += t; }, isTTY } };
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerFuzzCommand(program, io);
  try {
    await program.parseAsync(['fuzz', ...args], { from: 'user' });
  } catch (err) {
    captured.error = err;
  }
  return captured;
}

describe('tsdsm fuzz', () => {
  test.each(['ivy-central', 'ivy-dynamic'])('--protocol %s --runs 300 --seed 1 passes', async (protocol) => {
    const r = await fuzz(['--protocol', protocol, '--runs', '300', '--seed', '1']);
    expect(r.error).toBeUndefined();
    expect(r.out[1]).toMatch(new RegExp(`^fuzz: ${protocol}, 300 runs`));
    expect(r.out[2]).toMatch(/^passed: 300 runs in /);
  });

  test('--protocol hlrc is fuzzed with data-race-free programs, the only ones it promises sequential consistency to', async () => {
    const r = await fuzz(['--protocol', 'hlrc', '--runs', '300', '--seed', '1']);
    expect(r.error).toBeUndefined();
    expect(r.out[1]).toContain('data-race-free programs only');
    expect(r.out[2]).toMatch(/^passed: 300 runs in /);
  });

  test('--runs 500 --seed 1 passes on the real protocol; the seed comes first', async () => {
    const r = await fuzz(['--runs', '500', '--seed', '1']);
    expect(r.error).toBeUndefined();
    expect(r.out[0]).toBe('seed 1');
    expect(r.out[1]).toMatch(/drawn per run from the seed: cpus, pages, ops, channel order, lock mix, barriers/);
    expect(r.out[2]).toMatch(/^passed: 500 runs in /);
    // Not a terminal: plain progress lines, one per tenth.
    expect(r.err.split('\n').filter(Boolean)).toHaveLength(9);
    expect(r.err).toContain('fuzz: 250/500 runs\n');
  });

  test.each(cases)('--protocol %s --runs 500 --seed 1 --mutant %s fails with a shrunk story and a replay command that replays it', async (protocol, mutant) => {
    const r = await fuzz(['--protocol', protocol, '--runs', '500', '--seed', '1', '--mutant', mutant]);
    expect(r.error).toBeInstanceOf(FuzzFailure);
    const text = r.out.join('\n');
    expect(r.out[0]).toBe('seed 1');
    expect(text).toContain(mutants[mutant as keyof typeof mutants]);
    expect(text).toMatch(/\nFAILED at step \d+: /);
    expect(text).toMatch(/\nprogram:\n {2}CPU 0: /);
    expect(text).toMatch(/\nschedule: \d+ steps/);
    expect(text).toMatch(/\ntrace \(narrated/);
    const replay = /\n {2}(tsdsm fuzz --seed 1 (?:--protocol \S+ )?--mutant \S+ --replay \S+)$/.exec(text)?.[1];
    expect(replay).toContain(`--mutant ${mutant}`);
    expect(replay).toBeDefined();
    expect((r.error as Error).message).toContain(`replay: ${replay}`);
    const again = await fuzz(replay!.split(' ').slice(2));
    expect(again.error).toBeInstanceOf(FuzzFailure);
    const failed = (c: Captured): string => c.out.join('\n').split('\n').find((l) => l.startsWith('FAILED'))!;
    expect(failed(again)).toBe(failed(r));
  });

  test('a terminal gets a progress bar on one line', async () => {
    const r = await fuzz(['--runs', '60', '--seed', '3', '--cpus', '2-3', '--fifo'], true);
    expect(r.error).toBeUndefined();
    expect(r.err).toContain('\rfuzz [');
    expect(r.err).toContain('] 60/60 runs');
    expect(r.err.endsWith('\n')).toBe(true);
    expect(r.err.split('\n').filter(Boolean)).toHaveLength(1);
  });

  test('fixed options are kept and repeated in the replay command', () => {
    expect(replayCommand({ runs: 5, protocol: 'ivy-central', mutant: 'lostAck', cpus: { min: 2, max: 4 }, ops: 6, reorder: true, lockWeight: 0, barriers: 1 }, 9, '1:2'))
      .toBe('tsdsm fuzz --seed 9 --protocol ivy-central --mutant lostAck --cpus 2-4 --ops 6 --reorder --lock-weight 0 --barriers 1 --replay 1:2');
  });

  test('--list-mutants lists every mutant, the protocols that implement it, and its one-line description', async () => {
    const r = await fuzz(['--list-mutants']);
    expect(r.error).toBeUndefined();
    const table = mutantTable();
    expect(r.out).toHaveLength(table.length);
    expect(r.out).toHaveLength(Object.keys(mutants).length);
    const quote = (text: string): string => text.replace(/[()]/g, '\\$&');
    table.forEach((m, i) => expect(r.out[i]).toMatch(new RegExp(`^${m.name} +${m.protocols.join(', ')} +${quote(m.description)}$`)));
    expect(r.out.find((l) => l.startsWith('lostAck '))).toMatch(/^lostAck +ivy, ivy-central, ivy-dynamic +a copy holder/);
    expect(r.out.find((l) => l.startsWith('diffNotApplied '))).toMatch(/^diffNotApplied +hlrc +the home/);
    expect(r.out.find((l) => l.startsWith('doubleGrant '))).toMatch(/^doubleGrant +ivy, ivy-central, ivy-dynamic, hlrc +/);
  });

  test.each([
    ['hlrc', 'lostAck', 'ivy, ivy-central, ivy-dynamic'],
    ['ivy-dynamic', 'earlyRelease', 'ivy, ivy-central'],
    ['ivy', 'diffNotApplied', 'hlrc'],
  ])('--protocol %s --mutant %s is refused with DsmMutantError listing the protocols that have it (%s), before any run', async (protocol, mutant, having) => {
    const r = await fuzz(['--protocol', protocol, '--mutant', mutant, '--runs', '10', '--seed', '1']);
    expect(r.error).toBeInstanceOf(DsmMutantError);
    expect((r.error as Error).message).toMatch(new RegExp(`^protocol ${protocol} does not implement mutant "${mutant}"; the protocols that have it: ${having}; ${protocol}'s mutants: `));
    expect(r.out).toEqual([]);
  });

  test.each([
    [['--mutant', 'nope'], /^unknown mutant "nope"; no registered protocol has it; ivy's mutants: noAckWait, forgetCopyset, .*noDowngradeOnInvalidate$/],
    [['--cpus', '0'], /^--cpus must be N or MIN-MAX with integers from 1 to 256, got "0"$/],
    [['--cpus', '5-2'], /^--cpus must be N or MIN-MAX/],
    [['--reorder', '--fifo'], /^give either --reorder or --fifo, not both$/],
    [['--runs', '0'], /^--runs = 0; allowed: an integer from 1 to/],
    [['--page-size', '100'], /pageSize = 100; allowed: a power of two/],
    [['--protocol', 'mesi'], /protocol = "mesi"; allowed: ivy, /],
    [['--lock-weight', '-1'], /^--lock-weight = -1; allowed/],
  ])('bad option %p: a DsmConfigError naming what is allowed', async (args, why) => {
    const r = await fuzz(args);
    expect(r.error).toBeInstanceOf(DsmConfigError);
    expect((r.error as Error).message).toMatch(why);
    expect((r.error as Error).message.split('\n')).toHaveLength(1);
  });

  test('parseRange accepts N and MIN-MAX', () => {
    expect(parseRange('--cpus', 1, 8)('3')).toBe(3);
    expect(parseRange('--cpus', 1, 8)('2-5')).toEqual({ min: 2, max: 5 });
    expect(parseRange('--cpus', 1, 8)('4-4')).toBe(4);
    expect(() => parseRange('--cpus', 1, 8)('9')).toThrow(DsmConfigError);
  });

  describe('through the tsdsm executable', () => {
    test('fuzz --runs 500 --seed 1 exits 0', () => {
      const r = tsdsm('fuzz', '--runs', '500', '--seed', '1');
      expect(r.status).toBe(0);
      expect(r.stdout.split('\n')[0]).toBe('seed 1');
      expect(r.stdout).toMatch(/\npassed: 500 runs in /);
    });

    test('fuzz --mutant lostAck: the story on stdout, one line with the replay command on stderr, exit 1', () => {
      const r = tsdsm('fuzz', '--runs', '500', '--seed', '1', '--mutant', 'lostAck');
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(/\nFAILED at step \d+: deadlock: /);
      const last = r.stderr.trim().split('\n').pop()!;
      expect(last).toMatch(/^tsdsm: FuzzFailure: the property failed after \d+ run\(s\) \(seed 1, path [\d:]+\); replay: tsdsm fuzz --seed 1 --mutant lostAck --replay [\d:]+$/);
      const replay = /replay: tsdsm (fuzz .*)$/.exec(last)![1]!.split(' ');
      const again = tsdsm(...replay);
      expect(again.status).toBe(1);
      expect(again.stdout).toMatch(/\nFAILED at step \d+: deadlock: /);
    });

    test('fuzz --list-mutants and a bad mutant name', () => {
      const list = tsdsm('fuzz', '--list-mutants');
      expect(list.status).toBe(0);
      expect(list.stdout.trim().split('\n')).toHaveLength(mutantTable().length);
      const bad = tsdsm('fuzz', '--mutant', 'nope');
      expect(bad.status).not.toBe(0);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
      expect(bad.stderr.trim()).toMatch(/^tsdsm: DsmMutantError: unknown mutant "nope"; no registered protocol has it; ivy's mutants: noAckWait, /);
      const refused = tsdsm('fuzz', '--protocol', 'hlrc', '--mutant', 'lostAck', '--runs', '5');
      expect(refused.status).toBe(1);
      expect(refused.stdout).toBe('');
      expect(refused.stderr.trim()).toMatch(/^tsdsm: DsmMutantError: protocol hlrc does not implement mutant "lostAck"; the protocols that have it: ivy, ivy-central, ivy-dynamic; /);
    });
  });
});
