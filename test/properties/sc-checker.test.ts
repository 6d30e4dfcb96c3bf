/**
 * The SC checker on litmus tests with known answers: store buffering, message passing, IRIW,
 * coherence, locks and barriers; plus the bound ('unknown', never a guess) and bad input.
 */
import { describe, expect, test } from '@jest/globals';
import { checkSequentialConsistency, formatOrder, type History, type HistoryOp } from '../../testing/index.js';

const X = 0x0, Y = 0x4, Z = 0x8;
const W = (address: number, value: number): HistoryOp => ({ op: 'write', address, value });
const R = (address: number, value: number): HistoryOp => ({ op: 'read', address, value });
const lock = (l: number): HistoryOp => ({ op: 'lock', lock: l });
const unlock = (l: number): HistoryOp => ({ op: 'unlock', lock: l });
const barrier: HistoryOp = { op: 'barrier' };

/** Checks that a witness keeps program order and explains every read. */
function expectValidWitness(history: History, witness: { cpu: number; index: number }[]): void {
  const pcs = history.map(() => 0);
  const mem = new Map<number, number>();
  for (const { cpu, index } of witness) {
    expect(index).toBe(pcs[cpu]);
    pcs[cpu]! += 1;
    const h = history[cpu]![index]!;
    if (h.op === 'write') mem.set(h.address, h.value as number);
    if (h.op === 'read') expect(h.value).toBe(mem.get(h.address) ?? 0);
  }
  expect(pcs).toEqual(history.map((ops) => ops.length));
}

describe('SC checker: known SC histories', () => {
  test.each<[string, History]>([
    ['store buffering, r1=1 r2=0', [[W(X, 1), R(Y, 0)], [W(Y, 2), R(X, 1)]]],
    ['store buffering, r1=1 r2=1', [[W(X, 1), R(Y, 2)], [W(Y, 2), R(X, 1)]]],
    ['message passing, flag seen and data seen', [[W(X, 1), W(Y, 2)], [R(Y, 2), R(X, 1)]]],
    ['message passing, flag not seen', [[W(X, 1), W(Y, 2)], [R(Y, 0), R(X, 0)]]],
    ['coherence: two readers agree on the order of writes', [[W(X, 1)], [W(X, 2)], [R(X, 1), R(X, 2)], [R(X, 1), R(X, 2)]]],
    ['a lock section that reads its own write', [[lock(0), W(X, 1), R(X, 1), unlock(0)], [lock(0), W(X, 2), R(X, 2), unlock(0)]]],
    ['a barrier orders writes before reads', [[W(X, 1), barrier, R(Y, 2)], [W(Y, 2), barrier, R(X, 1)]]],
    ['empty programs', [[], []]],
  ])('%s', (_name, history) => {
    const v = checkSequentialConsistency(history);
    expect(v.verdict).toBe('sc');
    if (v.verdict === 'sc') {
      expectValidWitness(history, v.witness);
      expect(formatOrder(history, v.witness)).toHaveLength(v.witness.length);
    }
  });

  test('a non-zero initial value can be read', () => {
    expect(checkSequentialConsistency([[R(X, 7)], [W(X, 1)]], { initial: () => 7 }).verdict).toBe('sc');
  });
});

describe('SC checker: known non-SC histories', () => {
  test.each<[string, History, RegExp]>([
    ['store buffering, r1=r2=0 (allowed by TSO, not by SC)', [[W(X, 1), R(Y, 0)], [W(Y, 2), R(X, 0)]], /no interleaving/],
    ['message passing, flag seen but data not', [[W(X, 1), W(Y, 2)], [R(Y, 2), R(X, 0)]], /no interleaving/],
    ['IRIW: two readers disagree on the order of independent writes', [[W(X, 1)], [W(Y, 2)], [R(X, 1), R(Y, 0)], [R(Y, 2), R(X, 0)]], /no interleaving/],
    ['coherence: two readers see writes to one address in different orders', [[W(X, 1)], [W(X, 2)], [R(X, 1), R(X, 2)], [R(X, 2), R(X, 1)]], /no interleaving/],
    ['a read of a value nobody wrote', [[W(X, 1)], [R(X, 5)]], /a value no CPU wrote/],
    ['a read of its own later write', [[R(X, 1), W(X, 1)]], /its own later op 1 writes/],
    ['a lost update inside lock sections', [[lock(0), R(X, 0), W(X, 1), unlock(0)], [lock(0), R(X, 0), W(X, 2), unlock(0)]], /no interleaving/],
    ['a barrier passed before the write behind it was seen', [[W(X, 1), barrier], [barrier, R(X, 0)]], /no interleaving/],
    ['a CPU that stops before a barrier the others reach', [[barrier], []], /no interleaving/],
  ])('%s', (_name, history, why) => {
    const v = checkSequentialConsistency(history);
    expect(v.verdict).toBe('not-sc');
    if (v.verdict === 'not-sc') expect(v.reason).toMatch(why);
  });

  test('the counterexample names what blocked each CPU after the deepest prefix', () => {
    const v = checkSequentialConsistency([[W(X, 1), R(Y, 0)], [W(Y, 2), R(X, 0)]]);
    expect(v.verdict).toBe('not-sc');
    if (v.verdict === 'not-sc') {
      expect(v.deepest.length).toBeGreaterThanOrEqual(2);
      expect(v.reason).toMatch(/R @0x[04] → 0 \(the value is overwritten/);
    }
  });
});

describe('SC checker: bound and bad input', () => {
  test('the bound gives unknown, not a verdict', () => {
    // Six writers, and two readers that disagree on the order of two writes to X: not SC, but
    // only an exhaustive search over the writers' interleavings can tell.
    const cpus = 6;
    const history: History = Array.from({ length: cpus }, (_, c) => Array.from({ length: 6 }, (_, k) => W([X, Y, Z][k % 3]!, 1000 * (c + 1) + k)));
    history.push([R(X, 1000), R(X, 2000)], [R(X, 2000), R(X, 1000)]);
    const bounded = checkSequentialConsistency(history, { statesMax: 50 });
    expect(bounded.verdict).toBe('unknown');
    if (bounded.verdict === 'unknown') expect(bounded.statesExplored).toBe(50);
    expect(checkSequentialConsistency(history).verdict).toBe('not-sc');
  });

  test('written values must be unique', () => {
    expect(() => checkSequentialConsistency([[W(X, 1)], [W(X, 1)]])).toThrow(/written values must be unique/);
    expect(() => checkSequentialConsistency([[W(X, 0)]])).toThrow(/must differ from the initial value/);
  });
});
