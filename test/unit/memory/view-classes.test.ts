/**
 * The typed views' classes: one per memory and element type, kept by a memory that is
 * rebound from run to run (DsmMemory.rebind), and the rebound memory answers to the new
 * run's hooks (its faults and its doorbell), not the old run's.
 */
import { expect, test } from '@jest/globals';
import { validateConfig } from '../../../src/core/config.js';
import { DsmValueError } from '../../../src/core/errors.js';
import { DsmMemory, type AccessHooks } from '../../../src/memory/accessor.js';
import { PagedMemory } from '../../../src/memory/paged-memory.js';

const config = validateConfig({ cpus: 2, pages: 4, pageSize: 64 });

function hooks(paged: PagedMemory, log: string[], name: string): AccessHooks & { doorbell: Int32Array } {
  return {
    doorbell: new Int32Array(1),
    fault(page, access) {
      log.push(`${name} fault ${page} ${access}`);
      paged.setAccess(page, access);
    },
    poll() {
      log.push(`${name} poll`);
    },
  };
}

test('views of one memory share a class per type; another memory has its own', () => {
  const a = new DsmMemory(new PagedMemory(config, 0, 'write'), { fault() {}, poll() {} });
  const b = new DsmMemory(new PagedMemory(config, 0, 'write'), { fault() {}, poll() {} });
  expect(a.float64Array(0, 2).constructor).toBe(a.float64Array(16, 2).constructor);
  expect(a.float64Array(0, 2).constructor).not.toBe(a.int32Array(0, 2).constructor);
  expect(a.float64Array(0, 2).constructor).not.toBe(b.float64Array(0, 2).constructor);
  // Each memory's views reach its own bytes.
  a.float64Array(0, 1).set(0, 1.5);
  expect(a.getFloat64(0)).toBe(1.5);
  expect(b.getFloat64(0)).toBe(0);
  expect(b.float64Array(0, 1).get(0)).toBe(0);
});

test('a rebound memory keeps its view classes and answers to the new hooks and CPU', () => {
  const paged = new PagedMemory(config, 1, 'none');
  const log: string[] = [];
  const first = hooks(paged, log, 'run1');
  const memory = new DsmMemory(paged, first);
  const before = memory.float64Array(0, 8);
  before.set(0, 2);
  expect(log).toEqual(['run1 fault 0 write']);

  const second = hooks(paged, log, 'run2');
  memory.rebind(second, 0);
  expect([memory.cpu, paged.cpu]).toEqual([0, 0]);
  // It now serves CPU 0, and its errors say so.
  expect(() => memory.float64Array(0, 8).get(8)).toThrow(/^CPU 0: index 8 is outside/);
  paged.setAccess(0, 'none');
  const after = memory.float64Array(0, 8);
  expect(after.constructor).toBe(before.constructor);
  expect(after.get(0)).toBe(2);
  expect(log).toEqual(['run1 fault 0 write', 'run2 fault 0 read']);

  // The new doorbell is the one compared: ringing the old one polls nobody, the new one run2.
  after.get(1); // the access after a fault polls anyway
  log.length = 0;
  after.get(1);
  expect(log).toEqual([]);
  first.doorbell[0] = 7;
  after.get(1);
  expect(log).toEqual([]);
  second.doorbell[0] = 7;
  after.get(1);
  expect(log).toEqual(['run2 poll']);
  // Bigint views too.
  const big = memory.bigInt64Array(8, 1);
  big.set(0, -3n);
  expect(big.get(0)).toBe(-3n);
  expect(() => big.set(0, 3 as unknown as bigint)).toThrow(DsmValueError);
});
