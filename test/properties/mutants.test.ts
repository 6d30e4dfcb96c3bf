/**
 * Mutation testing of the property suite: every mutant in src/core/mutants.ts switched on in
 * turn; the property (invariants and oracle after every step, termination at the end) must
 * fail within `runsMax` runs for each of the fixed fast-check seeds below. The test prints the
 * mutation score and the runs each mutant needed, and checks that each shrunk failure tells a
 * story and replays from its seed and path.
 */
import { describe, expect, test } from '@jest/globals';
import { checkProtocol, formatStory, mutantNames, type MutantName } from '../../testing/index.js';

/** The stated bound: every mutant is caught within this many runs, for every seed. */
const runsMax = 200;
const seeds = [1, 2, 3, 4, 5];

describe('mutation score of the protocol property', () => {
  test(`every mutant is caught within ${runsMax} runs for seeds ${seeds.join(', ')}`, () => {
    const caught: MutantName[] = [];
    const lines: string[] = [];
    for (const mutant of mutantNames) {
      const needed: number[] = [];
      for (const seed of seeds) {
        const report = checkProtocol({ mutant, seed, numRuns: runsMax });
        if (report.ok) break;
        needed.push(report.numRuns);
      }
      if (needed.length === seeds.length) caught.push(mutant);
      lines.push(`  ${mutant.padEnd(24)} ${needed.length === seeds.length ? `caught; runs needed per seed: ${needed.join(', ')}` : `NOT caught within ${runsMax} runs (seed ${seeds[needed.length]})`}`);
    }
    console.log(`mutation score ${caught.length}/${mutantNames.length} (seeds ${seeds.join(', ')}, at most ${runsMax} runs each)\n${lines.join('\n')}`);
    expect(caught).toEqual(mutantNames);
  });

  test.each(mutantNames.map((m) => [m]))('%s: the shrunk failure tells a story and replays from seed and path', (mutant) => {
    const report = checkProtocol({ mutant, seed: 1, numRuns: runsMax });
    expect(report.ok).toBe(false);
    const story = formatStory(report, { replay: `tsdsm fuzz --seed 1 --mutant ${mutant} --replay ${report.path}` });
    expect(story).toMatch(/^FAILED at step \d+: \S/);
    expect(story.split('\n')[0]).not.toMatch(/seed/);
    expect(story).toContain('program:\n  CPU 0: ');
    expect(story).toMatch(/\n schedule: \d+ steps|\nschedule: \d+ steps/);
    expect(story).toContain('trace (narrated');
    expect(story).toContain(`replay: seed 1, path ${report.path}`);
    // The shrunk case is small.
    const ops = report.counterexample!.programs.reduce((n, p) => n + p.length, 0);
    expect(ops).toBeLessThanOrEqual(12);
    // Seed and path replay the same failure.
    const again = checkProtocol({ mutant, seed: 1, path: report.path!, numRuns: runsMax });
    expect(again.ok).toBe(false);
    expect(again.failure!.error.message).toBe(report.failure!.error.message);
  });
});
