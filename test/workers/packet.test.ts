/**
 * The port's packet format: every message kind survives encode, a real MessagePort, and
 * decode unchanged, page bytes included (all 256 byte values); a kind the table does not know
 * travels as the object envelope.
 */
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { describe, expect, test } from '@jest/globals';
import type { Message } from '../../src/core/wire.js';
import { decodePacket, encodePacket, PageAllocator } from '../../workers/packet.js';

const pageSize = 256;
const page = Uint8Array.from({ length: pageSize }, (_, i) => 255 - i);

const messages: Message[] = [
  { kind: 'READ_REQ', page: 3 },
  { kind: 'READ_FWD', page: 3, requester: 2 },
  { kind: 'READ_DATA', page: 3, data: page },
  { kind: 'READ_DATA', page: 4 },
  { kind: 'READ_CONFIRM', page: 3 },
  { kind: 'WRITE_REQ', page: 1 },
  { kind: 'WRITE_FWD', page: 1, requester: 0 },
  { kind: 'WRITE_DATA', page: 1, copyset: [0, 2], withData: true, data: page },
  { kind: 'WRITE_DATA', page: 1, copyset: [], withData: false },
  { kind: 'INVALIDATE', page: 1 },
  { kind: 'INVALIDATE_ACK', page: 1 },
  { kind: 'WRITE_CONFIRM', page: 1 },
  { kind: 'LOCK_REQ', lock: 7 },
  { kind: 'LOCK_GRANT', lock: 7 },
  { kind: 'UNLOCK', lock: 7 },
  { kind: 'BARRIER_ARRIVE', epoch: 2 },
  { kind: 'BARRIER_RELEASE', epoch: 2 },
  { kind: 'BARRIER_ARRIVE', epoch: 3, vc: [2, 0, 1], notices: [{ cpu: 0, interval: 2, pages: [1, 4] }] },
  { kind: 'LOCK_GRANT', lock: 1, vc: [1, 1] },
  { kind: 'PAGE_REQ', page: 2 },
  { kind: 'PAGE_DATA', page: 2, data: page },
  { kind: 'DIFF_ACK', page: 2 },
];

describe('packets', () => {
  test.each(messages.map((m, i) => [`${m.kind} #${i}`, m] as const))('%s round-trips through a MessagePort', (_name, msg) => {
    const { port1, port2 } = new MessageChannel();
    try {
      port1.postMessage(encodePacket(41, msg));
      const got = receiveMessageOnPort(port2)!.message as unknown;
      expect(Array.isArray(got)).toBe(true);
      const env = decodePacket(got, 1, 0, new PageAllocator(pageSize));
      expect(env.id).toBe(41);
      const { data, ...rest } = env.msg as { data?: Uint8Array };
      const { data: sentData, ...sentRest } = msg as { data?: Uint8Array };
      expect(rest).toEqual(sentRest);
      if (sentData === undefined) expect('data' in (env.msg as object)).toBe(false);
      else expect(Array.from(data!)).toEqual(Array.from(sentData));
    } finally {
      port1.close();
      port2.close();
    }
  });

  test('received pages never share bytes, even when they share a chunk', () => {
    const pages = new PageAllocator(4);
    const a = pages.fromString('\u0001\u0002\u0003\u0004');
    const b = pages.fromString('\u00ff\u00fe\u00fd\u00fc');
    a[0] = 9;
    expect(Array.from(a)).toEqual([9, 2, 3, 4]);
    expect(Array.from(b)).toEqual([255, 254, 253, 252]);
  });

  test('a message with a field its layout lacks travels as the object envelope, whole, its byte views compacted', () => {
    const chunk = new Uint8Array(4 * pageSize);
    chunk.fill(7, pageSize, 2 * pageSize);
    const withExtra = { kind: 'BARRIER_ARRIVE', epoch: 1, twin: [1, 2] } as unknown as Message;
    expect(encodePacket(3, withExtra)).toEqual({ id: 3, msg: withExtra });
    const pageView = { kind: 'DIFF', page: 1, diff: chunk.subarray(pageSize, 2 * pageSize) } as unknown as Message;
    const sent = encodePacket(4, pageView) as { msg: { diff: Uint8Array } };
    expect(sent.msg.diff.buffer.byteLength).toBe(pageSize);
    expect(sent.msg.diff.every((b) => b === 7)).toBe(true);
  });

  test('a kind the table does not know travels as the object envelope', () => {
    const odd = { kind: 'DIFF', page: 1 } as unknown as Message; // DIFF carries a diff of any length: no layout
    const packet = encodePacket(5, odd);
    expect(packet).toEqual({ id: 5, msg: odd });
    expect(decodePacket(packet, 1, 0, new PageAllocator(pageSize))).toEqual({ id: 5, msg: odd });
  });
});
