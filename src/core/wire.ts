/**
 * The wire: every message any protocol sends, as one discriminated union on `kind`.
 * Both ends import these types; the runtimes validate incoming messages with `checkMessage`
 * before they reach a protocol, so a malformed message is a named DsmWireError, not a crash
 * deep in a handler.
 *
 * Page bytes travel only in READ_DATA, WRITE_DATA and PAGE_DATA, and changed bytes in DIFF.
 * The core never touches bytes: it asks the runtime to attach a page (Effect `send.attachPage`)
 * or a diff (`send.attachDiff`), to install received bytes and to apply a received diff.
 */
import { DsmWireError } from './errors.js';

export type Access = 'none' | 'read' | 'write';
export const accessCode: Record<Access, number> = { none: 0, read: 1, write: 2 };
export const accessOfCode: readonly Access[] = ['none', 'read', 'write'];

/** Requester → manager: a read fault on `page`. */
export interface ReadRequest { kind: 'READ_REQ'; page: number }
/** Manager → owner: serve a read of `page` for `requester`. */
export interface ReadForward { kind: 'READ_FWD'; page: number; requester: number }
/** Owner → requester: the page's bytes, read-only. */
export interface ReadData { kind: 'READ_DATA'; page: number; data?: Uint8Array }
/** Requester → manager: the read copy is installed; the manager may serve the next request. */
export interface ReadConfirm { kind: 'READ_CONFIRM'; page: number }
/** Requester → manager: a write fault on `page`. */
export interface WriteRequest { kind: 'WRITE_REQ'; page: number }
/** Manager → owner: give `page` to `requester` for writing. */
export interface WriteForward { kind: 'WRITE_FWD'; page: number; requester: number }
/**
 * Owner → requester: ownership of the page, the copies to invalidate, and the bytes unless
 * the requester already holds a valid copy (`withData` false: an upgrade moves no bytes).
 */
export interface WriteData { kind: 'WRITE_DATA'; page: number; copyset: number[]; withData: boolean; data?: Uint8Array }
/** Writer → copy holder: drop your copy of `page`. */
export interface Invalidate { kind: 'INVALIDATE'; page: number }
/** Copy holder → writer: dropped. */
export interface InvalidateAck { kind: 'INVALIDATE_ACK'; page: number }
/** Writer → manager: the writer owns the page now. */
export interface WriteConfirm { kind: 'WRITE_CONFIRM'; page: number }
/**
 * Release-consistency data a protocol may piggy-back on lock and barrier messages (hlrc does;
 * ivy never sets it): `vc` is a vector timestamp (per CPU, the intervals known), `notices` the
 * write notices of intervals the receiver may lack. Absent fields cost nothing on the wire.
 */
export interface Consistency { vc?: number[]; notices?: WriteNotice[] }
/** CPU `cpu` modified `pages` (sorted, distinct) in its interval number `interval` (from 1). */
export interface WriteNotice { cpu: number; interval: number; pages: number[] }
/** CPU → lock manager. */
export interface LockRequest extends Consistency { kind: 'LOCK_REQ'; lock: number }
/** Lock manager → CPU: you hold the lock. `queued`: another CPU held it when you asked, and you waited in its queue. */
export interface LockGrant extends Consistency { kind: 'LOCK_GRANT'; lock: number; queued?: boolean }
/** Holder → lock manager. */
export interface Unlock extends Consistency { kind: 'UNLOCK'; lock: number }
/** CPU → barrier manager (CPU 0): arrived at barrier `epoch`. */
export interface BarrierArrive extends Consistency { kind: 'BARRIER_ARRIVE'; epoch: number }
/** Barrier manager → CPU: everybody arrived at `epoch`. */
export interface BarrierRelease extends Consistency { kind: 'BARRIER_RELEASE'; epoch: number }
/** HLRC: a CPU → the page's home: send me your (master) copy of `page`. */
export interface PageRequest { kind: 'PAGE_REQ'; page: number }
/** HLRC: home → CPU: the master copy's bytes. */
export interface PageData { kind: 'PAGE_DATA'; page: number; data?: Uint8Array }
/** HLRC: writer → home: the bytes it changed in `page` since its twin (runs, see `checkDiff`). */
export interface Diff { kind: 'DIFF'; page: number; diff?: Uint8Array }
/** HLRC: home → writer: the diff is applied to the master copy. */
export interface DiffAck { kind: 'DIFF_ACK'; page: number }

export type Message =
  | ReadRequest | ReadForward | ReadData | ReadConfirm
  | WriteRequest | WriteForward | WriteData | Invalidate | InvalidateAck | WriteConfirm
  | LockRequest | LockGrant | Unlock
  | BarrierArrive | BarrierRelease
  | PageRequest | PageData | Diff | DiffAck;

export type MessageKind = Message['kind'];

/** Every kind, in the order tables and stats list them. */
export const messageKinds: readonly MessageKind[] = [
  'READ_REQ', 'READ_FWD', 'READ_DATA', 'READ_CONFIRM',
  'WRITE_REQ', 'WRITE_FWD', 'WRITE_DATA', 'INVALIDATE', 'INVALIDATE_ACK', 'WRITE_CONFIRM',
  'LOCK_REQ', 'LOCK_GRANT', 'UNLOCK',
  'BARRIER_ARRIVE', 'BARRIER_RELEASE',
  'PAGE_REQ', 'PAGE_DATA', 'DIFF', 'DIFF_ACK',
];

/** The integer fields each kind must carry (besides `kind`). */
const integerFields: Record<MessageKind, readonly string[]> = {
  READ_REQ: ['page'], READ_FWD: ['page', 'requester'], READ_DATA: ['page'], READ_CONFIRM: ['page'],
  WRITE_REQ: ['page'], WRITE_FWD: ['page', 'requester'], WRITE_DATA: ['page'], INVALIDATE: ['page'],
  INVALIDATE_ACK: ['page'], WRITE_CONFIRM: ['page'],
  LOCK_REQ: ['lock'], LOCK_GRANT: ['lock'], UNLOCK: ['lock'],
  BARRIER_ARRIVE: ['epoch'], BARRIER_RELEASE: ['epoch'],
  PAGE_REQ: ['page'], PAGE_DATA: ['page'], DIFF: ['page'], DIFF_ACK: ['page'],
};

/** The kinds that may carry release-consistency data (`Consistency`). */
const consistencyKinds: ReadonlySet<string> = new Set(['LOCK_REQ', 'LOCK_GRANT', 'UNLOCK', 'BARRIER_ARRIVE', 'BARRIER_RELEASE']);

/** Header bytes we charge every message on the wire, beside its page payload. */
export const messageHeaderBytes = 16;

/**
 * Bytes a message occupies on the wire: a fixed header, the copyset, page data, a diff, and
 * release-consistency data (4 bytes per vector entry; 8 per notice plus 4 per page).
 */
export function messageBytes(msg: Message): number {
  let bytes = messageHeaderBytes;
  if (msg.kind === 'WRITE_DATA') bytes += 4 * msg.copyset.length;
  if ((msg.kind === 'READ_DATA' || msg.kind === 'WRITE_DATA' || msg.kind === 'PAGE_DATA') && msg.data) bytes += msg.data.byteLength;
  if (msg.kind === 'DIFF' && msg.diff) bytes += msg.diff.byteLength;
  if ('vc' in msg && msg.vc) bytes += 4 * msg.vc.length;
  if ('notices' in msg && msg.notices) for (const n of msg.notices) bytes += 8 + 4 * n.pages.length;
  return bytes;
}

/** Bytes of one run header in a diff: offset and length, both little-endian uint32. */
export const diffRunHeaderBytes = 8;

/**
 * Why `diff` is not a well-formed diff of a `pageSize`-byte page, or null when it is. A diff
 * is a sequence of runs, each an offset and a length (little-endian uint32) followed by that
 * many bytes; runs are non-empty, in increasing order, disjoint and inside the page.
 */
export function checkDiff(diff: unknown, pageSize: number): string | null {
  if (!(diff instanceof Uint8Array)) return 'diff must be a Uint8Array';
  const view = new DataView(diff.buffer, diff.byteOffset, diff.byteLength);
  let end = 0;
  for (let at = 0; at < diff.byteLength; ) {
    if (at + diffRunHeaderBytes > diff.byteLength) return `diff run header at byte ${at} is cut short`;
    const offset = view.getUint32(at, true);
    const length = view.getUint32(at + 4, true);
    if (length === 0) return `diff run at byte ${at} is empty`;
    if (offset < end) return `diff run at offset ${offset} overlaps or precedes the previous run`;
    if (offset + length > pageSize) return `diff run at offset ${offset} of ${length} bytes passes the page end ${pageSize}`;
    if (at + diffRunHeaderBytes + length > diff.byteLength) return `diff run at offset ${offset} is cut short`;
    end = offset + length;
    at += diffRunHeaderBytes + length;
  }
  return null;
}

/**
 * Validates a message received from `from` against the wire format, given the config's
 * bounds. Throws DsmWireError naming the sender and the bad field.
 */
export function checkMessage(msg: unknown, from: number, bounds: { cpus: number; pages: number; pageSize: number }): Message {
  const fail = (why: string): never => {
    throw new DsmWireError(`malformed message from CPU ${from}: ${why}: ${safeShow(msg)}`);
  };
  if (msg === null || typeof msg !== 'object') return fail('not an object');
  const m = msg as Record<string, unknown>;
  const kind = m['kind'];
  if (typeof kind !== 'string' || !(kind in integerFields)) return fail(`unknown kind ${String(kind)}`);
  for (const field of integerFields[kind as MessageKind]) {
    const v = m[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) return fail(`field ${field} must be a non-negative integer`);
  }
  if ('page' in m && (m['page'] as number) >= bounds.pages) return fail(`page ${String(m['page'])} >= pages ${bounds.pages}`);
  if ('requester' in m && (m['requester'] as number) >= bounds.cpus) return fail(`requester out of range`);
  if (kind === 'READ_DATA' || kind === 'WRITE_DATA' || kind === 'PAGE_DATA') {
    const needsData = kind !== 'WRITE_DATA' || m['withData'] === true;
    const data = m['data'];
    if (needsData && !(data instanceof Uint8Array && data.byteLength === bounds.pageSize)) {
      return fail(`data must be a Uint8Array of ${bounds.pageSize} bytes`);
    }
  }
  if (kind === 'WRITE_DATA') {
    const cs = m['copyset'];
    if (typeof m['withData'] !== 'boolean') return fail('withData must be a boolean');
    if (!Array.isArray(cs) || cs.some((c) => typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c >= bounds.cpus)) {
      return fail('copyset must be a list of CPU ids');
    }
  }
  if (kind === 'LOCK_GRANT' && m['queued'] !== undefined && typeof m['queued'] !== 'boolean') return fail('queued must be a boolean');
  if (kind === 'DIFF') {
    const why = checkDiff(m['diff'], bounds.pageSize);
    if (why !== null) return fail(why);
  }
  if (consistencyKinds.has(kind)) {
    const why = checkConsistency(m, bounds);
    if (why !== null) return fail(why);
  }
  return msg as Message;
}

function isIndex(v: unknown, below: number): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < below;
}

/** Why the optional `vc` and `notices` of a sync message are malformed, or null. */
function checkConsistency(m: Record<string, unknown>, bounds: { cpus: number; pages: number }): string | null {
  const vc = m['vc'];
  if (vc !== undefined && !(Array.isArray(vc) && vc.length === bounds.cpus && vc.every((x) => isIndex(x, 2 ** 31)))) {
    return `vc must be a list of ${bounds.cpus} non-negative integers`;
  }
  const notices = m['notices'];
  if (notices === undefined) return null;
  if (!Array.isArray(notices)) return 'notices must be a list';
  for (const n of notices as unknown[]) {
    const w = n as Record<string, unknown> | null;
    if (w === null || typeof w !== 'object' || !isIndex(w['cpu'], bounds.cpus) || !isIndex(w['interval'], 2 ** 31) || (w['interval'] as number) < 1) {
      return 'a notice must name a CPU and an interval from 1';
    }
    if (!Array.isArray(w['pages']) || !(w['pages'] as unknown[]).every((p) => isIndex(p, bounds.pages))) return 'notice pages must be page numbers';
  }
  return null;
}

function safeShow(msg: unknown): string {
  try {
    const s = JSON.stringify(msg, (_k, v) => (v instanceof Uint8Array ? `<${v.byteLength} bytes>` : typeof v === 'bigint' ? String(v) : v));
    return s === undefined ? String(msg) : s.slice(0, 200);
  } catch {
    return String(msg);
  }
}
