/**
 * piscina's task file. It is CommonJS on purpose: piscina loads a task file with `require()`
 * first, and on Node 20.19+ `require()` of an ES module succeeds, so the runtime's modules
 * would be loaded once by `require` and again by the program's `import` — a mix Node 20 can
 * trip on ("Unexpected status of a module that is imported again after being required").
 * This shim keeps every ES module on the `import` path.
 */
export = async function runTask(task: unknown): Promise<unknown> {
  const mod = (await import('./cpu-task.js')) as { default: (task: unknown) => Promise<unknown> };
  return mod.default(task);
};
