/**
 * The package entry, `import { Cluster, defineProgram } from 'tsdsm'`: the public API of src/
 * and, by importing them, the worker-thread backend registered as 'workers' and the native
 * backend (one process per CPU, real mprotect) registered as 'native'.
 */
export * from './src/index.js';
export { opsProgram } from './workers/index.js';
import './native/backend.js';
export { DsmNativeLoadError } from './native/index.js';
