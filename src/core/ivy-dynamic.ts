/**
 * IVY with the dynamic distributed manager (Li & Hudak, 1989): sequential consistency, one
 * writer or many readers per page, write-invalidate, and no manager at all. Each CPU keeps,
 * per page, a *probable owner*: a hint that, followed from CPU to CPU, leads to the owner.
 *
 * Theory of operation
 * -------------------
 * At start CPU p mod N owns page p (every CPU holds a read copy, the owner's copyset names
 * the others) and every CPU's hint for p is p mod N. Following hints from any CPU leads to
 * the *tail*: the CPU whose hint names itself. The tail is the owner when no write is
 * pending, else the last CPU that asked to write. Write requests form a distributed queue,
 * as in Naimi and Tréhel's token algorithm: a writer sends its request along the hints and
 * makes itself the tail; every CPU that forwards a write request, or that is the tail and
 * receives one, points its hint at the requester. So a write request stops at the tail,
 * which serves it at once if it owns the page and is idle, and otherwise queues it until it
 * has the page and has written. Read requests follow the same hints and never move them.
 *
 *   input at                | state / condition               | action
 *   ------------------------+---------------------------------+-------------------------------------
 *   r: read fault           | access none                     | r→hint READ_REQ
 *   w: write fault          | owner and tail (upgrade)        | invalidate the copyset locally
 *                           | otherwise                       | w→hint WRITE_REQ; hint := w (tail)
 *   x: READ_REQ/_FWD(r)     | not the tail                    | x→hint READ_FWD(r)
 *   x: WRITE_REQ/_FWD(w)    | not the tail                    | x→hint WRITE_FWD(w); hint := w
 *   x: a request            | tail, owner, no fault open      | serve it (below)
 *                           | tail otherwise                  | queue it; for a write, hint := w
 *   serve read of r         |                                 | access write→read; copyset += r;
 *                           |                                 | x→r READ_DATA(bytes)
 *   serve write of w        |                                 | x→w WRITE_DATA(copyset−w, bytes unless
 *                           |                                 | w ∈ copyset); drop copy
 *   r: READ_DATA            | read fault open, bytes fresh    | install, access read; resume
 *                           | read fault open, bytes stale    | drop them; r→hint READ_REQ again
 *   w: WRITE_DATA           | write fault open                | install bytes if sent; own the page;
 *                           |                                 | w→c INVALIDATE for c in copyset
 *   c: INVALIDATE from w    | read copy                       | access none; c→w INVALIDATE_ACK
 *                           | read fault open, no copy yet    | mark the coming bytes stale; ack
 *   w: last ack (or none)   | write fault open, owner         | access write; resume; then serve
 *                           |                                 | the queue (reads, then at most one
 *                           |                                 | write, which takes the page away)
 *
 * Why the stale mark: the old owner may have sent r a read copy and then granted the page to
 * w, whose INVALIDATE can overtake that READ_DATA (they come from different CPUs). r answers
 * the INVALIDATE at once and refuses the stale bytes when they arrive. Why no deadlock: a
 * request waits only at the tail; a tail that is not yet the owner waits for its own grant,
 * which the CPU ahead of it in the queue sends once it has written; an owner waits only for
 * acks, which nobody defers. A tail holds at most one write request (its hint moves on to
 * that writer at once) and at most N reads. Locks and the barrier are those of sync.ts.
 */
import type { DsmConfig } from './config.js';
import type { Effect } from './effects.js';
import { builtinMutants, describeMutants } from './mutants.js';
import { checkSingleWriter, deliver as deliverVia, invariantFailure, makeProtocol, othersThan, setAccess } from './common.js';
import { assert } from './errors.js';
import type { PageBytes, Protocol, ProtocolOptions } from './protocol.js';
import { checkLocks, initSync, onSyncMessage, syncWaitingOn, type SyncState } from './sync.js';
import type { Access, Message, WriteData } from './wire.js';

type RequestKind = 'read' | 'write';

interface OpenFault {
  readonly page: number;
  readonly access: RequestKind;
  /** Write: the page has been granted (this CPU owns it) and these acks are missing. */
  granted: boolean;
  acksFrom: number[];
  /** Read: an INVALIDATE overtook the READ_DATA on its way, whose bytes are therefore stale. */
  stale: boolean;
}

interface QueuedRequest {
  readonly kind: RequestKind;
  readonly requester: number;
}

export interface IvyDynamicState extends SyncState {
  readonly pages: number;
  readonly access: Access[];
  readonly owned: boolean[];
  readonly copyset: number[][];
  /** The probable owner of every page (meaningful where this CPU does not own it). */
  readonly probOwner: number[];
  /** Requests an owner holds back while its own write fault on the page is open. */
  readonly queued: QueuedRequest[][];
  fault: OpenFault | null;
}

function deliver(s: IvyDynamicState, to: number, msg: Message, out: Effect[], attachPage?: number): void {
  deliverVia(s, dispatch, to, msg, out, attachPage);
}

function faultOn(s: IvyDynamicState, page: number): OpenFault | null {
  return s.fault !== null && s.fault.page === page ? s.fault : null;
}

function onFault(s: IvyDynamicState, page: number, access: RequestKind): Effect[] {
  assert(Number.isInteger(page) && page >= 0 && page < s.pages, s.id, `fault on page ${page} outside 0..${s.pages - 1}`);
  assert(s.fault === null, s.id, () => `fault on page ${page} while a fault on page ${s.fault?.page} is open`);
  const have = s.access[page];
  assert(access === 'read' ? have === 'none' : have !== 'write', s.id, `${access} fault on page ${page} with access ${have}`);
  s.fault = { page, access, granted: false, acksFrom: [], stale: false };
  const out: Effect[] = [];
  if (access === 'write' && s.owned[page]) {
    assert(s.probOwner[page] === s.id, s.id, `page ${page}: the owner is not the tail while no write is pending`);
    // The owner upgrades its own read copy: no request travels, only invalidations.
    grant(s, page, s.copyset[page]!.slice(), out);
    return out;
  }
  const hint = s.probOwner[page]!;
  assert(hint !== s.id, s.id, `page ${page}: a ${access} fault at the tail, which is not the owner`);
  if (access === 'write' && s.mutant !== 'writerNotTail') s.probOwner[page] = s.id;
  deliver(s, hint, access === 'read' ? { kind: 'READ_REQ', page } : { kind: 'WRITE_REQ', page }, out);
  return out;
}

/** This CPU owns `page` now and must collect acks from `invalidate` before it may write. */
function grant(s: IvyDynamicState, page: number, invalidate: number[], out: Effect[]): void {
  const f = s.fault!;
  s.owned[page] = true;
  s.copyset[page] = [];
  f.granted = true;
  f.acksFrom = invalidate.slice();
  for (const c of invalidate) deliver(s, c, { kind: 'INVALIDATE', page }, out);
  if (f.acksFrom.length === 0) finishWrite(s, page, out);
}

function finishWrite(s: IvyDynamicState, page: number, out: Effect[]): void {
  setAccess(s, page, 'write', out);
  s.fault = null;
  out.push({ kind: 'resume', what: 'fault' });
  const queued = s.queued[page]!.splice(0);
  if (s.mutant === 'dropQueuedAtTail') return;
  for (const q of queued) {
    // Requests queued here were routed to this CPU: serve them while it owns the page; a
    // read queued behind the one queued write goes on to that writer.
    if (s.owned[page]) serve(s, page, q.kind, q.requester, out);
    else forward(s, page, q.kind, q.requester, out);
  }
}

function onRequest(s: IvyDynamicState, page: number, kind: RequestKind, requester: number, out: Effect[]): void {
  assert(requester !== s.id, s.id, `my own ${kind} request for page ${page} came back to me`);
  if (s.probOwner[page] !== s.id) {
    forward(s, page, kind, requester, out);
    return;
  }
  if (s.owned[page] && (faultOn(s, page) === null || s.mutant === 'serveDuringWrite')) {
    serve(s, page, kind, requester, out);
    return;
  }
  const f = faultOn(s, page);
  assert(f !== null && f.access === 'write', s.id, `page ${page}: the tail is neither the owner nor a writer`);
  const queue = s.queued[page]!;
  assert(queue.length < s.n && !queue.some((q) => q.kind === 'write'), s.id, `page ${page}: the tail already queued a write, or more than ${s.n} requests`);
  queue.push({ kind, requester });
  if (kind === 'write') s.probOwner[page] = requester;
}

function forward(s: IvyDynamicState, page: number, kind: RequestKind, requester: number, out: Effect[]): void {
  const hint = s.probOwner[page]!;
  deliver(s, hint, kind === 'read' ? { kind: 'READ_FWD', page, requester } : { kind: 'WRITE_FWD', page, requester }, out);
  if (kind === 'write' || s.mutant === 'readMovesHint') s.probOwner[page] = requester;
}

function serve(s: IvyDynamicState, page: number, kind: RequestKind, requester: number, out: Effect[]): void {
  if (kind === 'read') {
    if (s.access[page] === 'write' && s.mutant !== 'ownerKeepsWrite') setAccess(s, page, 'read', out);
    if (!s.copyset[page]!.includes(requester) && s.mutant !== 'forgetCopyset') s.copyset[page]!.push(requester);
    s.copyset[page]!.sort((a, b) => a - b);
    deliver(s, requester, { kind: 'READ_DATA', page }, out, page);
    return;
  }
  const withData = !s.copyset[page]!.includes(requester);
  const msg: WriteData = { kind: 'WRITE_DATA', page, copyset: s.copyset[page]!.filter((c) => c !== requester), withData };
  s.owned[page] = false;
  s.copyset[page] = [];
  if (s.mutant !== 'ownerKeepsHint') s.probOwner[page] = requester;
  deliver(s, requester, msg, out, withData ? page : undefined);
  setAccess(s, page, 'none', out);
}

function onReadData(s: IvyDynamicState, from: number, page: number, data: Uint8Array | undefined, out: Effect[]): void {
  const f = faultOn(s, page);
  assert(f !== null && f.access === 'read', s.id, `READ_DATA for page ${page} from CPU ${from} with no read fault open on it`);
  assert(data !== undefined, s.id, `READ_DATA for page ${page} without bytes`);
  if (f.stale && s.mutant !== 'installStaleCopy') {
    f.stale = false;
    deliver(s, s.probOwner[page]!, { kind: 'READ_REQ', page }, out);
    return;
  }
  out.push({ kind: 'installPage', page, data });
  setAccess(s, page, 'read', out);
  s.fault = null;
  out.push({ kind: 'resume', what: 'fault' });
}

function onWriteData(s: IvyDynamicState, from: number, msg: WriteData, out: Effect[]): void {
  const page = msg.page;
  const f = faultOn(s, page);
  assert(f !== null && f.access === 'write' && !f.granted, s.id, `WRITE_DATA for page ${page} from CPU ${from} with no write request open on it`);
  if (msg.withData) {
    assert(msg.data !== undefined, s.id, `WRITE_DATA for page ${page} promised bytes and carried none`);
    out.push({ kind: 'installPage', page, data: msg.data });
  } else {
    assert(s.access[page] === 'read', s.id, `WRITE_DATA without bytes for page ${page}, but no valid copy here`);
  }
  assert(!msg.copyset.includes(s.id), s.id, `asked to invalidate myself on page ${page}`);
  grant(s, page, msg.copyset, out);
}

function onInvalidate(s: IvyDynamicState, from: number, page: number, out: Effect[]): void {
  const f = faultOn(s, page);
  assert(!s.owned[page], s.id, `INVALIDATE of page ${page} from CPU ${from}, but I own it`);
  if (s.access[page] === 'read') {
    if (s.mutant !== 'noDowngradeOnInvalidate') setAccess(s, page, 'none', out);
  } else {
    assert(f !== null && f.access === 'read' && !f.stale, s.id, `INVALIDATE of page ${page} from CPU ${from}, but access here is ${s.access[page]} and no read copy is on its way`);
    f.stale = true;
  }
  if (s.mutant === 'lostAck') return;
  deliver(s, from, { kind: 'INVALIDATE_ACK', page }, out);
}

function onInvalidateAck(s: IvyDynamicState, from: number, page: number, out: Effect[]): void {
  const f = faultOn(s, page);
  const i = f?.acksFrom.indexOf(from) ?? -1;
  assert(f !== null && f.granted && i >= 0, s.id, `unexpected INVALIDATE_ACK for page ${page} from CPU ${from}`);
  f.acksFrom.splice(i, 1);
  if (f.acksFrom.length === 0) finishWrite(s, page, out);
}

function dispatch(s: IvyDynamicState, from: number, msg: Message, out: Effect[]): void {
  switch (msg.kind) {
    case 'READ_REQ': return onRequest(s, msg.page, 'read', from, out);
    case 'READ_FWD': return onRequest(s, msg.page, 'read', msg.requester, out);
    case 'WRITE_REQ': return onRequest(s, msg.page, 'write', from, out);
    case 'WRITE_FWD': return onRequest(s, msg.page, 'write', msg.requester, out);
    case 'READ_DATA': return onReadData(s, from, msg.page, msg.data, out);
    case 'WRITE_DATA': return onWriteData(s, from, msg, out);
    case 'INVALIDATE': return onInvalidate(s, from, msg.page, out);
    case 'INVALIDATE_ACK': return onInvalidateAck(s, from, msg.page, out);
    default: {
      const handled = onSyncMessage(s, from, msg, out, (to, m, o) => deliver(s, to, m, o));
      assert(handled, s.id, `unexpected message ${msg.kind} from CPU ${from} (ivy-dynamic has no manager)`);
    }
  }
}

/** Page `p`'s initial state at `cpu`: CPU p mod N owns it, with every other CPU in its copyset. */
function initialPage(n: number, cpu: number, p: number, others: readonly number[]): { owned: boolean; copyset: number[]; probOwner: number } {
  return { owned: p % n === cpu, copyset: p % n === cpu ? others.slice() : [], probOwner: p % n };
}

function init(config: DsmConfig, cpu: number, options?: ProtocolOptions): IvyDynamicState {
  const n = config.cpus;
  const pages = config.pages;
  const others = othersThan(n, cpu);
  // One plain loop (see ivy.ts's init: a run starts with init).
  const owned: boolean[] = [];
  const copyset: number[][] = [];
  const probOwner: number[] = [];
  const queued: QueuedRequest[][] = [];
  for (let p = 0; p < pages; p++) {
    const page = initialPage(n, cpu, p, others);
    owned.push(page.owned);
    copyset.push(page.copyset);
    probOwner.push(page.probOwner);
    queued.push([]);
  }
  return {
    ...initSync(n, cpu, options?.mutant),
    pages,
    access: new Array<Access>(pages).fill('read'),
    owned,
    copyset,
    probOwner,
    queued,
    fault: null,
  };
}

/** init's state again, resetting only `pages` (Protocol.restart; as in ivy.ts, per-page state changes only in inputs naming the page). */
function restart(s: IvyDynamicState, config: DsmConfig, cpu: number, pages: readonly number[], options?: ProtocolOptions): IvyDynamicState {
  const others = othersThan(config.cpus, cpu);
  for (const p of pages) {
    const page = initialPage(config.cpus, cpu, p, others);
    s.access[p] = 'read';
    s.owned[p] = page.owned;
    s.copyset[p] = page.copyset;
    s.probOwner[p] = page.probOwner;
    s.queued[p] = [];
  }
  return { ...s, ...initSync(config.cpus, cpu, options?.mutant), fault: null };
}

/**
 * Global invariants, true after every step:
 *  1. at most one CPU can write a page, and then nobody else holds a copy; all copies agree;
 *  2. at most one CPU owns a page and it holds a copy; every other read copy is in its
 *     copyset or among the acks it still awaits;
 *  3. when no CPU has a fault open on a page (so no message about it is in flight), one CPU
 *     owns it, it is the tail, and every CPU's chain of hints reaches it in fewer than N hops.
 */
function invariants(states: readonly IvyDynamicState[], pageBytes: PageBytes): void {
  const fail = invariantFailure;
  const n = states.length;
  const pages = states[0]?.pages ?? 0;
  for (let p = 0; p < pages; p++) {
    const holders = checkSingleWriter(states, p, pageBytes);
    const owners = states.filter((s) => s.owned[p]).map((s) => s.id);
    if (owners.length > 1) fail(`page ${p} is owned by CPUs ${owners.join(', ')}`);
    if (owners.length === 1) {
      const o = states[owners[0]!]!;
      // A new owner holds the bytes but no access until its invalidations are acknowledged.
      const granting = o.fault?.page === p && o.fault.granted;
      if (o.access[p] === 'none' && !granting) fail(`page ${p}: owner CPU ${o.id} holds no copy`);
      const known = new Set([...o.copyset[p]!, ...(o.fault?.page === p ? o.fault.acksFrom : [])]);
      for (const h of holders) if (h !== o.id && !known.has(h)) fail(`page ${p}: CPU ${h} holds a read copy unknown to owner CPU ${o.id}`);
    }
    const busy = states.some((s) => s.fault?.page === p);
    if (!busy) {
      if (owners.length !== 1) fail(`page ${p}: no fault is open on it, but it has owners [${owners.join(', ')}]`);
      for (const s of states) {
        let at = s.id;
        for (let hops = 0; states[at]!.probOwner[p] !== at; hops++) {
          if (hops >= n) fail(`page ${p}: the hints from CPU ${s.id} do not reach a tail`);
          at = states[at]!.probOwner[p]!;
        }
        if (at !== owners[0]) fail(`page ${p}: the hints from CPU ${s.id} end at CPU ${at}, not at the owner CPU ${owners[0]}`);
      }
    }
  }
  for (const s of states) {
    if (s.fault !== null && s.fault.access === 'read' && s.access[s.fault.page] !== 'none') fail(`CPU ${s.id} has a read fault open on page ${s.fault.page} but can read it`);
  }
  checkLocks(states);
}

function waitingOn(s: IvyDynamicState): string | null {
  if (s.fault !== null) {
    const f = s.fault;
    const acks = f.granted && f.acksFrom.length > 0 ? ` (acks missing from CPUs ${f.acksFrom.join(', ')})` : '';
    return `${f.access} fault on page ${f.page}${acks}`;
  }
  return syncWaitingOn(s);
}

/** IVY with the dynamic distributed manager: requests follow probable-owner hints. */
export const ivyDynamic: Protocol<IvyDynamicState> = makeProtocol({ name: 'ivy-dynamic', mutants: describeMutants(builtinMutants['ivy-dynamic']), init, restart, onFault, dispatch, invariants, waitingOn });
