/**
 * Diffs (src/runtime/diff.ts) and their wire format (checkDiff in src/core/wire.ts), and the
 * wire's handling of the HLRC message kinds. Random pages come from a printed seed.
 */
import { describe, expect, test } from '@jest/globals';
import { DsmWireError } from '../../../src/core/errors.js';
import { checkDiff, checkMessage, messageBytes, messageHeaderBytes } from '../../../src/core/wire.js';
import { applyDiff, computeDiff } from '../../../src/runtime/diff.js';
import { Random } from '../../../sim/random.js';

const seed = Number(process.env['TSDSM_SEED'] ?? 7);

describe('computeDiff and applyDiff', () => {
  test('an unchanged page has an empty diff', () => {
    expect(computeDiff(new Uint8Array(16), new Uint8Array(16)).byteLength).toBe(0);
  });

  test('one run per changed stretch, with offset and length', () => {
    const twin = new Uint8Array(16);
    const page = twin.slice();
    page[2] = 1;
    page[3] = 2;
    page[9] = 3;
    const diff = computeDiff(page, twin);
    expect([...diff]).toEqual([2, 0, 0, 0, 2, 0, 0, 0, 1, 2, 9, 0, 0, 0, 1, 0, 0, 0, 3]);
    expect(checkDiff(diff, 16)).toBeNull();
  });

  test(`random pages: applying the diff to the twin gives the page, and leaves other writers' bytes alone (seed ${seed})`, () => {
    const random = new Random(seed);
    for (let i = 0; i < 200; i++) {
      const twin = Uint8Array.from({ length: 64 }, () => random.int(3));
      const page = twin.map((b) => (random.chance(0.2) ? random.int(3) : b));
      const diff = computeDiff(page, twin);
      const home = twin.slice();
      applyDiff(home, diff);
      expect({ seed, i, home: [...home] }).toEqual({ seed, i, home: [...page] });
      // A byte this writer did not change keeps whatever the home holds (another writer's).
      const other = page.map((b, k) => (b === twin[k] ? 200 : b));
      const merged = other.map((_, k) => (page[k] === twin[k] ? 200 : 0));
      applyDiff(merged, diff);
      expect({ seed, i, merged: [...merged] }).toEqual({ seed, i, merged: [...other] });
    }
  });

  test('a malformed diff is refused', () => {
    expect(checkDiff(new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0]), 16)).toMatch(/empty/);
    expect(checkDiff(new Uint8Array([15, 0, 0, 0, 2, 0, 0, 0, 1, 2]), 16)).toMatch(/passes the page end/);
    expect(checkDiff(new Uint8Array([0, 0, 0, 0, 4, 0, 0, 0, 1]), 16)).toMatch(/cut short/);
    expect(checkDiff(new Uint8Array([4, 0, 0, 0, 1, 0, 0, 0, 1, 2, 0, 0, 0, 1, 0, 0, 0, 1]), 16)).toMatch(/overlaps or precedes/);
    expect(() => applyDiff(new Uint8Array(16), new Uint8Array([1, 2, 3]))).toThrow(/applyDiff: diff run header at byte 0 is cut short/);
  });
});

describe('the wire: HLRC kinds and release-consistency data', () => {
  const bounds = { cpus: 3, pages: 4, pageSize: 16 };

  test('accepts PAGE_REQ, PAGE_DATA, DIFF, DIFF_ACK and sync messages with notices', () => {
    for (const msg of [
      { kind: 'PAGE_REQ', page: 1 },
      { kind: 'PAGE_DATA', page: 1, data: new Uint8Array(16) },
      { kind: 'DIFF', page: 1, diff: new Uint8Array([3, 0, 0, 0, 1, 0, 0, 0, 9]) },
      { kind: 'DIFF_ACK', page: 1 },
      { kind: 'LOCK_GRANT', lock: 5, vc: [1, 0, 2], notices: [{ cpu: 2, interval: 2, pages: [0, 3] }] },
      { kind: 'BARRIER_ARRIVE', epoch: 0, vc: [0, 0, 0], notices: [] },
      { kind: 'UNLOCK', lock: 5 },
    ]) {
      expect(checkMessage(msg, 0, bounds)).toBe(msg);
    }
  });

  test.each([
    [{ kind: 'PAGE_DATA', page: 1 }, /data must be a Uint8Array of 16 bytes/],
    [{ kind: 'DIFF', page: 1 }, /diff must be a Uint8Array/],
    [{ kind: 'DIFF', page: 1, diff: new Uint8Array([20, 0, 0, 0, 1, 0, 0, 0, 1]) }, /passes the page end/],
    [{ kind: 'LOCK_GRANT', lock: 1, vc: [1, 0] }, /vc must be a list of 3 non-negative integers/],
    [{ kind: 'UNLOCK', lock: 1, notices: [{ cpu: 3, interval: 1, pages: [] }] }, /a notice must name a CPU and an interval from 1/],
    [{ kind: 'UNLOCK', lock: 1, notices: [{ cpu: 0, interval: 1, pages: [4] }] }, /notice pages must be page numbers/],
  ])('rejects %p naming the sender', (msg, why) => {
    expect(() => checkMessage(msg, 2, bounds)).toThrow(DsmWireError);
    expect(() => checkMessage(msg, 2, bounds)).toThrow(why);
  });

  test('charges page bytes, diff bytes, 4 bytes per vc entry and 8 + 4 per page per notice', () => {
    expect(messageBytes({ kind: 'PAGE_DATA', page: 0, data: new Uint8Array(16) })).toBe(messageHeaderBytes + 16);
    expect(messageBytes({ kind: 'DIFF', page: 0, diff: new Uint8Array(9) })).toBe(messageHeaderBytes + 9);
    expect(messageBytes({ kind: 'UNLOCK', lock: 0, vc: [1, 0, 0], notices: [{ cpu: 0, interval: 1, pages: [1, 2] }] })).toBe(messageHeaderBytes + 12 + 16);
    // IVY's messages carry none of it and cost what they did.
    expect(messageBytes({ kind: 'UNLOCK', lock: 0 })).toBe(messageHeaderBytes);
  });
});
