/**
 * The native backend's wire codec (native/codec.ts): every message kind survives a round
 * trip through a frame, frames cut anywhere are reassembled, and malformed frames are named
 * DsmWireErrors naming the sender.
 */
import { describe, expect, test } from '@jest/globals';
import { decodeMessage, encodeMessage, FrameReader, frameBytesMax } from '../../src/transport/codec.js';
import { DsmWireError, type Message } from '../../index.js';

const bounds = { cpus: 4, pages: 8, pageSize: 4096 };
const page = new Uint8Array(4096).map((_v, i) => i * 7);

const samples: Message[] = [
  { kind: 'READ_REQ', page: 3 },
  { kind: 'READ_FWD', page: 3, requester: 2 },
  { kind: 'READ_DATA', page: 3, data: page },
  { kind: 'READ_CONFIRM', page: 3 },
  { kind: 'WRITE_REQ', page: 7 },
  { kind: 'WRITE_FWD', page: 7, requester: 0 },
  { kind: 'WRITE_DATA', page: 7, copyset: [1, 3], withData: true, data: page },
  { kind: 'WRITE_DATA', page: 7, copyset: [], withData: false },
  { kind: 'INVALIDATE', page: 1 },
  { kind: 'INVALIDATE_ACK', page: 1 },
  { kind: 'WRITE_CONFIRM', page: 1 },
  { kind: 'LOCK_REQ', lock: 12 },
  { kind: 'LOCK_GRANT', lock: 12 },
  { kind: 'UNLOCK', lock: 12 },
  { kind: 'BARRIER_ARRIVE', epoch: 4 },
  { kind: 'BARRIER_RELEASE', epoch: 4 },
];

/** The payloads of `frames` fed to a reader in chunks of `step` bytes. */
function reassemble(frames: Buffer[], step: number): Buffer[] {
  const all = Buffer.concat(frames);
  const reader = new FrameReader('test');
  const out: Buffer[] = [];
  for (let at = 0; at < all.length; at += step) out.push(...reader.push(all.subarray(at, at + step)));
  return out;
}

describe('native codec', () => {
  test.each(samples.map((m) => [m.kind, m] as const))('%s round-trips', (_kind, msg) => {
    const [payload] = reassemble([encodeMessage(41, msg)], 1 << 20);
    expect(decodeMessage(payload!, 2, bounds)).toEqual({ id: 41, msg });
  });

  test('frames cut at every size are reassembled in order', () => {
    const frames = samples.map((m, i) => encodeMessage(i, m));
    for (const step of [1, 3, 4, 5, 64, 4099]) {
      const got = reassemble(frames, step).map((p) => decodeMessage(p, 0, bounds));
      expect(got.map((g) => g.id)).toEqual(samples.map((_m, i) => i));
    }
  });

  test('malformed frames are DsmWireErrors naming the sender', () => {
    const bad = (payload: Buffer, why: RegExp): void => {
      expect(() => decodeMessage(payload, 3, bounds)).toThrow(DsmWireError);
      expect(() => decodeMessage(payload, 3, bounds)).toThrow(why);
    };
    const ok = encodeMessage(1, { kind: 'READ_REQ', page: 3 }).subarray(4);
    bad(ok.subarray(0, 3), /^malformed frame from CPU 3: cut short/);
    bad(Buffer.from([0, 0, 0, 0, 250]), /unknown kind index 250/);
    bad(Buffer.concat([ok, Buffer.from([1])]), /cut short/);
    // Well-formed frames that break the wire rules go through checkMessage.
    bad(encodeMessage(1, { kind: 'READ_REQ', page: 99 }).subarray(4), /^malformed message from CPU 3: page 99 >= pages 8/);
    bad(encodeMessage(1, { kind: 'READ_DATA', page: 1, data: new Uint8Array(5) }).subarray(4), /data must be a Uint8Array of 4096 bytes/);
  });

  test('a frame longer than the bound is refused before it is buffered', () => {
    const header = Buffer.alloc(4);
    header.writeUInt32LE(frameBytesMax + 1, 0);
    expect(() => new FrameReader('CPU 1 from CPU 2').push(header)).toThrow(/CPU 1 from CPU 2: frame of \d+ bytes exceeds/);
  });
});
