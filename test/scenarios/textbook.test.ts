/**
 * Textbook cases of IVY with the fixed distributed manager, each with its exact message
 * count. Every case drives the simulator by hand: one CPU takes one operation and the
 * cluster settles (every message delivered) before the next, so the counts belong to that
 * one operation. Page p is managed by CPU p mod N.
 */
import { describe, expect, test } from '@jest/globals';
import { Simulation } from '../../sim/simulator.js';
import { getScenario } from '../../sim/scenarios.js';
import { simulate } from '../../sim/simulator.js';
import type { Op } from '../../src/runtime/ops.js';
import { messageHeaderBytes } from '../../src/core/wire.js';

const pageSize = 4096;
const at = (page: number, offset = 0): number => page * pageSize + offset;
const write = (page: number, value: number): Op => ({ op: 'write', type: 'int32', address: at(page), value });
const read = (page: number): Op => ({ op: 'read', type: 'int32', address: at(page) });

/** A simulation whose programs are given per CPU; `order` is the sequence of CPUs that step. */
function drive(cpus: number, programs: Record<number, Op[]>, order: number[], protocol = 'ivy'): { sim: Simulation; counts: ReturnType<Simulation['stepCpuAndSettle']>[] } {
  const all: Op[][] = Array.from({ length: cpus }, (_, c) => programs[c] ?? []);
  const sim = new Simulation({ config: { cpus, pages: 4, pageSize }, programs: all, protocol });
  const counts = order.map((cpu) => sim.stepCpuAndSettle(cpu));
  return { sim, counts };
}

describe('read faults', () => {
  test('requester, manager and owner all distinct: 4 messages', () => {
    // Page 1: manager CPU 1. CPU 2 writes it first and becomes the owner; then CPU 0 reads.
    const { counts } = drive(3, { 2: [write(1, 5)], 0: [read(1)] }, [2, 0]);
    expect(counts[1]).toEqual({ messages: 4, byKind: { READ_REQ: 1, READ_FWD: 1, READ_DATA: 1, READ_CONFIRM: 1 } });
  });

  test('requester is the manager: READ_REQ and READ_CONFIRM are local calls, 2 messages', () => {
    const { counts } = drive(3, { 2: [write(1, 5)], 1: [read(1)] }, [2, 1]);
    expect(counts[1]).toEqual({ messages: 2, byKind: { READ_FWD: 1, READ_DATA: 1 } });
  });

  test('manager is the owner: READ_FWD is a local call, 3 messages', () => {
    // CPU 0 writes page 1, then CPU 1 (its manager) writes it and owns it; then CPU 2 reads.
    const { counts } = drive(3, { 0: [write(1, 5)], 1: [write(1, 6)], 2: [read(1)] }, [0, 1, 2]);
    expect(counts[2]).toEqual({ messages: 3, byKind: { READ_REQ: 1, READ_DATA: 1, READ_CONFIRM: 1 } });
  });

  test('the read copy carries the page bytes and the reader sees the value', () => {
    const { sim, counts } = drive(3, { 2: [write(1, 77)], 0: [read(1)] }, [2, 0]);
    expect(counts[1]!.messages).toBe(4);
    expect(sim.result().results[0]).toEqual([77]);
    expect(sim.result().stats.total.bytesByKind.READ_DATA).toBe(messageHeaderBytes + pageSize);
  });
});

describe('write faults', () => {
  test.each([0, 1, 2, 3, 4])('invalidating k = %i readers: 4 + 2k messages', (k) => {
    // N = k + 3 CPUs; page 1, manager CPU 1. CPU 2 writes (owner 2, every other copy
    // dropped); CPUs 3..k+2 read (copyset of k); then CPU 0, which holds no copy, writes.
    const cpus = k + 3;
    const programs: Record<number, Op[]> = { 2: [write(1, 5)], 0: [write(1, 6)] };
    const readers = Array.from({ length: k }, (_, i) => i + 3);
    for (const r of readers) programs[r] = [read(1)];
    const { sim, counts } = drive(cpus, programs, [2, ...readers, 0]);
    const last = counts[counts.length - 1]!;
    expect(last.messages).toBe(4 + 2 * k);
    expect(last.byKind).toEqual({
      WRITE_REQ: 1, WRITE_FWD: 1, WRITE_DATA: 1, WRITE_CONFIRM: 1,
      ...(k > 0 ? { INVALIDATE: k, INVALIDATE_ACK: k } : {}),
    });
    // The writer had no valid copy, so the page's bytes travel with WRITE_DATA.
    const res = sim.result();
    expect(res.stats.perCpu[2]!.bytesByKind.WRITE_DATA).toBe(messageHeaderBytes + 4 * k + pageSize);
  });

  test('an upgrade (the writer holds a valid read copy) moves no page bytes', () => {
    // Page 1: CPU 2 writes (owner 2), CPUs 0 and 3 read, then CPU 0 upgrades its read copy.
    const { sim, counts } = drive(4, { 2: [write(1, 5)], 0: [read(1), write(1, 9)], 3: [read(1)] }, [2, 0, 3, 0]);
    const upgrade = counts[3]!;
    // k = 1: CPU 3's copy is invalidated; CPU 0's own copy is upgraded in place.
    expect(upgrade.messages).toBe(4 + 2 * 1);
    const sent = sim.result().stats.perCpu[2]!.bytesByKind.WRITE_DATA;
    expect(sent).toBe(messageHeaderBytes + 4 * 1);
  });

  test('writer is the manager and the owner: every step is local, only invalidations travel', () => {
    // At start CPU 1 owns and manages page 1 and every CPU holds a read copy.
    const { counts } = drive(3, { 1: [write(1, 5)] }, [1]);
    expect(counts[0]).toEqual({ messages: 4, byKind: { INVALIDATE: 2, INVALIDATE_ACK: 2 } });
  });

  test('manager is the owner, writer distinct: WRITE_FWD is local, 3 + 2k messages', () => {
    // At start CPU 1 owns page 1; CPU 0 writes it: k = 1 (CPU 2's copy).
    const { counts } = drive(3, { 0: [write(1, 5)] }, [0]);
    expect(counts[0]).toEqual({ messages: 3 + 2, byKind: { WRITE_REQ: 1, WRITE_DATA: 1, INVALIDATE: 1, INVALIDATE_ACK: 1, WRITE_CONFIRM: 1 } });
  });
});

describe('locks', () => {
  test('acquire of a free lock with a remote manager: 2 messages', () => {
    const { counts } = drive(3, { 0: [{ op: 'lock', lock: 1 }] }, [0]);
    expect(counts[0]).toEqual({ messages: 2, byKind: { LOCK_REQ: 1, LOCK_GRANT: 1 } });
  });

  test('acquire of a free lock whose manager is local: 0 messages', () => {
    const { counts } = drive(3, { 1: [{ op: 'lock', lock: 4 }] }, [1]);
    expect(counts[0]).toEqual({ messages: 0, byKind: {} });
  });

  test('contended acquire: the request waits in the FIFO queue; the release grants it', () => {
    const lock = { op: 'lock', lock: 1 } as const;
    const unlock = { op: 'unlock', lock: 1 } as const;
    const { sim, counts } = drive(4, { 0: [lock, unlock], 2: [lock, unlock], 3: [lock, unlock] }, [0, 2, 3, 0]);
    expect(counts[1]).toEqual({ messages: 1, byKind: { LOCK_REQ: 1 } }); // CPU 2 waits
    expect(counts[2]).toEqual({ messages: 1, byKind: { LOCK_REQ: 1 } }); // CPU 3 waits behind it
    expect(counts[3]).toEqual({ messages: 2, byKind: { UNLOCK: 1, LOCK_GRANT: 1 } }); // to CPU 2, first in line
    expect(sim.enabledSteps()).toEqual([{ kind: 'cpu', cpu: 2, op: unlock }]);
    expect(sim.stepCpuAndSettle(2)).toEqual({ messages: 2, byKind: { UNLOCK: 1, LOCK_GRANT: 1 } }); // then CPU 3
  });
});

describe('barrier', () => {
  test.each([1, 2, 3, 4, 8])('N = %i CPUs: 2(N - 1) messages', (cpus) => {
    const programs: Op[][] = Array.from({ length: cpus }, () => [{ op: 'barrier' }]);
    const res = simulate({ config: { cpus, pages: 1, pageSize }, programs, seed: 3 });
    expect(res.stats.total.messages).toBe(2 * (cpus - 1));
    expect(res.stats.total.messagesByKind.BARRIER_ARRIVE ?? 0).toBe(cpus - 1);
    expect(res.stats.total.messagesByKind.BARRIER_RELEASE ?? 0).toBe(cpus - 1);
  });
});

describe("the seed document's test", () => {
  test('4 CPUs, 10 pages: one CPU writes a value, every other CPU reads it and sees it (100 seeds, FIFO and reordering)', () => {
    const scenario = getScenario('seed');
    const writeOp = scenario.programs.flat().find((op) => op.op === 'write')!;
    const value = (writeOp as { value: number }).value;
    for (let seed = 1; seed <= 100; seed++) {
      for (const reorder of [false, true]) {
        const res = simulate({ config: scenario.config, programs: scenario.programs, seed, reorder, trace: false });
        expect({ seed, reorder, results: res.results }).toEqual({ seed, reorder, results: [[value], [], [value], [value]] });
      }
    }
    expect(scenario.config).toEqual({ cpus: 4, pages: 10, pageSize: 4096 });
  });
});

describe('ivy-central: CPU 0 manages every page', () => {
  test('a read fault with requester, manager and owner distinct is 4 messages', () => {
    // Page 3: manager CPU 0 (not 3 mod N). CPU 2 writes it and owns it; then CPU 1 reads.
    const { counts } = drive(3, { 2: [write(3, 5)], 1: [read(3)] }, [2, 1], 'ivy-central');
    expect(counts[1]).toEqual({ messages: 4, byKind: { READ_REQ: 1, READ_FWD: 1, READ_DATA: 1, READ_CONFIRM: 1 } });
  });

  test('every page starts owned by CPU 0: a first write elsewhere is 3 + 2k messages', () => {
    // CPU 2 writes page 3: WRITE_REQ to CPU 0, WRITE_FWD local (CPU 0 owns it), k = 1 (CPU 1).
    const { counts } = drive(3, { 2: [write(3, 5)] }, [2], 'ivy-central');
    expect(counts[0]).toEqual({ messages: 3 + 2, byKind: { WRITE_REQ: 1, WRITE_DATA: 1, INVALIDATE: 1, INVALIDATE_ACK: 1, WRITE_CONFIRM: 1 } });
  });
});

describe('ivy-dynamic: requests follow probable-owner hints; no manager, no confirmations', () => {
  test('a read fault whose hint names the owner is 2 messages', () => {
    // At start CPU 1 owns page 1 and every hint for page 1 names CPU 1. CPU 1 writes (an
    // upgrade: only invalidations), then CPU 0 reads straight from it.
    const { counts } = drive(3, { 1: [write(1, 5)], 0: [read(1)] }, [1, 0], 'ivy-dynamic');
    expect(counts[0]).toEqual({ messages: 4, byKind: { INVALIDATE: 2, INVALIDATE_ACK: 2 } });
    expect(counts[1]).toEqual({ messages: 2, byKind: { READ_REQ: 1, READ_DATA: 1 } });
  });

  test('a stale hint costs one forward per hop: CPU 2 reads through the old owner, 3 messages', () => {
    // CPU 0 takes page 1 from CPU 1 (CPU 1's hint now names CPU 0); CPU 2's hint still names
    // CPU 1, which forwards the read to CPU 0.
    const { counts } = drive(3, { 0: [write(1, 5)], 2: [read(1)] }, [0, 2], 'ivy-dynamic');
    expect(counts[0]).toEqual({ messages: 2 + 2 * 1, byKind: { WRITE_REQ: 1, WRITE_DATA: 1, INVALIDATE: 1, INVALIDATE_ACK: 1 } });
    expect(counts[1]).toEqual({ messages: 3, byKind: { READ_REQ: 1, READ_FWD: 1, READ_DATA: 1 } });
  });

  test.each([0, 1, 2, 3])('a write fault whose hint names the owner, invalidating k = %i readers: 2 + 2k messages', (k) => {
    // CPU 2 takes page 1 (hint of CPU 0 still names CPU 1); readers 3.. read through hints;
    // then CPU 1, whose hint names CPU 2, writes.
    const cpus = k + 3;
    const readers = Array.from({ length: k }, (_, i) => i + 3);
    const programs: Record<number, Op[]> = { 2: [write(1, 5)], 1: [write(1, 6)] };
    for (const r of readers) programs[r] = [read(1)];
    const { counts } = drive(cpus, programs, [2, ...readers, 1], 'ivy-dynamic');
    expect(counts[counts.length - 1]).toEqual({
      messages: 2 + 2 * k,
      byKind: { WRITE_REQ: 1, WRITE_DATA: 1, ...(k > 0 ? { INVALIDATE: k, INVALIDATE_ACK: k } : {}) },
    });
  });
});
