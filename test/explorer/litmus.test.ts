/**
 * Litmus tests: the built-in catalogue under every protocol on the simulator (every schedule),
 * against the sequentially consistent outcomes computed from the programs alone; hlrc's
 * relaxed outcomes on racy shapes and SC on lock-synchronized ones; the LISA reader's
 * refusals; the command line; and histograms on worker threads and native processes.
 */
import { describe, expect, test } from '@jest/globals';
import { basename } from 'node:path';
import { protocols } from '../../src/core/registry.js';
import { runLitmusOnCluster } from '../../testing/litmus-backends.js';
import {
  catalogueFiles, conditionHolds, LitmusError, outcomeKey, parseLitmus, readLitmusFile, runLitmusOnSimulator, scOutcomes,
} from '../../testing/litmus.js';
import { runLitmusCommand } from '../../cli/commands/litmus.js';

const files = catalogueFiles();
const sequential = Object.entries(protocols).filter(([, p]) => (p as { consistency?: string }).consistency !== 'release').map(([n]) => n);
const keys = (outcomes: readonly { values: Record<string, number> }[]): string[] => outcomes.map((o) => outcomeKey(o.values));

describe('the catalogue', () => {
  test('holds the classic shapes, the coherence tests and lock-synchronized variants', () => {
    const names = files.map((f) => basename(f, '.litmus'));
    for (const shape of ['SB', 'MP', 'LB', 'IRIW', 'WRC', '2+2W', 'R', 'S', 'ISA2', 'CoRR', 'CoRW', 'CoWR', 'CoWW', 'MP+locks', 'SB+locks']) {
      expect(names).toContain(shape);
    }
  });

  test.each(sequential)('%s: every test gives exactly the sequentially consistent outcomes', (protocol) => {
    for (const file of files) {
      const t = readLitmusFile(file);
      const r = runLitmusOnSimulator(t, { protocol });
      expect(r.exhaustive).toBe(true);
      expect([t.name, keys(r.outcomes)]).toEqual([t.name, scOutcomes(t).map(outcomeKey)]);
      expect(r.holds).toBe(false);
    }
  });

  test('SC forbids the condition of every test: each names a relaxed (or incoherent) outcome', () => {
    for (const file of files) {
      const t = readLitmusFile(file);
      const sc = scOutcomes(t);
      expect([t.name, sc.length > 0, conditionHolds(t, sc)]).toEqual([t.name, true, false]);
    }
  });

  test('hlrc reaches relaxed outcomes on racy shapes (SB, MP, R, ISA2) and stays SC on the lock-synchronized ones', () => {
    for (const shape of ['SB', 'MP', 'R', 'ISA2']) {
      const t = readLitmusFile(files.find((f) => basename(f) === `${shape}.litmus`)!);
      const r = runLitmusOnSimulator(t, { protocol: 'hlrc' });
      const sc = new Set(scOutcomes(t).map(outcomeKey));
      expect([shape, r.holds]).toEqual([shape, true]);
      expect(keys(r.outcomes).some((k) => !sc.has(k))).toBe(true);
    }
    for (const file of files.filter((f) => f.includes('+locks'))) {
      const t = readLitmusFile(file);
      expect([t.name, keys(runLitmusOnSimulator(t, { protocol: 'hlrc' }).outcomes)]).toEqual([t.name, scOutcomes(t).map(outcomeKey)]);
    }
  });
});

describe('the LISA reader', () => {
  const sb = 'LISA T\n{ x = 5; }\n P0 | P1 ;\n w[] y 1 | r[] r1 x ;\nexists (1:r1=5 \\/ (y=1 /\\ 1:r1=0))\n';

  test('reads init values, omitted locations at 0, and conditions with /\\ and \\/', () => {
    const t = parseLitmus(sb, 't.litmus');
    expect(t.locations).toEqual(['x', 'y']);
    expect(scOutcomes(t)).toEqual([{ '1:r1': 5, x: 5, y: 1 }]);
    const r = runLitmusOnSimulator(t, { protocol: 'ivy-dynamic' });
    expect(keys(r.outcomes)).toEqual(['1:r1=5; x=5; y=1']);
    expect(r.holds).toBe(true);
  });

  test.each([
    ['X86 SB\n{ }\n P0 ;\n MOV [x],$1 ;\nexists (x=1)\n', /t\.litmus:1: only LISA tests are supported .* got "X86"/],
    ['LISA T\n{ }\n P0 ;\n f[mb] ;\nexists (x=1)\n', /t\.litmus:4: unsupported instruction "f\[mb\]"/],
    ['LISA T\n{ }\n P0 ;\n w[] x 1 ;\nexists (x>1)\n', /t\.litmus:5: condition .*unsupported atom "x>1"/],
    ['LISA T\n{ }\n P0 ;\n w[] x 1 ;\nexists (0:r9=1)\n', /the condition names 0:r9, which the test never reads into/],
    ['LISA T\n{ 0:r1 = 1; }\n P0 ;\n w[] x 1 ;\nexists (x=1)\n', /t\.litmus:2: unsupported init "0:r1 = 1"/],
    ['LISA T\n{ }\n P0 ;\n w[] x 1 ;\nlocations [x;]\n', /t\.litmus:5: expected a final condition/],
  ])('refuses what it does not support, naming file and line: %#', (text, message) => {
    expect(() => parseLitmus(text, 't.litmus')).toThrow(LitmusError);
    expect(() => parseLitmus(text, 't.litmus')).toThrow(message);
  });
});

describe('tsdsm litmus', () => {
  const run = async (files: string[], opts: Record<string, unknown>): Promise<string[]> => {
    const lines: string[] = [];
    await runLitmusCommand(files, { protocol: 'ivy', backend: 'sim', iterations: 10, ...opts }, { out: (l) => lines.push(l), err: { write: () => true } });
    return lines;
  };
  const file = (name: string): string => files.find((f) => basename(f) === `${name}.litmus`)!;

  test('--json: one line per test with every outcome and the verdict', async () => {
    const lines = await run([file('SB'), file('MP')], { json: true, protocol: 'hlrc' });
    expect(lines).toHaveLength(2);
    const sb = JSON.parse(lines[0]!);
    expect(sb).toMatchObject({ test: 'SB', protocol: 'hlrc', backend: 'sim', exhaustive: true, condition: 'exists (0:r1=0 /\\ 1:r1=0)', holds: true });
    expect(sb.outcomes).toContainEqual({ values: { '0:r1': 0, '1:r1': 0, x: 1, y: 1 } });
  });

  test('--table: one row per test, one column per protocol', async () => {
    const lines = await run([file('SB'), file('SB+locks')], { table: true });
    expect(lines[1]).toMatch(/^\| test +\| condition +\| SC +\| ivy +\| ivy-central +\| ivy-dynamic +\| hlrc +\|$/);
    expect(lines[3]).toMatch(/^\| SB +\| exists .* \| no +\| no +\| no +\| no +\| yes +\|$/);
    expect(lines[4]).toMatch(/^\| SB\+locks +\| exists .* \| no +\| no +\| no +\| no +\| no +\|$/);
  });

  test('bad options are named', async () => {
    await expect(run([], { backend: 'gpu' })).rejects.toThrow('--backend = "gpu"; allowed: sim, workers, native');
  });
});

describe('on real backends', () => {
  test.each([
    ['workers', 'ivy', 'MP'], ['workers', 'hlrc', 'MP+locks'], ['native', 'ivy-dynamic', 'SB'], ['native', 'hlrc', 'SB+locks'],
  ] as const)('%s, %s, %s: every outcome of the histogram is sequentially consistent', async (backend, protocol, shape) => {
    const t = readLitmusFile(files.find((f) => basename(f) === `${shape}.litmus`)!);
    const r = await runLitmusOnCluster(t, { backend, protocol, iterations: 20 });
    expect(r).toMatchObject({ backend, protocol, exhaustive: false });
    const sc = new Set(scOutcomes(t).map(outcomeKey));
    expect(r.outcomes.reduce((n, o) => n + o.count!, 0)).toBe(20);
    for (const k of keys(r.outcomes)) expect(sc.has(k)).toBe(true);
    expect(r.holds).toBe(false);
  }, 60_000);
});
