/**
 * The package entry, `import { Cluster, defineProgram } from 'tsdsm'`: the public API of src/
 * and, by importing them, the worker-thread backend registered as 'workers' and the native
 * backend (one process per CPU, real mprotect) registered as 'native'.
 */
export * from './src/index.js';
export { opsProgram } from './workers/index.js';
import './native/backend.js';
// The native backend's own errors.
export { DsmAuthError } from './native/auth.js';
export { DsmNativeLoadError } from './native/index.js';
export { DsmPinError } from './native/pin.js';
export { DsmViewError } from './native/typed-arrays.js';
