/**
 * At least 1000 seeded random simulator runs, 3 to 8 CPUs, half with FIFO channels and half
 * with arbitrary reordering. The simulator checks the invariants after every step and the
 * shadow-memory oracle at every read, and that every program finishes. A failure names the
 * seed and the command that replays it.
 */
import { describe, expect, test } from '@jest/globals';
import { validateConfig } from '../../src/core/config.js';
import { simulate } from '../../sim/simulator.js';
import { randomWorkload } from '../../sim/workloads.js';

const baseSeed = Number(process.env['TSDSM_SEED'] ?? 1);
const runs = 1000;

function runOne(seed: number, protocol = 'ivy'): { messages: number; reorder: boolean } {
  const cpus = 3 + (seed % 6);
  const pages = 1 + ((seed >>> 3) % 4);
  const ops = 8 + ((seed >>> 5) % 16);
  const reorder = seed % 2 === 1;
  const config = validateConfig({ cpus, pages, pageSize: 64 });
  const programs = randomWorkload(config, { ops, seed });
  try {
    const res = simulate({ config, programs, seed, reorder, trace: false, protocol });
    return { messages: res.stats.total.messages, reorder };
  } catch (err) {
    throw new Error(
      `random run of ${protocol} failed with seed ${seed} (${cpus} CPUs, ${pages} pages, ${ops} ops, ${reorder ? 'reordering' : 'FIFO'}); ` +
        `replay: node dist/cli/tsdsm.js sim --workload random --cpus ${cpus} --pages ${pages} --page-size 64 --ops ${ops} --seed ${seed} --protocol ${protocol}${reorder ? ' --reorder' : ''}\n` +
        `${(err as Error).message}`,
    );
  }
}

describe('random simulator runs', () => {
  test(`${runs} runs from seed ${baseSeed} (set TSDSM_SEED to replay another range)`, () => {
    console.log(`random simulator runs: seeds ${baseSeed}..${baseSeed + runs - 1}`);
    let fifo = 0;
    let reordered = 0;
    let messages = 0;
    for (let seed = baseSeed; seed < baseSeed + runs; seed++) {
      const r = runOne(seed);
      if (r.reorder) reordered += 1;
      else fifo += 1;
      messages += r.messages;
    }
    expect(fifo).toBeGreaterThanOrEqual(runs / 2 - 1);
    expect(reordered).toBeGreaterThanOrEqual(runs / 2 - 1);
    // The workloads really exercise the protocol: on average several messages per run.
    expect(messages / runs).toBeGreaterThan(10);
  });

  test(`300 runs of ivy-central (CPU 0 manages every page) from seed ${baseSeed}`, () => {
    console.log(`random ivy-central runs: seeds ${baseSeed}..${baseSeed + 299}`);
    let messages = 0;
    for (let seed = baseSeed; seed < baseSeed + 300; seed++) messages += runOne(seed, 'ivy-central').messages;
    expect(messages / 300).toBeGreaterThan(10);
  });

  test(`600 runs of ivy-dynamic (probable-owner hints, no manager) from seed ${baseSeed}`, () => {
    console.log(`random ivy-dynamic runs: seeds ${baseSeed}..${baseSeed + 599}`);
    let messages = 0;
    for (let seed = baseSeed; seed < baseSeed + 600; seed++) messages += runOne(seed, 'ivy-dynamic').messages;
    expect(messages / 600).toBeGreaterThan(10);
  });
});
