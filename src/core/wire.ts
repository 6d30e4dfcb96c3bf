/**
 * The wire: every message any protocol sends, as one discriminated union on `kind`.
 * Both ends import these types; the runtimes validate incoming messages with `checkMessage`
 * before they reach a protocol, so a malformed message is a named DsmWireError, not a crash
 * deep in a handler.
 *
 * Page bytes travel only in READ_DATA and WRITE_DATA. The core never touches bytes: it asks
 * the runtime to attach a page (see Effect `send.attachPage`) and to install received bytes.
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
/** CPU → lock manager. */
export interface LockRequest { kind: 'LOCK_REQ'; lock: number }
/** Lock manager → CPU: you hold the lock. */
export interface LockGrant { kind: 'LOCK_GRANT'; lock: number }
/** Holder → lock manager. */
export interface Unlock { kind: 'UNLOCK'; lock: number }
/** CPU → barrier manager (CPU 0): arrived at barrier `epoch`. */
export interface BarrierArrive { kind: 'BARRIER_ARRIVE'; epoch: number }
/** Barrier manager → CPU: everybody arrived at `epoch`. */
export interface BarrierRelease { kind: 'BARRIER_RELEASE'; epoch: number }

export type Message =
  | ReadRequest | ReadForward | ReadData | ReadConfirm
  | WriteRequest | WriteForward | WriteData | Invalidate | InvalidateAck | WriteConfirm
  | LockRequest | LockGrant | Unlock
  | BarrierArrive | BarrierRelease;

export type MessageKind = Message['kind'];

/** Every kind, in the order tables and stats list them. */
export const messageKinds: readonly MessageKind[] = [
  'READ_REQ', 'READ_FWD', 'READ_DATA', 'READ_CONFIRM',
  'WRITE_REQ', 'WRITE_FWD', 'WRITE_DATA', 'INVALIDATE', 'INVALIDATE_ACK', 'WRITE_CONFIRM',
  'LOCK_REQ', 'LOCK_GRANT', 'UNLOCK',
  'BARRIER_ARRIVE', 'BARRIER_RELEASE',
];

/** The integer fields each kind must carry (besides `kind`). */
const integerFields: Record<MessageKind, readonly string[]> = {
  READ_REQ: ['page'], READ_FWD: ['page', 'requester'], READ_DATA: ['page'], READ_CONFIRM: ['page'],
  WRITE_REQ: ['page'], WRITE_FWD: ['page', 'requester'], WRITE_DATA: ['page'], INVALIDATE: ['page'],
  INVALIDATE_ACK: ['page'], WRITE_CONFIRM: ['page'],
  LOCK_REQ: ['lock'], LOCK_GRANT: ['lock'], UNLOCK: ['lock'],
  BARRIER_ARRIVE: ['epoch'], BARRIER_RELEASE: ['epoch'],
};

/** Header bytes we charge every message on the wire, beside its page payload. */
export const messageHeaderBytes = 16;

/** Bytes a message occupies on the wire: a fixed header, the copyset, and page data. */
export function messageBytes(msg: Message): number {
  let bytes = messageHeaderBytes;
  if (msg.kind === 'WRITE_DATA') bytes += 4 * msg.copyset.length;
  if ((msg.kind === 'READ_DATA' || msg.kind === 'WRITE_DATA') && msg.data) bytes += msg.data.byteLength;
  return bytes;
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
  if (kind === 'READ_DATA' || kind === 'WRITE_DATA') {
    const needsData = kind === 'READ_DATA' || m['withData'] === true;
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
  return msg as Message;
}

function safeShow(msg: unknown): string {
  try {
    const s = JSON.stringify(msg, (_k, v) => (v instanceof Uint8Array ? `<${v.byteLength} bytes>` : typeof v === 'bigint' ? String(v) : v));
    return s === undefined ? String(msg) : s.slice(0, 200);
  } catch {
    return String(msg);
  }
}
