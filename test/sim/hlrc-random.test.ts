/**
 * Seeded random simulator runs of hlrc. Release consistency promises sequential consistency
 * to data-race-free programs only, and for those the simulator's oracle ("a read returns the
 * latest write in simulated time") is exact: every conflicting pair is ordered by
 * happens-before, which simulated time respects. So:
 *  - 700 runs on data-race-free workloads (randomDrfWorkload), 2 to 7 CPUs, half with FIFO
 *    channels and half reordering: invariants after every step, the oracle at every read,
 *    termination at the end;
 *  - 200 runs on racy workloads with the oracle off: reads may be stale, but the invariants
 *    must hold and every program must finish (no violation, no deadlock);
 *  - a variant that drops the notices of lock grants must be caught by the oracle.
 * A failure names the seed and the command that replays it.
 */
import { describe, expect, test } from '@jest/globals';
import { validateConfig } from '../../src/core/config.js';
import { hlrc, type HlrcState } from '../../src/core/hlrc.js';
import type { Protocol } from '../../src/core/protocol.js';
import { Simulation, simulate, SimulationError } from '../../sim/simulator.js';
import { randomDrfWorkload, randomWorkload, uniqueValue } from '../../sim/workloads.js';

const baseSeed = Number(process.env['TSDSM_SEED'] ?? 1);

function shape(seed: number): { cpus: number; pages: number; ops: number; reorder: boolean } {
  return { cpus: 2 + (seed % 6), pages: 1 + ((seed >>> 3) % 4), ops: 8 + ((seed >>> 5) % 16), reorder: seed % 2 === 1 };
}

function runDrf(seed: number, protocol: string | Protocol<unknown> = 'hlrc'): ReturnType<typeof simulate> {
  const { cpus, pages, ops, reorder } = shape(seed);
  const config = validateConfig({ cpus, pages, pageSize: 64 });
  const programs = randomDrfWorkload(config, { ops, seed });
  const name = typeof protocol === 'string' ? protocol : protocol.name;
  try {
    return simulate({ config, programs, seed, reorder, trace: false, protocol });
  } catch (err) {
    throw new Error(
      `data-race-free run of ${name} failed with seed ${seed} (${cpus} CPUs, ${pages} pages, ${ops} ops, ${reorder ? 'reordering' : 'FIFO'}); ` +
        `replay: node dist/cli/tsdsm.js sim --workload drf --cpus ${cpus} --pages ${pages} --page-size 64 --ops ${ops} --seed ${seed} --protocol ${name}${reorder ? ' --reorder' : ''}\n` +
        `${(err as Error).message}`,
    );
  }
}

describe('hlrc on data-race-free random workloads', () => {
  const runs = 700;
  test(`${runs} runs from seed ${baseSeed} (set TSDSM_SEED to replay another range)`, () => {
    console.log(`hlrc data-race-free runs: seeds ${baseSeed}..${baseSeed + runs - 1}`);
    let reordered = 0;
    const kinds: Record<string, number> = {};
    for (let seed = baseSeed; seed < baseSeed + runs; seed++) {
      const res = runDrf(seed);
      if (shape(seed).reorder) reordered += 1;
      for (const [k, v] of Object.entries(res.stats.total.messagesByKind)) kinds[k] = (kinds[k] ?? 0) + v!;
    }
    expect(reordered).toBeGreaterThanOrEqual(runs / 2 - 1);
    expect(runs - reordered).toBeGreaterThanOrEqual(runs / 2 - 1);
    // The workloads exercise every part of the protocol: fetches, diffs, locks and barriers.
    for (const k of ['PAGE_REQ', 'PAGE_DATA', 'DIFF', 'DIFF_ACK', 'LOCK_REQ', 'LOCK_GRANT', 'UNLOCK', 'BARRIER_ARRIVE', 'BARRIER_RELEASE']) {
      expect({ kind: k, seen: (kinds[k] ?? 0) > runs }).toEqual({ kind: k, seen: true });
    }
  });

  test(`the same workloads pass under ivy (the generator is sound), 200 runs from seed ${baseSeed}`, () => {
    for (let seed = baseSeed; seed < baseSeed + 200; seed++) runDrf(seed, 'ivy');
  });

  test('hlrc sends fewer messages than ivy on the same data-race-free workloads', () => {
    let h = 0;
    let i = 0;
    for (let seed = baseSeed; seed < baseSeed + 100; seed++) {
      h += runDrf(seed).stats.total.messages;
      i += runDrf(seed, 'ivy').stats.total.messages;
    }
    console.log(`100 data-race-free runs from seed ${baseSeed}: hlrc ${h} messages, ivy ${i}`);
    expect(h).toBeLessThan(i);
  });

  test('a run replays from its seed: the same choices and the same reads', () => {
    const a = runDrf(baseSeed + 11);
    const b = runDrf(baseSeed + 11);
    expect(b.choices).toEqual(a.choices);
    expect(b.results).toEqual(a.results);
  });
});

describe('notices stay bounded', () => {
  test('a CPU keeps only the notices since its last barrier but one, however long the run', () => {
    // 3 CPUs, 20 phases; in each, every CPU writes its own word under lock 0 (one interval each).
    const phases = 20;
    const programs = [0, 1, 2].map((cpu) => Array.from({ length: phases }, (_, i) => [
      { op: 'lock', lock: 0 } as const,
      { op: 'write', type: 'int32', address: 4 * cpu, value: uniqueValue(cpu, i) } as const,
      { op: 'unlock', lock: 0 } as const,
      { op: 'barrier' } as const,
    ]).flat());
    const sim = new Simulation({ config: { cpus: 3, pages: 1, pageSize: 64 }, programs, seed: baseSeed, trace: false, protocol: 'hlrc' });
    sim.run();
    for (const s of sim.states as HlrcState[]) {
      expect(s.vc).toEqual([phases, phases, phases]);
      const kept = s.log.reduce((n, m) => n + m.size, 0);
      expect({ cpu: s.id, kept: kept <= 2 * 3 }).toEqual({ cpu: s.id, kept: true });
    }
  });
});

describe('hlrc on racy random workloads, oracle off', () => {
  test(`200 runs from seed ${baseSeed}: invariants hold and every program finishes`, () => {
    console.log(`hlrc racy runs: seeds ${baseSeed}..${baseSeed + 199}`);
    for (let seed = baseSeed; seed < baseSeed + 200; seed++) {
      const { cpus, pages, ops, reorder } = shape(seed);
      const config = validateConfig({ cpus, pages, pageSize: 64 });
      const programs = randomWorkload(config, { ops, seed });
      try {
        simulate({ config, programs, seed, reorder, trace: false, protocol: 'hlrc', oracle: false });
      } catch (err) {
        throw new Error(`racy run of hlrc failed with seed ${seed} (${cpus} CPUs, ${pages} pages, ${ops} ops, ${reorder ? 'reordering' : 'FIFO'}): ${(err as Error).message}`);
      }
    }
  });
});

describe('the oracle catches a broken hlrc', () => {
  test('a variant whose lock grants lose their notices reads stale data, and the oracle says so', () => {
    // The acquirer is told the lock's vc is its own, with no notices: it invalidates nothing.
    const forgetful: Protocol<HlrcState> = {
      ...hlrc,
      name: 'hlrc-forgetful',
      onMessage: (s, from, msg) => hlrc.onMessage(s, from, msg.kind === 'LOCK_GRANT' ? { ...msg, vc: [...s.vc], notices: [] } : msg),
    };
    let byOracle = 0;
    let byAssertion = 0;
    for (let seed = baseSeed; seed < baseSeed + 100; seed++) {
      try {
        runDrf(seed, forgetful as Protocol<unknown>);
      } catch (err) {
        // Either a stale read, or a later acquire missing a notice nobody passed on.
        const message = (err as Error).message;
        expect({ seed, message }).toEqual({ seed, message: expect.stringMatching(/oracle: CPU \d+ read|protocol violation: .*notice/) });
        if (/oracle:/.test(message)) byOracle += 1;
        else byAssertion += 1;
      }
    }
    console.log(`forgetful hlrc caught in 100 runs from seed ${baseSeed}: ${byOracle} by the oracle, ${byAssertion} by a missing-notice assertion`);
    expect(byOracle).toBeGreaterThan(10);
  });

  test('a SimulationError names its seed', () => {
    const config = validateConfig({ cpus: 2, pages: 1, pageSize: 64 });
    const programs = [[{ op: 'write', type: 'int32', address: 0, value: 1 } as const], [{ op: 'read', type: 'int32', address: 0 } as const]];
    let error: unknown;
    try {
      simulate({ config, programs, seed: 3, choose: () => 0, protocol: 'hlrc' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SimulationError);
    expect((error as SimulationError).message).toMatch(/oracle: CPU 1 read 0 at 0x0, but the latest write there was 1 \(seed 3, step 2\)/);
  });
});
