/**
 * The piscina task: runs one CPU's share of one run inside a pooled worker thread. The worker
 * stays warm between runs (modules loaded, JIT warm); its CPU state does not: each task gets a
 * fresh PagedMemory holding the run's starting image and a fresh protocol state.
 *
 * The task never rejects for a program's error: it returns { ok: false } with the error as
 * data, because structured clone would drop the error's class and fields. It rejects only
 * when the worker itself dies, which piscina reports.
 */
import { checkCloneable } from '../src/runtime/clone.js';
import { DsmAbortedError } from '../src/runtime/errors.js';
import { loadProgram } from '../src/runtime/load-program.js';
import { loadProtocol } from '../src/runtime/protocol-module.js';
import { WorkerCpu } from './cpu.js';
import type { CpuTask, CpuTaskResult } from './task.js';
import { serializeError } from '../src/runtime/error-transfer.js';

export default async function runCpuTask(task: CpuTask): Promise<CpuTaskResult> {
  const control = new Int32Array(task.control);
  // The protocol comes by reference (a name, or a registered protocol's module and name).
  const protocol = await loadProtocol(task.protocol);
  const node = new WorkerCpu(task.config, task.cpu, protocol, task.ports, control, task.image, task.trace);
  try {
    const program = await loadProgram(task.programUrl, task.cpu);
    // A run aborted while this worker was still loading the program stops here.
    node.poll();
    const cpu = node.makeCpu();
    const result = await program(cpu, task.args);
    checkCloneable(result, 'result', task.cpu);
    if (task.trace) node.record({ type: 'done', cpu: task.cpu, result: traceable(result) });
    node.finish();
    return { ok: true, cpu: task.cpu, result, stats: node.driver.stats, trace: node.trace, pages: node.collectPages() };
  } catch (err) {
    const aborted = err instanceof DsmAbortedError;
    // A failing CPU stops the others itself: they may be blocked waiting for it.
    if (!aborted) node.abortAll();
    return { ok: false, cpu: task.cpu, aborted, state: aborted ? err.state : node.state(), locksHeld: node.heldLocks(), error: serializeError(err) };
  } finally {
    for (const port of task.ports) port?.close();
  }
}

/** Results in trace events must survive JSON: bigints become strings. */
function traceable(result: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(result, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)));
  } catch {
    return String(result);
  }
}
