/**
 * The worker_threads backend: importing this module registers it as 'workers' (the default
 * backend of Cluster.start). The package entry (index.ts at the top) imports it.
 */
import type { DsmConfig } from '../src/core/config.js';
import { registerBackend, type BackendInstance } from '../src/runtime/cluster.js';
import { WorkersBackend } from './backend.js';

registerBackend('workers', {
  start(config: DsmConfig, protocol: string): Promise<BackendInstance> {
    return Promise.resolve(new WorkersBackend(config, protocol));
  },
});

/** The built-in ops interpreter program: `cluster.run(opsProgram, programs)` with one Op[] per CPU. */
export const opsProgram: URL = new URL('./ops-program.js', import.meta.url);

export { WorkersBackend, abortGraceMs } from './backend.js';
