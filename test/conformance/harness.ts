/**
 * What the conformance suites share: op shorthands, one backend's outcome (reads and message
 * counts), the message difference that isolates one operation, and a cache of clusters per
 * backend and shape so that a suite starts each cluster once.
 */
import { simulate } from '../../sim/index.js';
import { Cluster, opsProgram, type ClusterStats, type MessageKind, type Op, type Value } from '../../index.js';

export const pageSize = 4096;
export const at = (page: number, offset = 0): number => page * pageSize + offset;
export const W = (page: number, value: number, offset = 0): Op => ({ op: 'write', type: 'int32', address: at(page, offset), value });
export const R = (page: number, offset = 0): Op => ({ op: 'read', type: 'int32', address: at(page, offset) });
export const B: Op = { op: 'barrier' };
export const L = (lock: number): Op => ({ op: 'lock', lock });
export const U = (lock: number): Op => ({ op: 'unlock', lock });

export interface Outcome {
  results: Value[][];
  messages: number;
  byKind: Partial<Record<MessageKind, number>>;
}

export function outcome(results: Value[][], stats: ClusterStats): Outcome {
  return { results, messages: stats.total.messages, byKind: stats.total.messagesByKind };
}

/** Messages of `withOp` beyond those of `without`, by kind (kinds with 0 left out). */
export function difference(withOp: Outcome, without: Outcome): { messages: number; byKind: Record<string, number> } {
  const byKind: Record<string, number> = {};
  for (const [k, v] of Object.entries(withOp.byKind)) {
    const d = (v ?? 0) - (without.byKind[k as MessageKind] ?? 0);
    if (d !== 0) byKind[k] = d;
  }
  return { messages: withOp.messages - without.messages, byKind };
}

export function onSim(protocol: string, cpus: number, pages: number, programs: Op[][], size = pageSize, seed = 1): Outcome {
  const { results, stats } = simulate({ config: { cpus, pages, pageSize: size }, programs, seed, trace: false, protocol });
  return outcome(results, stats);
}

/** A launch command that starts the CPU's process without its fd 3 (the region file). */
export const closingFd3 = ['sh', '-c', 'exec "$@" 3<&-', 'sh'];

/** Clusters of one protocol, started on first use per backend and shape; `closeAll` in afterAll. */
export class Clusters {
  private readonly clusters = new Map<string, Cluster>();

  constructor(
    private readonly protocol: string,
    private readonly timeoutMs: number,
  ) {}

  /**
   * `target`: a backend's name, or `backend:transport` (say 'workers:ring', 'native:unix');
   * 'native:frames' is native CPUs that move their pages in control frames, not through the
   * region file (their launcher closes fd 3, as one that starts them elsewhere would: native/region-file.ts).
   */
  async get(target: string, cpus: number, pages: number, size = pageSize): Promise<Cluster> {
    const key = `${target}/${cpus}/${pages}/${size}`;
    let cluster = this.clusters.get(key);
    if (cluster === undefined) {
      const [backend, transport] = target.split(':');
      const options = transport === 'frames'
        ? { transport: 'tcp', hosts: [{ address: '127.0.0.1', launch: closingFd3 }] }
        : { transport };
      cluster = await Cluster.start({ cpus, pages, pageSize: size, timeoutMs: this.timeoutMs, backend, protocol: this.protocol, ...options });
      this.clusters.set(key, cluster);
    }
    return cluster;
  }

  async run(backend: string, cpus: number, pages: number, programs: Op[][], size = pageSize): Promise<Outcome> {
    const { results, stats } = await (await this.get(backend, cpus, pages, size)).run<Value[]>(opsProgram, programs);
    return outcome(results, stats);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.clusters.values()].map((c) => c.close()));
  }
}
