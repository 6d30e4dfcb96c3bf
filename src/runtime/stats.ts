/**
 * Per-CPU statistics, the same in every runtime. A CPU counts what it does: its faults, the
 * messages and bytes it sends by kind, the copies it loses to other CPUs' writes, its lock
 * acquires (and those that waited for another holder), its barriers, and the time its
 * program is blocked (runtimes with a clock fill `blockedNs`). docs/stats.md is the table of
 * what each one means; keep the two in step.
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
  /**
   * Copies of a page this CPU lost because another CPU wrote the page: INVALIDATE messages
   * received (the IVY protocols), pages invalidated by write notices at an acquire (hlrc).
   */
  invalidations: number;
  /** lock() calls. */
  lockAcquires: number;
  /** lock() calls that found the lock held by another CPU and waited in its queue. */
  lockWaits: number;
  /** barrier() calls. */
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
    messagesByKind: {}, bytesByKind: {}, invalidations: 0, lockAcquires: 0, lockWaits: 0, barrierWaits: 0, blockedNs: 0,
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
    total.lockAcquires += s.lockAcquires;
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

/** Above this many CPUs, formatStats summarizes the CPUs (min, median, max) instead of a row each. */
export const statsRowsMax = 16;

const columns: ReadonlyArray<[string, (s: CpuStats) => number]> = [
  ['read faults', (s) => s.readFaults],
  ['write faults', (s) => s.writeFaults],
  ['messages', (s) => s.messages],
  ['bytes', (s) => s.bytes],
  ['invalidations', (s) => s.invalidations],
  ['lock acquires', (s) => s.lockAcquires],
  ['lock waits', (s) => s.lockWaits],
  ['barriers', (s) => s.barrierWaits],
  ['blocked ms', (s) => s.blockedNs / 1e6],
];

function cell(name: string, v: number): string {
  return name === 'blocked ms' ? v.toFixed(1) : String(v);
}

/**
 * A plain-text table: one row per CPU and a total row, then messages and bytes by kind. With
 * more than `statsRowsMax` CPUs, rows of the minimum, median and maximum over CPUs (each
 * column on its own: the CPU of one column's maximum is named beside it) replace the CPUs'.
 */
export function formatStats(stats: ClusterStats): string {
  const head = ['', ...columns.map(([name]) => name)];
  const row = (label: string, s: CpuStats): string[] => [label, ...columns.map(([name, get]) => cell(name, get(s)))];
  const kinds = messageKinds.filter((k) => stats.total.messagesByKind[k]);
  const kindCell = (s: CpuStats, k: MessageKind): string => `${s.messagesByKind[k] ?? 0} (${s.bytesByKind[k] ?? 0} B)`;
  if (stats.perCpu.length <= statsRowsMax) {
    const rows = [...stats.perCpu, stats.total];
    const name = (s: CpuStats): string => (s.cpu < 0 ? 'total' : `CPU ${s.cpu}`);
    const kindRows = kinds.map((k) => [k, ...rows.map((s) => kindCell(s, k))]);
    return `${table([head, ...rows.map((s) => row(name(s), s))])}\n\n${table([['message kind', ...rows.map(name)], ...kindRows])}`;
  }
  const summary = (pick: (sorted: number[]) => number, label: string, named: boolean): string[] => [
    label,
    ...columns.map(([name, get]) => {
      const values = stats.perCpu.map(get);
      const v = pick([...values].sort((a, b) => a - b));
      return named ? `${cell(name, v)} (CPU ${values.indexOf(v)})` : cell(name, v);
    }),
  ];
  const n = stats.perCpu.length;
  const median = (sorted: number[]): number => sorted[Math.floor((sorted.length - 1) / 2)]!;
  const body = [
    summary((v) => v[0]!, 'min', true),
    summary(median, 'median', false),
    summary((v) => v[v.length - 1]!, 'max', true),
    row('total', stats.total),
  ];
  const kindRows = kinds.map((k) => {
    const counts = stats.perCpu.map((s) => s.messagesByKind[k] ?? 0);
    const max = Math.max(...counts);
    return [k, kindCell(stats.total, k), `${max} (CPU ${counts.indexOf(max)})`];
  });
  return `${n} CPUs: per-CPU rows summarized (min and max name one CPU that has them)\n${table([head, ...body])}\n\n${table([['message kind', 'total', 'max of a CPU'], ...kindRows])}`;
}

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd())
    .join('\n');
}
