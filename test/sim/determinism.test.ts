import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { validateConfig } from '../../src/core/config.js';
import { traceToJsonLines } from '../../src/runtime/trace.js';
import { simulate } from '../../sim/simulator.js';
import { randomWorkload } from '../../sim/workloads.js';

const cli = fileURLToPath(new URL('../../cli/tsdsm.js', import.meta.url));

function traceOf(seed: number, reorder: boolean): string {
  const config = validateConfig({ cpus: 5, pages: 3, pageSize: 256 });
  const programs = randomWorkload(config, { ops: 30, seed });
  return traceToJsonLines(simulate({ config, programs, seed, reorder }).trace);
}

describe('determinism', () => {
  test.each([false, true])('the same seed gives the same trace, byte for byte (reorder %s)', (reorder) => {
    for (const seed of [1, 2, 99]) {
      const a = traceOf(seed, reorder);
      expect(a.length).toBeGreaterThan(1000);
      expect(traceOf(seed, reorder)).toBe(a);
    }
  });

  test('different seeds explore different interleavings', () => {
    const traces = new Set([1, 2, 3, 4, 5].map((s) => traceOf(s, true)));
    expect(traces.size).toBe(5);
  });

  test('tsdsm sim --json run twice prints identical output', () => {
    const args = [cli, 'sim', '--workload', 'random', '--cpus', '4', '--pages', '3', '--ops', '25', '--seed', '42', '--reorder', '--json'];
    const a = spawnSync(process.execPath, args, { encoding: 'utf8' });
    const b = spawnSync(process.execPath, args, { encoding: 'utf8' });
    expect(a.status).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const lines = a.stdout.trim().split('\n');
    const summary = JSON.parse(lines[lines.length - 1]!);
    expect(summary).toMatchObject({ type: 'summary', seed: 42 });
    expect(summary.messages).toBeGreaterThan(0);
    expect(summary.faults).toBeGreaterThan(0);
    // The first line is the header (docs/trace-format.md); every other one is a trace event, numbered in order.
    expect(JSON.parse(lines[0]!)).toMatchObject({ type: 'header', format: 'tsdsm-trace', protocol: 'ivy', cpus: 4, pages: 3, seed: 42 });
    lines.slice(1, -1).forEach((line, i) => expect(JSON.parse(line).seq).toBe(i));
  });
});
