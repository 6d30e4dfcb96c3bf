/**
 * A user's own protocol object on every backend: registered with `registerProtocol(protocol,
 * { module })`, it runs on the simulator (by name or as an object), on worker threads and in
 * native CPU processes, each of which loads it from its module. The protocol
 * (fixtures/exclusive-ivy.ts) never sends READ_REQ, which no built-in IVY can do, so the
 * message counts show that the user's object ran. Also: what is refused, and by which error.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { simulate } from '../../sim/index.js';
import {
  Cluster, DsmConfigError, DsmProtocolLoadError, getProtocol, opsProgram, protocolNames, registerProtocol, registerProtocolModule,
  type Op, type Value,
} from '../../index.js';
import * as testing from '../../testing/index.js';
import { exclusiveIvy } from './fixtures/exclusive-ivy.js';

const moduleUrl = new URL('./fixtures/exclusive-ivy.js', import.meta.url);
const pageSize = 4096;
const W = (page: number, value: number): Op => ({ op: 'write', type: 'int32', address: page * pageSize, value });
const R = (page: number): Op => ({ op: 'read', type: 'int32', address: page * pageSize });
const B: Op = { op: 'barrier' };

// CPU 1 writes page 0 and CPU 2 page 1; after a barrier everybody reads both.
const programs: Op[][] = [
  [B, R(0), R(1)],
  [W(0, 11), B, R(0), R(1)],
  [W(1, 22), B, R(1), R(0)],
];
const expected: Value[][] = [[11, 22], [11, 22], [22, 11]];

beforeAll(() => {
  registerProtocol(exclusiveIvy, { module: moduleUrl });
});

describe('registerProtocol: a protocol of your own', () => {
  test('is known by its name everywhere, next to the built-in ones', () => {
    expect(protocolNames()).toEqual(['ivy', 'ivy-central', 'ivy-dynamic', 'hlrc', 'ivy-exclusive']);
    expect(getProtocol('ivy-exclusive')).toBe(exclusiveIvy);
    // Registering the same object again is allowed (a module may register itself as well).
    expect(registerProtocol(exclusiveIvy, { module: moduleUrl })).toBe(exclusiveIvy);
  });

  test('runs on the simulator by name, and the run shows it is not IVY (no READ_REQ)', () => {
    const mine = simulate({ config: { cpus: 3, pages: 2, pageSize }, programs, protocol: 'ivy-exclusive', trace: false });
    expect(mine.results).toEqual(expected);
    expect(mine.stats.total.messagesByKind.READ_REQ ?? 0).toBe(0);
    expect(mine.stats.total.messagesByKind.WRITE_REQ).toBeGreaterThan(0);
    const ivy = simulate({ config: { cpus: 3, pages: 2, pageSize }, programs, protocol: 'ivy', trace: false });
    expect(ivy.stats.total.messagesByKind.READ_REQ).toBeGreaterThan(0);
    // checkProtocol takes it by name too (and its mutants, which it has from IVY's state).
    expect(testing.checkProtocol({ protocol: 'ivy-exclusive', seed: 1, numRuns: 30 }).ok).toBe(true);
  });

  describe.each(['workers', 'native'])('on backend %s', (backend) => {
    let cluster: Cluster;
    beforeAll(async () => {
      cluster = await Cluster.start({ cpus: 3, pages: 2, pageSize, protocol: 'ivy-exclusive', backend, timeoutMs: 30000 });
    });
    afterAll(async () => {
      await cluster?.close();
    });

    test('every CPU loads it from its module and runs it: the same reads, and no READ_REQ', async () => {
      expect(cluster.protocol).toBe('ivy-exclusive');
      for (let i = 0; i < 3; i++) {
        const { results, stats } = await cluster.run<Value[]>(opsProgram, programs);
        expect(results).toEqual(expected);
        expect(stats.total.messagesByKind.READ_REQ ?? 0).toBe(0);
        expect(stats.total.messagesByKind.WRITE_REQ).toBeGreaterThan(0);
      }
    });
  });

  test('without a module it runs on the simulator only: Cluster.start says how to give one', async () => {
    const simOnly = registerProtocol({ ...exclusiveIvy, name: 'ivy-exclusive-sim-only' });
    expect(simulate({ config: { cpus: 3, pages: 2, pageSize }, programs, protocol: simOnly.name, trace: false }).results).toEqual(expected);
    await expect(Cluster.start({ cpus: 2, pages: 1, protocol: simOnly.name })).rejects.toThrow(
      new DsmConfigError(
        `invalid config: protocol "ivy-exclusive-sim-only" was registered without a module, so backend 'workers' cannot load it in its CPUs; ` +
          `register it with registerProtocol(protocol, { module: new URL('./your-protocol.js', import.meta.url) })`,
      ),
    );
  });

  test('a module that does not export the registered object is refused at Cluster.start, by name', async () => {
    registerProtocol({ ...exclusiveIvy, name: 'ivy-not-exported' }, { module: moduleUrl });
    const err = await Cluster.start({ cpus: 2, pages: 1, protocol: 'ivy-not-exported' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DsmProtocolLoadError);
    expect((err as Error).message).toBe(`module ${moduleUrl.href} exports no protocol named "ivy-not-exported"; it exports the protocols ivy-exclusive`);
  });

  test.each([
    [{ ...exclusiveIvy, name: 'ivy' }, /"ivy" is a built-in protocol; give yours another name/],
    [{ ...exclusiveIvy, name: 'ivy-exclusive' }, /another protocol object is already registered as "ivy-exclusive"/],
    [{ ...exclusiveIvy, name: 'my protocol' }, /name "my protocol"; allowed: letters, digits/],
    [{ name: 'half' }, /not a protocol object .*; missing: init, onFault, onMessage/],
  ])('bad registration %#: a DsmConfigError that says why', (protocol, why) => {
    expect(() => registerProtocol(protocol as never)).toThrow(DsmConfigError);
    expect(() => registerProtocol(protocol as never)).toThrow(why);
  });

  test('a module that is not a file: URL is refused', () => {
    expect(() => registerProtocol({ ...exclusiveIvy, name: 'ivy-web' }, { module: 'https://example.com/p.js' })).toThrow(/module = "https:\/\/example.com\/p.js"; allowed: a file: URL/);
  });

  test('registerProtocolModule registers every protocol a module exports (what --protocol-module does)', async () => {
    await expect(registerProtocolModule(moduleUrl)).resolves.toEqual(['ivy-exclusive']);
    await expect(registerProtocolModule(new URL('./harness.js', import.meta.url))).rejects.toThrow(/exports no protocol object/);
  });
});

describe('tsdsm/testing exports every built-in protocol object', () => {
  test.each([['ivy', 'ivy'], ['ivy-central', 'ivyCentral'], ['ivy-dynamic', 'ivyDynamic'], ['hlrc', 'hlrc']])('%s as %s', (name, exported) => {
    expect((testing as Record<string, unknown>)[exported]).toBe(getProtocol(name));
    expect(testing.protocols[name as keyof typeof testing.protocols]).toBe(getProtocol(name));
  });
});
