/**
 * Stats that mean what they say (docs/stats.md): lock waits only when another CPU held the
 * lock, lock acquires for every lock(), invalidations under hlrc (write notices) as under
 * IVY (INVALIDATE), deadlock reports that name held locks, and a summary instead of a row
 * per CPU when there are many. On the simulator, with hand-written schedules where the case
 * needs one, so every count is exact.
 */
import { describe, expect, test } from '@jest/globals';
import { simulate, SimulationError, type SimStep } from '../../../sim/index.js';
import { emptyStats, formatStats, statsRowsMax, totalStats, type Op } from '../../../index.js';

const pageSize = 4096;
const W = (page: number, value: number): Op => ({ op: 'write', type: 'int32', address: page * pageSize, value });
const R = (page: number): Op => ({ op: 'read', type: 'int32', address: page * pageSize });
const L = (lock: number): Op => ({ op: 'lock', lock });
const U = (lock: number): Op => ({ op: 'unlock', lock });
const B: Op = { op: 'barrier' };

/** A schedule: the enabled step of lowest rank (CPU ops by the CPU's place in `cpuOrder`, then deliveries). */
function prefer(cpuOrder: number[]) {
  const rank = (s: SimStep): number => (s.kind === 'cpu' ? cpuOrder.indexOf(s.cpu) : cpuOrder.length);
  return (_count: number, steps: readonly SimStep[]): number => {
    let best = 0;
    steps.forEach((s, i) => {
      if (rank(s) < rank(steps[best]!)) best = i;
    });
    return best;
  };
}

describe('lock stats', () => {
  test.each(['ivy', 'ivy-central', 'ivy-dynamic', 'hlrc'])('%s: a lock nobody else holds is acquired without a wait, even from a remote manager', (protocol) => {
    // Lock 0's manager is CPU 0 (ivy-central: CPU 0 too); CPU 1 takes it twice, alone.
    const { stats } = simulate({ config: { cpus: 2, pages: 2, pageSize }, programs: [[], [L(0), W(1, 1), U(0), L(0), U(0)]], seed: 1, protocol });
    expect(stats.perCpu[1]!.lockAcquires).toBe(2);
    expect(stats.perCpu[1]!.messagesByKind.LOCK_REQ).toBe(2);
    expect(stats.total.lockWaits).toBe(0);
  });

  test.each(['ivy', 'ivy-dynamic', 'hlrc'])('%s: a lock held by another CPU when asked for is one wait, at the CPU that waited', (protocol) => {
    // CPU 1 asks first, but CPU 0 (the manager) takes the lock before CPU 1's request arrives.
    const { stats } = simulate({
      config: { cpus: 2, pages: 2, pageSize }, programs: [[L(0), W(1, 5), U(0)], [L(0), R(1), U(0)]], protocol, choose: prefer([1, 0]),
    });
    expect(stats.perCpu.map((s) => s.lockAcquires)).toEqual([1, 1]);
    expect(stats.perCpu.map((s) => s.lockWaits)).toEqual([0, 1]);
  });
});

describe('invalidations', () => {
  test('hlrc: a write notice that invalidates a copy at an acquire is counted where the copy was', () => {
    // Page 0's home is CPU 0; CPU 1's copy is invalidated by the notice on the barrier.
    const { results, stats } = simulate({ config: { cpus: 2, pages: 2, pageSize }, programs: [[W(0, 5), B], [B, R(0)]], seed: 1, protocol: 'hlrc' });
    expect(results).toEqual([[], [5]]);
    expect(stats.perCpu.map((s) => s.invalidations)).toEqual([0, 1]);
    expect(stats.total.messagesByKind.INVALIDATE).toBeUndefined();
  });

  test('ivy: an INVALIDATE received is one invalidation, as before', () => {
    const { stats } = simulate({ config: { cpus: 3, pages: 1, pageSize }, programs: [[W(0, 5)], [], []], seed: 1, protocol: 'ivy' });
    expect(stats.perCpu.map((s) => s.invalidations)).toEqual([0, 1, 1]);
  });
});

describe('deadlock reports', () => {
  test('name the locks each CPU holds, including a CPU that finished holding one', () => {
    // Locks 3 and 6 are managed by CPU 0, which takes both at once after the barrier and returns.
    const run = (): unknown => simulate({ config: { cpus: 3, pages: 1, pageSize }, programs: [[B, L(3), L(6)], [B, L(3)], [B]], protocol: 'ivy', choose: prefer([0, 1, 2]) });
    expect(run).toThrow(SimulationError);
    expect(run).toThrow(/^deadlock: no step is enabled but CPU 0 finished \(holding locks 3, 6\); CPU 1 waits on lock 3 \(seed/);
  });
});

describe('formatStats', () => {
  const many = (n: number) => totalStats(Array.from({ length: n }, (_, cpu) => ({
    ...emptyStats(cpu), readFaults: cpu === 7 ? 100 : 1 + (cpu % 3), messages: 10 + cpu, messagesByKind: { READ_REQ: 10 + cpu }, bytesByKind: { READ_REQ: 16 * (10 + cpu) },
  })));

  test(`up to ${statsRowsMax} CPUs: one row per CPU and a total`, () => {
    const text = formatStats(many(statsRowsMax));
    expect(text.split('\n').filter((l) => /^CPU \d+ /.test(l))).toHaveLength(statsRowsMax);
    expect(text).toMatch(/\ntotal +/);
    expect(text).toMatch(/lock acquires +lock waits +barriers/);
  });

  test('more CPUs: min, median, max (naming a CPU) and total, whatever the number of CPUs', () => {
    const text = formatStats(many(200));
    const lines = text.split('\n');
    expect(lines.length).toBeLessThan(12);
    expect(lines[0]).toBe('200 CPUs: per-CPU rows summarized (min and max name one CPU that has them)');
    expect(lines.find((l) => l.startsWith('max '))).toMatch(/^max +100 \(CPU 7\) +/);
    expect(lines.find((l) => l.startsWith('min '))).toMatch(/^min +1 \(CPU 0\) +/);
    expect(lines.find((l) => l.startsWith('median '))).toMatch(/^median +2 +/);
    expect(lines.find((l) => l.startsWith('total '))).toMatch(/^total +\d+ +/);
    expect(lines.find((l) => l.startsWith('READ_REQ '))).toMatch(/^READ_REQ +21900 \(350400 B\) +209 \(CPU 199\)$/);
  });
});
