import { describe, expect, test } from '@jest/globals';
import { DsmWireError } from '../../../src/core/errors.js';
import { checkMessage, messageBytes, messageHeaderBytes } from '../../../src/core/wire.js';

const bounds = { cpus: 4, pages: 8, pageSize: 64 };

describe('checkMessage', () => {
  test('accepts well-formed messages', () => {
    expect(checkMessage({ kind: 'READ_REQ', page: 3 }, 1, bounds)).toEqual({ kind: 'READ_REQ', page: 3 });
    const wd = { kind: 'WRITE_DATA', page: 1, copyset: [0, 2], withData: true, data: new Uint8Array(64) };
    expect(checkMessage(wd, 1, bounds)).toBe(wd);
    expect(checkMessage({ kind: 'LOCK_GRANT', lock: 2, queued: true }, 1, bounds)).toEqual({ kind: 'LOCK_GRANT', lock: 2, queued: true });
  });

  test.each([
    [null, /not an object/],
    [{ kind: 'HELLO' }, /unknown kind HELLO/],
    [{ kind: 'READ_REQ' }, /field page must be a non-negative integer/],
    [{ kind: 'READ_REQ', page: 8 }, /page 8 >= pages 8/],
    [{ kind: 'READ_FWD', page: 1, requester: 9 }, /requester out of range/],
    [{ kind: 'READ_DATA', page: 1, data: new Uint8Array(3) }, /data must be a Uint8Array of 64 bytes/],
    [{ kind: 'WRITE_DATA', page: 1, copyset: [7], withData: false }, /copyset must be a list of CPU ids/],
    [{ kind: 'LOCK_REQ', lock: -1 }, /field lock/],
    [{ kind: 'LOCK_GRANT', lock: 1, queued: 'yes' }, /queued must be a boolean/],
  ])('rejects %p with a named error that names the sender', (msg, why) => {
    expect(() => checkMessage(msg, 2, bounds)).toThrow(DsmWireError);
    expect(() => checkMessage(msg, 2, bounds)).toThrow(/malformed message from CPU 2/);
    expect(() => checkMessage(msg, 2, bounds)).toThrow(why);
  });
});

describe('messageBytes', () => {
  test('charges a header, 4 bytes per copyset entry, and the page', () => {
    expect(messageBytes({ kind: 'READ_REQ', page: 0 })).toBe(messageHeaderBytes);
    expect(messageBytes({ kind: 'WRITE_DATA', page: 0, copyset: [1, 2], withData: true, data: new Uint8Array(64) })).toBe(messageHeaderBytes + 8 + 64);
  });
});
