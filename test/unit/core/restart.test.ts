/**
 * Protocol.restart: after a run, resetting only the pages the run's inputs named gives back
 * exactly init's state, which is what lets a run start at the cost of what the last one
 * touched (runtime/kept-state.ts). Random simulated runs (seeds printed) on 8 pages, of which
 * each touches a few; the restarted state of every CPU must deep-equal a fresh init.
 */
import { describe, expect, test } from '@jest/globals';
import { Simulation, randomWorkload } from '../../../sim/index.js';
import { validateConfig } from '../../../src/core/config.js';
import { getProtocol } from '../../../src/core/registry.js';

const base = Number(process.env['TSDSM_SEED'] ?? 1);

describe.each(['ivy', 'ivy-central', 'ivy-dynamic'])('%s restart', (name) => {
  test('restart with the pages a run named equals init, for every CPU, over random runs', () => {
    const protocol = getProtocol(name);
    const config = validateConfig({ cpus: 3, pages: 8, pageSize: 64 });
    console.log(`${name} restart: seeds ${base}..${base + 29} (TSDSM_SEED=${base})`);
    let named = 0;
    for (let seed = base; seed < base + 30; seed++) {
      const sim = new Simulation({ config, programs: randomWorkload(config, { ops: 6, seed, hotAddresses: 3 }), seed, trace: false, protocol: name });
      sim.run();
      sim.drivers.forEach((driver, cpu) => {
        const pages = driver.seenPages();
        named += pages.length;
        const restarted = protocol.restart!(sim.states[cpu], config, cpu, pages);
        expect({ seed, cpu, state: restarted }).toEqual({ seed, cpu, state: protocol.init(config, cpu) });
      });
    }
    // The runs did something: inputs named pages.
    expect(named).toBeGreaterThan(30);
  });

  test('restart with no pages after a run that touched some is not init (the pages matter)', () => {
    const protocol = getProtocol(name);
    const config = validateConfig({ cpus: 2, pages: 2, pageSize: 64 });
    const sim = new Simulation({ config, programs: [[{ op: 'write', type: 'int32', address: 64, value: 1 }], []], seed: 1, trace: false, protocol: name });
    sim.run();
    expect(protocol.restart!(sim.states[0], config, 0, [])).not.toEqual(protocol.init(config, 0));
  });

  test('a protocol spread from this one with an init of its own restarts into its own init', () => {
    const protocol = getProtocol(name);
    const config = validateConfig({ cpus: 2, pages: 2, pageSize: 64 });
    const init = (c: typeof config, cpu: number) => ({ ...(protocol.init(c, cpu) as object), mine: true });
    const variant = { ...protocol, init };
    expect(variant.restart!(protocol.init(config, 0), config, 0, [])).toEqual(init(config, 0));
  });
});
