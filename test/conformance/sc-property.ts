/**
 * The SC property of real histories, shared by the jest suite (sc-real-backends.test.ts) and
 * the native stress command (test/stress/native-sc.ts, `npm run stress:native`): generated
 * programs run through the ops interpreter on a started cluster, and every run's per-CPU
 * history must be sequentially consistent by the bounded SC checker. A cluster keeps its
 * memory between runs, so every run offsets its written values to keep them unique and
 * starts from the memory the last run left.
 */
import fc from 'fast-check';
import { opsProgram, type Cluster, type Op, type Value } from '../../index.js';
import { checkSequentialConsistency, formatPrograms, historyFromRun, programsArbitrary, type History } from '../../testing/index.js';

/** Values of run k are offset by k * valueStride (the generated values stay below it). */
const valueStride = 1_000_000;

export type ProgramShape = Parameters<typeof programsArbitrary>[1];

/** The shapes both use: one or two pages keep the CPUs contending. */
export const scShapes: ReadonlyArray<{ cpus: number; pages: number; shape: ProgramShape }> = [
  { cpus: 3, pages: 1, shape: { opsMax: 8, lockWeight: 1, locks: 2, barriersMax: 2 } },
  { cpus: 4, pages: 2, shape: { opsMax: 6, lockWeight: 1, locks: 2, barriersMax: 1 } },
];

/** The protocols that promise sequential consistency to every program (hlrc only to data-race-free ones). */
export const scProtocols = ['ivy', 'ivy-central', 'ivy-dynamic'] as const;

function offset(programs: Op[][], k: number): Op[][] {
  return programs.map((ops) => ops.map((op) => (op.op === 'write' ? { ...op, value: (op.value as number) + k * valueStride } : op)));
}

export interface ScRunsResult {
  runs: number;
  reads: number;
}

/** Runs `runs` generated programs from `seed` on `cluster`; rejects with the first history that is not SC, its programs and reads. */
export async function checkScRuns(
  cluster: Cluster,
  config: { cpus: number; pages: number; pageSize: number },
  shape: ProgramShape,
  seed: number,
  runs: number,
  label: string,
): Promise<ScRunsResult> {
  let run = 0;
  let reads = 0;
  const { pages, pageSize } = config;
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
        throw new Error(`history of run ${run} on ${label} (seed ${seed}) is ${verdict.verdict}: ${verdict.reason}\n${formatPrograms(programs).join('\n')}\nreads: ${JSON.stringify(results)}`);
      }
    }),
    { seed, numRuns: runs, endOnFailure: true },
  );
  return { runs: run, reads };
}
