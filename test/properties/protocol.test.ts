/**
 * The real protocol passes the property: generated programs and schedules on the simulator,
 * invariants and oracle after every step, termination at the end; with FIFO channels and with
 * arbitrary reordering, for IVY and for IVY with a central manager. Seeds are printed; set
 * TSDSM_SEED to run another one. Histories of passing runs are also sequentially consistent
 * by the independent SC checker (the simulator's oracle and the checker must agree).
 */
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { caseArbitrary, checkProtocol, checkSequentialConsistency, formatStory, historyFromRun, runCase } from '../../testing/index.js';

const seed = Number(process.env['TSDSM_SEED'] ?? 20240601);
const runs = 300;

describe('the real protocol passes the property', () => {
  test.each([
    ['ivy', false], ['ivy', true], ['ivy-central', false], ['ivy-central', true],
  ] as const)(`%s, reorder %s: ${runs} runs`, (protocol, reorder) => {
    console.log(`protocol property: ${protocol}, ${reorder ? 'reordering' : 'FIFO'}, seed ${seed}, ${runs} runs`);
    const report = checkProtocol({ protocol, reorder, seed, numRuns: runs });
    if (!report.ok) throw new Error(formatStory(report, { replay: `tsdsm fuzz --seed ${seed} --${reorder ? 'reorder' : 'fifo'} --replay ${report.path}` }));
    expect(report.numRuns).toBe(runs);
  });

  test('generated programs exercise the protocol: faults, locks, barriers and both channel models occur', () => {
    const cases = fc.sample(caseArbitrary(), { seed, numRuns: 200 });
    let locks = 0, barriers = 0, reordered = 0, messages = 0;
    for (const c of cases) {
      if (c.programs.some((p) => p.some((op) => op.op === 'lock'))) locks++;
      if (c.programs.some((p) => p.some((op) => op.op === 'barrier'))) barriers++;
      if (c.reorder) reordered++;
      const out = runCase(c);
      if (!out.ok) throw out.error;
      messages += out.result.stats.total.messages;
    }
    expect(locks).toBeGreaterThan(40);
    expect(barriers).toBeGreaterThan(40);
    expect(reordered).toBeGreaterThan(40);
    expect(reordered).toBeLessThan(160);
    expect(messages / cases.length).toBeGreaterThan(5);
  });

  test('histories of simulated runs are sequentially consistent by the SC checker', () => {
    console.log(`SC of simulated histories: seed ${seed}`);
    const cases = fc.sample(caseArbitrary(), { seed, numRuns: 200 });
    for (const c of cases) {
      const out = runCase(c);
      if (!out.ok) throw out.error;
      const verdict = checkSequentialConsistency(historyFromRun(c.programs, out.result.results));
      if (verdict.verdict !== 'sc') throw new Error(`not judged SC: ${JSON.stringify(verdict)} for ${JSON.stringify(c.programs)}`);
    }
  });
});
