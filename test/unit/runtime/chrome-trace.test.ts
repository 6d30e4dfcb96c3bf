/**
 * The Chrome trace-event export: a track per CPU, a flow per message, a wait slice per fault,
 * and slices that nest on every track (Perfetto drops or misdraws slices that overlap).
 */
import { describe, expect, test } from '@jest/globals';
import { toChromeTrace, type ChromeTraceEvent } from '../../../src/runtime/chrome-trace.js';
import { scenarioNames, getScenario } from '../../../sim/scenarios.js';
import { simulate } from '../../../sim/simulator.js';

function traceOf(name: string) {
  const s = getScenario(name);
  return { scenario: s, trace: simulate({ config: s.config, programs: s.programs, seed: 1 }).trace };
}

const slices = (events: ChromeTraceEvent[], tid: number) =>
  events.filter((e) => e.ph === 'X' && e.tid === tid).map((e) => ({ name: e.name, start: e.ts!, end: e.ts! + e.dur! }));

describe('toChromeTrace', () => {
  test('names one track per CPU', () => {
    const { scenario, trace } = traceOf('seed');
    const chrome = toChromeTrace(trace, { cpus: 4 });
    const names = chrome.traceEvents.filter((e) => e.name === 'thread_name').map((e) => [e.tid, e.args!['name']]);
    expect(names).toEqual([[0, 'CPU 0'], [1, 'CPU 1'], [2, 'CPU 2'], [3, 'CPU 3']]);
    expect(scenario.config.cpus).toBe(4);
  });

  test('every message is one flow from its send slice to the receiving step', () => {
    const { trace } = traceOf('readers-then-writer');
    const chrome = toChromeTrace(trace);
    const sends = trace.filter((e) => e.type === 'send');
    const starts = chrome.traceEvents.filter((e) => e.ph === 's');
    const ends = chrome.traceEvents.filter((e) => e.ph === 'f');
    expect(starts).toHaveLength(sends.length);
    expect(ends).toHaveLength(trace.filter((e) => e.type === 'recv').length);
    expect(new Set(starts.map((e) => e.id)).size).toBe(starts.length);
    expect(ends.map((e) => e.id).sort()).toEqual(starts.map((e) => e.id).sort());
    for (const flow of [...starts, ...ends]) {
      // A flow binds to the slice that encloses it on its own track.
      const enclosing = slices(chrome.traceEvents, flow.tid).filter((s) => s.start <= flow.ts! && flow.ts! < s.end);
      expect(enclosing.length).toBeGreaterThan(0);
    }
    const sendSlices = chrome.traceEvents.filter((e) => e.ph === 'X' && e.cat === 'msg' && e.name.startsWith('send '));
    expect(sendSlices.map((e) => e.args!['kind'])).toEqual(sends.map((e) => (e.type === 'send' ? e.msg.kind : '')));
  });

  test('every fault is a wait slice on its CPU that ends after the resume', () => {
    const { trace } = traceOf('seed');
    const chrome = toChromeTrace(trace);
    const faults = trace.filter((e) => e.type === 'fault');
    const waits = chrome.traceEvents.filter((e) => e.cat === 'wait' && e.name.includes('fault'));
    expect(waits).toHaveLength(faults.length);
    for (const f of faults) {
      const w = waits.find((e) => e.tid === f.cpu && e.ts === f.seq * 10);
      expect(w).toBeDefined();
      const resume = trace.find((e) => e.type === 'resume' && e.cpu === f.cpu && e.seq > f.seq)!;
      expect(w!.ts! + w!.dur!).toBeGreaterThan(resume.seq * 10);
    }
  });

  test.each(scenarioNames)('slices nest on every track (%s)', (name) => {
    const { scenario, trace } = traceOf(name);
    const chrome = toChromeTrace(trace);
    for (let cpu = 0; cpu < (scenario.config.cpus ?? 0); cpu++) {
      const list = slices(chrome.traceEvents, cpu);
      for (const a of list) {
        for (const b of list) {
          if (a === b) continue;
          const disjoint = a.end <= b.start || b.end <= a.start;
          const nested = (a.start <= b.start && b.end <= a.end) || (b.start <= a.start && a.end <= b.end);
          if (!disjoint && !nested) throw new Error(`CPU ${cpu}: "${a.name}" [${a.start}, ${a.end}) overlaps "${b.name}" [${b.start}, ${b.end})`);
        }
      }
    }
    expect(JSON.parse(JSON.stringify(chrome)).traceEvents.length).toBe(chrome.traceEvents.length);
  });

  test('a wait that never resumes lasts to the end of the trace', () => {
    const { trace } = traceOf('seed');
    const cut = trace.slice(0, 2); // the first fault and its request, nothing more
    const chrome = toChromeTrace(cut);
    const wait = chrome.traceEvents.find((e) => e.cat === 'wait')!;
    expect(wait.ts! + wait.dur!).toBe((cut[1]!.seq + 1) * 10);
  });
});
