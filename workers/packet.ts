/**
 * How a message travels on a MessagePort between two CPUs: a flat array, the packet
 * `[id, kindCode, ...fields]`, with page bytes as a one-byte (latin1) string. Both ends and
 * the transport floor benchmark use this file.
 *
 * Why not the `{ id, msg }` object with the page as a transferred Uint8Array: on a fault's
 * critical path every message is serialized once and deserialized once, and structured clone
 * is priced by shape. Measured on Node 20 (post + receive, one thread): an object envelope
 * 3.3 µs, a flat array 1.8 µs; a 4 KiB page as a transferred Uint8Array 8.3 µs (each end
 * allocates a fresh ArrayBuffer, ~2.3 µs apiece), as a latin1 string 4.2 µs. A latin1 string
 * holds any byte sequence exactly (code unit k is byte k).
 *
 * A message whose kind this table does not know, or that carries a field its layout lacks
 * (a new protocol's messages, release-consistency data piggy-backed on a barrier), travels as
 * the object envelope `{ id, msg }`, and the receiver accepts both: a new message works
 * before it is fast, and no field is ever dropped.
 */
import { DsmWireError } from '../src/core/errors.js';
import type { Message, MessageKind } from '../src/core/wire.js';

/**
 * The fields of each kind in packet order; `data` is the page, carried as a string. A field
 * may be absent (the page of an upgrade, the release-consistency data of a protocol that sends
 * none): it travels as undefined and is left out again on arrival.
 */
const layouts: Partial<Record<MessageKind, readonly string[]>> = {
  READ_REQ: ['page'],
  READ_FWD: ['page', 'requester'],
  READ_DATA: ['page', 'data'],
  READ_CONFIRM: ['page'],
  WRITE_REQ: ['page'],
  WRITE_FWD: ['page', 'requester'],
  WRITE_DATA: ['page', 'copyset', 'withData', 'data'],
  INVALIDATE: ['page'],
  INVALIDATE_ACK: ['page'],
  WRITE_CONFIRM: ['page'],
  LOCK_REQ: ['lock', 'vc', 'notices'],
  LOCK_GRANT: ['lock', 'vc', 'notices', 'queued'],
  UNLOCK: ['lock', 'vc', 'notices'],
  BARRIER_ARRIVE: ['epoch', 'vc', 'notices'],
  BARRIER_RELEASE: ['epoch', 'vc', 'notices'],
  PAGE_REQ: ['page'],
  PAGE_DATA: ['page', 'data'],
  DIFF_ACK: ['page'],
};

const kindOfCode: readonly MessageKind[] = Object.keys(layouts) as MessageKind[];
const codeOfKind = new Map<string, number>(kindOfCode.map((k, i) => [k, i]));
const fieldsOfCode: readonly (readonly string[])[] = kindOfCode.map((k) => layouts[k]!);
const keysOfCode: readonly ReadonlySet<string>[] = fieldsOfCode.map((f) => new Set(['kind', ...f]));

export type Packet = (number | string | boolean | number[] | undefined)[];

/** What goes on the port for message `id`. */
export function encodePacket(id: number, msg: Message): Packet | { id: number; msg: Message } {
  const code = codeOfKind.get(msg.kind);
  if (code === undefined || !fitsLayout(msg, keysOfCode[code]!)) return { id, msg: compactBytes(msg) };
  const fields = fieldsOfCode[code]!;
  const m = msg as unknown as Record<string, unknown>;
  const packet: Packet = [id, code];
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    const v = m[f];
    packet.push(f === 'data' ? (v === undefined ? undefined : bytesToString(v as Uint8Array)) : (v as number | boolean | number[]));
  }
  return packet;
}

/**
 * Turns what arrived on a port back into `{ id, msg }`. Only the envelope is checked here;
 * the message's fields are checked by `checkMessage`, as for every runtime.
 */
export function decodePacket(raw: unknown, cpu: number, from: number, pages: PageAllocator): { id: number; msg: unknown } {
  if (Array.isArray(raw)) {
    const id: unknown = raw[0];
    const code: unknown = raw[1];
    const fields = typeof code === 'number' ? fieldsOfCode[code] : undefined;
    if (typeof id !== 'number' || fields === undefined || raw.length !== fields.length + 2) {
      throw new DsmWireError(`CPU ${cpu}: malformed packet from CPU ${from}: expected [id, kind, ...fields]`);
    }
    const msg: Record<string, unknown> = { kind: kindOfCode[code as number] };
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      const v: unknown = raw[i + 2];
      if (v === undefined) continue;
      // A page string of the wrong length is left for checkMessage to reject by name.
      msg[f] = f === 'data' && typeof v === 'string' && v.length === pages.pageSize ? pages.fromString(v) : v;
    }
    return { id, msg };
  }
  const env = raw as { id?: unknown; msg?: unknown } | null;
  if (env === null || typeof env !== 'object' || typeof env.id !== 'number') {
    throw new DsmWireError(`CPU ${cpu}: malformed envelope from CPU ${from}: expected { id, msg }`);
  }
  return { id: env.id, msg: env.msg };
}

/** True when every field of `msg` has a place in the packet layout. */
function fitsLayout(msg: Message, keys: ReadonlySet<string>): boolean {
  for (const k in msg) if (!keys.has(k)) return false;
  return true;
}

/**
 * The message with each byte field copied into a buffer of its own when it is a view of a
 * larger one (PagedMemory.copyPage carves copies from chunks): structured clone copies a
 * view's whole buffer, which would send the chunk's other pages along.
 */
function compactBytes(msg: Message): Message {
  let out: Record<string, unknown> | null = null;
  for (const [k, v] of Object.entries(msg)) {
    if (v instanceof Uint8Array && v.byteLength !== v.buffer.byteLength) {
      out ??= { ...msg };
      out[k] = v.slice();
    }
  }
  return (out ?? msg) as Message;
}

function bytesToString(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1');
}

/**
 * Hands out received pages as views of larger chunks: each page gets a region of its own
 * that is never reused (a protocol may keep the bytes), and a chunk costs one ArrayBuffer
 * allocation per `pagesPerChunk` pages instead of one per page.
 */
export class PageAllocator {
  private static readonly pagesPerChunk = 16;
  private chunk: Buffer;
  private used: number;

  constructor(readonly pageSize: number) {
    this.chunk = Buffer.alloc(0);
    this.used = 0;
  }

  fromString(s: string): Uint8Array {
    if (this.used + this.pageSize > this.chunk.length) {
      this.chunk = Buffer.allocUnsafeSlow(this.pageSize * PageAllocator.pagesPerChunk);
      this.used = 0;
    }
    const start = this.used;
    this.chunk.write(s, start, this.pageSize, 'latin1');
    this.used += this.pageSize;
    return new Uint8Array(this.chunk.buffer, this.chunk.byteOffset + start, this.pageSize);
  }
}
