/**
 * Frames and the binary wire codec: what the native backend's CPUs send each other (over
 * rings, Unix sockets or TCP) and what worker threads send over rings (workers/links.ts).
 *
 * A frame is a little-endian uint32 payload length, then the payload. Between CPUs the
 * payload is one protocol message: its id (uint32), its kind (uint8, the index in
 * `messageKinds`), then its other fields, each a key (uint8 length, latin1) and a tagged
 * value. Tagged fields rather than a layout per kind: a protocol that adds a message or a
 * field (say, release-consistency notices) travels unchanged. Every decoded message goes
 * through `checkMessage` before it reaches a protocol, so a malformed frame is a named
 * DsmWireError naming the sender.
 */
import { DsmWireError } from '../core/errors.js';
import { checkMessage, messageKinds, type Message } from '../core/wire.js';

/** A frame longer than this is refused: a bound on what one peer can make us buffer. */
export const frameBytesMax = 64 * 1024 * 1024;

const tag = { uint32: 1, false: 2, true: 3, uint32List: 4, bytes: 5, json: 6, float64: 7 } as const;

const kindIndex = new Map<string, number>(messageKinds.map((k, i) => [k, i]));

class Writer {
  private buf = Buffer.allocUnsafe(256);
  private at = 4;

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }
  u8(v: number): void {
    this.room(1);
    this.buf[this.at++] = v;
  }
  u32(v: number): void {
    this.room(4);
    this.buf.writeUInt32LE(v, this.at);
    this.at += 4;
  }
  f64(v: number): void {
    this.room(8);
    this.buf.writeDoubleLE(v, this.at);
    this.at += 8;
  }
  bytes(b: Uint8Array): void {
    this.u32(b.byteLength);
    this.room(b.byteLength);
    this.buf.set(b, this.at);
    this.at += b.byteLength;
  }
  key(k: string): void {
    this.u8(k.length);
    this.room(k.length);
    this.buf.write(k, this.at, 'latin1');
    this.at += k.length;
  }
  /** The frame: length prefix filled in. */
  finish(): Buffer {
    this.buf.writeUInt32LE(this.at - 4, 0);
    return this.buf.subarray(0, this.at);
  }
}

const isUint32 = (v: unknown): v is number => typeof v === 'number' && (v >>> 0) === v;

/** One frame carrying message `id` of `msg`. */
export function encodeMessage(id: number, msg: Message): Buffer {
  const w = new Writer();
  const kind = kindIndex.get(msg.kind);
  if (kind === undefined) throw new DsmWireError(`encode: unknown message kind ${String(msg.kind)}`);
  w.u32(id);
  w.u8(kind);
  for (const [key, value] of Object.entries(msg)) {
    if (key === 'kind' || value === undefined) continue;
    if (key.length > 255) throw new DsmWireError(`encode: field name too long in ${msg.kind}`);
    w.key(key);
    if (isUint32(value)) {
      w.u8(tag.uint32);
      w.u32(value);
    } else if (typeof value === 'number') {
      w.u8(tag.float64);
      w.f64(value);
    } else if (typeof value === 'boolean') {
      w.u8(value ? tag.true : tag.false);
    } else if (value instanceof Uint8Array) {
      w.u8(tag.bytes);
      w.bytes(value);
    } else if (Array.isArray(value) && value.every(isUint32)) {
      w.u8(tag.uint32List);
      w.u32(value.length);
      for (const v of value as number[]) w.u32(v);
    } else {
      w.u8(tag.json);
      w.bytes(Buffer.from(JSON.stringify(value), 'utf8'));
    }
  }
  return w.finish();
}

/** The message of one peer frame's payload, checked against the wire format; throws DsmWireError naming `from`. */
export function decodeMessage(payload: Buffer, from: number, bounds: { cpus: number; pages: number; pageSize: number }): { id: number; msg: Message } {
  const fail = (why: string): never => {
    throw new DsmWireError(`malformed frame from CPU ${from}: ${why}`);
  };
  let at = 0;
  const need = (n: number): void => {
    if (at + n > payload.length) fail(`cut short at byte ${at} of ${payload.length}`);
  };
  need(5);
  const id = payload.readUInt32LE(0);
  const kind = messageKinds[payload[4]!];
  if (kind === undefined) fail(`unknown kind index ${payload[4]}`);
  at = 5;
  const msg: Record<string, unknown> = { kind };
  while (at < payload.length) {
    need(1);
    const keyLength = payload[at++]!;
    need(keyLength + 1);
    const key = payload.toString('latin1', at, at + keyLength);
    at += keyLength;
    const t = payload[at++]!;
    switch (t) {
      case tag.uint32:
        need(4);
        msg[key] = payload.readUInt32LE(at);
        at += 4;
        break;
      case tag.float64:
        need(8);
        msg[key] = payload.readDoubleLE(at);
        at += 8;
        break;
      case tag.false:
      case tag.true:
        msg[key] = t === tag.true;
        break;
      case tag.uint32List: {
        need(4);
        const n = payload.readUInt32LE(at);
        at += 4;
        need(4 * n);
        const list: number[] = new Array(n);
        for (let i = 0; i < n; i++) list[i] = payload.readUInt32LE(at + 4 * i);
        msg[key] = list;
        at += 4 * n;
        break;
      }
      case tag.bytes:
      case tag.json: {
        need(4);
        const n = payload.readUInt32LE(at);
        at += 4;
        need(n);
        if (t === tag.bytes) msg[key] = new Uint8Array(payload.subarray(at, at + n));
        else {
          try {
            msg[key] = JSON.parse(payload.toString('utf8', at, at + n));
          } catch {
            fail(`field ${key} is not JSON`);
          }
        }
        at += n;
        break;
      }
      default:
        fail(`field ${key} has unknown tag ${t}`);
    }
  }
  return { id, msg: checkMessage(msg, from, bounds) };
}

/** Cuts a byte stream into frame payloads. */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly what: string) {}

  /** The complete payloads in what has arrived so far, in order. */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Buffer[] = [];
    for (;;) {
      if (this.buffered < 4) break;
      if (this.chunks[0]!.length < 4) this.merge();
      const length = this.chunks[0]!.readUInt32LE(0);
      if (length > frameBytesMax) throw new DsmWireError(`${this.what}: frame of ${length} bytes exceeds ${frameBytesMax}`);
      if (this.buffered < 4 + length) break;
      if (this.chunks[0]!.length < 4 + length) this.merge();
      const first = this.chunks[0]!;
      out.push(first.subarray(4, 4 + length));
      if (first.length === 4 + length) this.chunks.shift();
      else this.chunks[0] = first.subarray(4 + length);
      this.buffered -= 4 + length;
    }
    return out;
  }

  private merge(): void {
    this.chunks = [Buffer.concat(this.chunks)];
  }
}

/** One frame whose payload is `payload`. */
export function frame(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + payload.byteLength);
  out.writeUInt32LE(payload.byteLength, 0);
  out.set(payload, 4);
  return out;
}
