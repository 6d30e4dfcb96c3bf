/**
 * Question: how fast does the protocol tester go? Simulated protocol steps per second (a step
 * is one program op or one message delivery, with the invariants checked after it), with and
 * without the trace; property runs per second (generation, run and checks of one generated
 * case, already generated); and recorded histories checked for sequential consistency per second.
 *
 * Workloads: seeded random programs (sim/workloads.ts), 4 CPUs, 2 pages of 64 bytes, 16 ops
 * per CPU, half FIFO and half reordered; the same programs for every figure. Each figure is
 * the best of a few timed rounds after a warm-up round.
 *
 *   node dist/benchmarks/protocol-throughput.js
 */
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { validateConfig } from '../src/core/config.js';
import type { Op } from '../src/runtime/ops.js';
import type { Value } from '../src/memory/types.js';
import { simulate } from '../sim/simulator.js';
import { randomWorkload } from '../sim/workloads.js';
import { caseArbitrary } from '../testing/arbitraries.js';
import { runCase } from '../testing/runner.js';
import { checkSequentialConsistency, historyFromRun, type History } from '../testing/sc-checker.js';

const config = validateConfig({ cpus: 4, pages: 2, pageSize: 64 });
const workloadCount = 200;
const opsPerCpu = 16;
const rounds = 4;

function best(round: () => number): number {
  let bestRate = 0;
  for (let r = 0; r < rounds + 1; r++) {
    const t0 = performance.now();
    const work = round();
    const rate = work / ((performance.now() - t0) / 1000);
    if (r > 0) bestRate = Math.max(bestRate, rate); // round 0 warms the JIT
  }
  return bestRate;
}

export async function benchProtocolThroughput(): Promise<Record<string, number>> {
  const workloads: Op[][][] = [];
  for (let seed = 1; seed <= workloadCount; seed++) workloads.push(randomWorkload(config, { ops: opsPerCpu, seed }));
  const simulateAll = (trace: boolean): number => {
    let steps = 0;
    workloads.forEach((programs, i) => {
      steps += simulate({ config, programs, seed: i + 1, reorder: i % 2 === 1, trace }).steps;
    });
    return steps;
  };
  const stepsPerSecNoTrace = best(() => simulateAll(false));
  const stepsPerSecTrace = best(() => simulateAll(true));

  const cases = fc.sample(caseArbitrary(), { seed: 1, numRuns: workloadCount });
  const propertyRunsPerSec = best(() => {
    for (const c of cases) if (!runCase(c).ok) throw new Error('a generated case failed on the real protocol');
    return cases.length;
  });

  const histories: History[] = workloads.map((programs, i) => {
    const results: Value[][] = simulate({ config, programs, seed: i + 1, reorder: i % 2 === 1, trace: false }).results;
    return historyFromRun(programs, results);
  });
  let opsChecked = 0;
  const historiesPerSec = best(() => {
    opsChecked = 0;
    for (const h of histories) {
      const v = checkSequentialConsistency(h);
      if (v.verdict !== 'sc') throw new Error(`a simulated history was judged ${v.verdict}`);
      opsChecked += h.reduce((n, ops) => n + ops.length, 0);
    }
    return histories.length;
  });
  await Promise.resolve();
  return {
    simStepsPerSecNoTrace: Math.round(stepsPerSecNoTrace),
    simStepsPerSecTrace: Math.round(stepsPerSecTrace),
    propertyRunsPerSec: Math.round(propertyRunsPerSec),
    scHistoriesPerSec: Math.round(historiesPerSec),
    scOpsPerHistory: Math.round(opsChecked / histories.length),
  };
}

export function formatProtocolThroughput(r: Record<string, number>): string {
  const rows: [string, string][] = [
    ['simulated steps/s, no trace', String(r['simStepsPerSecNoTrace'])],
    ['simulated steps/s, with trace', String(r['simStepsPerSecTrace'])],
    ['generated cases run and checked/s', String(r['propertyRunsPerSec'])],
    [`SC histories checked/s (${r['scOpsPerHistory']} ops each)`, String(r['scHistoriesPerSec'])],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return [`protocol throughput (${config.cpus} CPUs, ${config.pages} pages of ${config.pageSize} bytes, ${opsPerCpu} ops per CPU)`, ...rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v.padStart(9)}`)].join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(formatProtocolThroughput(await benchProtocolThroughput()));
}
