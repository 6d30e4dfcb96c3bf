/**
 * Reading trace files back: the header line, the summary line `tsdsm sim --json` ends with,
 * line-numbered errors, and the grouping of events into steps that the page and the Perfetto
 * export share.
 */
import { describe, expect, test } from '@jest/globals';
import { parseTraceJsonLines, traceHeader, traceSteps, traceToJsonLines } from '../../src/runtime/trace.js';
import { getScenario, scenarioNames } from '../../sim/scenarios.js';
import { Simulation } from '../../sim/simulator.js';

describe('parseTraceJsonLines', () => {
  test('reads back what traceToJsonLines wrote, with a header and a trailing summary', () => {
    const s = getScenario('seed');
    const sim = new Simulation({ config: s.config, programs: s.programs, seed: 1 });
    sim.run();
    const header = traceHeader({ cpus: 4, pages: 10, pageSize: 4096, protocol: 'ivy', runtime: 'sim' });
    const text = [JSON.stringify(header), traceToJsonLines(sim.trace), '', JSON.stringify({ type: 'summary', cpus: 4 })].join('\n');
    const parsed = parseTraceJsonLines(text);
    expect(parsed.header).toEqual(header);
    expect(parsed.events).toEqual(sim.trace);
    expect(parsed.other).toEqual([{ type: 'summary', cpus: 4 }]);
  });

  test('names the line of a bad input', () => {
    expect(() => parseTraceJsonLines('{"seq":0,"type":"done","cpu":0}\nnot json')).toThrow(/trace line 2: not JSON/);
    expect(() => parseTraceJsonLines('[1,2]')).toThrow(/trace line 1: not a JSON object/);
    expect(() => parseTraceJsonLines('{"type":"fault","cpu":0}')).toThrow(/trace line 1: a fault event needs integer seq and cpu/);
    expect(() => parseTraceJsonLines('{"type":"header","format":"tsdsm-trace","version":99}')).toThrow(/version 99 is not supported/);
  });
});

describe('traceSteps', () => {
  test.each(scenarioNames)('gives exactly the simulator steps on a simulator trace (%s)', (name) => {
    const s = getScenario(name);
    for (const seed of [1, 2, 3, 4, 5]) {
      const sim = new Simulation({ config: s.config, programs: s.programs, seed });
      const ends: number[] = [];
      while (sim.step()) ends.push(sim.trace.length);
      expect(traceSteps(sim.trace).map((st) => st.end)).toEqual(ends);
    }
  });
});
