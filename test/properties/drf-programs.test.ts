/**
 * The data-race-free program generator: every access sits alone in a section of the lock
 * that guards its address, so two CPUs' conflicting accesses are always ordered by that lock.
 */
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { caseArbitrary, hotAddresses } from '../../testing/arbitraries.js';

const seed = 4242;

describe('dataRaceFree programs', () => {
  test(`every access is guarded by the one lock of its address (fast-check seed ${seed})`, () => {
    console.log(`drf-programs: fast-check seed ${seed}`);
    let accesses = 0;
    fc.assert(
      fc.property(caseArbitrary({ dataRaceFree: true, locks: 2 }), (c) => {
        const hot = hotAddresses(c.config, c.shape.slotsPerPage);
        const guard = new Map(hot.map((a, i) => [a, i % 2]));
        for (const ops of c.programs) {
          ops.forEach((op, i) => {
            if (op.op !== 'read' && op.op !== 'write') return;
            accesses += 1;
            expect(ops[i - 1]).toEqual({ op: 'lock', lock: guard.get(op.address) });
            expect(ops[i + 1]).toEqual({ op: 'unlock', lock: guard.get(op.address) });
          });
          // Barriers never sit inside a lock section.
          let held = false;
          for (const op of ops) {
            if (op.op === 'lock') held = true;
            if (op.op === 'unlock') held = false;
            if (op.op === 'barrier') expect(held).toBe(false);
          }
        }
      }),
      { seed, numRuns: 200 },
    );
    expect(accesses).toBeGreaterThan(200);
  });
});
