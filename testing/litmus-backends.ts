/**
 * Litmus tests on real backends (worker threads, native processes): the test's programs run
 * `iterations` times on one cluster, and the outcomes are counted (a histogram; not every
 * reachable outcome need appear). Each iteration starts from the init values: CPU 0 writes
 * them, and a barrier separates that from the test; a barrier ends the test, then CPU 0 reads
 * every location's final value (a coherent read under every protocol: hlrc's barrier
 * publishes every write and invalidates what CPU 0 holds of it).
 */
// The package entry: it registers the workers and native backends.
import { Cluster, opsProgram, type Op, type Value } from '../index.js';
import {
  compileLitmus, conditionHolds, formatCondition, outcomeKey, outcomeValues, type LitmusResult, type LitmusTest, type OutcomeValues, type Placement,
} from './litmus.js';

export interface LitmusClusterOptions extends Placement {
  backend: 'workers' | 'native';
  protocol?: string | undefined;
  iterations?: number | undefined;
  timeoutMs?: number | undefined;
}

/** Page size on real backends: native pages are the MMU's. */
const realPageSize = 4096;

export async function runLitmusOnCluster(test: LitmusTest, options: LitmusClusterOptions): Promise<LitmusResult> {
  const iterations = options.iterations ?? 100;
  const protocol = options.protocol ?? 'ivy';
  const compiled = compileLitmus(test, { ...options, pageSize: realPageSize });
  const init: Op[] = test.locations.map((loc) => ({ op: 'write', type: 'int32', address: compiled.address.get(loc)!, value: test.init.get(loc) ?? 0 }));
  const finals: Op[] = test.locations.map((loc) => ({ op: 'read', type: 'int32', address: compiled.address.get(loc)! }));
  const programs = compiled.programs.map((ops, t) => [
    ...(t === 0 ? init : []), { op: 'barrier' } as Op, ...ops, { op: 'barrier' } as Op, ...(t === 0 ? finals : []),
  ]);
  const startedMs = Date.now();
  const cluster = await Cluster.start({
    cpus: test.threads.length, pages: compiled.pages, pageSize: realPageSize, protocol, backend: options.backend, timeoutMs: options.timeoutMs ?? 30_000,
  });
  const counts = new Map<string, { values: OutcomeValues; count: number }>();
  try {
    for (let i = 0; i < iterations; i++) {
      const { results } = await cluster.run<Value[]>(opsProgram, programs);
      const testReads = results.map((r, t) => (t === 0 ? r.slice(0, r.length - finals.length) : r));
      const memory = results[0]!.slice(results[0]!.length - finals.length).map(Number);
      const values = outcomeValues(test, testReads, memory);
      const key = outcomeKey(values);
      const seen = counts.get(key);
      if (seen) seen.count += 1;
      else counts.set(key, { values, count: 1 });
    }
  } finally {
    await cluster.close();
  }
  const outcomes = [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, o]) => o);
  return {
    test: test.name,
    protocol,
    backend: options.backend,
    exhaustive: false,
    outcomes,
    condition: formatCondition(test),
    holds: conditionHolds(test, outcomes.map((o) => o.values)),
    ms: Date.now() - startedMs,
  };
}
