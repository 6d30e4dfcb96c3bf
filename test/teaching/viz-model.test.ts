/**
 * The page's data without a browser: preset snapshots are the simulator's state, a trace file
 * replays to the same records, every preset survives every mutant, and the HTML is
 * self-contained and escapes what it embeds.
 */
import { describe, expect, test } from '@jest/globals';
import type { IvyState } from '../../src/core/ivy.js';
import { builtinMutants } from '../../src/core/mutants.js';
import { traceHeader, traceToJsonLines } from '../../src/runtime/trace.js';
import { getScenario, scenarioNames } from '../../sim/scenarios.js';
import { Simulation } from '../../sim/simulator.js';
import { presetModel, traceModel, type VizModel } from '../../viz/model.js';
import { renderPage } from '../../viz/page.js';

const records = (model: VizModel) => model.steps.map((s) => s.pages.map((p) => ({ access: p.access, record: p.record, owners: p.owners })));

describe('presetModel', () => {
  test.each(scenarioNames)('step k shows the simulator\'s state after k steps (%s)', (name) => {
    const model = presetModel(name, { seed: 2 });
    const s = getScenario(name);
    const sim = new Simulation({ config: s.config, programs: s.programs, seed: 2 });
    expect(model.violation).toBeNull();
    for (const step of model.steps) {
      const states = sim.states as IvyState[];
      step.pages.forEach((page, p) => {
        expect(page.access).toEqual(states.map((st) => st.access[p]));
        expect(page.record).toBe(states[p % states.length]!.managerOwner[p]);
        expect(page.owners).toEqual(states.filter((st) => st.owned[p]).map((st) => ({ cpu: st.id, copyset: st.copyset[p] })));
      });
      expect(step.eventEnd).toBe(sim.trace.length);
      expect(step.messages).toBe(sim.trace.filter((e) => e.type === 'send').length);
      expect(step.faults).toBe(sim.trace.filter((e) => e.type === 'fault').length);
      if (!sim.step()) break;
    }
    expect(sim.done).toBe(true);
    expect(model.steps).toHaveLength(sim.stepCount + 1);
  });

  test.each(scenarioNames)('never throws with any mutant, and a broken run ends at a flagged step (%s)', (name) => {
    let broken = 0;
    for (const mutant of builtinMutants.ivy) { // the page draws IVY's records: IVY's mutants
      const model = presetModel(name, { seed: 1, mutant });
      expect(model.mutant?.name).toBe(mutant);
      const flagged = model.steps.filter((s) => s.violation);
      if (model.violation === null) {
        expect(flagged).toEqual([]);
        expect(model.notes.join(' ')).toContain('broke no check');
      } else {
        broken += 1;
        expect(flagged.map((s) => s.index)).toEqual([model.steps.length - 1]);
        expect(model.violation).toMatch(/seed 1, step \d+/);
      }
      expect(renderPage(model)).toContain('id="mutant"');
    }
    expect(broken).toBeGreaterThan(0);
  });

  test('the violation is the one the simulator reports, at the same step', () => {
    const model = presetModel('seed', { mutant: 'noAckWait' });
    const s = getScenario('seed');
    const sim = new Simulation({ config: s.config, programs: s.programs, seed: 1, mutant: 'noAckWait' });
    let message = '';
    try {
      sim.run();
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).not.toBe('');
    expect(model.violation).toContain(message);
    expect(model.steps.length - 1).toBe(sim.stepCount);
  });

  test('rejects an unknown preset, mutant or protocol by name', () => {
    expect(() => presetModel('nope')).toThrow(/unknown scenario "nope"/);
    expect(() => presetModel('seed', { mutant: 'nope' })).toThrow(/unknown mutant "nope"; allowed: noAckWait/);
    expect(() => presetModel('seed', { protocol: 'ivy-dynamic' })).toThrow(/protocol "ivy-dynamic" keeps other records/);
  });

  test('the central-manager protocol shows CPU 0 as every page\'s manager', () => {
    const model = presetModel('readers-then-writer', { protocol: 'ivy-central' });
    expect(model.violation).toBeNull();
    expect(model.steps[0]!.pages.map((p) => p.manager)).toEqual([0, 0, 0, 0]);
    expect(model.steps.at(-1)!.pages[3]!.record).toBe(0);
  });
});

describe('traceModel', () => {
  test.each(scenarioNames)('replays a simulator trace to the same access, owner records and copysets (%s)', (name) => {
    for (const seed of [1, 2, 3]) {
      const preset = presetModel(name, { seed });
      const s = getScenario(name);
      const header = traceHeader({ cpus: preset.cpus, pages: preset.pages, pageSize: preset.pageSize, protocol: 'ivy', runtime: 'sim', scenario: name });
      const fromTrace = traceModel(`${JSON.stringify(header)}\n${traceToJsonLines(preset.events)}\n`, `${name}.jsonl`);
      expect(fromTrace.steps.map((st) => st.eventEnd)).toEqual(preset.steps.map((st) => st.eventEnd));
      expect(records(fromTrace)).toEqual(records(preset));
      expect(fromTrace.title).toContain(name);
      expect(s.config.cpus).toBe(fromTrace.cpus);
    }
  });

  test('without a header, takes the size from the summary line or the events and says so', () => {
    const preset = presetModel('seed');
    const lines = traceToJsonLines(preset.events);
    const withSummary = traceModel(`${lines}\n${JSON.stringify({ type: 'summary', cpus: 4, pages: 10 })}`);
    expect([withSummary.cpus, withSummary.pages]).toEqual([4, 10]);
    const bare = traceModel(lines);
    expect([bare.cpus, bare.pages]).toEqual([4, 3]);
    expect(bare.notes.join(' ')).toContain('has no header');
    expect(() => traceModel('')).toThrow(/has no events/);
  });
});

describe('renderPage', () => {
  test('is one self-contained file that escapes what it embeds', () => {
    const model = presetModel('seed');
    model.title = 'evil </script><script>alert(1)</script>';
    model.explanation = '<img src=x onerror=alert(1)>';
    const html = renderPage(model);
    expect(html).not.toContain('</script><script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;/script&gt;');
    // Nothing is fetched: no external scripts, styles, images or fonts.
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|url\(\s*['"]?https?:|@import/);
    const urls = html.match(/https?:\/\/[^\s'"<)]+/g) ?? [];
    expect(new Set(urls)).toEqual(new Set(['http://www.w3.org/2000/svg']));
    const data = html.match(/<script type="application\/json" id="viz-data">(.*?)<\/script>/s)![1]!;
    expect(JSON.parse(data).title).toBe(model.title);
  });
});

describe('the presets\' explanations', () => {
  test('state the counts the runs really have', () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const last = presetModel('no-false-sharing', { seed }).steps.at(-1)!;
      expect([last.faults, last.messages]).toEqual([2, 4]);
    }
    const five = presetModel('false-sharing', { seed: 5 }).steps.at(-1)!;
    expect([five.faults, five.messages]).toEqual([5, 13]);
    expect(getScenario('false-sharing').explanation).toContain('seed 5 interleaves the writes more and costs 5 faults and 13 messages');
    expect(getScenario('no-false-sharing').explanation).toContain('2 faults and 4 messages');
  });

  test('the seed preset invalidates CPUs 0 and 3 and records CPU 1 as owner, as its explanation says', () => {
    const model = presetModel('seed');
    const writeData = model.events.find((e) => e.type === 'send' && e.msg.kind === 'WRITE_DATA');
    expect(writeData?.type === 'send' && writeData.msg['copyset']).toEqual([0, 3]);
    expect(model.steps.at(-1)!.pages[2]!.record).toBe(1);
    expect(model.steps.at(-1)!.pages[2]!.owners).toEqual([{ cpu: 1, copyset: [0, 2, 3] }]);
  });
});
