/**
 * Per-CPU statistics, the same in every runtime. A CPU counts what it does: its faults, the
 * messages and bytes it sends by kind, the invalidations it receives, its lock and barrier
 * waits, and the time its program is blocked (runtimes with a clock fill `blockedNs`).
 */
import { messageKinds, type MessageKind } from '../core/wire.js';

export interface CpuStats {
  cpu: number;
  readFaults: number;
  writeFaults: number;
  messages: number;
  bytes: number;
  messagesByKind: Partial<Record<MessageKind, number>>;
  bytesByKind: Partial<Record<MessageKind, number>>;
  /** INVALIDATE messages received: copies this CPU dropped. */
  invalidations: number;
  lockWaits: number;
  barrierWaits: number;
  /** Nanoseconds the program spent blocked in faults, locks and barriers (0 where no clock). */
  blockedNs: number;
}

export interface ClusterStats {
  perCpu: CpuStats[];
  total: CpuStats;
}

export function emptyStats(cpu: number): CpuStats {
  return {
    cpu, readFaults: 0, writeFaults: 0, messages: 0, bytes: 0,
    messagesByKind: {}, bytesByKind: {}, invalidations: 0, lockWaits: 0, barrierWaits: 0, blockedNs: 0,
  };
}

export function countSend(stats: CpuStats, kind: MessageKind, bytes: number): void {
  stats.messages += 1;
  stats.bytes += bytes;
  stats.messagesByKind[kind] = (stats.messagesByKind[kind] ?? 0) + 1;
  stats.bytesByKind[kind] = (stats.bytesByKind[kind] ?? 0) + bytes;
}

/** Sums per-CPU stats; the total's `cpu` is -1. */
export function totalStats(perCpu: readonly CpuStats[]): ClusterStats {
  const total = emptyStats(-1);
  for (const s of perCpu) {
    total.readFaults += s.readFaults;
    total.writeFaults += s.writeFaults;
    total.messages += s.messages;
    total.bytes += s.bytes;
    total.invalidations += s.invalidations;
    total.lockWaits += s.lockWaits;
    total.barrierWaits += s.barrierWaits;
    total.blockedNs += s.blockedNs;
    for (const k of messageKinds) {
      if (s.messagesByKind[k]) total.messagesByKind[k] = (total.messagesByKind[k] ?? 0) + s.messagesByKind[k]!;
      if (s.bytesByKind[k]) total.bytesByKind[k] = (total.bytesByKind[k] ?? 0) + s.bytesByKind[k]!;
    }
  }
  return { perCpu: perCpu.map((s) => ({ ...s })), total };
}

/** A plain-text table: one row per CPU and a total row, then messages and bytes by kind. */
export function formatStats(stats: ClusterStats): string {
  const rows = [...stats.perCpu, stats.total];
  const name = (s: CpuStats): string => (s.cpu < 0 ? 'total' : `CPU ${s.cpu}`);
  const head = ['', 'read faults', 'write faults', 'messages', 'bytes', 'invalidations', 'lock waits', 'barrier waits', 'blocked ms'];
  const body = rows.map((s) => [
    name(s), s.readFaults, s.writeFaults, s.messages, s.bytes, s.invalidations, s.lockWaits, s.barrierWaits,
    (s.blockedNs / 1e6).toFixed(1),
  ].map(String));
  const kinds = messageKinds.filter((k) => stats.total.messagesByKind[k]);
  const kindHead = ['message kind', ...rows.map(name)];
  const kindBody = kinds.map((k) => [k, ...rows.map((s) => `${s.messagesByKind[k] ?? 0} (${s.bytesByKind[k] ?? 0} B)`)]);
  return `${table([head, ...body])}\n\n${table([kindHead, ...kindBody])}`;
}

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd())
    .join('\n');
}
