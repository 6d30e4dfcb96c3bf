import { describe, expect, test } from '@jest/globals';
import { StartingPages } from '../../../src/runtime/starting-pages.js';

const pageSize = 8;
/** An image of 6 pages whose page p holds the byte 10 + p. */
const image = (): Uint8Array => {
  const bytes = new Uint8Array(6 * pageSize);
  for (let p = 0; p < 6; p++) bytes.fill(10 + p, p * pageSize, (p + 1) * pageSize);
  return bytes;
};

describe('StartingPages', () => {
  test('a fresh cluster starts from zero-filled memory and installs nothing', () => {
    const s = new StartingPages(6, pageSize);
    expect(s.zeroed).toBe(true);
    expect(s.batch(image())).toEqual({ pages: [], data: new Uint8Array(0) });
  });

  test('after a run, every CPU installs the union of the pages any CPU touched, with the image\'s bytes', () => {
    const s = new StartingPages(6, pageSize);
    s.succeeded([[4, 1], [1], []], [1]);
    expect(s.zeroed).toBe(false);
    const batch = s.batch(image());
    expect(batch.pages).toEqual([1, 4]);
    expect(Array.from(batch.data)).toEqual([...new Array(8).fill(11), ...new Array(8).fill(14)]);
    // The next run touched only page 2: page 1 and 4 are the image's everywhere again.
    s.succeeded([[2], []], []);
    expect(s.batch(image()).pages).toEqual([2]);
  });

  test('after a failed run, the CPUs start from zero and install every page any run ever reported', () => {
    const s = new StartingPages(6, pageSize);
    s.succeeded([[0, 3]], [3]);
    s.succeeded([[5]], [5]);
    s.lost();
    expect(s.zeroed).toBe(true);
    expect(s.batch(image()).pages).toEqual([3, 5]);
    expect(() => s.succeeded([], [6])).toThrow('page 6 reported of 6');
  });
});
