/**
 * A checker for sequential consistency (Lamport 1979) of recorded histories.
 *
 * Input: per CPU, the operations it performed in program order, each read with the value it
 * returned; every written value unique (and different from the initial value of its address),
 * so a value names the write it came from. Addresses are compared as keys: every access of one
 * address must have the same size and no two accessed words may overlap (as in the generated
 * programs, which use aligned int32 words).
 *
 * The question: is there one total order of all operations that keeps each CPU's program order,
 * in which every read returns the value of the latest write to its address before it (or the
 * initial value), at most one CPU is inside a section of each lock, and every CPU passes its
 * k-th barrier only after every CPU has reached its k-th barrier?
 *
 * Search: depth-first over interleavings, with
 *  - memoization of states that cannot be completed (key: each CPU's position and the value at
 *    every address; lock holders follow from the positions);
 *  - a partial-order reduction: a read whose value is the current one, an unlock, and a write
 *    to an address that no remaining read looks at, are taken at once. Each commutes with
 *    every operation of other CPUs that could come between (a read changes nothing, and a
 *    value, once overwritten, never comes back, since writes are unique; nobody can tell
 *    when an unread write happened);
 *  - pruning: a CPU whose next read wants a value already overwritten can never proceed;
 *  - a bound on states explored; when it is hit the answer is 'unknown', never a guess.
 * The answer 'sc' comes with a witness order; 'not-sc' with the deepest prefix the search
 * reached and what blocked each CPU there.
 */
import type { Value } from '../src/memory/types.js';
import type { Op } from '../src/runtime/ops.js';
import { formatValue } from '../src/runtime/trace.js';

export type HistoryOp =
  | { op: 'read'; address: number; value: Value }
  | { op: 'write'; address: number; value: Value }
  | { op: 'lock'; lock: number }
  | { op: 'unlock'; lock: number }
  | { op: 'barrier' };

/** Per CPU, its operations in program order. */
export type History = HistoryOp[][];

/** One operation in a witness or prefix: CPU and index in its history. */
export interface OpRef {
  cpu: number;
  index: number;
}

export type ScVerdict =
  | { verdict: 'sc'; witness: OpRef[]; statesExplored: number }
  | { verdict: 'not-sc'; reason: string; deepest: OpRef[]; statesExplored: number }
  | { verdict: 'unknown'; reason: string; statesExplored: number };

export interface ScCheckOptions {
  /** The value of an address before the history (default 0). */
  initial?: ((address: number) => Value) | undefined;
  /** States explored at most before the answer is 'unknown' (default 200000). */
  statesMax?: number | undefined;
}

export const defaultStatesMax = 200_000;

/** Zips programs (as run) with the values their reads returned, one list per CPU. */
export function historyFromRun(programs: readonly (readonly Op[])[], reads: readonly (readonly Value[])[]): History {
  return programs.map((ops, cpu) => {
    const values = reads[cpu] ?? [];
    let r = 0;
    const history = ops.map((op): HistoryOp => {
      switch (op.op) {
        case 'read': {
          if (r >= values.length) throw new Error(`CPU ${cpu}: ${values.length} read values for more reads in its program`);
          return { op: 'read', address: op.address, value: values[r++]! };
        }
        case 'write': return { op: 'write', address: op.address, value: op.value };
        case 'lock': return { op: 'lock', lock: op.lock };
        case 'unlock': return { op: 'unlock', lock: op.lock };
        case 'barrier': return { op: 'barrier' };
      }
    });
    if (r !== values.length) throw new Error(`CPU ${cpu}: ${values.length} read values for ${r} reads in its program`);
    return history;
  });
}

export function formatHistoryOp(h: HistoryOp): string {
  switch (h.op) {
    case 'read': return `R @0x${h.address.toString(16)} → ${formatValue(h.value)}`;
    case 'write': return `W @0x${h.address.toString(16)} = ${formatValue(h.value)}`;
    case 'lock': return `lock(${h.lock})`;
    case 'unlock': return `unlock(${h.lock})`;
    case 'barrier': return 'barrier()';
  }
}

/** An order as lines "CPU c: op". */
export function formatOrder(history: History, order: readonly OpRef[]): string[] {
  return order.map(({ cpu, index }) => `CPU ${cpu}: ${formatHistoryOp(history[cpu]![index]!)}`);
}

class BoundHit extends Error {}

const keyOf = (v: Value): string => (typeof v === 'bigint' ? `${v}n` : formatValue(v));

/** Decides whether `history` is sequentially consistent (see the file header). */
export function checkSequentialConsistency(history: History, options: ScCheckOptions = {}): ScVerdict {
  const n = history.length;
  const statesMax = options.statesMax ?? defaultStatesMax;
  const initial = options.initial ?? (() => 0);

  // Addresses, and which write produced each value.
  const addresses: number[] = [];
  const slot = new Map<number, number>();
  const writer = new Map<string, OpRef & { address: number }>();
  history.forEach((ops, cpu) => ops.forEach((h, index) => {
    if (h.op !== 'read' && h.op !== 'write') return;
    if (!slot.has(h.address)) { slot.set(h.address, addresses.length); addresses.push(h.address); }
    if (h.op === 'write') {
      const k = `${h.address}:${keyOf(h.value)}`;
      const other = writer.get(k);
      if (other) throw new Error(`written values must be unique: CPU ${cpu} op ${index} and CPU ${other.cpu} op ${other.index} both write ${formatValue(h.value)} at 0x${h.address.toString(16)}`);
      if (keyOf(h.value) === keyOf(initial(h.address))) throw new Error(`written values must differ from the initial value: CPU ${cpu} op ${index} writes ${formatValue(h.value)} at 0x${h.address.toString(16)}`);
      writer.set(k, { cpu, index, address: h.address });
    }
  }));
  const initialKeys = addresses.map((a) => keyOf(initial(a)));

  // Reads that no order can explain.
  for (let cpu = 0; cpu < n; cpu++) {
    const ops = history[cpu]!;
    for (let index = 0; index < ops.length; index++) {
      const h = ops[index]!;
      if (h.op !== 'read') continue;
      const v = keyOf(h.value);
      const w = writer.get(`${h.address}:${v}`);
      if (w === undefined && v !== initialKeys[slot.get(h.address)!]) {
        return { verdict: 'not-sc', reason: `CPU ${cpu} op ${index} read ${formatValue(h.value)} at 0x${h.address.toString(16)}, a value no CPU wrote there`, deepest: [], statesExplored: 0 };
      }
      if (w !== undefined && w.cpu === cpu && w.index > index) {
        return { verdict: 'not-sc', reason: `CPU ${cpu} op ${index} read ${formatValue(h.value)} at 0x${h.address.toString(16)}, which its own later op ${w.index} writes`, deepest: [], statesExplored: 0 };
      }
    }
  }

  const pcs = new Array<number>(n).fill(0);
  const mem = initialKeys.slice();
  const holder = new Map<number, number>();
  const path: OpRef[] = [];
  const failed = new Set<string>();
  const total = history.reduce((s, ops) => s + ops.length, 0);
  let explored = 0;
  let deepest: OpRef[] = [];
  let blockedAtDeepest = '';

  // Reads not yet taken, per address: a write to an address with none left is unobservable.
  const readsLeft = new Array<number>(addresses.length).fill(0);
  for (const ops of history) for (const h of ops) if (h.op === 'read') readsLeft[slot.get(h.address)!]! += 1;

  const next = (cpu: number): HistoryOp | undefined => history[cpu]![pcs[cpu]!];
  const advance = (cpu: number): void => {
    const h = history[cpu]![pcs[cpu]!]!;
    if (h.op === 'read') readsLeft[slot.get(h.address)!]! -= 1;
    path.push({ cpu, index: pcs[cpu]! });
    pcs[cpu]! += 1;
  };
  const retreat = (cpu: number): void => {
    pcs[cpu]! -= 1;
    path.pop();
    const h = history[cpu]![pcs[cpu]!]!;
    if (h.op === 'read') readsLeft[slot.get(h.address)!]! += 1;
  };

  /** True when the value `h` wants is gone for good (its write done and overwritten). */
  const dead = (h: Extract<HistoryOp, { op: 'read' }>): boolean => {
    const s = slot.get(h.address)!;
    const v = keyOf(h.value);
    if (mem[s] === v) return false;
    const w = writer.get(`${h.address}:${v}`);
    if (w === undefined) return true; // the initial value, and the address was written since
    return pcs[w.cpu]! > w.index;
  };

  const describeBlocked = (): string => {
    const parts: string[] = [];
    for (let cpu = 0; cpu < n; cpu++) {
      const h = next(cpu);
      if (h === undefined) continue;
      let why = '';
      if (h.op === 'read') why = dead(h) ? ` (the value is overwritten; memory has ${mem[slot.get(h.address)!]})` : ` (memory has ${mem[slot.get(h.address)!]})`;
      if (h.op === 'lock' && holder.has(h.lock)) why = ` (held by CPU ${holder.get(h.lock)})`;
      parts.push(`CPU ${cpu} at op ${pcs[cpu]}: ${formatHistoryOp(h)}${why}`);
    }
    return parts.join('; ');
  };

  const search = (): boolean => {
    if (++explored > statesMax) throw new BoundHit();
    // Partial-order reduction: take current reads, unlocks and unobservable writes at once.
    const taken: number[] = [];
    const released: Array<{ lock: number; cpu: number }> = [];
    const overwritten: Array<{ slot: number; value: string }> = [];
    for (let changed = true; changed; ) {
      changed = false;
      for (let cpu = 0; cpu < n; cpu++) {
        for (let h = next(cpu); h !== undefined; h = next(cpu)) {
          if (h.op === 'read' && mem[slot.get(h.address)!] === keyOf(h.value)) {
            advance(cpu);
          } else if (h.op === 'unlock') {
            if (holder.get(h.lock) !== cpu) break; // unlock without lock: never enabled
            holder.delete(h.lock);
            released.push({ lock: h.lock, cpu });
            advance(cpu);
          } else if (h.op === 'write' && readsLeft[slot.get(h.address)!] === 0) {
            const s = slot.get(h.address)!;
            overwritten.push({ slot: s, value: mem[s]! });
            mem[s] = keyOf(h.value);
            advance(cpu);
          } else {
            break;
          }
          taken.push(cpu);
          changed = true;
        }
      }
    }
    const undoClosure = (): void => {
      for (let i = taken.length - 1; i >= 0; i--) retreat(taken[i]!);
      for (const { lock, cpu } of released) holder.set(lock, cpu);
      for (let i = overwritten.length - 1; i >= 0; i--) mem[overwritten[i]!.slot] = overwritten[i]!.value;
    };
    if (path.length === total) return true;
    if (path.length > deepest.length) {
      deepest = path.slice();
      blockedAtDeepest = describeBlocked();
    }
    const key = `${pcs.join(',')}|${mem.join(',')}`;
    let ok = false;
    if (!failed.has(key)) {
      ok = branch();
      if (!ok) failed.add(key);
    }
    if (!ok) undoClosure();
    return ok;
  };

  const branch = (): boolean => {
    for (let cpu = 0; cpu < n; cpu++) {
      const h = next(cpu);
      if (h !== undefined && h.op === 'read' && dead(h)) return false;
    }
    // A barrier: enabled only when every CPU's next op is a barrier.
    if (next(0)?.op === 'barrier') {
      let all = true;
      for (let cpu = 1; cpu < n && all; cpu++) all = next(cpu)?.op === 'barrier';
      if (all) {
        for (let cpu = 0; cpu < n; cpu++) advance(cpu);
        if (search()) return true;
        for (let cpu = n - 1; cpu >= 0; cpu--) retreat(cpu);
        return false;
      }
    }
    for (let cpu = 0; cpu < n; cpu++) {
      const h = next(cpu);
      if (h === undefined) continue;
      if (h.op === 'write') {
        const s = slot.get(h.address)!;
        const before = mem[s]!;
        mem[s] = keyOf(h.value);
        advance(cpu);
        if (search()) return true;
        retreat(cpu);
        mem[s] = before;
      } else if (h.op === 'lock' && !holder.has(h.lock)) {
        holder.set(h.lock, cpu);
        advance(cpu);
        if (search()) return true;
        retreat(cpu);
        holder.delete(h.lock);
      }
    }
    return false;
  };

  try {
    if (search()) return { verdict: 'sc', witness: path.slice(), statesExplored: explored };
  } catch (err) {
    if (!(err instanceof BoundHit)) throw err;
    return { verdict: 'unknown', reason: `bound of ${statesMax} states explored without an answer`, statesExplored: explored - 1 };
  }
  return {
    verdict: 'not-sc',
    reason: `no interleaving explains the history: the deepest prefix has ${deepest.length} of ${total} ops, after which ${blockedAtDeepest || 'nothing can move'}`,
    deepest,
    statesExplored: explored,
  };
}
