/**
 * What only the native backend has: one OS process per CPU, which close() must end, and pages
 * that must be at least the MMU's page. Everything the Cluster API promises on every backend
 * (programs, accessor, memory between runs, named failures, timeouts) is in the conformance
 * suite, test/conformance/cluster-api.test.ts, which runs on native as on worker threads.
 */
import { describe, expect, test } from '@jest/globals';
import { Cluster, DsmConfigError } from '../../index.js';
import { cpuProcesses } from './fixtures/processes.js';

const example = (name: string): URL => new URL(`../../examples/${name}.js`, import.meta.url);
const timeoutMs = 20000;

describe('native backend: processes and pages', () => {
  test('close() ends every process of the cluster', async () => {
    const before = cpuProcesses().length;
    const other = await Cluster.start({ cpus: 3, pages: 2, timeoutMs, backend: 'native' });
    await other.run(example('seed_test'), { address: 0x1000 });
    expect(cpuProcesses().length).toBe(before + 3);
    await other.close();
    expect(cpuProcesses().length).toBe(before);
  });

  test('a page smaller than the MMU\'s is a DsmConfigError', async () => {
    await expect(Cluster.start({ cpus: 2, pages: 2, pageSize: 1024, backend: 'native' })).rejects.toThrow(DsmConfigError);
  });
});
