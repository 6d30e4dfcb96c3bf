/**
 * The worker_threads backend: importing this module registers it as 'workers' (the default
 * backend of Cluster.start). The package entry (index.ts at the top) imports it.
 */
import type { DsmConfig } from '../src/core/config.js';
import { DsmConfigError } from '../src/core/errors.js';
import { registerBackend, type BackendInstance, type ClusterOptions } from '../src/runtime/cluster.js';
import { WorkersBackend } from './backend.js';
import type { WorkersTransport } from './links.js';

registerBackend('workers', {
  accepts: ['transport'],
  start(config: DsmConfig, protocol: string, options: ClusterOptions): Promise<BackendInstance> {
    const transport = options.transport ?? 'ports';
    if (transport !== 'ports' && transport !== 'ring') {
      throw new DsmConfigError(`invalid config: transport = ${JSON.stringify(transport)} on backend 'workers'; allowed: 'ports' (default: a MessagePort per pair of CPUs), 'ring' (shared-memory rings)`);
    }
    return Promise.resolve(new WorkersBackend(config, protocol, transport as WorkersTransport));
  },
});

/** The built-in ops interpreter program: `cluster.run(opsProgram, programs)` with one Op[] per CPU. */
export const opsProgram: URL = new URL('./ops-program.js', import.meta.url);

export { WorkersBackend, abortGraceMs } from './backend.js';
