/**
 * fast-check arbitraries for protocol testing: cluster configs, programs and schedules.
 *
 * Programs are built so that a correct protocol always terminates: reads and writes of int32
 * words at a few hot addresses (so faults, queueing at managers and invalidations are common),
 * every written value unique (it names its CPU and its index), lock sections that never nest
 * and never contain a barrier, and the same number of barriers on every CPU. A deadlock is
 * then always the protocol's fault.
 *
 * Values are assigned after generation (`uniqueValue(cpu, k)` for the k-th write of a CPU), so
 * shrinking a program never breaks their uniqueness.
 *
 * Swarm testing: `caseArbitrary` draws per run the shape of the case (CPUs, pages, ops, FIFO or
 * reordering, how many lock sections and barriers) unless the caller fixes it, so that one
 * seed explores programs with no locks at all as well as programs made mostly of them.
 */
import fc from 'fast-check';
import type { DsmConfig } from '../src/core/config.js';
import type { Op } from '../src/runtime/ops.js';
import { uniqueValue } from '../sim/workloads.js';

/** An inclusive integer range, or one fixed value. */
export type IntRange = number | { min: number; max: number };

export function rangeOf(r: IntRange): { min: number; max: number } {
  return typeof r === 'number' ? { min: r, max: r } : r;
}

export interface ConfigArbitraryOptions {
  /** CPUs (default 2..5). */
  cpus?: IntRange;
  /** Pages (default 1..3). */
  pages?: IntRange;
  /** Bytes per page (default 64: small pages keep the per-step invariant check cheap). */
  pageSize?: number;
}

export function configArbitrary(options: ConfigArbitraryOptions = {}): fc.Arbitrary<DsmConfig> {
  const cpus = rangeOf(options.cpus ?? { min: 2, max: 5 });
  const pages = rangeOf(options.pages ?? { min: 1, max: 3 });
  const pageSize = options.pageSize ?? 64;
  return fc.record({
    cpus: fc.integer(cpus),
    pages: fc.integer(pages),
  }).map(({ cpus: c, pages: p }) => ({ cpus: c, pages: p, pageSize }));
}

/** The mix of a program: how many ops, how many lock sections and barriers. */
export interface ProgramShape {
  /** Items per CPU, at most: an item is one read or write, or a lock section of 1 to 3 of them. */
  opsMax: number;
  /** Relative weight of a lock section against a single access (0: no locks). */
  lockWeight: number;
  /** Number of distinct locks. */
  locks: number;
  /** Barriers per CPU, at most (every CPU gets the same number). */
  barriersMax: number;
  /**
   * Data-race-free programs: every access is a lock section of its own, under the lock that
   * guards its address (hot address i is guarded by lock i mod locks), and drawn sections are
   * dropped. Protocols that promise sequential consistency only to such programs (release
   * consistency) are tested on these.
   */
  dataRaceFree?: boolean;
  /** Word slots per page that programs touch (default 2: two addresses share each page). */
  slotsPerPage?: number;
}

export const defaultShape: ProgramShape = { opsMax: 8, lockWeight: 1, locks: 2, barriersMax: 2 };

/** The hot addresses of a config: the first `slots` int32 words of every page. */
export function hotAddresses(config: DsmConfig, slots = 2): number[] {
  const perPage = Math.max(1, Math.min(slots, config.pageSize / 4));
  const out: number[] = [];
  for (let p = 0; p < config.pages; p++) for (let s = 0; s < perPage; s++) out.push(p * config.pageSize + s * 4);
  return out;
}

type Access = { write: boolean; at: number };
/**
 * A generated item, before the shape is applied: a single access, or a lock section when
 * `roll` is high enough for the shape's lock weight. Shrinking moves `roll` toward 0, which
 * turns sections back into single accesses: the simpler program.
 */
type RawItem = { roll: number; lock: number; first: Access; more: Access[] };

const rollMax = 99;

const rawItemArbitrary: fc.Arbitrary<RawItem> = fc.record({
  roll: fc.nat({ max: rollMax }),
  lock: fc.nat({ max: 15 }),
  first: fc.record({ write: fc.boolean(), at: fc.nat({ max: 63 }) }),
  more: fc.array(fc.record({ write: fc.boolean(), at: fc.nat({ max: 63 }) }), { maxLength: 2 }),
});

/** The generated material of a program for up to `cpus` CPUs; the shape decides what is used. */
interface RawPrograms {
  /** Per CPU, its items. */
  items: RawItem[][];
  /** Per barrier, per CPU, the item index it comes before (modulo the item count + 1). */
  barriers: number[][];
}

function rawProgramsArbitrary(cpus: number, itemsMax: number, barriersMax: number): fc.Arbitrary<RawPrograms> {
  return fc.record({
    items: fc.array(fc.array(rawItemArbitrary, { maxLength: Math.max(0, itemsMax), size: 'max' }), { minLength: cpus, maxLength: cpus }),
    barriers: fc.array(fc.array(fc.nat({ max: 64 }), { minLength: cpus, maxLength: cpus }), { maxLength: Math.max(0, barriersMax) }),
  });
}

/**
 * Turns generated material into ops for `config` and `shape`: the first `opsMax` items of
 * each CPU, the first `barriersMax` barriers (each at a position per CPU, so every CPU passes
 * the same number), unique write values.
 */
function buildPrograms(config: DsmConfig, shape: ProgramShape, raw: RawPrograms): Op[][] {
  const hot = hotAddresses(config, shape.slotsPerPage);
  const sectionChance = shape.locks > 0 && shape.lockWeight > 0 ? shape.lockWeight / (4 + shape.lockWeight) : 0;
  const sectionFrom = Math.round((rollMax + 1) * (1 - sectionChance));
  const barriers = raw.barriers.slice(0, Math.max(0, shape.barriersMax));
  return Array.from({ length: config.cpus }, (_, cpu) => {
    const items = (raw.items[cpu] ?? []).slice(0, Math.max(0, shape.opsMax));
    const ops: Op[] = [];
    let writes = 0;
    const access = (a: Access): Op => {
      const address = hot[a.at % hot.length]!;
      return a.write
        ? { op: 'write', type: 'int32', address, value: uniqueValue(cpu, writes++) }
        : { op: 'read', type: 'int32', address };
    };
    const positions = barriers.map((at) => (at[cpu] ?? 0) % (items.length + 1)).sort((a, b) => a - b);
    let next = 0;
    items.forEach((item, i) => {
      while (next < positions.length && positions[next] === i) { ops.push({ op: 'barrier' }); next++; }
      if (shape.dataRaceFree) {
        for (const a of [item.first, ...(item.roll >= sectionFrom ? item.more : [])]) {
          const lock = (a.at % hot.length) % Math.max(1, shape.locks);
          ops.push({ op: 'lock', lock }, access(a), { op: 'unlock', lock });
        }
      } else if (sectionChance > 0 && item.roll >= sectionFrom) {
        const lock = item.lock % shape.locks;
        ops.push({ op: 'lock', lock });
        for (const a of [item.first, ...item.more]) ops.push(access(a));
        ops.push({ op: 'unlock', lock });
      } else {
        ops.push(access(item.first));
      }
    });
    while (next++ < positions.length) ops.push({ op: 'barrier' });
    return ops;
  });
}

/** Programs for `config`, one op list per CPU, of the given shape. */
export function programsArbitrary(config: DsmConfig, shape: ProgramShape = defaultShape): fc.Arbitrary<Op[][]> {
  return rawProgramsArbitrary(config.cpus, shape.opsMax, shape.barriersMax).map((raw) => buildPrograms(config, shape, raw));
}

/**
 * A schedule: a generated sequence of choices, each taken modulo the number of enabled steps.
 * When the sequence runs out the fixed rule takes over: the first enabled step (the lowest
 * CPU's next op, else the oldest message on the first channel). Shrinking shortens the
 * sequence and moves choices toward 0, i.e. toward the fixed rule, so a shrunk schedule lists
 * only the choices that matter.
 */
export function scheduleArbitrary(lengthMax = 400): fc.Arbitrary<number[]> {
  return fc.array(fc.nat({ max: 1023 }), { maxLength: lengthMax, size: 'max' });
}

/** Everything one property run needs: a config, programs, the channel model and a schedule. */
export interface ProtocolCase {
  config: DsmConfig;
  programs: Op[][];
  reorder: boolean;
  schedule: number[];
  /** The drawn shape (for the story; not needed to replay). */
  shape: ProgramShape;
}

export interface CaseArbitraryOptions extends ConfigArbitraryOptions {
  /** Fixed channel model; drawn per run when absent (swarm). */
  reorder?: boolean;
  /** Items (accesses or lock sections) per CPU at most; drawn from 1..12 per run when absent. */
  opsMax?: IntRange;
  /** Fixed lock weight (0 = no locks); drawn from 0..4 per run when absent. */
  lockWeight?: number;
  /** Fixed barriers per CPU at most; drawn from 0..3 per run when absent. */
  barriersMax?: number;
  locks?: number;
  /** Longest generated schedule (default 400 choices). */
  scheduleLengthMax?: number;
  /**
   * Generate data-race-free programs only (see ProgramShape.dataRaceFree). checkProtocol and
   * protocolProperty default it to true for a release-consistent protocol, else false.
   */
  dataRaceFree?: boolean;
}

/**
 * A whole case, with the options not given drawn per run (swarm testing). Built without
 * `chain`: the shape, the config and the programs' material are independent fields of one
 * record, and the shape is applied afterwards (CPUs beyond `cpus` and items beyond `opsMax`
 * are dropped), so that fast-check shrinks each of them on its own: fewer CPUs, fewer pages,
 * fewer items, no locks, fewer barriers, a shorter schedule.
 */
export function caseArbitrary(options: CaseArbitraryOptions = {}): fc.Arbitrary<ProtocolCase> {
  const ops = rangeOf(options.opsMax ?? { min: 1, max: 12 });
  const cpus = rangeOf(options.cpus ?? { min: 2, max: 5 });
  const barriersMax = options.barriersMax !== undefined ? { min: options.barriersMax, max: options.barriersMax } : { min: 0, max: 3 };
  const pageSize = options.pageSize ?? 64;
  return fc.record({
    config: configArbitrary(options),
    opsMax: fc.integer(ops),
    lockWeight: options.lockWeight !== undefined ? fc.constant(options.lockWeight) : fc.integer({ min: 0, max: 4 }),
    barriersMax: fc.integer(barriersMax),
    reorder: options.reorder !== undefined ? fc.constant(options.reorder) : fc.boolean(),
    raw: rawProgramsArbitrary(cpus.max, ops.max, barriersMax.max),
    schedule: scheduleArbitrary(options.scheduleLengthMax),
  }).map(({ config, opsMax, lockWeight, barriersMax: b, reorder, raw, schedule }) => {
    const shape: ProgramShape = { opsMax, lockWeight, locks: options.locks ?? 2, barriersMax: b, dataRaceFree: options.dataRaceFree ?? false };
    const c: DsmConfig = { ...config, pageSize };
    return { config: c, programs: buildPrograms(c, shape, raw), reorder, schedule, shape };
  });
}
