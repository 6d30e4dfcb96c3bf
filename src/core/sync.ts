/**
 * Message-based synchronization shared by every protocol: locks (manager = lock id mod N,
 * FIFO queue; acquire is LOCK_REQ + LOCK_GRANT, or nothing sent when the manager is local and
 * the lock free; release is one UNLOCK the releaser does not wait for) and a barrier (manager
 * CPU 0 collects the arrivals of the current epoch and releases everybody at once: 2(N-1)
 * messages). A LOCK_REQ that overtakes the same CPU's UNLOCK is simply queued, and barrier
 * messages carry their epoch, so neither needs FIFO channels.
 *
 * A grant from the queue (the lock was held when asked for) says `queued`, and the waiter
 * resumes as `contended`: only the manager knows whether anybody held the lock, and the stats
 * count a lock wait at the CPU that waited (docs/stats.md).
 *
 * A protocol embeds SyncState in its own state and passes its `deliver` (send, or handle at
 * once when the receiver is this CPU) to these handlers.
 */
import type { Effect } from './effects.js';
import { assert, InvariantViolation } from './errors.js';
import type { Message } from './wire.js';

export interface SyncState {
  readonly id: number;
  readonly n: number;
  /** The mutant switched on (Protocol.mutants), if any. */
  readonly mutant: string | undefined;
  /** Lock manager side, for locks with id mod N = this CPU. */
  readonly lockHolder: Map<number, number>;
  readonly lockQueue: Map<number, number[]>;
  /** Lock client side. */
  lockWaiting: number | null;
  readonly locksHeld: Set<number>;
  /** Barrier client side: barriers passed, and whether we wait at one. */
  barrierEpoch: number;
  barrierWaiting: boolean;
  /** Barrier manager side (CPU 0): the epoch it collects, and who has arrived. */
  managerBarrierEpoch: number;
  readonly barrierArrived: number[];
}

export type Deliver = (to: number, msg: Message, out: Effect[]) => void;

/** Lock ids are non-negative integers up to this bound. */
export const lockIdMax = 2 ** 31 - 1;
export const barrierManager = 0;

export function initSync(n: number, cpu: number, mutant: string | undefined): SyncState {
  return {
    id: cpu, n, mutant,
    lockHolder: new Map(), lockQueue: new Map(), lockWaiting: null, locksHeld: new Set(),
    barrierEpoch: 0, barrierWaiting: false, managerBarrierEpoch: 0, barrierArrived: [],
  };
}

export function onLock(s: SyncState, lock: number, deliver: Deliver): Effect[] {
  assert(Number.isInteger(lock) && lock >= 0 && lock <= lockIdMax, s.id, `lock id ${lock} is not an integer in 0..${lockIdMax}`);
  assert(s.lockWaiting === null, s.id, `lock(${lock}) while waiting for lock ${s.lockWaiting}`);
  assert(!s.locksHeld.has(lock), s.id, `lock(${lock}) while already holding it (locks are not recursive)`);
  s.lockWaiting = lock;
  const out: Effect[] = [];
  deliver(lock % s.n, { kind: 'LOCK_REQ', lock }, out);
  return out;
}

export function onUnlock(s: SyncState, lock: number, deliver: Deliver): Effect[] {
  assert(s.locksHeld.has(lock), s.id, `unlock(${lock}) without holding it`);
  s.locksHeld.delete(lock);
  const out: Effect[] = [];
  deliver(lock % s.n, { kind: 'UNLOCK', lock }, out);
  out.push({ kind: 'resume', what: 'unlock' });
  return out;
}

export function onBarrier(s: SyncState, deliver: Deliver): Effect[] {
  assert(!s.barrierWaiting, s.id, `barrier() while already waiting at one`);
  s.barrierWaiting = true;
  const out: Effect[] = [];
  deliver(barrierManager, { kind: 'BARRIER_ARRIVE', epoch: s.barrierEpoch }, out);
  return out;
}

/** Handles a lock or barrier message; returns false for any other kind. */
export function onSyncMessage(s: SyncState, from: number, msg: Message, out: Effect[], deliver: Deliver): boolean {
  switch (msg.kind) {
    case 'LOCK_REQ': onLockRequest(s, from, msg.lock, out, deliver); return true;
    case 'LOCK_GRANT': onLockGrant(s, msg.lock, msg.queued === true, out); return true;
    case 'UNLOCK': onUnlockMessage(s, from, msg.lock, out, deliver); return true;
    case 'BARRIER_ARRIVE': onBarrierArrive(s, from, msg.epoch, out, deliver); return true;
    case 'BARRIER_RELEASE': onBarrierRelease(s, msg.epoch, out); return true;
    default: return false;
  }
}

function onLockRequest(s: SyncState, from: number, lock: number, out: Effect[], deliver: Deliver): void {
  assert(lock % s.n === s.id, s.id, `LOCK_REQ for lock ${lock} from CPU ${from}, but its manager is CPU ${lock % s.n}`);
  const holder = s.lockHolder.get(lock);
  if (holder === undefined || s.mutant === 'doubleGrant') {
    s.lockHolder.set(lock, from);
    deliver(from, { kind: 'LOCK_GRANT', lock }, out);
    return;
  }
  const queue = s.lockQueue.get(lock) ?? [];
  assert(queue.length < s.n && !queue.includes(from), s.id, `CPU ${from} queued twice for lock ${lock}`);
  queue.push(from);
  s.lockQueue.set(lock, queue);
}

function onUnlockMessage(s: SyncState, from: number, lock: number, out: Effect[], deliver: Deliver): void {
  const holder = s.lockHolder.get(lock);
  assert(holder === from, s.id, `UNLOCK of lock ${lock} from CPU ${from}, but the holder is ${holder ?? 'nobody'}`);
  const queue = s.lockQueue.get(lock) ?? [];
  const next = queue.shift();
  if (queue.length === 0) s.lockQueue.delete(lock);
  if (next === undefined) {
    s.lockHolder.delete(lock);
  } else {
    s.lockHolder.set(lock, next);
    deliver(next, { kind: 'LOCK_GRANT', lock, queued: true }, out);
  }
}

function onLockGrant(s: SyncState, lock: number, queued: boolean, out: Effect[]): void {
  assert(s.lockWaiting === lock, s.id, `LOCK_GRANT of lock ${lock}, but waiting for ${s.lockWaiting ?? 'no lock'}`);
  s.lockWaiting = null;
  s.locksHeld.add(lock);
  out.push(queued ? { kind: 'resume', what: 'lock', contended: true } : { kind: 'resume', what: 'lock' });
}

function onBarrierArrive(s: SyncState, from: number, epoch: number, out: Effect[], deliver: Deliver): void {
  assert(s.id === barrierManager, s.id, `BARRIER_ARRIVE from CPU ${from}, but the barrier manager is CPU ${barrierManager}`);
  assert(epoch === s.managerBarrierEpoch, s.id, `CPU ${from} arrived at barrier ${epoch}, but barrier ${s.managerBarrierEpoch} is collecting`);
  assert(!s.barrierArrived.includes(from), s.id, `CPU ${from} arrived twice at barrier ${epoch}`);
  s.barrierArrived.push(from);
  const needed = s.mutant === 'earlyBarrier' ? Math.max(1, s.n - 1) : s.n;
  if (s.barrierArrived.length < needed) return;
  const released = s.barrierArrived.splice(0).sort((a, b) => a - b);
  s.managerBarrierEpoch += 1;
  for (const c of released) deliver(c, { kind: 'BARRIER_RELEASE', epoch }, out);
}

function onBarrierRelease(s: SyncState, epoch: number, out: Effect[]): void {
  assert(s.barrierWaiting && epoch === s.barrierEpoch, s.id, `BARRIER_RELEASE of barrier ${epoch}, but ${s.barrierWaiting ? `waiting at ${s.barrierEpoch}` : 'not waiting'}`);
  s.barrierWaiting = false;
  s.barrierEpoch += 1;
  out.push({ kind: 'resume', what: 'barrier' });
}

export function syncWaitingOn(s: SyncState): string | null {
  if (s.lockWaiting !== null) return `lock ${s.lockWaiting}`;
  if (s.barrierWaiting) return `barrier ${s.barrierEpoch}`;
  return null;
}

/** The locks this CPU holds, in increasing order (Protocol.heldLocks). */
export function syncHeldLocks(s: SyncState): number[] {
  return [...s.locksHeld].sort((a, b) => a - b);
}

/** At most one CPU holds each lock. */
export function checkLocks(states: readonly SyncState[]): void {
  const holders = new Map<number, number>();
  for (const s of states) {
    for (const l of s.locksHeld) {
      const other = holders.get(l);
      if (other !== undefined) throw new InvariantViolation(`invariant violated: lock ${l} is held by CPUs ${other} and ${s.id}`);
      holders.set(l, s.id);
    }
  }
}
