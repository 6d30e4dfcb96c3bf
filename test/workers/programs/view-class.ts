/**
 * Whether this run's float64 views are of the class the previous run on this worker thread
 * made (a module's state lives as long as its thread): true, false (a different class), or
 * null (no previous run here). Also writes and reads back one element per CPU, so that the
 * views are used as a program uses them.
 */
import { defineProgram } from '../../../index.js';

const seen: { last?: unknown } = {};

export default defineProgram((cpu): { same: boolean | null; value: number } => {
  const view = cpu.float64Array(cpu.id * 8, 1);
  view.set(0, cpu.id + 0.5);
  const same = seen.last === undefined ? null : seen.last === view.constructor;
  seen.last = view.constructor;
  cpu.barrier();
  return { same, value: view.get(0) };
});
