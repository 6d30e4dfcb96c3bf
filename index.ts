/**
 * The package entry, `import { Cluster, defineProgram } from 'tsdsm'`: the public API of src/
 * and, by importing them, the worker-thread backend registered as 'workers'.
 */
export * from './src/index.js';
export { opsProgram } from './workers/index.js';
