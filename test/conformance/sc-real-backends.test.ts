/**
 * Sequential consistency on real backends: generated programs run, through the ops
 * interpreter, on worker threads (one worker per CPU, real races between them) and on the
 * native backend (one process per CPU, real mprotect faults, real races between processes and
 * between each CPU's program and protocol threads), under every protocol that promises SC.
 * Every run's per-CPU history must be sequentially consistent (sc-property.ts). The
 * fast-check seed is printed; set TSDSM_SEED to replay another. `npm run stress:native`
 * repeats the native half for as many runs as asked.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Cluster } from '../../index.js';
import { checkScRuns, scProtocols, scShapes } from './sc-property.js';

const seed = Number(process.env['TSDSM_SEED'] ?? 7);

// Native pages are MMU pages (4096 bytes at least).
const backends = [
  { backend: 'workers', transport: 'ports', pageSize: 64, runs: 30 },
  { backend: 'workers', transport: 'ring', pageSize: 64, runs: 30 },
  { backend: 'native', transport: 'ring', pageSize: 4096, runs: 30 },
  { backend: 'native', transport: 'unix', pageSize: 4096, runs: 15 },
];
const cases = scProtocols.flatMap((protocol) => backends.flatMap((b) => scShapes.map((s) => ({ protocol, ...b, ...s }))));

describe.each(cases)('SC of $backend ($transport) histories under $protocol, $cpus CPUs, $pages pages', ({ protocol, backend, transport, pageSize, runs, cpus, pages, shape }) => {
  const config = { cpus, pages, pageSize };
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await Cluster.start({ ...config, timeoutMs: 30000, backend, transport, protocol });
  });
  afterAll(async () => {
    await cluster.close();
  });

  test(`${runs} generated programs, seed ${seed}`, async () => {
    console.log(`SC on ${backend} (${transport}) under ${protocol}: ${cpus} CPUs, ${pages} pages, seed ${seed}, ${runs} runs`);
    const r = await checkScRuns(cluster, config, shape, seed, runs, `${backend}:${transport}/${protocol}`);
    expect(r.runs).toBe(runs);
    expect(r.reads).toBeGreaterThan(runs);
  }, 120000);
});
