/**
 * The page's data without a browser: preset snapshots are the simulator's state, a trace file
 * replays to the same records, every preset survives every mutant, and the HTML is
 * self-contained and escapes what it embeds.
 */
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HlrcState } from '../../src/core/hlrc.js';
import type { IvyDynamicState } from '../../src/core/ivy-dynamic.js';
import type { IvyState } from '../../src/core/ivy.js';
import { builtinMutants, mutantNames } from '../../src/core/mutants.js';
import { traceHeader, traceToJsonLines } from '../../src/runtime/trace.js';
import { getScenario, scenarioNames } from '../../sim/scenarios.js';
import { Simulation } from '../../sim/simulator.js';
import { presetModel, traceModel, vizProtocols, type VizModel } from '../../viz/model.js';
import { mutantExposure, mutantTable } from '../../viz/mutant-table.js';
import { renderPage } from '../../viz/page.js';
import { needsRow, parseTransitionTable } from '../../viz/table-rows.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * What a trace can show: access, marks and every cell a replay fills (a replay says
 * 'not in a trace' with an empty value for the rest, and those columns are left out here).
 */
function records(model: VizModel, keys: readonly string[]) {
  return model.steps.map((s) => s.pages.map((p) => ({ access: p.access, marks: p.marks, cells: keys.map((k) => p.cells[k]) })));
}
const replayedKeys = (trace: VizModel): string[] =>
  trace.pageColumns.map((c) => c.key).filter((k) => trace.steps.every((st) => st.pages.every((p) => p.cells[k]!.text !== 'not in a trace')));

/** Each protocol's records, read straight from its states (independently of viz/views.ts). */
function expectedRecords(protocol: string, states: readonly unknown[], p: number): Record<string, string> {
  const n = states.length;
  if (protocol === 'ivy' || protocol === 'ivy-central') {
    const st = states as IvyState[];
    const m = protocol === 'ivy' ? p % n : 0;
    const owners = st.filter((s) => s.owned[p]);
    return { manager: String(m), record: String(st[m]!.managerOwner[p]), owner: owners.map((s) => s.id).join(','), copyset: owners.length === 0 ? '' : owners[0]!.copyset[p]!.join(',') };
  }
  if (protocol === 'ivy-dynamic') {
    const st = states as IvyDynamicState[];
    const owners = st.filter((s) => s.owned[p]);
    return { owner: owners.map((s) => s.id).join(','), copyset: owners.length === 0 ? '' : owners[0]!.copyset[p]!.join(','), tail: st.filter((s) => s.probOwner[p] === s.id).map((s) => s.id).join(',') };
  }
  const st = states as HlrcState[];
  return { home: String(p % n), twins: st.filter((s) => s.twinned[p]).map((s) => s.id).join(','), dirty: st.filter((s) => s.modified.has(p)).map((s) => s.id).join(',') };
}

describe('presetModel', () => {
  const cases = scenarioNames.flatMap((name) => vizProtocols.map((protocol) => [name, protocol] as const));
  test.each(cases)('step k shows the simulator\'s state after k steps (%s under %s)', (name, protocol) => {
    const model = presetModel(name, { seed: 2, protocol });
    const s = getScenario(name);
    const sim = new Simulation({ config: s.config, programs: s.programs, seed: 2, protocol });
    expect(model.violation).toBeNull();
    expect(model.protocol).toBe(protocol);
    for (const step of model.steps) {
      const states = sim.states as { access: string[] }[];
      step.pages.forEach((page, p) => {
        expect(page.access).toEqual(states.map((st) => st.access[p]));
        const want = expectedRecords(protocol, sim.states, p);
        for (const key of Object.keys(want)) expect([key, page.cells[key]!.value]).toEqual([key, want[key]]);
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
    expect(() => presetModel('seed', { protocol: 'nope' })).toThrow(/unknown protocol "nope"; the page shows ivy, ivy-central, ivy-dynamic, hlrc/);
  });

  test('the central-manager protocol shows CPU 0 as every page\'s manager', () => {
    const model = presetModel('readers-then-writer', { protocol: 'ivy-central' });
    expect(model.violation).toBeNull();
    expect(model.steps[0]!.pages.map((p) => p.cells['manager']!.value)).toEqual(['0', '0', '0', '0']);
    expect(model.steps.at(-1)!.pages[3]!.cells['record']!.value).toBe('0');
  });

  test('each protocol has its own columns: no manager under ivy-dynamic, homes and twins under hlrc', () => {
    const keys = (protocol: string) => presetModel('seed', { protocol }).pageColumns.map((c) => c.key);
    expect(keys('ivy')).toEqual(['manager', 'record', 'owner', 'copyset', 'queue']);
    expect(keys('ivy-dynamic')).not.toContain('manager');
    expect(keys('hlrc')).toEqual(['home', 'twins', 'dirty']);
    const hlrc = presetModel('false-sharing', { protocol: 'hlrc' });
    expect(hlrc.cpuColumns.map((c) => c.key)).toEqual(['vc', 'notices', 'waiting', 'word']);
    // Both CPUs write page 0 at once: CPU 1, not the home, keeps a twin; nobody owns anything.
    expect(hlrc.steps.some((st) => st.pages[0]!.cells['twins']!.value === '1' && st.pages[0]!.cells['dirty']!.value === '0,1')).toBe(true);
    expect(hlrc.steps.flatMap((st) => st.pages.flatMap((p) => p.marks)).join('')).not.toContain('\u2605');
    expect(hlrc.protocolText).toContain('home-based lazy release consistency');
    const dyn = presetModel('seed', { protocol: 'ivy-dynamic' });
    expect(dyn.steps.flatMap((st) => st.lines).join('\n')).not.toMatch(/(?<!barrier |lock )manager/);
    expect(dyn.steps.flatMap((st) => st.lines).join('\n')).toContain('the probable owner');
  });
});

describe('traceModel', () => {
  const cases = scenarioNames.flatMap((name) => vizProtocols.map((protocol) => [name, protocol] as const));
  test.each(cases)('replays a simulator trace to the preset\'s access and records (%s under %s)', (name, protocol) => {
    for (const seed of [1, 2, 3]) {
      const preset = presetModel(name, { seed, protocol });
      const s = getScenario(name);
      const header = traceHeader({ cpus: preset.cpus, pages: preset.pages, pageSize: preset.pageSize, protocol, runtime: 'sim', scenario: name });
      const fromTrace = traceModel(`${JSON.stringify(header)}\n${traceToJsonLines(preset.events)}\n`, `${name}.jsonl`);
      expect(fromTrace.protocol).toBe(protocol);
      expect(fromTrace.steps.map((st) => st.eventEnd)).toEqual(preset.steps.map((st) => st.eventEnd));
      const keys = replayedKeys(fromTrace);
      expect(keys.length).toBeGreaterThanOrEqual(protocol === 'ivy-dynamic' ? 3 : 3);
      expect(records(fromTrace, keys)).toEqual(records(preset, keys));
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

  test('takes the protocol from the summary line when there is no header (tsdsm sim --json of old)', () => {
    const preset = presetModel('false-sharing', { protocol: 'hlrc' });
    const model = traceModel(`${traceToJsonLines(preset.events)}\n${JSON.stringify({ type: 'summary', protocol: 'hlrc', cpus: 2, pages: 2 })}`);
    expect(model.protocol).toBe('hlrc');
    expect(model.pageColumns.map((c) => c.key)).toEqual(['home', 'twins', 'dirty']);
    expect(traceModel(traceToJsonLines(preset.events)).notes.join(' ')).toContain('does not name its protocol');
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

describe('why, not only what', () => {
  const cases = scenarioNames.flatMap((name) => vizProtocols.map((protocol) => [name, protocol] as const));
  test.each(cases)('every step that a transition-table row explains names its row (%s under %s)', (name, protocol) => {
    for (const seed of [1, 2, 3]) {
      const model = presetModel(name, { seed, protocol });
      expect(model.table?.rows.length).toBeGreaterThan(8);
      expect(model.table!.file).toBe(`src/core/${protocol === 'ivy-central' ? 'ivy' : protocol}.ts`);
      for (const st of model.steps.slice(1)) {
        const events = model.events.slice(st.eventStart, st.eventEnd);
        if (needsRow(protocol, events)) expect([st.index, st.title, st.rows.length > 0]).toEqual([st.index, st.title, true]);
        for (const k of st.rows) expect(st.lines).toContain(`table row (${model.table!.file}): ${model.table!.rows[k]!.input}${model.table!.rows[k]!.condition ? ` | ${model.table!.rows[k]!.condition}` : ''} \u2192 ${model.table!.rows[k]!.action}`);
      }
    }
  });

  test('the table is the protocol file\'s own, and the queueing row is named when the manager is busy', () => {
    const table = parseTransitionTable(readFileSync(join(root, 'src/core/ivy.ts'), 'utf8'), 'src/core/ivy.ts');
    expect(table.rows.find((r) => r.input === 'M: READ_REQ(r)' && r.condition === 'busy')?.action).toBe('queue it');
    // readers-then-writer: three readers ask manager CPU 3 at once; some wait in its queue.
    const model = presetModel('readers-then-writer', { seed: 1 });
    const queued = model.steps.filter((st) => st.lines.some((l) => l.includes('M: READ_REQ(r) | busy \u2192 queue it')));
    expect(queued.length).toBeGreaterThan(0);
    for (const st of queued) expect(st.pages[3]!.cells['queue']!.text).toContain('waiting');
  });

  test('a completed fault says what it cost (seed: CPU 1\'s write, manager and owner CPU 2, two copies to invalidate)', () => {
    const lines = presetModel('seed').steps.flatMap((st) => st.lines).filter((l) => l.startsWith('cost of'));
    // WRITE_REQ 16 + WRITE_DATA without bytes 16 + 4·2 + 2 INVALIDATE 16 + 2 INVALIDATE_ACK 16 + WRITE_CONFIRM 16;
    // WRITE_FWD is a local call (CPU 2 manages and owns page 2).
    expect(lines[0]).toBe("cost of CPU 1's write fault on page 2: 7 messages, 120 bytes (about page 2, from the fault to its confirmation)");
    expect(lines).toHaveLength(4);
  });

  test('values are written in hex beside the decimal, as the explanations write them', () => {
    const text = presetModel('seed').steps.flatMap((st) => st.lines).join('\n');
    expect(text).toContain('writes int32 0xc0ffee (12648430) at 0x2010');
    expect(text).toContain('reads int32 0xc0ffee (12648430) at 0x2010');
  });

  test('the watched word\'s bytes in every copy show a stale copy', () => {
    const good = presetModel('seed').steps.at(-1)!;
    expect(good.cpuState.map((c) => c.cells['word']!.value)).toEqual(new Array(4).fill('ee ff c0 00'));
    const bad = presetModel('seed', { mutant: 'noDowngradeOnInvalidate' });
    const words = bad.steps.flatMap((st) => st.cpuState.map((c) => c.cells['word']!.text));
    expect(words).toContain('00 00 00 00 STALE');
    expect(bad.cpuColumns.map((c) => c.label)).toContain('bytes at 0x2010');
  });
});

describe('docs/teaching.md', () => {
  test('its table of which preset exposes which mutant is the one the simulator gives, and every mutant is exposed', () => {
    const doc = readFileSync(join(root, 'docs/teaching.md'), 'utf8');
    const table = doc.match(/<!-- mutant-table:start -->\n([\s\S]*?)\n<!-- mutant-table:end -->/)?.[1];
    // On a mismatch, the expected table is printed: paste it into the doc.
    expect(table).toBe(mutantTable(1));
    const exposure = mutantExposure(1);
    for (const mutant of mutantNames) expect([mutant, Object.values(exposure[mutant]!).some((presets) => presets !== null && presets.length > 0)]).toEqual([mutant, true]);
  });
});

describe('the presets\' explanations', () => {
  const last = (name: string, seed: number, protocol = 'ivy') => {
    const st = presetModel(name, { seed, protocol }).steps.at(-1)!;
    return [st.faults, st.messages];
  };
  test('state the counts the runs really have', () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      expect(last('no-false-sharing', seed)).toEqual([4, 12]);
      expect(last('false-sharing', seed, 'hlrc')).toEqual([3, 6]);
      expect(last('ping-pong', seed)).toEqual([6, 27]);
    }
    expect(last('false-sharing', 1)).toEqual([4, 12]);
    expect(last('false-sharing', 5)).toEqual([6, 17]);
    expect(getScenario('false-sharing').explanation).toContain('(4 faults, 12 messages); seed 5 interleaves them and costs 6 faults and 17 messages');
    expect(getScenario('false-sharing').explanation).toContain('3 faults and 6 messages whatever the seed');
    expect(getScenario('no-false-sharing').explanation).toContain('4 faults and 12 messages under IVY');
    expect(getScenario('ping-pong').explanation).toContain('6 faults, 27 messages');
  });

  test('ping-pong alternates: its 6 writes are 6 faults, each taking the page from the other CPU', () => {
    const model = presetModel('ping-pong');
    const faults = model.events.filter((e) => e.type === 'fault');
    expect(faults.map((e) => e.cpu)).toEqual([0, 1, 0, 1, 0, 1]);
    expect(model.events.filter((e) => e.type === 'write').map((e) => e.type === 'write' && e.value)).toEqual(['1', '2', '3', '4', '5', '6']);
  });

  test('every preset ends in a release, so that hlrc sends its diffs home', () => {
    for (const name of scenarioNames) {
      const ops = getScenario(name).programs;
      for (const program of ops) {
        const lastWrite = program.map((o) => o.op).lastIndexOf('write');
        const release = program.findIndex((o, i) => i > lastWrite && (o.op === 'barrier' || o.op === 'unlock'));
        expect([name, lastWrite < 0 || release > lastWrite]).toEqual([name, true]);
      }
    }
  });

  test('relay shows both ivy-dynamic races at seed 1 and costs what its explanation says', () => {
    expect(last('relay', 1)).toEqual([9, 63]);
    expect(last('relay', 1, 'hlrc')[1]).toBe(44);
    expect(getScenario('relay').explanation).toContain('9 faults and 63 messages');
    expect(getScenario('relay').explanation).toContain('44 messages');
    const events = presetModel('relay', { seed: 1, protocol: 'ivy-dynamic' }).events;
    const recv = (cpu: number, from: number, kind: string): number =>
      events.findIndex((e) => e.type === 'recv' && e.cpu === cpu && e.from === from && e.msg.kind === kind);
    // Phase 1: CPU 3's read request reaches CPU 1 before the ack its write fault waits for.
    expect(recv(1, 3, 'READ_REQ')).toBeGreaterThan(recv(1, 0, 'WRITE_DATA'));
    expect(recv(1, 3, 'READ_REQ')).toBeLessThan(recv(1, 2, 'INVALIDATE_ACK'));
    // Phase 3: CPU 3's INVALIDATE overtakes CPU 2's READ_DATA to CPU 0, which then asks again.
    expect(recv(0, 3, 'INVALIDATE')).toBeGreaterThan(-1);
    expect(recv(0, 3, 'INVALIDATE')).toBeLessThan(recv(0, 2, 'READ_DATA'));
    expect(events.filter((e) => e.type === 'read' && e.cpu === 0 && e.address === 0x1008).map((e) => e.type === 'read' && e.value)).toEqual(['50']);
  });

  test('pipeline: under hlrc CPU 0\'s release of lock 2 passes on CPU 1\'s write notices, as its explanation says', () => {
    const model = presetModel('pipeline', { seed: 1, protocol: 'hlrc' });
    expect(model.steps.at(-1)!.messages).toBe(32);
    expect(getScenario('pipeline').explanation).toContain('32 messages at seed 1');
    expect(model.events.filter((e) => e.type === 'read' && e.cpu === 2).map((e) => e.type === 'read' && e.value)).toEqual(['0', '0', '33']);
    const unlock = model.events.find((e) => e.type === 'send' && e.msg.kind === 'UNLOCK' && e.to === 2);
    expect(unlock?.type === 'send' && unlock.msg['notices']).toEqual([{ cpu: 0, interval: 1, pages: [1] }, { cpu: 1, interval: 1, pages: [1] }]);
    expect(presetModel('pipeline', { seed: 1, protocol: 'hlrc', mutant: 'noTransitiveNotices' }).violation).toMatch(/notice of interval 1 of CPU 1 is needed but unknown/);
  });

  test('the seed preset invalidates CPUs 0 and 3 and records CPU 1 as owner, as its explanation says', () => {
    const model = presetModel('seed');
    const writeData = model.events.find((e) => e.type === 'send' && e.msg.kind === 'WRITE_DATA');
    expect(writeData?.type === 'send' && writeData.msg['copyset']).toEqual([0, 3]);
    const last = model.steps.at(-1)!.pages[2]!.cells;
    expect([last['record']!.value, last['owner']!.value, last['copyset']!.value]).toEqual(['1', '1', '0,2,3']);
  });
});
