/**
 * Pieces every page protocol shares: delivering a message (a send, or a local call when the
 * receiver is this CPU), setting protection, the global invariants about copies, and the
 * assembly of a Protocol object from a protocol's own handlers.
 */
import type { DsmConfig } from './config.js';
import type { Effect } from './effects.js';
import { InvariantViolation } from './errors.js';
import type { PageBytes, Protocol, ProtocolOptions } from './protocol.js';
import { onBarrier, onLock, onUnlock, syncHeldLocks, type SyncState } from './sync.js';
import type { Access, Message } from './wire.js';

/** Handles one message at CPU `s.id`, appending effects to `out`. */
export type Dispatch<S> = (s: S, from: number, msg: Message, out: Effect[]) => void;

/**
 * Sends `msg` to `to`, or handles it at once when `to` is this CPU: a step whose sender and
 * receiver are the same CPU is a local call (effect `local`), not a message.
 */
export function deliver<S extends { readonly id: number }>(s: S, dispatch: Dispatch<S>, to: number, msg: Message, out: Effect[], attachPage?: number): void {
  if (to === s.id) {
    out.push({ kind: 'local', msg });
    dispatch(s, s.id, msg, out);
  } else if (attachPage === undefined) {
    out.push({ kind: 'send', to, msg });
  } else {
    out.push({ kind: 'send', to, msg, attachPage });
  }
}

export function setAccess(s: { readonly access: Access[] }, page: number, access: Access, out: Effect[]): void {
  s.access[page] = access;
  out.push({ kind: 'setAccess', page, access });
}

/** Drops this CPU's copy of `page` because another CPU wrote it, without an INVALIDATE message (counted as an invalidation). */
export function invalidateCopy(s: { readonly access: Access[] }, page: number, out: Effect[]): void {
  s.access[page] = 'none';
  out.push({ kind: 'setAccess', page, access: 'none', invalidation: true });
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  // Pages are at least 8 bytes, a power of two, and start at multiples of their size, so
  // they can be compared a 32-bit word at a time: this check runs after every simulated step.
  if (a.byteLength % 4 === 0 && a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0) {
    const wa = new Int32Array(a.buffer, a.byteOffset, a.byteLength >> 2);
    const wb = new Int32Array(b.buffer, b.byteOffset, b.byteLength >> 2);
    for (let i = 0; i < wa.length; i++) if (wa[i] !== wb[i]) return false;
    return true;
  }
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function invariantFailure(message: string): never {
  throw new InvariantViolation(`invariant violated: ${message}`);
}

/**
 * The single-writer invariants of a write-invalidate protocol for page `p`: at most one CPU
 * can write it, and then nobody else holds a copy; every copy holds the same bytes. Returns
 * the CPUs that hold a copy.
 */
export function checkSingleWriter(states: readonly { readonly id: number; readonly access: Access[] }[], p: number, pageBytes: PageBytes): number[] {
  const holders: number[] = [];
  const writers: number[] = [];
  for (const s of states) {
    if (s.access[p] !== 'none') holders.push(s.id);
    if (s.access[p] === 'write') writers.push(s.id);
  }
  if (writers.length > 1) invariantFailure(`page ${p} is writable at CPUs ${writers.join(', ')}`);
  if (writers.length === 1 && holders.length > 1) invariantFailure(`page ${p} is writable at CPU ${writers[0]} while CPUs ${holders.filter((h) => h !== writers[0]).join(', ')} hold read copies`);
  if (holders.length > 1) {
    const first = pageBytes(holders[0]!, p);
    for (const h of holders.slice(1)) {
      if (!bytesEqual(first, pageBytes(h, p))) invariantFailure(`page ${p}: the copy at CPU ${h} differs from the copy at CPU ${holders[0]}`);
    }
  }
  return holders;
}

/** Every CPU id of `n` but `cpu`, in order (a page's initial copyset at its owner). */
export const othersThan = (n: number, cpu: number): number[] => Array.from({ length: n }, (_, i) => i).filter((i) => i !== cpu);

/** A protocol's own parts; `makeProtocol` adds message dispatch, locks and the barrier. */
export interface ProtocolParts<S extends SyncState & { readonly access: Access[] }> {
  name: string;
  /** The mutants the protocol implements (Protocol.mutants). */
  mutants?: Readonly<Record<string, string>>;
  init(config: DsmConfig, cpu: number, options?: ProtocolOptions): S;
  /** Protocol.restart, when the protocol has one. */
  restart?(s: S, config: DsmConfig, cpu: number, pages: readonly number[], options?: ProtocolOptions): S;
  onFault(s: S, page: number, access: 'read' | 'write'): Effect[];
  dispatch: Dispatch<S>;
  invariants(states: readonly S[], pageBytes: PageBytes): void;
  waitingOn(s: S): string | null;
}

export function makeProtocol<S extends SyncState & { readonly access: Access[] }>(parts: ProtocolParts<S>): Protocol<S> {
  const send = (s: S) => (to: number, msg: Message, out: Effect[]): void => deliver(s, parts.dispatch, to, msg, out);
  const restart = parts.restart;
  return {
    name: parts.name,
    ...(parts.mutants !== undefined ? { mutants: parts.mutants } : {}),
    init: parts.init,
    ...(restart !== undefined
      ? {
          restart(this: Protocol<S> | undefined, s: S, config: DsmConfig, cpu: number, pages: readonly number[], options?: ProtocolOptions): S {
            // A protocol made by spreading this one with an init of its own must not restart
            // into this one's initial state: it gets its own init.
            if (this !== undefined && this.init !== parts.init) return this.init(config, cpu, options);
            return restart(s, config, cpu, pages, options);
          },
        }
      : {}),
    onFault: parts.onFault,
    onMessage(s, from, msg) {
      const out: Effect[] = [];
      parts.dispatch(s, from, msg, out);
      return out;
    },
    onLock: (s, lock) => onLock(s, lock, send(s)),
    onUnlock: (s, lock) => onUnlock(s, lock, send(s)),
    onBarrier: (s) => onBarrier(s, send(s)),
    accessOf: (s, page) => s.access[page] ?? 'none',
    invariants: parts.invariants,
    waitingOn: parts.waitingOn,
    heldLocks: syncHeldLocks,
  };
}
