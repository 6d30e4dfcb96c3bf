/**
 * The piscina task: runs one CPU's share of one run inside a pooled worker thread. The worker
 * stays warm between runs (modules loaded, JIT warm), and so do its bytes: the worker keeps
 * its memory's buffer after a task, and the next task starts from it, installing only the
 * pages the last run touched (runtime/starting-pages.ts), with a fresh protocol state. The
 * task says which run's memory it expects: piscina may give it to any of the pool's workers,
 * and every one of them holds that run's memory (every CPU ends a run with the same image
 * once refreshed), or, after a failed run, none (the task asks for zero-filled memory).
 *
 * The task never rejects for a program's error: it returns { ok: false } with the error as
 * data, because structured clone would drop the error's class and fields. It rejects only
 * when the worker itself dies, which piscina reports.
 */
import { checkCloneable } from '../src/runtime/clone.js';
import { DsmError } from '../src/core/errors.js';
import { DsmAbortedError } from '../src/runtime/errors.js';
import { abortWord, ring, ringAll } from './control.js';
import type { KeptState } from '../src/runtime/kept-state.js';
import type { DsmMemory } from '../src/memory/accessor.js';
import { loadProgram } from '../src/runtime/load-program.js';
import { loadProtocol } from '../src/runtime/protocol-module.js';
import { WorkerCpu } from './cpu.js';
import { PortLinks, RingLinks, type Links } from './links.js';
import type { CpuTask, CpuTaskResult } from './task.js';
import { serializeError } from '../src/runtime/error-transfer.js';

/**
 * The memory this worker's last task left, and that task's run. The memory object itself is
 * kept (not only its bytes), so that the next run's views are of the classes the program's
 * optimized code has seen (DsmMemory.rebind).
 */
let kept: { memory: DsmMemory; run: number } | null = null;
/**
 * Per CPU (and protocol), its protocol state after the last run it ran on this worker and
 * that succeeded: restarting it costs the pages that run named (runtime/kept-state.ts).
 * piscina may hand CPU i to another worker next time; that one starts it from init, once.
 */
const keptStates = new Map<string, KeptState>();

/** The memory this task starts from: the kept one when the task expects it, else none (fresh zero-filled memory). */
function startingMemory(task: CpuTask): DsmMemory | undefined {
  if (task.previousRun === null) return undefined;
  if (kept === null || kept.run !== task.previousRun) {
    throw new DsmError(
      `CPU ${task.cpu}: its worker holds ${kept === null ? 'no memory' : `the memory of run ${kept.run}`}, but the run starts from the memory of run ${task.previousRun} (a worker left the pool without a failed run)`,
    );
  }
  return kept.memory;
}

export default async function runCpuTask(task: CpuTask): Promise<CpuTaskResult> {
  const control = new Int32Array(task.control);
  let node: WorkerCpu | undefined;
  const links: Links = task.rings === null
    ? new PortLinks(task.config, task.cpu, task.ports)
    : new RingLinks(task.config, task.cpu, task.rings, (j) => ring(control, j));
  try {
    // The protocol comes by reference (a name, or a registered protocol's module and name).
    const protocol = await loadProtocol(task.protocol);
    const memory = startingMemory(task);
    kept = null;
    const stateKey = `${task.protocol}/${task.cpu}`;
    const keptState = keptStates.get(stateKey);
    keptStates.delete(stateKey);
    node = new WorkerCpu(task.config, task.cpu, protocol, links, control, memory, task.refresh, task.trace, keptState);
    kept = { memory: node.memory, run: task.run };
    const program = await loadProgram(task.programUrl, task.cpu);
    // A run aborted while this worker was still loading the program stops here.
    node.poll();
    const cpu = node.makeCpu();
    const result = await program(cpu, task.args);
    checkCloneable(result, 'result', task.cpu);
    if (task.trace) node.record({ type: 'done', cpu: task.cpu, result: traceable(result) });
    node.finish();
    const pages = node.collectPages();
    keptStates.set(stateKey, { state: node.driver.state, pages: node.driver.seenPages() });
    return { ok: true, cpu: task.cpu, result, stats: node.driver.stats, trace: node.trace, pages, touched: node.paged.touched() };
  } catch (err) {
    const aborted = err instanceof DsmAbortedError;
    // A failing CPU stops the others itself: they may be blocked waiting for it.
    if (!aborted) {
      if (node) node.abortAll();
      else if (Atomics.compareExchange(control, abortWord, 0, 1) === 0) ringAll(control, task.config.cpus);
    }
    return { ok: false, cpu: task.cpu, aborted, state: aborted ? err.state : node ? node.state() : 'starting', locksHeld: node ? node.heldLocks() : [], error: serializeError(err) };
  } finally {
    links.close();
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
