/**
 * Every mutant of every protocol is caught by the explorer, with a shortest story: breadth
 * first, the first violation comes at the smallest depth, and a search bounded one step
 * shorter finds none. Each mutant is tried on the configurations below in order; the first
 * that catches it is printed.
 */
import { describe, expect, test } from '@jest/globals';
import { mutantNames, type MutantName } from '../../src/core/mutants.js';
import type { Protocol } from '../../src/core/protocol.js';
import { getProtocol, protocols } from '../../src/core/registry.js';
import { explore, formatExploreStory, type ExploreOptions, type GenerateOptions } from '../../testing/index.js';

/** The configurations tried, smallest state space first. */
const catching: { cpus: number; pages: number; generate: GenerateOptions }[] = [
  { cpus: 2, pages: 1, generate: { ops: 2 } },
  { cpus: 2, pages: 1, generate: { ops: 2, locks: true } },
  { cpus: 2, pages: 1, generate: { ops: 2, barriers: true } },
  { cpus: 2, pages: 1, generate: { ops: 3, slotsPerPage: 2 } },
  { cpus: 3, pages: 1, generate: { ops: 2 } },
  { cpus: 3, pages: 1, generate: { ops: 2, locks: true } },
  { cpus: 2, pages: 2, generate: { ops: 2 } },
  { cpus: 3, pages: 2, generate: { ops: 2 } },
];

/**
 * The mutants a protocol implements: its own table when it declares one (`Protocol.mutants`),
 * else, as before protocols declared theirs, every mutant for IVY and the lock and barrier
 * mutants of sync.ts (shared by every protocol) for the others.
 */
function mutantsOf(name: string): MutantName[] {
  const p = getProtocol(name) as Protocol<unknown> & { mutants?: Record<string, string> };
  if (p.mutants) return Object.keys(p.mutants) as MutantName[];
  return name === 'ivy' || name === 'ivy-central' ? mutantNames : ['doubleGrant', 'earlyBarrier'];
}

const cases = Object.keys(protocols).flatMap((p) => mutantsOf(p).map((m) => [p, m] as const));

describe('the explorer catches every mutant with a shortest story', () => {
  test.each(cases)('%s with %s', (protocol, mutant) => {
    let caught: { options: ExploreOptions; result: ReturnType<typeof explore> } | null = null;
    for (const c of catching) {
      const options: ExploreOptions = { config: { cpus: c.cpus, pages: c.pages }, protocol, mutant, generate: c.generate, statesMax: 300_000 };
      const result = explore(options);
      if (!result.ok) {
        caught = { options, result };
        break;
      }
    }
    expect(caught).not.toBeNull();
    const { options, result } = caught!;
    const v = result.violation!;
    const story = formatExploreStory(options, result, { replay: 'tsdsm check ...' });
    console.log(`${protocol} ${mutant}: caught in ${v.path.length} steps on ${options.config.cpus}×${options.config.pages}×${options.generate!.ops} ${JSON.stringify(options.generate)}: ${v.message}`);
    // The story replays the path on a fresh simulation, which fails the same way.
    expect(story.split('\n')[0]).toMatch(/^FAILED at step \d+: /);
    expect(story.split('\n')[0]).toContain(v.message);
    expect(story).toContain('found by exhaustive search, breadth first: no shorter path breaks a promise');
    expect(story).toContain('program:\n  CPU 0: ');
    expect(story).toContain(`schedule: ${v.path.length} steps, the path the search found`);
    expect(story).toContain('trace (narrated');
    expect(story).toContain('replay:\n  tsdsm check ...');
    // Shortest: one step less, the whole bounded space holds no violation.
    const shorter = explore({ ...options, depthMax: v.deadlock ? v.path.length : v.path.length - 1 });
    expect(shorter.violation).toBeNull();
  });
});
