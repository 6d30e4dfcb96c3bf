/**
 * IVY with the fixed distributed manager (Li & Hudak, 1989): sequential consistency,
 * one writer or many readers per page, write-invalidate.
 *
 * Theory of operation
 * -------------------
 * Every page p has a manager, CPU p mod N, which knows the page's owner and serializes the
 * requests for the page: while one request is being served (`busy`), later ones wait in a
 * per-page FIFO queue (at most one entry per CPU, since a CPU has at most one fault open).
 * The owner holds a valid copy and the copyset: the CPUs that hold read copies.
 * At start every CPU holds a read copy of every (zero-filled) page and the manager owns it.
 *
 *   input at            | state / condition         | action
 *   --------------------+---------------------------+-----------------------------------------
 *   r: read fault       | access none               | r→M READ_REQ
 *   M: READ_REQ(r)      | busy                      | queue it
 *                       | idle                      | busy; M→O READ_FWD(r)
 *   O: READ_FWD(r)      | owner                     | access write→read; copyset += r; O→r READ_DATA(bytes)
 *   r: READ_DATA        | read fault open           | install bytes, access read; r→M READ_CONFIRM; resume
 *   M: READ_CONFIRM     | busy with r's read        | idle; serve next queued request
 *   w: write fault      | access none or read       | w→M WRITE_REQ
 *   M: WRITE_REQ(w)     | busy / idle               | queue it / busy; M→O WRITE_FWD(w)
 *   O: WRITE_FWD(w)     | owner                     | O→w WRITE_DATA(copyset−w, bytes unless w ∈ copyset);
 *                       |                           | O stops owning, drops its copy (unless O = w)
 *   w: WRITE_DATA       | write fault open          | install bytes if sent; w→c INVALIDATE for c in copyset
 *   c: INVALIDATE       | access read               | access none; c→w INVALIDATE_ACK
 *   w: last ack (or k=0)| write fault open          | access write, owner, copyset {}; w→M WRITE_CONFIRM; resume
 *   M: WRITE_CONFIRM(w) | busy with w's write       | owner := w; idle; serve next queued request
 *
 * A step whose sender and receiver are the same CPU is a local call (effect `local`), not a
 * message. Locks and the barrier are the shared message-based ones of sync.ts.
 *
 * Manager placement. The same code serves IVY's improved centralized manager (`ivy-central`:
 * CPU 0 manages every page; the owner still keeps the copyset) and the fixed distributed
 * manager (`ivy`: page p is managed by CPU p mod N). Only `managerOf` differs.
 *
 * Channels: the protocol needs no FIFO order between CPUs. Every message that could race
 * with another about the same page is ordered by the manager's serialization (the next
 * request is forwarded only after the confirmation, which the requester sends after it has
 * installed the page and collected every ack); lock requests that overtake the same CPU's
 * UNLOCK are queued; barrier messages carry their epoch. The simulator tests both orders.
 */
import type { DsmConfig } from './config.js';
import type { Effect, ResumeKind } from './effects.js';
import { builtinMutants, describeMutants } from './mutants.js';
import { checkSingleWriter, deliver as deliverVia, invariantFailure, makeProtocol, othersThan, setAccess } from './common.js';
import { assert } from './errors.js';
import { checkLocks, initSync, onSyncMessage, syncWaitingOn, type SyncState } from './sync.js';
import type { PageBytes, Protocol, ProtocolOptions } from './protocol.js';
import type { Access, Message, WriteData } from './wire.js';

type RequestKind = 'read' | 'write';

interface PageRequest {
  readonly kind: RequestKind;
  readonly requester: number;
}

interface OpenFault {
  readonly page: number;
  readonly access: RequestKind;
  /** For a write: acks still missing after WRITE_DATA; -1 before WRITE_DATA arrives. */
  acksMissing: number;
}

export type ManagerPlacement = 'distributed' | 'central';

export interface IvyState extends SyncState {
  readonly placement: ManagerPlacement;
  readonly pages: number;
  readonly pageSize: number;
  /** This CPU's access to every page. */
  readonly access: Access[];
  /** Pages this CPU owns, and for each its copyset (sorted CPU ids, never the owner itself). */
  readonly owned: boolean[];
  readonly copyset: number[][];
  /** Manager side, indexed by page; meaningful only for pages with p mod N = id. */
  readonly managerOwner: number[];
  readonly managerBusy: (PageRequest | null)[];
  readonly managerQueue: PageRequest[][];
  /** Requester side: the one fault this CPU has open. */
  fault: OpenFault | null;
}

function managerOf(s: { placement: ManagerPlacement; n: number }, page: number): number {
  return s.placement === 'central' ? 0 : page % s.n;
}

function insertSorted(list: number[], x: number): void {
  if (list.includes(x)) return;
  list.push(x);
  list.sort((a, b) => a - b);
}

function deliver(s: IvyState, to: number, msg: Message, out: Effect[], attachPage?: number): void {
  deliverVia(s, dispatch, to, msg, out, attachPage);
}

function resume(out: Effect[], what: ResumeKind): void {
  out.push({ kind: 'resume', what });
}

// ---------------------------------------------------------------- requester: faults

function onFault(s: IvyState, page: number, access: RequestKind): Effect[] {
  assert(page >= 0 && page < s.pages && Number.isInteger(page), s.id, `fault on page ${page} outside 0..${s.pages - 1}`);
  assert(s.fault === null, s.id, () => `fault on page ${page} while a fault on page ${s.fault?.page} is open`);
  const have = s.access[page];
  assert(access === 'read' ? have === 'none' : have !== 'write', s.id, `${access} fault on page ${page} with access ${have}`);
  s.fault = { page, access, acksMissing: -1 };
  const out: Effect[] = [];
  deliver(s, managerOf(s, page), access === 'read' ? { kind: 'READ_REQ', page } : { kind: 'WRITE_REQ', page }, out);
  return out;
}

function onReadData(s: IvyState, _from: number, page: number, data: Uint8Array | undefined, out: Effect[]): void {
  const f = s.fault;
  assert(f !== null && f.page === page, s.id, `READ_DATA for page ${page} with no read fault open on it`);
  // The seed paper's bug: a write request served as a read ends with the requester writing anyway.
  const grant: Access = f.access === 'write' && s.mutant === 'writeAsRead' ? 'write' : 'read';
  assert(f.access === 'read' || grant === 'write', s.id, `READ_DATA for page ${page} answers a write fault`);
  assert(data !== undefined, s.id, `READ_DATA for page ${page} without bytes`);
  out.push({ kind: 'installPage', page, data });
  setAccess(s, page, grant, out);
  s.fault = null;
  // Resume first: the runtime lets the program's access run before the confirmation, which
  // (when the manager is local) may serve a queued request that takes the page away.
  resume(out, 'fault');
  deliver(s, managerOf(s, page), { kind: 'READ_CONFIRM', page }, out);
}

function onWriteData(s: IvyState, _from: number, msg: WriteData, out: Effect[]): void {
  const f = s.fault;
  const page = msg.page;
  assert(f !== null && f.page === page && f.access === 'write', s.id, `WRITE_DATA for page ${page} with no write fault open on it`);
  assert(f.acksMissing === -1, s.id, `second WRITE_DATA for page ${page}`);
  if (msg.withData) {
    assert(msg.data !== undefined, s.id, `WRITE_DATA for page ${page} promised bytes and carried none`);
    out.push({ kind: 'installPage', page, data: msg.data });
  } else {
    assert(s.access[page] === 'read' || s.mutant === 'upgradeWithoutData', s.id, `WRITE_DATA without bytes for page ${page}, but no valid copy here`);
  }
  assert(!msg.copyset.includes(s.id), s.id, `asked to invalidate myself on page ${page}`);
  f.acksMissing = msg.copyset.length;
  for (const c of msg.copyset) deliver(s, c, { kind: 'INVALIDATE', page }, out);
  if (f.acksMissing === 0 || s.mutant === 'noAckWait') finishWrite(s, page, out);
}

function onInvalidateAck(s: IvyState, from: number, page: number, out: Effect[]): void {
  const f = s.fault;
  if (s.mutant === 'noAckWait' && (f === null || f.page !== page)) return;
  assert(f !== null && f.page === page && f.access === 'write' && f.acksMissing > 0, s.id, `unexpected INVALIDATE_ACK for page ${page} from CPU ${from}`);
  f.acksMissing -= 1;
  if (f.acksMissing === 0) finishWrite(s, page, out);
}

function finishWrite(s: IvyState, page: number, out: Effect[]): void {
  setAccess(s, page, 'write', out);
  s.owned[page] = true;
  s.copyset[page] = [];
  s.fault = null;
  resume(out, 'fault');
  deliver(s, managerOf(s, page), { kind: 'WRITE_CONFIRM', page }, out);
}

// ---------------------------------------------------------------- copy holder

function onInvalidate(s: IvyState, from: number, page: number, out: Effect[]): void {
  assert(s.access[page] === 'read' && !s.owned[page], s.id, () => `INVALIDATE of page ${page} from CPU ${from}, but access here is ${s.access[page]}${s.owned[page] ? ' and I own it' : ''}`);
  if (s.mutant !== 'noDowngradeOnInvalidate') setAccess(s, page, 'none', out);
  if (s.mutant === 'lostAck') return;
  deliver(s, from, { kind: 'INVALIDATE_ACK', page }, out);
}

// ---------------------------------------------------------------- owner

function onReadForward(s: IvyState, page: number, requester: number, out: Effect[]): void {
  assert(s.owned[page], s.id, `READ_FWD for page ${page}, which I do not own`);
  assert(requester !== s.id, s.id, `READ_FWD for page ${page} for myself, but owners never read-fault`);
  if (s.access[page] === 'write' && s.mutant !== 'ownerKeepsWrite') setAccess(s, page, 'read', out);
  if (s.mutant !== 'forgetCopyset') insertSorted(s.copyset[page]!, requester);
  deliver(s, requester, { kind: 'READ_DATA', page }, out, page);
}

function onWriteForward(s: IvyState, page: number, requester: number, out: Effect[]): void {
  assert(s.owned[page], s.id, `WRITE_FWD for page ${page}, which I do not own`);
  const copyset = s.copyset[page]!.filter((c) => c !== requester);
  const requesterHasCopy = requester === s.id || s.copyset[page]!.includes(requester);
  const withData = !requesterHasCopy && s.mutant !== 'upgradeWithoutData';
  s.owned[page] = false;
  s.copyset[page] = [];
  const msg: WriteData = { kind: 'WRITE_DATA', page, copyset, withData };
  if (requester !== s.id && s.mutant !== 'ownerKeepsCopy') {
    // The bytes are attached when the runtime sends, so dropping access afterwards is safe.
    deliver(s, requester, msg, out, withData ? page : undefined);
    setAccess(s, page, 'none', out);
  } else if (requester !== s.id) {
    if (s.access[page] === 'write') setAccess(s, page, 'read', out);
    deliver(s, requester, msg, out, withData ? page : undefined);
  } else {
    deliver(s, requester, msg, out);
  }
}

// ---------------------------------------------------------------- manager

function onPageRequest(s: IvyState, from: number, page: number, kind: RequestKind, out: Effect[]): void {
  assert(managerOf(s, page) === s.id, s.id, `${kind} request for page ${page} from CPU ${from}, but its manager is CPU ${managerOf(s, page)}`);
  const req: PageRequest = { kind: kind === 'write' && s.mutant === 'writeAsRead' ? 'read' : kind, requester: from };
  const queue = s.managerQueue[page]!;
  if (s.managerBusy[page] !== null) {
    assert(queue.length < s.n, s.id, `queue of page ${page} exceeds ${s.n} requests`);
    assert(!queue.some((q) => q.requester === from), s.id, `CPU ${from} has two requests queued for page ${page}`);
    queue.push(req);
    return;
  }
  serve(s, page, req, out);
}

function serve(s: IvyState, page: number, req: PageRequest, out: Effect[]): void {
  s.managerBusy[page] = req;
  const owner = s.managerOwner[page]!;
  const fwd: Message = req.kind === 'read'
    ? { kind: 'READ_FWD', page, requester: req.requester }
    : { kind: 'WRITE_FWD', page, requester: req.requester };
  if (s.mutant === 'earlyRelease') {
    s.managerBusy[page] = null;
    if (req.kind === 'write') s.managerOwner[page] = req.requester;
  }
  deliver(s, owner, fwd, out);
}

function onConfirm(s: IvyState, from: number, page: number, kind: RequestKind, out: Effect[]): void {
  const busy = s.managerBusy[page];
  if (s.mutant === 'earlyRelease') {
    if (busy === null) serveNext(s, page, out);
    return;
  }
  assert(busy !== null && busy.requester === from && (busy.kind === kind || s.mutant === 'writeAsRead'), s.id, () => `${kind} confirmation for page ${page} from CPU ${from}, but serving ${busy ? `${busy.kind} of CPU ${busy.requester}` : 'nothing'}`);
  if (kind === 'write') s.managerOwner[page] = from;
  s.managerBusy[page] = null;
  serveNext(s, page, out);
}

function serveNext(s: IvyState, page: number, out: Effect[]): void {
  const queue = s.managerQueue[page]!;
  if (s.mutant === 'dropQueued' && queue.length > 0) queue.shift();
  const next = queue.shift();
  if (next !== undefined) serve(s, page, next, out);
}

// ---------------------------------------------------------------- dispatch

function dispatch(s: IvyState, from: number, msg: Message, out: Effect[]): void {
  switch (msg.kind) {
    case 'READ_REQ': return onPageRequest(s, from, msg.page, 'read', out);
    case 'WRITE_REQ': return onPageRequest(s, from, msg.page, 'write', out);
    case 'READ_FWD': return onReadForward(s, msg.page, msg.requester, out);
    case 'WRITE_FWD': return onWriteForward(s, msg.page, msg.requester, out);
    case 'READ_DATA': return onReadData(s, from, msg.page, msg.data, out);
    case 'WRITE_DATA': return onWriteData(s, from, msg, out);
    case 'READ_CONFIRM': return onConfirm(s, from, msg.page, 'read', out);
    case 'WRITE_CONFIRM': return onConfirm(s, from, msg.page, 'write', out);
    case 'INVALIDATE': return onInvalidate(s, from, msg.page, out);
    case 'INVALIDATE_ACK': return onInvalidateAck(s, from, msg.page, out);
    default: {
      const handled = onSyncMessage(s, from, msg, out, (to, m, o) => deliver(s, to, m, o));
      assert(handled, s.id, `unexpected message ${msg.kind} from CPU ${from}`);
    }
  }
}

// ---------------------------------------------------------------- init and invariants

/** Page `p`'s initial state at `cpu`: owned (with every other CPU in its copyset) where it is the page's manager. */
function initialPage(placement: ManagerPlacement, n: number, cpu: number, p: number, others: readonly number[]): { owned: boolean; copyset: number[]; managerOwner: number } {
  const manages = managerOf({ placement, n }, p) === cpu;
  return { owned: manages, copyset: manages ? others.slice() : [], managerOwner: manages ? cpu : -1 };
}

function init(placement: ManagerPlacement, config: DsmConfig, cpu: number, options?: ProtocolOptions): IvyState {
  const n = config.cpus;
  const pages = config.pages;
  const others = othersThan(n, cpu);
  // One plain loop, not five Array.from passes: a run starts with init, and a region of
  // 65536 pages took ~100 ms the other way (see also restart).
  const owned: boolean[] = [];
  const copyset: number[][] = [];
  const managerOwner: number[] = [];
  const managerQueue: PageRequest[][] = [];
  for (let p = 0; p < pages; p++) {
    const page = initialPage(placement, n, cpu, p, others);
    owned.push(page.owned);
    copyset.push(page.copyset);
    managerOwner.push(page.managerOwner);
    managerQueue.push([]);
  }
  return {
    ...initSync(n, cpu, options?.mutant),
    placement,
    pages,
    pageSize: config.pageSize,
    access: new Array<Access>(pages).fill('read'),
    owned,
    copyset,
    managerOwner,
    managerBusy: new Array<PageRequest | null>(pages).fill(null),
    managerQueue,
    fault: null,
  };
}

/**
 * init's state again, resetting only `pages` (Protocol.restart): every per-page field of a
 * page changes only in an input that names that page (a fault on it, a message about it,
 * and the local calls these make, all about the same page).
 */
function restart(placement: ManagerPlacement, s: IvyState, config: DsmConfig, cpu: number, pages: readonly number[], options?: ProtocolOptions): IvyState {
  const others = othersThan(config.cpus, cpu);
  for (const p of pages) {
    const page = initialPage(placement, config.cpus, cpu, p, others);
    s.access[p] = 'read';
    s.owned[p] = page.owned;
    s.copyset[p] = page.copyset;
    s.managerOwner[p] = page.managerOwner;
    s.managerBusy[p] = null;
    s.managerQueue[p] = [];
  }
  return { ...s, ...initSync(config.cpus, cpu, options?.mutant), fault: null };
}

/**
 * Global invariants, true after every step:
 *  1. at most one CPU has write access to a page, and then no other CPU has read access;
 *  2. every CPU with a copy (read or write) holds the same bytes as every other;
 *  3. at most one CPU owns a page, and the owner holds a copy; every read copy outside the
 *     owner is in the owner's copyset;
 *  4. when the manager serves no request for a page, its owner record names the one owner;
 *  5. an open fault is for an access the CPU lacks; at most one CPU holds each lock.
 */
function invariants(states: readonly IvyState[], pageBytes: PageBytes): void {
  const fail = invariantFailure;
  const pages = states[0]?.pages ?? 0;
  for (let p = 0; p < pages; p++) {
    const holders = checkSingleWriter(states, p, pageBytes);
    const owners = states.filter((s) => s.owned[p]).map((s) => s.id);
    if (owners.length > 1) fail(`page ${p} is owned by CPUs ${owners.join(', ')}`);
    if (owners.length === 1) {
      const o = states[owners[0]!]!;
      if (o.access[p] === 'none') fail(`page ${p}: owner CPU ${o.id} holds no copy`);
      for (const h of holders) {
        if (h !== o.id && !o.copyset[p]!.includes(h)) fail(`page ${p}: CPU ${h} holds a read copy but is not in owner CPU ${o.id}'s copyset [${o.copyset[p]!.join(', ')}]`);
      }
    }
    const m = states[managerOf(states[0]!, p)]!;
    if (m.managerBusy[p] === null) {
      if (owners.length !== 1 || owners[0] !== m.managerOwner[p]) {
        fail(`page ${p}: manager CPU ${m.id} is idle and records owner ${m.managerOwner[p]}, but the owners are [${owners.join(', ')}]`);
      }
    }
  }
  for (const s of states) {
    if (s.fault !== null) {
      const have = s.access[s.fault.page];
      if (s.fault.access === 'read' ? have !== 'none' : have === 'write') fail(`CPU ${s.id} has a ${s.fault.access} fault open on page ${s.fault.page} but already has ${have} access`);
    }
  }
  checkLocks(states);
}

function waitingOn(s: IvyState): string | null {
  if (s.fault !== null) {
    const f = s.fault;
    const phase = f.acksMissing > 0 ? ` (${f.acksMissing} invalidation ack(s) missing)` : '';
    return `${f.access} fault on page ${f.page}${phase}`;
  }
  return syncWaitingOn(s);
}

function makeIvy(name: string, placement: ManagerPlacement): Protocol<IvyState> {
  return makeProtocol({ name, mutants: describeMutants(builtinMutants.ivy), init: (config, cpu, options) => init(placement, config, cpu, options), restart: (st, config, cpu, pages, options) => restart(placement, st, config, cpu, pages, options), onFault, dispatch, invariants, waitingOn });
}

/** IVY with the fixed distributed manager: page p is managed by CPU p mod N. */
export const ivy = makeIvy('ivy', 'distributed');

/** IVY with the improved centralized manager: CPU 0 manages every page. */
export const ivyCentral = makeIvy('ivy-central', 'central');
