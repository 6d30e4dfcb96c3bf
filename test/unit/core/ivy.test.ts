/**
 * Handler-level tests of the IVY core: each handler's preconditions (an impossible message is
 * a ProtocolViolation naming the CPU) and the effects it returns, as data.
 */
import { describe, expect, test } from '@jest/globals';
import { validateConfig } from '../../../src/core/config.js';
import { ProtocolViolation } from '../../../src/core/errors.js';
import { ivy, type IvyState } from '../../../src/core/ivy.js';

const config = validateConfig({ cpus: 3, pages: 4, pageSize: 64 });
const cpu = (id: number): IvyState => ivy.init(config, id);

describe('init', () => {
  test('every CPU starts with a read copy of every page; the manager owns it with every other CPU in its copyset', () => {
    const s = cpu(1);
    expect(s.access).toEqual(['read', 'read', 'read', 'read']);
    expect(s.owned).toEqual([false, true, false, false]);
    expect(s.copyset[1]).toEqual([0, 2]);
    expect(s.managerOwner[1]).toBe(1);
    ivy.invariants([cpu(0), cpu(1), cpu(2)], () => new Uint8Array(64));
  });
});

describe('faults', () => {
  test('a read fault sends READ_REQ to the manager of the page', () => {
    const s = cpu(0);
    s.access[2] = 'none';
    expect(ivy.onFault(s, 2, 'read')).toEqual([{ kind: 'send', to: 2, msg: { kind: 'READ_REQ', page: 2 } }]);
    expect(ivy.waitingOn(s)).toBe('read fault on page 2');
  });

  test('a read fault on a page this CPU can read is a violation', () => {
    expect(() => ivy.onFault(cpu(0), 2, 'read')).toThrow(ProtocolViolation);
  });

  test('a second fault while one is open is a violation that names the CPU', () => {
    const s = cpu(0);
    ivy.onFault(s, 1, 'write');
    expect(() => ivy.onFault(s, 2, 'write')).toThrow(/CPU 0: protocol violation: fault on page 2 while a fault on page 1 is open/);
  });

  test('a write fault at the manager-owner is handled locally: it invalidates the copyset', () => {
    const s = cpu(1);
    const effects = ivy.onFault(s, 1, 'write');
    expect(effects.filter((e) => e.kind === 'send')).toEqual([
      { kind: 'send', to: 0, msg: { kind: 'INVALIDATE', page: 1 } },
      { kind: 'send', to: 2, msg: { kind: 'INVALIDATE', page: 1 } },
    ]);
    expect(effects.filter((e) => e.kind === 'local').map((e) => (e as { msg: { kind: string } }).msg.kind)).toEqual(['WRITE_REQ', 'WRITE_FWD', 'WRITE_DATA']);
    expect(s.access[1]).toBe('read');
    ivy.onMessage(s, 0, { kind: 'INVALIDATE_ACK', page: 1 });
    const last = ivy.onMessage(s, 2, { kind: 'INVALIDATE_ACK', page: 1 });
    expect(last).toContainEqual({ kind: 'resume', what: 'fault' });
    expect(s.access[1]).toBe('write');
    expect(s.owned[1]).toBe(true);
    expect(s.copyset[1]).toEqual([]);
  });
});

describe('owner', () => {
  test('READ_FWD downgrades a write copy, adds the reader to the copyset and attaches the page', () => {
    const s = cpu(1);
    s.access[1] = 'write';
    s.copyset[1]!.length = 0;
    const effects = ivy.onMessage(s, 1, { kind: 'READ_FWD', page: 1, requester: 2 });
    expect(effects).toEqual([
      { kind: 'setAccess', page: 1, access: 'read' },
      { kind: 'send', to: 2, msg: { kind: 'READ_DATA', page: 1 }, attachPage: 1 },
    ]);
    expect(s.copyset[1]).toEqual([2]);
  });

  test('READ_FWD for a page this CPU does not own is a violation', () => {
    expect(() => ivy.onMessage(cpu(0), 1, { kind: 'READ_FWD', page: 1, requester: 2 })).toThrow(/READ_FWD for page 1, which I do not own/);
  });

  test('WRITE_FWD to a copy holder sends no bytes; the old owner drops its copy', () => {
    const s = cpu(1);
    const effects = ivy.onMessage(s, 1, { kind: 'WRITE_FWD', page: 1, requester: 0 });
    expect(effects).toEqual([
      { kind: 'send', to: 0, msg: { kind: 'WRITE_DATA', page: 1, copyset: [2], withData: false } },
      { kind: 'setAccess', page: 1, access: 'none' },
    ]);
    expect(s.owned[1]).toBe(false);
  });
});

describe('copy holder', () => {
  test('INVALIDATE drops the copy and acknowledges', () => {
    const s = cpu(0);
    expect(ivy.onMessage(s, 2, { kind: 'INVALIDATE', page: 1 })).toEqual([
      { kind: 'setAccess', page: 1, access: 'none' },
      { kind: 'send', to: 2, msg: { kind: 'INVALIDATE_ACK', page: 1 } },
    ]);
  });

  test('INVALIDATE of a page this CPU owns is a violation', () => {
    expect(() => ivy.onMessage(cpu(1), 2, { kind: 'INVALIDATE', page: 1 })).toThrow(ProtocolViolation);
  });

  test('READ_DATA with no fault open is a violation', () => {
    expect(() => ivy.onMessage(cpu(0), 1, { kind: 'READ_DATA', page: 1, data: new Uint8Array(64) })).toThrow(/READ_DATA for page 1 with no read fault open/);
  });
});

describe('manager', () => {
  test('a request for a busy page waits in the queue and is served after the confirmation', () => {
    const m = cpu(2);
    const first = ivy.onMessage(m, 0, { kind: 'WRITE_REQ', page: 2 });
    expect(first.some((e) => e.kind === 'local')).toBe(true); // the manager owns page 2: WRITE_FWD is local
    expect(ivy.onMessage(m, 1, { kind: 'READ_REQ', page: 2 })).toEqual([]);
    expect(m.managerQueue[2]).toEqual([{ kind: 'read', requester: 1 }]);
    const next = ivy.onMessage(m, 0, { kind: 'WRITE_CONFIRM', page: 2 });
    expect(m.managerOwner[2]).toBe(0);
    expect(next).toEqual([{ kind: 'send', to: 0, msg: { kind: 'READ_FWD', page: 2, requester: 1 } }]);
  });

  test('a request for a page managed elsewhere is a violation', () => {
    expect(() => ivy.onMessage(cpu(0), 1, { kind: 'READ_REQ', page: 2 })).toThrow(/its manager is CPU 2/);
  });

  test('a confirmation from a CPU that is not being served is a violation', () => {
    expect(() => ivy.onMessage(cpu(2), 1, { kind: 'READ_CONFIRM', page: 2 })).toThrow(/serving nothing/);
  });
});

describe('locks and barrier', () => {
  test('the lock manager grants in FIFO order; a grant from the queue says so, and the waiter resumes as contended', () => {
    const m = cpu(1);
    expect(ivy.onMessage(m, 0, { kind: 'LOCK_REQ', lock: 4 })).toEqual([{ kind: 'send', to: 0, msg: { kind: 'LOCK_GRANT', lock: 4 } }]);
    expect(ivy.onMessage(m, 2, { kind: 'LOCK_REQ', lock: 4 })).toEqual([]);
    expect(ivy.onMessage(m, 0, { kind: 'UNLOCK', lock: 4 })).toEqual([{ kind: 'send', to: 2, msg: { kind: 'LOCK_GRANT', lock: 4, queued: true } }]);
    const waiter = cpu(2);
    ivy.onLock(waiter, 4);
    expect(ivy.onMessage(waiter, 1, { kind: 'LOCK_GRANT', lock: 4, queued: true })).toEqual([{ kind: 'resume', what: 'lock', contended: true }]);
    expect(() => ivy.onMessage(m, 0, { kind: 'UNLOCK', lock: 4 })).toThrow(/the holder is 2/);
  });

  test('unlock without holding, and recursive lock, are violations', () => {
    expect(() => ivy.onUnlock(cpu(0), 3)).toThrow(/unlock\(3\) without holding it/);
    const s = cpu(0);
    ivy.onLock(s, 4); // manager CPU 1: the grant comes by message
    expect(ivy.waitingOn(s)).toBe('lock 4');
    expect(ivy.onMessage(s, 1, { kind: 'LOCK_GRANT', lock: 4 })).toEqual([{ kind: 'resume', what: 'lock' }]);
    expect(() => ivy.onLock(s, 4)).toThrow(/already holding it/);
    const local = cpu(0);
    expect(ivy.onLock(local, 3)).toEqual([{ kind: 'local', msg: { kind: 'LOCK_REQ', lock: 3 } }, { kind: 'local', msg: { kind: 'LOCK_GRANT', lock: 3 } }, { kind: 'resume', what: 'lock' }]);
  });

  test('the barrier manager releases everybody when all N have arrived, and not before', () => {
    const m = cpu(0);
    expect(ivy.onBarrier(m).filter((e) => e.kind === 'send')).toEqual([]);
    expect(ivy.onMessage(m, 1, { kind: 'BARRIER_ARRIVE', epoch: 0 })).toEqual([]);
    const release = ivy.onMessage(m, 2, { kind: 'BARRIER_ARRIVE', epoch: 0 });
    expect(release.filter((e) => e.kind === 'send')).toEqual([
      { kind: 'send', to: 1, msg: { kind: 'BARRIER_RELEASE', epoch: 0 } },
      { kind: 'send', to: 2, msg: { kind: 'BARRIER_RELEASE', epoch: 0 } },
    ]);
    expect(release).toContainEqual({ kind: 'resume', what: 'barrier' });
    expect(() => ivy.onMessage(m, 1, { kind: 'BARRIER_ARRIVE', epoch: 0 })).toThrow(/barrier 1 is collecting/);
  });
});
