/**
 * One conformance suite, run on every backend we have: the deterministic simulator (the
 * reference), worker threads and native processes (real mprotect), each on its transports
 * (workers over MessagePorts and over rings, native over rings and over Unix sockets). The same op-list programs run on both through the ops
 * interpreter, and must give the same reads and the same message counts:
 *
 *  - reads: for programs whose results do not depend on the schedule (writes, a barrier,
 *    then reads), both backends must return exactly the same values;
 *  - messages: the textbook cases, each isolated between barriers so that one operation
 *    runs alone; the count of the operation is the difference between the program with it
 *    and without it, and must equal the textbook number on every backend (IVY), and, under
 *    every SC protocol, the simulator's count by kind on every real backend.
 *
 * hlrc has its own suite (hlrc-backends.test.ts): its programs must be data-race free.
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import type { Op } from '../../index.js';
import { at, B, Clusters, difference, L, onSim, pageSize, R, U, W, type Outcome } from './harness.js';

const clusters = new Clusters('ivy', 20000);
const protocols = ['ivy', 'ivy-central', 'ivy-dynamic'] as const;
const byProtocol = new Map(protocols.map((p) => [p, p === 'ivy' ? clusters : new Clusters(p, 20000)]));
afterAll(() => Promise.all([...byProtocol.values()].map((c) => c.closeAll())));

const backends: [string, (cpus: number, pages: number, programs: Op[][]) => Promise<Outcome>][] = [
  ['simulator', async (c, p, prog) => onSim('ivy', c, p, prog)],
  ...['workers', 'workers:ring', 'native', 'native:unix'].map((b): [string, (cpus: number, pages: number, programs: Op[][]) => Promise<Outcome>] => [b, (c, p, prog) => clusters.run(b, c, p, prog)]),
];

describe.each(backends)('textbook message counts on %s', (_name, run) => {
  test('read fault, requester, manager and owner distinct: 4 messages', async () => {
    // Page 1 (manager CPU 1); CPU 2 writes it and owns it; then CPU 0 reads it.
    const base = [[B, B], [B, B], [W(1, 5), B, B]];
    const withRead = [[B, R(1), B], [B, B], [W(1, 5), B, B]];
    const d = difference(await run(3, 4, withRead), await run(3, 4, base));
    expect(d).toEqual({ messages: 4, byKind: { READ_REQ: 1, READ_FWD: 1, READ_DATA: 1, READ_CONFIRM: 1 } });
  });

  test('write fault invalidating k = 2 readers: 4 + 2k = 8 messages', async () => {
    // Page 1 (manager CPU 1): CPU 2 writes it (owner), CPUs 0 and 3 read it (copyset {0, 3}), then CPU 4 writes it.
    const setup = (last: Op[]): Op[][] => [
      [B, R(1), B, B], [B, B, B], [W(1, 5), B, B, B], [B, R(1), B, B], [B, B, ...last, B],
    ];
    const d = difference(await run(5, 4, setup([W(1, 6)])), await run(5, 4, setup([])));
    expect(d).toEqual({ messages: 8, byKind: { WRITE_REQ: 1, WRITE_FWD: 1, WRITE_DATA: 1, INVALIDATE: 2, INVALIDATE_ACK: 2, WRITE_CONFIRM: 1 } });
  });

  test('barrier: 2(N-1) messages', async () => {
    const d = difference(await run(4, 1, [[B], [B], [B], [B]]), await run(4, 1, [[], [], [], []]));
    expect(d).toEqual({ messages: 6, byKind: { BARRIER_ARRIVE: 3, BARRIER_RELEASE: 3 } });
  });

  test('lock acquire of a free remote lock: 2 messages; release: 1', async () => {
    const acquire = difference(await run(3, 1, [[], [], [L(1)]]), await run(3, 1, [[], [], []]));
    expect(acquire).toEqual({ messages: 2, byKind: { LOCK_REQ: 1, LOCK_GRANT: 1 } });
    const release = difference(await run(3, 1, [[], [], [L(1), U(1)]]), await run(3, 1, [[], [], [L(1)]]));
    expect(release).toEqual({ messages: 1, byKind: { UNLOCK: 1 } });
  });

  test('lock acquire when the manager is local and the lock free: 0 messages', async () => {
    const d = difference(await run(3, 1, [[], [L(1), U(1)], []]), await run(3, 1, [[], [], []]));
    expect(d).toEqual({ messages: 0, byKind: {} });
  });
});

/** Each case: [name, cpus, pages, program with the operation, program without it]. */
const isolated: Array<[string, number, number, Op[][], Op[][]]> = [
  ['a read fault, requester, manager and owner distinct', 3, 4, [[B, R(1), B], [B, B], [W(1, 5), B, B]], [[B, B], [B, B], [W(1, 5), B, B]]],
  ['a write fault invalidating two readers', 5, 4,
    [[B, R(1), B, B], [B, B, B], [W(1, 5), B, B, B], [B, R(1), B, B], [B, B, W(1, 6), B]],
    [[B, R(1), B, B], [B, B, B], [W(1, 5), B, B, B], [B, R(1), B, B], [B, B, B]]],
  ['an upgrade: a read copy written by its holder', 3, 2, [[B, B], [B, B], [R(1), B, W(1, 9), B]], [[B, B], [B, B], [R(1), B, B]]],
  ['a barrier', 4, 1, [[B], [B], [B], [B]], [[], [], [], []]],
  ['a remote lock acquired and released', 3, 1, [[], [], [L(1), U(1)]], [[], [], []]],
];

describe.each(protocols.flatMap((p) => ['workers', 'workers:ring', 'native', 'native:unix'].map((b) => [p, b] as const)))('under %s, %s sends what the simulator sends', (protocol, backend) => {
  const cs = byProtocol.get(protocol)!;
  test.each(isolated)('%s', async (_name, cpus, pages, withOp, without) => {
    const real = difference(await cs.run(backend, cpus, pages, withOp), await cs.run(backend, cpus, pages, without));
    const sim = difference(onSim(protocol, cpus, pages, withOp), onSim(protocol, cpus, pages, without));
    expect(sim.messages).toBeGreaterThan(0);
    expect(real).toEqual(sim);
  });

  test('the seed test gives the simulator\'s reads and message counts', async () => {
    const address = at(3, 8);
    const programs: Op[][] = [
      [{ op: 'write', type: 'int32', address, value: 42 }, B],
      [B, { op: 'read', type: 'int32', address }],
      [B, { op: 'read', type: 'int32', address }],
    ];
    const sim = onSim(protocol, 3, 4, programs);
    const real = await cs.run(backend, 3, 4, programs);
    expect(sim.results).toEqual([[], [42], [42]]);
    expect(real).toEqual(sim);
  });
});

describe.each(['workers', 'workers:ring', 'native', 'native:unix'])('the same results on the simulator and on %s', (backend) => {
  const onReal = (cpus: number, pages: number, programs: Op[][]): Promise<Outcome> => clusters.run(backend, cpus, pages, programs);
  test('the seed test (4 CPUs, 10 pages): one CPU writes, every other CPU reads it after a barrier', async () => {
    const address = at(3, 8);
    const programs: Op[][] = [
      [{ op: 'write', type: 'int32', address, value: 42 }, B],
      [B, { op: 'read', type: 'int32', address }],
      [B, { op: 'read', type: 'int32', address }],
      [B, { op: 'read', type: 'int32', address }],
    ];
    const sim = onSim('ivy', 4, 10, programs);
    const workers = await onReal(4, 10, programs);
    expect(sim.results).toEqual([[], [42], [42], [42]]);
    expect(workers.results).toEqual(sim.results);
    expect(workers.messages).toBe(sim.messages);
    expect(workers.byKind).toEqual(sim.byKind);
  });

  /**
   * Schedule-independent programs from a seed: in phase 1 each CPU writes values of every
   * type to its own slots (on shared pages, so pages move under write contention), a barrier,
   * then every CPU reads a seeded selection of every CPU's slots.
   */
  test.each([1, 2, 3, 4, 5])('seeded write-barrier-read program, seed %i', async (seed) => {
    let state = seed * 2654435761;
    const next = (n: number): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state % n;
    };
    const cpus = 2 + next(3);
    const pages = 2 + next(3);
    const types = ['int8', 'uint16', 'int32', 'float32', 'float64', 'bigint64'] as const;
    const slot = (cpu: number, k: number): number => (k * cpus + cpu) * 8;
    const slots = Math.floor((pages * pageSize) / (8 * cpus)) - 1;
    const written: { address: number; type: (typeof types)[number] }[][] = Array.from({ length: cpus }, () => []);
    const programs: Op[][] = Array.from({ length: cpus }, (_, cpu) => {
      const ops: Op[] = [];
      for (let i = 0; i < 6; i++) {
        const type = types[next(types.length)]!;
        const address = slot(cpu, next(slots));
        const value = type === 'bigint64' ? BigInt(next(1000)) - 500n : type === 'float32' || type === 'float64' ? next(1000) / 4 : next(100);
        ops.push({ op: 'write', type, address, value } as Op);
        written[cpu]!.push({ address, type });
      }
      return ops;
    });
    for (let cpu = 0; cpu < cpus; cpu++) {
      programs[cpu]!.push(B);
      for (let i = 0; i < 8; i++) {
        const from = written[next(cpus)]!;
        const w = from[next(from.length)]!;
        programs[cpu]!.push({ op: 'read', type: w.type, address: w.address });
      }
    }
    const sim = onSim('ivy', cpus, pages, programs, pageSize, seed);
    const workers = await onReal(cpus, pages, programs);
    expect({ seed, results: workers.results }).toEqual({ seed, results: sim.results });
  });
});
