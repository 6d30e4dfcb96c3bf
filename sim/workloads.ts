/**
 * Program generators for the simulator. Random workloads concentrate accesses on a few hot
 * addresses spread over a few pages, so that faults, queueing at managers and invalidations
 * are common; every written value is unique (CPU id and a counter), so a history says which
 * write each read saw. Lock sections are never nested and never contain a barrier, and every
 * CPU passes the same number of barriers, so a correct protocol cannot deadlock.
 *
 * `randomWorkload` is racy on purpose (SC protocols must survive anything). `randomDrfWorkload`
 * makes data-race-free programs, the only ones a release-consistent protocol (hlrc) promises
 * sequential consistency to.
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

export interface DrfWorkloadOptions {
  /** Reads and writes per CPU (lock, unlock and barrier come on top). */
  ops: number;
  seed: number;
  /** Locks, each guarding its own group of words (default 3). */
  locks?: number;
  /** Words per lock group (default 2). */
  wordsPerLock?: number;
  /** Words accessed outside locks, owned by one CPU per phase (default 2 per CPU, at most 8). */
  phaseWords?: number;
  /** Barriers per CPU; they cut the run into phases (default: one per 8 ops, at most 3). */
  barriers?: number;
  /** Chance that an access comes inside a lock section (default 0.4). */
  lockChance?: number;
}

/**
 * A data-race-free random program: every pair of conflicting accesses is ordered by a lock
 * or a barrier. Two kinds of words, spread over few pages so that unrelated words share pages
 * (false sharing, multiple writers per page):
 *  - lock words: the words of group g are read and written only inside a section of lock g;
 *  - phase words: between two barriers (a phase) each is owned by one CPU, chosen per phase,
 *    and only its owner reads or writes it in that phase; so a value written in one phase is
 *    read by another CPU only after a barrier.
 * Lock sections are never nested and never contain a barrier, and every CPU passes the same
 * number of barriers, so the program cannot deadlock. Every written value is unique.
 */
export function randomDrfWorkload(config: DsmConfig, options: DrfWorkloadOptions): Op[][] {
  const random = new Random(options.seed ^ 0x2f6b3a1d);
  const slotsPerPage = Math.min(config.pageSize / 4, 8);
  const capacity = config.pages * slotsPerPage;
  const locks = Math.max(0, options.locks ?? 3);
  const wordsPerLock = Math.max(1, options.wordsPerLock ?? 2);
  const lockWordCount = Math.min(locks * wordsPerLock, capacity);
  const phaseWordCount = Math.min(options.phaseWords ?? Math.min(8, 2 * config.cpus), capacity - lockWordCount);
  const taken = new Set<number>();
  const pickAddress = (): number => {
    for (;;) {
      const address = random.int(config.pages) * config.pageSize + random.int(slotsPerPage) * 4;
      if (!taken.has(address)) {
        taken.add(address);
        return address;
      }
    }
  };
  const groups: number[][] = Array.from({ length: locks }, () => []);
  for (let i = 0; i < lockWordCount; i++) groups[i % locks]!.push(pickAddress());
  const usableLocks = groups.map((g, lock) => ({ g, lock })).filter(({ g }) => g.length > 0);
  const phaseWords = Array.from({ length: phaseWordCount }, pickAddress);
  const barriers = options.barriers ?? Math.min(3, Math.floor(options.ops / 8));
  const owners = Array.from({ length: barriers + 1 }, () => phaseWords.map(() => random.int(config.cpus)));
  const lockChance = options.lockChance ?? 0.4;
  const programs: Op[][] = [];
  for (let cpu = 0; cpu < config.cpus; cpu++) {
    const ops: Op[] = [];
    let writes = 0;
    const access = (address: number): Op =>
      random.chance(0.5) ? { op: 'write', type: 'int32', address, value: uniqueValue(cpu, writes++) } : { op: 'read', type: 'int32', address };
    for (let phase = 0; phase <= barriers; phase++) {
      const mine = phaseWords.filter((_, i) => owners[phase]![i] === cpu);
      const budget = Math.floor(options.ops / (barriers + 1)) + (phase < options.ops % (barriers + 1) ? 1 : 0);
      for (let emitted = 0; emitted < budget; ) {
        if (usableLocks.length > 0 && (mine.length === 0 || random.chance(lockChance))) {
          const { g, lock } = random.pick(usableLocks);
          const inside = 1 + random.int(Math.min(3, budget - emitted));
          ops.push({ op: 'lock', lock });
          for (let i = 0; i < inside; i++) ops.push(access(random.pick(g)));
          ops.push({ op: 'unlock', lock });
          emitted += inside;
        } else {
          if (mine.length > 0) ops.push(access(random.pick(mine)));
          emitted += 1;
        }
      }
      if (phase < barriers) ops.push({ op: 'barrier' });
    }
    programs.push(ops);
  }
  return programs;
}
