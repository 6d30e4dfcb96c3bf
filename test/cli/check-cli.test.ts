/** `tsdsm check`: the JSON summary line, a mutant's story and non-zero exit, bounds and bad options. */
import { describe, expect, test } from '@jest/globals';
import { CheckFailure, runCheckCommand, type CheckCommandOptions } from '../../cli/commands/check.js';

const base: CheckCommandOptions = { protocol: 'ivy', cpus: 2, pages: 1, ops: 2, reduction: 'none' };

function run(opts: Partial<CheckCommandOptions>): { lines: string[]; error: unknown } {
  const lines: string[] = [];
  try {
    runCheckCommand({ ...base, ...opts }, { out: (l) => lines.push(...l.split('\n')), err: { write: () => true } });
    return { lines, error: null };
  } catch (error) {
    return { lines, error };
  }
}

describe('tsdsm check', () => {
  test('--json ends with a summary line: ok, exhaustive, states, transitions, ms', () => {
    const { lines, error } = run({ json: true, reorder: true });
    expect(error).toBeNull();
    const summary = JSON.parse(lines[lines.length - 1]!);
    expect(summary).toMatchObject({ ok: true, exhaustive: true, protocol: 'ivy', cpus: 2, pages: 1, ops: 2, reorder: true });
    expect(summary.states).toBeGreaterThan(100);
    expect(summary.transitions).toBeGreaterThanOrEqual(summary.states - 1);
    expect(typeof summary.ms).toBe('number');
  });

  test('a mutant: the shortest story with its replay command, and a failure', () => {
    const { lines, error } = run({ mutant: 'lostAck' });
    expect(error).toBeInstanceOf(CheckFailure);
    expect((error as Error).message).toContain('replay: tsdsm check --protocol ivy --cpus 2 --pages 1 --ops 2 --mutant lostAck');
    const text = lines.join('\n');
    expect(text).toMatch(/FAILED at step \d+: deadlock: no step is enabled but CPU \d waits on write fault/);
    expect(text).toContain('replay:\n  tsdsm check --protocol ivy --cpus 2 --pages 1 --ops 2 --mutant lostAck');
  });

  test('--json with a violation: ok false, the violation, the story', () => {
    const { lines, error } = run({ mutant: 'noAckWait', json: true });
    expect(error).toBeInstanceOf(CheckFailure);
    const summary = JSON.parse(lines[lines.length - 1]!);
    expect(summary).toMatchObject({ ok: false, exhaustive: false, steps: 1, mutant: 'noAckWait' });
    expect(summary.story).toMatch(/^FAILED at step 1: invariant violated/);
  });

  test('a state bound: exhaustive false with the reason', () => {
    const summary = JSON.parse(run({ json: true, maxStates: 50 }).lines.pop()!);
    expect(summary).toMatchObject({ ok: true, exhaustive: false, reason: 'state bound reached (50 states)' });
  });

  test('bad options are named', () => {
    expect((run({ reduction: 'magic' }).error as Error).message).toBe('--reduction = "magic"; allowed: none, sleep');
    expect((run({ ops: 99 }).error as Error).message).toBe('--ops = 99; allowed: an integer from 0 to 16');
    expect((run({ mutant: 'nope' }).error as Error).message).toMatch(/^unknown mutant "nope"/);
  });
});
