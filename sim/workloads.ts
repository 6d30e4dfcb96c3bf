/**
 * Program generators for the simulator. Random workloads concentrate accesses on a few hot
 * addresses spread over a few pages, so that faults, queueing at managers and invalidations
 * are common; every written value is unique (CPU id and a counter), so a history says which
 * write each read saw. Lock sections are never nested and never contain a barrier, and every
 * CPU passes the same number of barriers, so a correct protocol cannot deadlock.
 */
import type { DsmConfig } from '../src/core/config.js';
import type { Op } from '../src/runtime/ops.js';
import { Random } from './random.js';

export interface RandomWorkloadOptions {
  /** Operations per CPU (reads and writes; lock, unlock and barrier come on top). */
  ops: number;
  seed: number;
  /** Distinct addresses touched (default 2 per page, at most 8). */
  hotAddresses?: number;
  /** Chance that an op opens a lock section (default 0.1). */
  lockChance?: number;
  /** Barriers per CPU (default: one per 8 ops, at most 3). */
  barriers?: number;
  locks?: number;
}

/** A unique int32 for the k-th write of `cpu`. */
export function uniqueValue(cpu: number, k: number): number {
  return (cpu + 1) * 100000 + k + 1;
}

export function randomWorkload(config: DsmConfig, options: RandomWorkloadOptions): Op[][] {
  const random = new Random(options.seed ^ 0x5bd1e995);
  const hotCount = options.hotAddresses ?? Math.min(8, Math.max(2, 2 * config.pages));
  const slotsPerPage = config.pageSize / 4;
  const hot: number[] = [];
  for (let i = 0; i < hotCount; i++) {
    const page = random.int(config.pages);
    const slot = random.int(Math.min(slotsPerPage, 4));
    hot.push(page * config.pageSize + slot * 4);
  }
  const barriers = options.barriers ?? Math.min(3, Math.floor(options.ops / 8));
  const lockChance = options.lockChance ?? 0.1;
  const locks = options.locks ?? 2;
  const programs: Op[][] = [];
  for (let cpu = 0; cpu < config.cpus; cpu++) {
    const ops: Op[] = [];
    let writes = 0;
    const access = (): Op =>
      random.chance(0.5)
        ? { op: 'write', type: 'int32', address: random.pick(hot), value: uniqueValue(cpu, writes++) }
        : { op: 'read', type: 'int32', address: random.pick(hot) };
    const barrierAt = new Set<number>();
    while (barrierAt.size < Math.min(barriers, options.ops)) barrierAt.add(1 + random.int(Math.max(1, options.ops)));
    let emitted = 0;
    let barriersLeft = barriers;
    while (emitted < options.ops) {
      if (barrierAt.has(emitted) && barriersLeft > 0) {
        ops.push({ op: 'barrier' });
        barriersLeft -= 1;
      }
      if (random.chance(lockChance) && options.ops - emitted >= 1) {
        const lock = random.int(locks);
        const inside = 1 + random.int(Math.min(3, options.ops - emitted));
        ops.push({ op: 'lock', lock });
        for (let i = 0; i < inside; i++) ops.push(access());
        ops.push({ op: 'unlock', lock });
        emitted += inside;
      } else {
        ops.push(access());
        emitted += 1;
      }
    }
    while (barriersLeft-- > 0) ops.push({ op: 'barrier' });
    programs.push(ops);
  }
  return programs;
}
