/**
 * Home-based lazy release consistency (HLRC; Zhou, Iftode and Li, 1996): multiple writers
 * per page with twins and diffs, and write notices that travel with locks and barriers.
 * Promises sequential consistency to data-race-free programs only.
 *
 * Theory of operation
 * -------------------
 * Page p has a home, CPU h = p mod N, whose copy is the master: it is always valid, the home
 * writes into it directly, and other writers send it diffs. At start every CPU holds a valid
 * read-only copy of every (zero-filled) page. A CPU's execution is cut into intervals by its
 * releases (unlock, arrival at a barrier); an interval that wrote pages gets the next number
 * (from 1) and its *write notice* lists them. Each CPU keeps a vector timestamp `vc`: vc[j] is
 * the number of CPU j's intervals whose notices it has applied (vc[self]: its own, closed).
 * A notice reaches an acquirer only through a chain of releases and acquires that starts
 * after the home acknowledged the interval's diffs, so a CPU that invalidates a noticed page
 * and fetches it again from the home gets every write the notice stands for.
 *
 *   input at             | state / condition            | action
 *   ---------------------+------------------------------+------------------------------------------
 *   c: read fault        | access none (never the home) | c→h PAGE_REQ
 *   c: write fault       | access read, c is the home   | access write; modified += p; resume
 *                        | access read, c not the home  | twin(p); access write; modified += p; resume
 *                        | access none                  | c→h PAGE_REQ
 *   h: PAGE_REQ from c   | home (always valid)          | h→c PAGE_DATA(bytes)
 *   c: PAGE_DATA         | fault open on p              | install; read: access read; write: twin,
 *                        |                              | access write, modified += p; resume
 *   c: unlock / barrier  | (a release)                  | for each twinned p: c→h DIFF(page − twin),
 *                        |                              | drop the twin; every written page → read;
 *                        |                              | wait for every DIFF_ACK, then close the
 *                        |                              | interval and send UNLOCK / BARRIER_ARRIVE
 *                        |                              | with vc and the notices the receiver lacks
 *   c: program returns   | (a release: onFinish)        | the same flush; after every DIFF_ACK,
 *                        |                              | close the interval and resume (no sync
 *                        |                              | message: the end of the run reads homes)
 *   h: DIFF from c       | home                         | apply the diff to the master; h→c DIFF_ACK
 *   c: DIFF_ACK          | release or acquire waiting   | when none is missing, finish it
 *   c: lock(l)           |                              | c→manager LOCK_REQ(vc)
 *   m: LOCK_REQ(vc)      | lock manager (l mod N)       | remember vc; grant or queue (sync.ts)
 *   m: grant to c        | lock free or released        | LOCK_GRANT(lock vc, notices of the lock
 *                        |                              | vc that c's request vc lacks)
 *   m: UNLOCK(vc, ntc)   | from the holder              | keep the notices; lock vc := vc; next grant
 *   c: LOCK_GRANT        | waiting for l                | apply the notices (below); resume once no
 *                        |                              | flushed diff is unacknowledged
 *   0: BARRIER_ARRIVE    | barrier manager              | keep notices and vc; when all arrived, to
 *                        |                              | each c: BARRIER_RELEASE(max vc, notices
 *                        |                              | c's arrival vc lacks)
 *   c: BARRIER_RELEASE   | waiting at the barrier       | apply the notices; resume
 *   apply notice of (j,k)| j ≠ c, k > vc[j]             | for each page p of it, unless c is p's
 *                        |                              | home: if twinned, c→h DIFF first (its
 *                        |                              | writes must reach the home before the
 *                        |                              | next fetch); access none. vc[j] := k
 *
 * What travels. A lock's manager stores the lock's vc (the last releaser's) and the notices
 * up to it; LOCK_REQ carries the acquirer's vc so the grant carries only the difference, and
 * UNLOCK carries only the notices beyond the vc of the grant the releaser got. Notices of
 * other CPUs travel on transitively: CPU b that learned a's notice when it acquired lock 1
 * passes it on when it releases lock 2, as happens-before demands.
 *
 * Bounds. After a barrier every CPU has seen every interval before it (vc = the barrier's
 * vc), so at its next arrival a CPU drops the notices up to the previous barrier's vc
 * (`floor`): a CPU keeps only the notices of intervals since its last barrier but one.
 *
 * Channels: no FIFO order is needed. A DIFF and a later PAGE_REQ of the same CPU for the same
 * page cannot race: the CPU is blocked in its release or acquire until the DIFF_ACK. Notices
 * are facts about closed intervals, so receiving one twice is harmless. Locks and the barrier
 * are those of sync.ts; this protocol decorates their messages through the `deliver` it hands
 * to sync.ts, and intercepts them on receipt before sync.ts handles them.
 */
import type { DsmConfig } from './config.js';
import type { Effect, ResumeKind } from './effects.js';
import { builtinMutants, describeMutants } from './mutants.js';
import { bytesEqual, deliver as deliverVia, invalidateCopy, invariantFailure, setAccess } from './common.js';
import { assert } from './errors.js';
import type { PageBytes, Protocol, ProtocolOptions, TwinBytes } from './protocol.js';
import {
  checkLocks, initSync, onBarrier as syncBarrier, onLock as syncLock, onSyncMessage, onUnlock as syncUnlock,
  syncHeldLocks, syncWaitingOn, type Deliver, type SyncState,
} from './sync.js';
import type { Access, BarrierArrive, BarrierRelease, LockGrant, LockRequest, Message, Unlock, WriteNotice } from './wire.js';

type RequestKind = 'read' | 'write';

interface OpenFault {
  readonly page: number;
  readonly access: RequestKind;
}

/**
 * A release that waits for the acks of its diffs before it sends its sync message ('finish':
 * the program's return, which sends none).
 */
type PendingRelease = { readonly kind: 'unlock'; readonly lock: number } | { readonly kind: 'barrier' } | { readonly kind: 'finish' };

/** An acquire whose notices forced diffs out; it completes (resumes) on their acks. */
interface PendingAcquire {
  readonly from: number;
  readonly msg: LockGrant | BarrierRelease;
}

export interface HlrcState extends SyncState {
  readonly pages: number;
  /** This CPU's access to every page. The home of a page never has `none`. */
  readonly access: Access[];
  /** Pages whose twin the runtime holds: exactly the non-home pages with write access. */
  readonly twinned: boolean[];
  /** Pages written in the current interval (the next release's write notice). */
  readonly modified: Set<number>;
  /** Pages whose DIFF is on its way to the home, not yet acknowledged. */
  readonly diffsUnacked: Set<number>;
  fault: OpenFault | null;
  release: PendingRelease | null;
  acquire: PendingAcquire | null;
  /** vc[j]: intervals of CPU j whose notices this CPU has applied; vc[self]: its own, closed. */
  readonly vc: number[];
  /** log[j]: interval number → pages, for every interval of CPU j this CPU knows above floor[j]. */
  readonly log: Map<number, number[]>[];
  /** Intervals up to floor[j] are dropped: every CPU has applied them. */
  readonly floor: number[];
  /** The vc every CPU had after the last barrier this CPU passed. */
  barrierVc: number[];
  /** For each lock held (or being acquired): the lock's vc in its grant. */
  readonly grantVc: Map<number, number[]>;
  /** Lock manager side: each lock's vc (its last releaser's), and the vc of each queued request. */
  readonly lockVc: Map<number, number[]>;
  readonly lockRequestVc: Map<number, Map<number, number[]>>;
  /** Barrier manager side (CPU 0): the vc each CPU arrived with at the collecting barrier. */
  readonly arrivalVc: (number[] | null)[];
}

function homeOf(s: { readonly n: number }, page: number): number {
  return page % s.n;
}

function deliver(s: HlrcState, to: number, msg: Message, out: Effect[], attachPage?: number): void {
  deliverVia(s, dispatch, to, msg, out, attachPage);
}

/** The `deliver` handed to sync.ts: lock and barrier messages leave with their consistency data. */
function syncDeliver(s: HlrcState): Deliver {
  return (to, msg, out) => deliver(s, to, decorate(s, to, msg), out);
}

function resume(out: Effect[], what: ResumeKind): void {
  out.push({ kind: 'resume', what });
}

// ---------------------------------------------------------------- notices and vector timestamps

function maxVc(a: readonly number[], b: readonly number[]): number[] {
  return a.map((x, i) => Math.max(x, b[i]!));
}

/** The notices this CPU knows of intervals in (from[j], to[j]] for every j (above the floor). */
function collect(s: HlrcState, from: readonly number[], to: readonly number[]): WriteNotice[] {
  const out: WriteNotice[] = [];
  for (let j = 0; j < s.n; j++) {
    for (let k = Math.max(from[j]!, s.floor[j]!) + 1; k <= to[j]!; k++) {
      const pages = s.log[j]!.get(k);
      assert(pages !== undefined, s.id, `notice of interval ${k} of CPU ${j} is needed but unknown here (floor ${s.floor[j]})`);
      out.push({ cpu: j, interval: k, pages: [...pages] });
    }
  }
  return out;
}

/** Records received notices (facts about closed intervals: a repeat must agree). */
function remember(s: HlrcState, notices: readonly WriteNotice[]): void {
  for (const n of notices) {
    if (n.interval <= s.floor[n.cpu]!) continue;
    const known = s.log[n.cpu]!.get(n.interval);
    if (known !== undefined) {
      assert(known.length === n.pages.length && known.every((p, i) => p === n.pages[i]), s.id, () => `two notices of interval ${n.interval} of CPU ${n.cpu}: [${known.join(', ')}] and [${n.pages.join(', ')}]`);
    } else {
      assert(n.pages.every((p) => p >= 0 && p < s.pages), s.id, `notice of interval ${n.interval} of CPU ${n.cpu} names a page outside 0..${s.pages - 1}`);
      s.log[n.cpu]!.set(n.interval, [...n.pages]);
    }
  }
}

/**
 * The acquire side: invalidate every non-home page named by a notice of another CPU's
 * interval this CPU has not applied, flushing its own writes to such a page first; then
 * advance vc to `vc`.
 */
function applyNotices(s: HlrcState, vc: readonly number[], notices: readonly WriteNotice[], out: Effect[]): void {
  remember(s, notices);
  assert(vc[s.id]! <= s.vc[s.id]!, s.id, `told of my interval ${vc[s.id]}, but I have closed only ${s.vc[s.id]}`);
  for (let j = 0; j < s.n; j++) {
    if (j === s.id) continue;
    for (let k = s.vc[j]! + 1; k <= vc[j]!; k++) {
      const pages = s.log[j]!.get(k);
      assert(pages !== undefined, s.id, `acquire needs the notice of interval ${k} of CPU ${j}, which did not come`);
      if (s.mutant === 'ignoreWriteNotice') continue;
      for (const p of pages) if (homeOf(s, p) !== s.id) invalidate(s, p, out);
    }
    s.vc[j] = Math.max(s.vc[j]!, vc[j]!);
  }
}

function invalidate(s: HlrcState, page: number, out: Effect[]): void {
  if (s.twinned[page]) flushDiff(s, page, out);
  if (s.access[page] !== 'none') invalidateCopy(s, page, out);
}

/** Sends the diff of a twinned page to its home; the runtime computes it and drops the twin. */
function flushDiff(s: HlrcState, page: number, out: Effect[]): void {
  const home = homeOf(s, page);
  assert(s.twinned[page] && home !== s.id && !s.diffsUnacked.has(page), s.id, `diff of page ${page}, which is not twinned here or already in flight`);
  s.twinned[page] = false;
  s.diffsUnacked.add(page);
  out.push({ kind: 'send', to: home, msg: { kind: 'DIFF', page }, attachDiff: page });
}

/** The notices a release passes on: all it knows, or with mutant noTransitiveNotices only its own. */
function ownOnly(s: HlrcState, notices: WriteNotice[]): WriteNotice[] {
  return s.mutant === 'noTransitiveNotices' ? notices.filter((n) => n.cpu === s.id) : notices;
}

/** Adds the consistency data to a lock or barrier message sync.ts sends on our behalf. */
function decorate(s: HlrcState, to: number, msg: Message): Message {
  switch (msg.kind) {
    case 'LOCK_REQ':
      return { ...msg, vc: [...s.vc] };
    case 'LOCK_GRANT': {
      const requests = s.lockRequestVc.get(msg.lock);
      const requestVc = requests?.get(to);
      assert(requests !== undefined && requestVc !== undefined, s.id, `granting lock ${msg.lock} to CPU ${to}, whose request vc is unknown`);
      requests.delete(to);
      if (requests.size === 0) s.lockRequestVc.delete(msg.lock);
      const lockVc = s.lockVc.get(msg.lock) ?? new Array<number>(s.n).fill(0);
      return { ...msg, vc: [...lockVc], notices: s.mutant === 'grantWithoutNotices' ? [] : collect(s, requestVc, lockVc) };
    }
    case 'UNLOCK': {
      const grantVc = s.grantVc.get(msg.lock);
      assert(grantVc !== undefined, s.id, `unlock of lock ${msg.lock} without its grant's vc`);
      return { ...msg, vc: [...s.vc], notices: ownOnly(s, collect(s, grantVc, s.vc)) };
    }
    case 'BARRIER_ARRIVE':
      return { ...msg, vc: [...s.vc], notices: ownOnly(s, collect(s, s.barrierVc, s.vc)) };
    case 'BARRIER_RELEASE': {
      const arrived = s.arrivalVc;
      assert(arrived.every((v) => v !== null), s.id, `barrier ${msg.epoch} releases before every CPU's vc arrived`);
      const all = (arrived as number[][]).reduce((a, b) => maxVc(a, b));
      return { ...msg, vc: all, notices: collect(s, arrived[to]!, all) };
    }
    default:
      return msg;
  }
}

// ---------------------------------------------------------------- faults

function startWrite(s: HlrcState, page: number, out: Effect[]): void {
  if (homeOf(s, page) !== s.id) {
    // The twin is taken before write access is granted, so it holds none of this interval's writes.
    out.push({ kind: 'twin', page });
    s.twinned[page] = true;
  }
  s.modified.add(page);
  setAccess(s, page, 'write', out);
}

function onFault(s: HlrcState, page: number, access: RequestKind): Effect[] {
  assert(page >= 0 && page < s.pages && Number.isInteger(page), s.id, `fault on page ${page} outside 0..${s.pages - 1}`);
  assert(s.fault === null, s.id, () => `fault on page ${page} while a fault on page ${s.fault?.page} is open`);
  assert(s.release === null && s.acquire === null, s.id, `fault on page ${page} during a release or acquire`);
  const have = s.access[page];
  assert(access === 'read' ? have === 'none' : have !== 'write', s.id, `${access} fault on page ${page} with access ${have}`);
  const out: Effect[] = [];
  if (access === 'write' && have === 'read') {
    startWrite(s, page, out);
    if (s.mutant === 'unnoticedWrite') s.modified.delete(page);
    resume(out, 'fault');
    return out;
  }
  const home = homeOf(s, page);
  assert(home !== s.id, s.id, `fault on page ${page} without a valid copy, but I am its home`);
  s.fault = { page, access };
  deliver(s, home, { kind: 'PAGE_REQ', page }, out);
  return out;
}

function onPageRequest(s: HlrcState, from: number, page: number, out: Effect[]): void {
  assert(homeOf(s, page) === s.id, s.id, `PAGE_REQ for page ${page} from CPU ${from}, but its home is CPU ${homeOf(s, page)}`);
  assert(from !== s.id && s.access[page] !== 'none', s.id, `PAGE_REQ for page ${page} from CPU ${from}: the home asks itself or has no copy`);
  deliver(s, from, { kind: 'PAGE_DATA', page }, out, page);
}

function onPageData(s: HlrcState, from: number, page: number, data: Uint8Array | undefined, out: Effect[]): void {
  const f = s.fault;
  assert(f !== null && f.page === page && s.access[page] === 'none', s.id, `PAGE_DATA for page ${page} from CPU ${from} with no fault open on it`);
  assert(from === homeOf(s, page) && data !== undefined, s.id, `PAGE_DATA for page ${page} from CPU ${from}, not its home, or without bytes`);
  out.push({ kind: 'installPage', page, data });
  if (f.access === 'write') startWrite(s, page, out);
  else setAccess(s, page, 'read', out);
  s.fault = null;
  resume(out, 'fault');
}

// ---------------------------------------------------------------- diffs at the home

function onDiff(s: HlrcState, from: number, page: number, diff: Uint8Array | undefined, out: Effect[]): void {
  assert(homeOf(s, page) === s.id && from !== s.id, s.id, `DIFF for page ${page} from CPU ${from}, but its home is CPU ${homeOf(s, page)}`);
  assert(diff !== undefined, s.id, `DIFF for page ${page} from CPU ${from} carries no diff`);
  if (s.mutant !== 'diffNotApplied') out.push({ kind: 'applyDiff', page, diff });
  deliver(s, from, { kind: 'DIFF_ACK', page }, out);
}

function onDiffAck(s: HlrcState, from: number, page: number, out: Effect[]): void {
  assert(s.diffsUnacked.has(page) && from === homeOf(s, page), s.id, `unexpected DIFF_ACK for page ${page} from CPU ${from}`);
  s.diffsUnacked.delete(page);
  if (s.diffsUnacked.size > 0) return;
  if (s.release !== null) {
    const r = s.release;
    s.release = null;
    finishRelease(s, r, out);
  } else {
    const a = s.acquire;
    assert(a !== null, s.id, `last DIFF_ACK (page ${page}) but no release or acquire waits for it`);
    s.acquire = null;
    onSyncMessage(s, a.from, a.msg, out, syncDeliver(s));
  }
}

// ---------------------------------------------------------------- releases

function onLock(s: HlrcState, lock: number): Effect[] {
  assert(s.release === null && s.acquire === null && s.fault === null, s.id, `lock(${lock}) while blocked`);
  return syncLock(s, lock, syncDeliver(s));
}

function onUnlock(s: HlrcState, lock: number): Effect[] {
  assert(s.locksHeld.has(lock), s.id, `unlock(${lock}) without holding it`);
  return startRelease(s, { kind: 'unlock', lock });
}

function onBarrier(s: HlrcState): Effect[] {
  assert(!s.barrierWaiting, s.id, `barrier() while already waiting at one`);
  // Every CPU applied the notices up to the previous barrier's vc: nobody needs them again.
  for (let j = 0; j < s.n; j++) {
    s.floor[j] = s.barrierVc[j]!;
    for (const k of [...s.log[j]!.keys()]) if (k <= s.floor[j]!) s.log[j]!.delete(k);
  }
  return startRelease(s, { kind: 'barrier' });
}

/**
 * The program returned. A return is a release: without it the writes of the last interval
 * would stay in this CPU's copy, which the end of the run does not read (holdsCurrentCopy),
 * and a data-race-free program that writes and returns would lose them.
 */
function onFinish(s: HlrcState): Effect[] {
  return startRelease(s, { kind: 'finish' });
}

function startRelease(s: HlrcState, r: PendingRelease, out: Effect[] = []): Effect[] {
  assert(s.release === null && s.acquire === null && s.fault === null, s.id, `${r.kind} while blocked`);
  for (const p of [...s.modified].sort((a, b) => a - b)) {
    if (s.twinned[p] && s.mutant !== 'noDiffAtRelease') flushDiff(s, p, out);
    // Read-only again, so that the next interval's first write faults and is noticed.
    if (s.access[p] === 'write') setAccess(s, p, 'read', out);
  }
  if (s.diffsUnacked.size > 0 && s.mutant !== 'releaseBeforeDiffAck') s.release = r;
  else finishRelease(s, r, out);
  return out;
}

/** Every diff is acknowledged: close the interval and send the release's sync message. */
function finishRelease(s: HlrcState, r: PendingRelease, out: Effect[]): void {
  if (s.modified.size > 0) {
    s.vc[s.id] = s.vc[s.id]! + 1;
    s.log[s.id]!.set(s.vc[s.id]!, [...s.modified].sort((a, b) => a - b));
    s.modified.clear();
  }
  if (r.kind === 'unlock') {
    out.push(...syncUnlock(s, r.lock, syncDeliver(s)));
    s.grantVc.delete(r.lock);
  } else if (r.kind === 'barrier') {
    out.push(...syncBarrier(s, syncDeliver(s)));
  } else {
    resume(out, 'finish');
  }
}

// ---------------------------------------------------------------- sync messages, intercepted

function onLockRequest(s: HlrcState, from: number, msg: LockRequest, out: Effect[]): void {
  assert(msg.vc !== undefined, s.id, `LOCK_REQ for lock ${msg.lock} from CPU ${from} without a vc`);
  const requests = s.lockRequestVc.get(msg.lock) ?? new Map<number, number[]>();
  assert(!requests.has(from), s.id, `CPU ${from} requested lock ${msg.lock} twice`);
  requests.set(from, [...msg.vc]);
  s.lockRequestVc.set(msg.lock, requests);
  onSyncMessage(s, from, msg, out, syncDeliver(s));
}

function onUnlockMessage(s: HlrcState, from: number, msg: Unlock, out: Effect[]): void {
  assert(msg.vc !== undefined && msg.notices !== undefined, s.id, `UNLOCK of lock ${msg.lock} from CPU ${from} without notices`);
  assert(s.lockHolder.get(msg.lock) === from, s.id, `UNLOCK of lock ${msg.lock} from CPU ${from}, but the holder is ${s.lockHolder.get(msg.lock) ?? 'nobody'}`);
  remember(s, msg.notices);
  const old = s.lockVc.get(msg.lock);
  s.lockVc.set(msg.lock, old === undefined ? [...msg.vc] : maxVc(old, msg.vc));
  onSyncMessage(s, from, msg, out, syncDeliver(s));
}

function onLockGrant(s: HlrcState, from: number, msg: LockGrant, out: Effect[]): void {
  assert(s.lockWaiting === msg.lock && s.acquire === null && s.fault === null, s.id, `LOCK_GRANT of lock ${msg.lock}, but waiting for ${s.lockWaiting ?? 'no lock'}`);
  assert(msg.vc !== undefined && msg.notices !== undefined, s.id, `LOCK_GRANT of lock ${msg.lock} without notices`);
  s.grantVc.set(msg.lock, [...msg.vc]);
  completeAcquire(s, from, msg, msg.vc, msg.notices, out);
}

function onBarrierArrive(s: HlrcState, from: number, msg: BarrierArrive, out: Effect[]): void {
  assert(msg.vc !== undefined && msg.notices !== undefined, s.id, `BARRIER_ARRIVE from CPU ${from} without notices`);
  assert(s.arrivalVc[from] === null, s.id, `CPU ${from} arrived twice at barrier ${msg.epoch}`);
  remember(s, msg.notices);
  s.arrivalVc[from] = [...msg.vc];
  onSyncMessage(s, from, msg, out, syncDeliver(s));
  // sync.ts empties its arrival list when it releases the barrier.
  if (s.barrierArrived.length === 0) s.arrivalVc.fill(null);
}

function onBarrierRelease(s: HlrcState, from: number, msg: BarrierRelease, out: Effect[]): void {
  assert(s.barrierWaiting && msg.epoch === s.barrierEpoch, s.id, `BARRIER_RELEASE of barrier ${msg.epoch}, but not waiting at it`);
  assert(msg.vc !== undefined && msg.notices !== undefined, s.id, `BARRIER_RELEASE of barrier ${msg.epoch} without notices`);
  completeAcquire(s, from, msg, msg.vc, msg.notices, out);
  assert(s.vc.every((x, j) => x === msg.vc![j]), s.id, `after barrier ${msg.epoch} my vc [${s.vc.join(', ')}] is not the barrier's [${msg.vc.join(', ')}]`);
  s.barrierVc = [...s.vc];
}

/** Applies an acquire's notices; resumes now, or after the acks of the diffs it forced out. */
function completeAcquire(s: HlrcState, from: number, msg: LockGrant | BarrierRelease, vc: readonly number[], notices: readonly WriteNotice[], out: Effect[]): void {
  applyNotices(s, vc, notices, out);
  if (s.diffsUnacked.size > 0) s.acquire = { from, msg };
  else onSyncMessage(s, from, msg, out, syncDeliver(s));
}

// ---------------------------------------------------------------- dispatch

function dispatch(s: HlrcState, from: number, msg: Message, out: Effect[]): void {
  switch (msg.kind) {
    case 'PAGE_REQ': return onPageRequest(s, from, msg.page, out);
    case 'PAGE_DATA': return onPageData(s, from, msg.page, msg.data, out);
    case 'DIFF': return onDiff(s, from, msg.page, msg.diff, out);
    case 'DIFF_ACK': return onDiffAck(s, from, msg.page, out);
    case 'LOCK_REQ': return onLockRequest(s, from, msg, out);
    case 'UNLOCK': return onUnlockMessage(s, from, msg, out);
    case 'LOCK_GRANT': return onLockGrant(s, from, msg, out);
    case 'BARRIER_ARRIVE': return onBarrierArrive(s, from, msg, out);
    case 'BARRIER_RELEASE': return onBarrierRelease(s, from, msg, out);
    default: assert(false, s.id, `unexpected message ${msg.kind} from CPU ${from}`);
  }
}

// ---------------------------------------------------------------- init, invariants, waiting

function init(config: DsmConfig, cpu: number, options?: ProtocolOptions): HlrcState {
  const n = config.cpus;
  const pages = config.pages;
  return {
    ...initSync(n, cpu, options?.mutant),
    pages,
    access: new Array<Access>(pages).fill('read'),
    twinned: new Array<boolean>(pages).fill(false),
    modified: new Set(),
    diffsUnacked: new Set(),
    fault: null,
    release: null,
    acquire: null,
    vc: new Array<number>(n).fill(0),
    log: Array.from({ length: n }, () => new Map<number, number[]>()),
    floor: new Array<number>(n).fill(0),
    barrierVc: new Array<number>(n).fill(0),
    grantVc: new Map(),
    lockVc: new Map(),
    lockRequestVc: new Map(),
    arrivalVc: new Array<number[] | null>(n).fill(null),
  };
}

/**
 * Global invariants, true after every step:
 *  1. the home of a page always holds a valid copy, never a twin, never a diff in flight;
 *  2. a page is twinned (here and at the runtime) exactly when a non-home CPU can write it,
 *     and every writable page is in the current interval's write notice (no write unnoticed);
 *  3. diffs are in flight only while their sender is blocked in a release or acquire, which
 *     lasts exactly as long as some diff is unacknowledged; at most one fault open per CPU;
 *  4. notices: a CPU knows every interval it has applied (above its floor), no CPU knows an
 *     interval its author has not closed, and two CPUs that know an interval agree on its
 *     pages; so a CPU keeps at most (author's closed intervals − floor) notices per author;
 *  5. convergence: when no CPU is blocked, no interval is open anywhere and every CPU has
 *     applied every interval (as after a barrier), every valid copy equals the home's;
 *  6. at most one CPU holds each lock.
 */
function invariants(states: readonly HlrcState[], pageBytes: PageBytes, twinBytes?: TwinBytes): void {
  const fail = invariantFailure;
  for (const s of states) {
    const who = `CPU ${s.id}`;
    for (let p = 0; p < s.pages; p++) {
      const home = homeOf(s, p) === s.id;
      if (home && (s.access[p] === 'none' || s.twinned[p] || s.diffsUnacked.has(p))) fail(`${who} is the home of page ${p} but has access ${s.access[p]}${s.twinned[p] ? ', a twin' : ''}${s.diffsUnacked.has(p) ? ', a diff in flight' : ''}`);
      if (s.twinned[p] !== (!home && s.access[p] === 'write')) fail(`${who}: page ${p} has access ${s.access[p]} but is ${s.twinned[p] ? '' : 'not '}twinned`);
      if (s.access[p] === 'write' && !s.modified.has(p)) fail(`${who} can write page ${p}, but it is not in the interval's notice`);
      if (twinBytes !== undefined && (twinBytes(s.id, p) !== undefined) !== s.twinned[p]) fail(`${who}: the runtime ${s.twinned[p] ? 'lacks' : 'holds'} a twin of page ${p} the protocol ${s.twinned[p] ? 'counts on' : 'does not know of'}`);
      if (s.diffsUnacked.has(p) && s.twinned[p]) fail(`${who}: page ${p} is twinned while its diff is in flight`);
    }
    const blocked = s.release !== null || s.acquire !== null;
    if (s.release !== null && s.acquire !== null) fail(`${who} is in a release and an acquire at once`);
    if (blocked !== s.diffsUnacked.size > 0) fail(`${who}: ${s.diffsUnacked.size} diff(s) unacknowledged, but ${blocked ? 'blocked' : 'not blocked'} on them`);
    if (s.fault !== null && (blocked || s.access[s.fault.page] !== 'none')) fail(`${who} has a ${s.fault.access} fault open on page ${s.fault.page} with access ${s.access[s.fault.page]}`);
    for (let j = 0; j < s.n; j++) {
      const author = states[j]!;
      if (s.vc[j]! > author.vc[j]!) fail(`${who} applied ${s.vc[j]} intervals of CPU ${j}, which closed only ${author.vc[j]}`);
      if (s.floor[j]! > s.barrierVc[j]! || s.barrierVc[j]! > s.vc[j]!) fail(`${who}: floor ${s.floor[j]} ≤ barrier vc ${s.barrierVc[j]} ≤ vc ${s.vc[j]} fails for CPU ${j}`);
      for (let k = s.floor[j]! + 1; k <= s.vc[j]!; k++) if (!s.log[j]!.has(k)) fail(`${who} applied interval ${k} of CPU ${j} but lost its notice`);
      for (const [k, pages] of s.log[j]!) {
        if (k <= s.floor[j]! || k > author.vc[j]!) fail(`${who} keeps the notice of interval ${k} of CPU ${j} outside (${s.floor[j]}, ${author.vc[j]}]`);
        if (pages.length === 0 || pages.some((p, i) => p < 0 || p >= s.pages || (i > 0 && p <= pages[i - 1]!))) fail(`${who}: notice of interval ${k} of CPU ${j} has pages [${pages.join(', ')}]`);
        const original = author.log[j]!.get(k);
        if (original !== undefined && original.join() !== pages.join()) fail(`interval ${k} of CPU ${j}: CPU ${s.id} says [${pages.join(', ')}], CPU ${j} says [${original.join(', ')}]`);
      }
    }
  }
  checkLocks(states);
  checkConvergence(states, pageBytes);
}

function checkConvergence(states: readonly HlrcState[], pageBytes: PageBytes): void {
  const first = states[0];
  if (first === undefined) return;
  const idle = states.every((s) => s.fault === null && s.release === null && s.acquire === null && s.modified.size === 0 && s.vc.every((x, j) => x === first.vc[j]));
  if (!idle) return;
  for (let p = 0; p < first.pages; p++) {
    const home = homeOf(first, p);
    for (const s of states) {
      if (s.id !== home && s.access[p] !== 'none' && !bytesEqual(pageBytes(s.id, p), pageBytes(home, p))) {
        invariantFailure(`every CPU has applied every interval, yet CPU ${s.id}'s copy of page ${p} differs from its home CPU ${home}'s`);
      }
    }
  }
}

function waitingOn(s: HlrcState): string | null {
  if (s.fault !== null) return `${s.fault.access} fault on page ${s.fault.page}`;
  const missing = `${s.diffsUnacked.size} diff ack(s) missing`;
  if (s.release !== null) return `release (${s.release.kind === 'unlock' ? `unlock ${s.release.lock}` : s.release.kind === 'barrier' ? 'barrier' : 'return'}): ${missing}`;
  if (s.acquire !== null) return `acquire (${s.acquire.msg.kind === 'LOCK_GRANT' ? `lock ${s.acquire.msg.lock}` : 'barrier'}): ${missing}`;
  return syncWaitingOn(s);
}

/** Home-based lazy release consistency: page p's home is CPU p mod N. */
export const hlrc: Protocol<HlrcState> = {
  name: 'hlrc',
  consistency: 'release',
  mutants: describeMutants(builtinMutants.hlrc),
  init,
  onFault,
  onMessage(s, from, msg) {
    const out: Effect[] = [];
    dispatch(s, from, msg, out);
    return out;
  },
  onLock,
  onUnlock,
  onBarrier,
  onFinish,
  heldLocks: syncHeldLocks,
  accessOf: (s, page) => s.access[page] ?? 'none',
  // Released writes reach the home before the release completes, and every program's return
  // is a release (onFinish): once every CPU is done, the home's copy holds every write.
  holdsCurrentCopy: (s, page) => homeOf(s, page) === s.id,
  invariants,
  waitingOn,
};
