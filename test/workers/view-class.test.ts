/**
 * A worker keeps a CPU's memory object from run to run (workers/cpu-task.ts), so a program's
 * views are of the same class in every run: its optimized code stays monomorphic. Checked by
 * a program that compares its view's class with the one its thread saw in the previous run.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { Cluster } from '../../index.js';

const program = new URL('./programs/view-class.js', import.meta.url);
let cluster: Cluster;

beforeAll(async () => {
  cluster = await Cluster.start({ cpus: 2, pages: 2, pageSize: 4096 });
});
afterAll(async () => {
  await cluster.close();
});

test('the second and third runs see the first run\'s view classes, and the views work', async () => {
  const runs = [];
  for (let r = 0; r < 3; r++) runs.push((await cluster.run<{ same: boolean | null; value: number }>(program)).results);
  expect(runs[0]!.map((x) => x.same)).toEqual([null, null]);
  expect(runs[1]!.map((x) => x.same)).toEqual([true, true]);
  expect(runs[2]!.map((x) => x.same)).toEqual([true, true]);
  for (const results of runs) expect(results.map((x) => x.value)).toEqual([0.5, 1.5]);
  expect(Array.from(new Float64Array((await cluster.readMemory(0, 16)).slice().buffer))).toEqual([0.5, 1.5]);
});
