/**
 * The worked example of docs/testing-protocols.md, executed: a variant of IVY of one's own,
 * checked with tsdsm/testing. The code between the markers below must appear verbatim in the
 * doc (the last test checks it), so the doc cannot drift from code that runs.
 */
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  checkProtocol, formatStory, ivy, runCase, checkSequentialConsistency, historyFromRun,
  type Effect, type IvyState, type Protocol, type ProtocolCase,
} from '../../testing/index.js';

// docs:begin variant
// A variant of IVY: a copy holder answers INVALIDATE at once but drops its copy only at its
// next input, to batch protection changes. Does the protocol still keep its promises?
const pendingDrops = new WeakMap<IvyState, number[]>();

function dropPending(s: IvyState): Effect[] {
  const pages = pendingDrops.get(s) ?? [];
  pendingDrops.set(s, []);
  return pages.map((page): Effect => {
    s.access[page] = 'none';
    return { kind: 'setAccess', page, access: 'none' };
  });
}

const lazyInvalidate: Protocol<IvyState> = {
  ...ivy,
  name: 'ivy-lazy-invalidate',
  onFault: (s, page, access) => [...dropPending(s), ...ivy.onFault(s, page, access)],
  onMessage(s, from, msg) {
    const before = dropPending(s);
    const effects = ivy.onMessage(s, from, msg);
    if (msg.kind !== 'INVALIDATE') return [...before, ...effects];
    s.access[msg.page] = 'read'; // keep the copy until the next input
    pendingDrops.get(s)!.push(msg.page);
    return [...before, ...effects.filter((e) => e.kind !== 'setAccess')];
  },
};
// docs:end variant

describe('docs/testing-protocols.md worked example', () => {
  test('IVY passes; the lazy-invalidate variant fails with a story', () => {
    // docs:begin check
    const good = checkProtocol({ protocol: ivy, seed: 42, numRuns: 300 });
    console.log(`ivy: ${good.ok ? 'passed' : 'FAILED'} ${good.numRuns} runs (seed ${good.seed})`);

    const report = checkProtocol({ protocol: lazyInvalidate, seed: 42, numRuns: 300 });
    if (!report.ok) console.log(formatStory(report));
    // docs:end check
    expect(good.ok).toBe(true);
    expect(good.numRuns).toBe(300);
    expect(report.ok).toBe(false);
    expect(report.failure!.error.message).toMatch(/^invariant violated: page \d+ is writable at CPU \d+ while CPUs? [\d, ]+ hold read copies/);
    expect(formatStory(report)).toContain(`checkProtocol({ ...sameOptions, seed: 42, path: '${report.path}' })`);
    // The doc shows exactly what this prints.
    const doc = readFileSync(fileURLToPath(new URL('../../../docs/testing-protocols.md', import.meta.url)), 'utf8');
    const printed = /It prints:\n\n```\n([\s\S]*?)\n```/.exec(doc)?.[1];
    expect(printed).toBe(`ivy: passed 300 runs (seed 42)\n${formatStory(report)}`);
  });

  test('a hand-written schedule replays the same failure without fast-check', () => {
    // docs:begin schedule
    const handWritten: ProtocolCase = {
      config: { cpus: 2, pages: 1, pageSize: 64 },
      programs: [
        [{ op: 'write', type: 'int32', address: 0, value: 1 }],
        [],
      ],
      reorder: false,
      schedule: [], // every step by the fixed rule: the first enabled step
      shape: { opsMax: 1, lockWeight: 0, locks: 0, barriersMax: 0 },
    };
    const outcome = runCase(handWritten, { protocol: lazyInvalidate, trace: true, recordSteps: true });
    // docs:end schedule
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.error.message).toMatch(/page 0 is writable at CPU 0 while CPUs 1 hold read copies/);
      expect(outcome.steps.map((s) => s.text)).toEqual(['CPU 0: write int32 @0x0 = 1', 'deliver INVALIDATE page 0 CPU 0 → CPU 1', 'deliver INVALIDATE_ACK page 0 CPU 1 → CPU 0']);
    }
    // The same case on IVY finishes, and its history is sequentially consistent.
    const fine = runCase(handWritten, { protocol: ivy });
    expect(fine.ok).toBe(true);
    if (fine.ok) expect(checkSequentialConsistency(historyFromRun(handWritten.programs, fine.result.results)).verdict).toBe('sc');
  });

  test('every marked block appears verbatim in the doc', () => {
    const source = readFileSync(fileURLToPath(new URL('../../../test/properties/docs-example.test.ts', import.meta.url)), 'utf8');
    const doc = readFileSync(fileURLToPath(new URL('../../../docs/testing-protocols.md', import.meta.url)), 'utf8');
    const blocks = [...source.matchAll(/\/\/ docs:begin (\w+)\n([\s\S]*?)\n\s*\/\/ docs:end \1/g)];
    expect(blocks.map((b) => b[1])).toEqual(['variant', 'check', 'schedule']);
    for (const [, name, body] of blocks) {
      const indent = Math.min(...body!.split('\n').filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
      const dedented = body!.split('\n').map((l) => l.slice(indent)).join('\n');
      expect({ name, inDoc: doc.includes(dedented) }).toEqual({ name, inDoc: true });
    }
    expect(doc).toContain("from 'tsdsm/testing'");
  });
});
