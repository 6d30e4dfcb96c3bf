/**
 * Sequential consistency on real backends: generated programs run, through the ops
 * interpreter, on worker threads (one worker per CPU, real races between them) and on the
 * native backend (one process per CPU, real mprotect faults, real races between processes and
 * between each CPU's program and protocol threads). Every run's per-CPU history (ops with the
 * values the reads returned) must be sequentially consistent by the bounded SC checker. A
 * cluster keeps its memory between runs, so every run offsets its written values to keep them
 * unique and starts from the memory the last run left. The fast-check seed is printed; set
 * TSDSM_SEED to replay another.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { Cluster, opsProgram, type Op, type Value } from '../../index.js';
import { checkSequentialConsistency, formatPrograms, historyFromRun, programsArbitrary, type History } from '../../testing/index.js';

const seed = Number(process.env['TSDSM_SEED'] ?? 7);
/** Values of run k are offset by k * valueStride (the generated values stay below it). */
const valueStride = 1_000_000;

// Native pages are MMU pages (4096 bytes at least); one or two pages keep the CPUs contending.
const backends = [
  { backend: 'workers', pageSize: 64, runs: 40 },
  { backend: 'native', pageSize: 4096, runs: 30 },
];
const shapes = [
  { cpus: 3, pages: 1, shape: { opsMax: 8, lockWeight: 1, locks: 2, barriersMax: 2 } },
  { cpus: 4, pages: 2, shape: { opsMax: 6, lockWeight: 1, locks: 2, barriersMax: 1 } },
];
const cases = backends.flatMap((b) => shapes.map((s) => ({ ...b, ...s })));

function offset(programs: Op[][], k: number): Op[][] {
  return programs.map((ops) => ops.map((op) => (op.op === 'write' ? { ...op, value: (op.value as number) + k * valueStride } : op)));
}

describe.each(cases)('SC of $backend histories, $cpus CPUs, $pages pages', ({ backend, pageSize, runs, cpus, pages, shape }) => {
  const config = { cpus, pages, pageSize };
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await Cluster.start({ ...config, timeoutMs: 30000, backend });
  });
  afterAll(async () => {
    await cluster.close();
  });

  test(`${runs} generated programs, seed ${seed}`, async () => {
    console.log(`SC on ${backend}: ${cpus} CPUs, ${pages} pages, seed ${seed}, ${runs} runs`);
    let run = 0;
    let reads = 0;
    await fc.assert(
      fc.asyncProperty(programsArbitrary(config, shape), async (generated) => {
        run += 1;
        const programs = offset(generated, run);
        const before = cluster.readMemory(0, pages * pageSize);
        const view = new DataView(before.buffer, before.byteOffset, before.byteLength);
        const { results } = await cluster.run<Value[]>(opsProgram, programs);
        const history: History = historyFromRun(programs, results);
        reads += results.reduce((n, r) => n + r.length, 0);
        const verdict = checkSequentialConsistency(history, { initial: (a) => view.getInt32(a, true) });
        if (verdict.verdict !== 'sc') {
          throw new Error(`history of run ${run} on ${backend} is ${verdict.verdict}: ${verdict.reason}\n${formatPrograms(programs).join('\n')}\nreads: ${JSON.stringify(results)}`);
        }
      }),
      { seed, numRuns: runs, endOnFailure: true },
    );
    expect(run).toBe(runs);
    expect(reads).toBeGreaterThan(runs);
  }, 120000);
});
