/**
 * Sequential consistency with real page protection: generated programs run on the native
 * backend (one process per CPU, real mprotect faults, real races between the processes and
 * between each CPU's program and protocol threads), through the ops interpreter; every run's
 * history must be sequentially consistent by the bounded SC checker. As in
 * test/properties/sc-workers.test.ts, each run offsets its written values to keep them unique
 * and starts from the memory the last run left. The fast-check seed is printed; set
 * TSDSM_SEED to replay another.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { Cluster, opsProgram, type Op, type Value } from '../../index.js';
import { checkSequentialConsistency, formatPrograms, historyFromRun, programsArbitrary, type History } from '../../testing/index.js';

const seed = Number(process.env['TSDSM_SEED'] ?? 7);
const runsPerCluster = 30;
const valueStride = 1_000_000;

// The MMU's page is the smallest native page: one or two pages keep the CPUs contending.
const shapes = [
  { config: { cpus: 3, pages: 1, pageSize: 4096 }, shape: { opsMax: 8, lockWeight: 1, locks: 2, barriersMax: 2 } },
  { config: { cpus: 4, pages: 2, pageSize: 4096 }, shape: { opsMax: 6, lockWeight: 1, locks: 2, barriersMax: 1 } },
];

function offset(programs: Op[][], k: number): Op[][] {
  return programs.map((ops) => ops.map((op) => (op.op === 'write' ? { ...op, value: (op.value as number) + k * valueStride } : op)));
}

describe.each(shapes)('SC of native histories, $config.cpus CPUs, $config.pages pages', ({ config, shape }) => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await Cluster.start({ ...config, timeoutMs: 30000, backend: 'native' });
  });
  afterAll(async () => {
    await cluster.close();
  });

  test(`${runsPerCluster} generated programs, seed ${seed}`, async () => {
    console.log(`SC on native: ${config.cpus} CPUs, ${config.pages} pages, seed ${seed}, ${runsPerCluster} runs`);
    let run = 0;
    let reads = 0;
    await fc.assert(
      fc.asyncProperty(programsArbitrary(config, shape), async (generated) => {
        run += 1;
        const programs = offset(generated, run);
        const before = cluster.readMemory(0, config.pages * config.pageSize);
        const view = new DataView(before.buffer, before.byteOffset, before.byteLength);
        const { results } = await cluster.run<Value[]>(opsProgram, programs);
        const history: History = historyFromRun(programs, results);
        reads += results.reduce((n, r) => n + r.length, 0);
        const verdict = checkSequentialConsistency(history, { initial: (a) => view.getInt32(a, true) });
        if (verdict.verdict !== 'sc') {
          throw new Error(`history of run ${run} is ${verdict.verdict}: ${verdict.reason}\n${formatPrograms(programs).join('\n')}\nreads: ${JSON.stringify(results)}`);
        }
      }),
      { seed, numRuns: runsPerCluster, endOnFailure: true },
    );
    expect(run).toBe(runsPerCluster);
    expect(reads).toBeGreaterThan(runsPerCluster);
  }, 120000);
});
