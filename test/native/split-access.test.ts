/**
 * Regression test for the split access (issue 8): after a grant the fault handler lets ONE
 * instruction run under the trap flag and then counts the access as done, so an access that
 * takes several instructions could lose its page between them, and the page left with part
 * of a word written. The addon's test-only step delay (TSDSM_NATIVE_STEP_DELAY_US) makes the
 * program sleep after every step, which opens that window wide and makes the split happen
 * every time for a byte-wise store run unpinned; every path the API offers must never show a
 * value no CPU wrote under the same timing.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Cluster } from '../../index.js';
import type { SplitArgs, SplitPath, SplitResult } from './programs/split-access.js';

const program = new URL('./programs/split-access.js', import.meta.url);
const value = 0x04030201;
const pageSize = 4096;
let cluster: Cluster;

beforeAll(async () => {
  // The delay is read by each CPU process at its start, from its environment. Jest gives a
  // test file a copy of process.env that spawned processes do not see, so it goes in through
  // the launch command (the multi-host one; over TCP on 127.0.0.1).
  const launch = ['env', 'TSDSM_NATIVE_STEP_DELAY_US=100000'];
  cluster = await Cluster.start({
    cpus: 2, pages: 2, pageSize, timeoutMs: 30000, backend: 'native', transport: 'tcp', hosts: [{ address: '127.0.0.1', launch }],
  });
});

afterAll(async () => {
  await cluster.close();
});

async function run(how: SplitPath, address = 0x40): Promise<SplitResult> {
  const args: SplitArgs = { how, address, value, readsMax: 2e8 };
  const { results } = await cluster.run<SplitResult>(program, args);
  return results[1]!;
}

describe('a word stored while another CPU requests its page', () => {
  test('a byte-wise store run unpinned loses the page after its first byte: the reader sees a value no CPU wrote', async () => {
    const r = await run('dataview-unpinned');
    // The page moves after byte 0 is stored: 0x00000001 is neither the old word nor the new.
    expect(r.seen).toContain(0x00000001);
    expect(r.final).toBe(value);
  });

  test.each<SplitPath>(['dataview-pinned', 'store', 'index', 'write', 'set', 'fill', 'copy-within'])(
    'the path %s never lets the page leave with part of the word written',
    async (how) => {
      const r = await run(how);
      expect(r.seen.filter((v) => v !== 0 && v !== value)).toEqual([]);
      expect(r.seen[r.seen.length - 1]).toBe(value);
      expect(r.final).toBe(value);
    },
  );

  test('a write that spans two pages holds both until it is done', async () => {
    const r = await run('cross-page', pageSize - 4);
    expect(r.seen.filter((v) => v !== 0 && v !== value)).toEqual([]);
    expect(r.final).toBe(value);
    const tail = new DataView(cluster.readMemory(pageSize, 4).buffer).getUint32(0, true);
    expect(tail).toBe(value);
  });
});
