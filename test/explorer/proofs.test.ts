/**
 * The stated configurations, proved exhaustively: every reachable state of every program of
 * two items per CPU on three CPUs and one page, for every protocol, over FIFO channels and
 * under reordering, with the invariants, the oracle (for hlrc: on data-race-free programs)
 * and termination checked at every state. The same numbers are in docs/exploration.md.
 */
import { describe, expect, test } from '@jest/globals';
import { protocols } from '../../src/core/registry.js';
import { explore, type ExploreOptions } from '../../testing/index.js';

const names = Object.keys(protocols);

describe('every protocol passes the stated configurations exhaustively', () => {
  test.each(names.flatMap((p) => [[p, false], [p, true]] as const))('%s, 3 CPUs × 1 page × 2 items, reorder %s', (protocol, reorder) => {
    const options: ExploreOptions = { config: { cpus: 3, pages: 1 }, protocol, reorder, reduction: 'sleep', generate: { ops: 2 } };
    const r = explore(options);
    console.log(`${protocol} 3×1×2 ${reorder ? 'reorder' : 'FIFO'}: ${r.states} states, ${r.transitions} transitions, ${r.terminal} terminal, depth ${r.depth}, ${r.ms} ms`);
    expect(r.violation).toBeNull();
    expect(r.exhaustive).toBe(true);
    // Every value the hot word can end with: 0 (nobody wrote) or any of the six writes (3 CPUs × 2 items).
    expect(r.terminal).toBeGreaterThanOrEqual(7);
  });

  test.each(['ivy', 'ivy-central', 'ivy-dynamic'])('%s, 2 CPUs × 2 pages × 2 items and 2 CPUs × 1 page × 2 items with lock sections and barriers', (protocol) => {
    for (const generate of [{ ops: 2 }, { ops: 2, locks: true, barriers: true }]) {
      const r = explore({ config: { cpus: 2, pages: generate.locks ? 1 : 2 }, protocol, reorder: true, reduction: 'sleep', generate });
      expect(r.violation).toBeNull();
      expect(r.exhaustive).toBe(true);
    }
  });
});

describe('the sleep-set reduction', () => {
  // Outcomes make the values read part of the state: the reduction must keep every one.
  const configs: [string, ExploreOptions][] = [
    ['ivy 3×1×2', { config: { cpus: 3, pages: 1 }, protocol: 'ivy', generate: { ops: 2 } }],
    ['ivy-dynamic 2×2×2 reorder', { config: { cpus: 2, pages: 2 }, protocol: 'ivy-dynamic', reorder: true, generate: { ops: 2 } }],
    ['hlrc 2×1×2', { config: { cpus: 2, pages: 1 }, protocol: 'hlrc', generate: { ops: 2 } }],
  ];
  test.each(configs)('%s: the same states, terminal states and outcomes as without it, in fewer transitions', (_name, options) => {
    const withOutcomes: ExploreOptions = { ...options, outcomeAddresses: [0] };
    const full = explore({ ...withOutcomes, reduction: 'none' });
    const reduced = explore({ ...withOutcomes, reduction: 'sleep' });
    console.log(`${_name}: ${full.transitions} transitions without reduction, ${reduced.transitions} with sleep sets (${reduced.reexpansions} re-expansions), ${full.states} states both`);
    expect(full.exhaustive && reduced.exhaustive).toBe(true);
    expect(reduced.states).toBe(full.states);
    expect(reduced.terminal).toBe(full.terminal);
    expect(reduced.outcomes).toEqual(full.outcomes);
    expect(reduced.transitions).toBeLessThan(full.transitions);
  });
});

describe('op-list mode', () => {
  test('one writer and one reader: both values can be read, and only those', () => {
    const r = explore({
      config: { cpus: 2, pages: 1 },
      protocol: 'ivy',
      programs: [[{ op: 'write', type: 'int32', address: 0, value: 7 }], [{ op: 'read', type: 'int32', address: 0 }]],
      outcomeAddresses: [0],
    });
    expect(r.exhaustive).toBe(true);
    expect(r.outcomes).toEqual([{ reads: [[], [0]], memory: [7] }, { reads: [[], [7]], memory: [7] }]);
  });

  test('a deadlock of the program itself is reported with the CPU that waits', () => {
    const r = explore({ config: { cpus: 2, pages: 1 }, protocol: 'ivy', programs: [[{ op: 'barrier' }], []] });
    expect(r.ok).toBe(false);
    expect(r.violation!.deadlock).toBe(true);
    expect(r.violation!.message).toMatch(/^deadlock: no step is enabled but CPU 0 waits on barrier/);
  });

  test('a state bound stops the search, not exhaustive, with the reason', () => {
    const r = explore({ config: { cpus: 3, pages: 1 }, protocol: 'ivy', generate: { ops: 2 }, statesMax: 100 });
    expect(r.ok).toBe(true);
    expect(r.exhaustive).toBe(false);
    expect(r.reason).toBe('state bound reached (100 states)');
  });
});
