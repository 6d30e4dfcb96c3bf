/**
 * Handler-level tests of the HLRC core: the effects each input returns, as data, and each
 * handler's preconditions (an impossible message is a ProtocolViolation naming the CPU).
 * Page p's home is CPU p mod 3.
 */
import { describe, expect, test } from '@jest/globals';
import { validateConfig } from '../../../src/core/config.js';
import type { Effect } from '../../../src/core/effects.js';
import { InvariantViolation, ProtocolViolation } from '../../../src/core/errors.js';
import { hlrc, type HlrcState } from '../../../src/core/hlrc.js';
import type { Message } from '../../../src/core/wire.js';

const config = validateConfig({ cpus: 3, pages: 6, pageSize: 64 });
const cpu = (id: number): HlrcState => hlrc.init(config, id);
const sends = (effects: Effect[]): { to: number; msg: Message; attachDiff?: number }[] =>
  effects.flatMap((e) => (e.kind === 'send' ? [{ to: e.to, msg: e.msg, ...(e.attachDiff !== undefined ? { attachDiff: e.attachDiff } : {}) }] : []));
const zeroPages = (): Uint8Array => new Uint8Array(64);

describe('init', () => {
  test('every CPU starts with a read copy of every page, no twin, vc zero', () => {
    const s = cpu(1);
    expect(s.access).toEqual(new Array(6).fill('read'));
    expect(s.twinned).toEqual(new Array(6).fill(false));
    expect(s.vc).toEqual([0, 0, 0]);
    hlrc.invariants([cpu(0), cpu(1), cpu(2)], zeroPages, () => undefined);
  });
});

describe('faults', () => {
  test('a write fault on a read copy away from home twins the page and resumes at once, sending nothing', () => {
    const s = cpu(0);
    expect(hlrc.onFault(s, 1, 'write')).toEqual([
      { kind: 'twin', page: 1 },
      { kind: 'setAccess', page: 1, access: 'write' },
      { kind: 'resume', what: 'fault' },
    ]);
    expect(s.twinned[1]).toBe(true);
    expect([...s.modified]).toEqual([1]);
  });

  test('a write fault at the home writes the master copy: no twin', () => {
    const s = cpu(1);
    expect(hlrc.onFault(s, 4, 'write')).toEqual([{ kind: 'setAccess', page: 4, access: 'write' }, { kind: 'resume', what: 'fault' }]);
    expect(s.twinned[4]).toBe(false);
    expect([...s.modified]).toEqual([4]);
  });

  test('a read fault on an invalid page asks its home; PAGE_DATA installs it read-only and resumes', () => {
    const s = cpu(0);
    s.access[2] = 'none';
    expect(hlrc.onFault(s, 2, 'read')).toEqual([{ kind: 'send', to: 2, msg: { kind: 'PAGE_REQ', page: 2 } }]);
    expect(hlrc.waitingOn(s)).toBe('read fault on page 2');
    const data = new Uint8Array(64).fill(7);
    expect(hlrc.onMessage(s, 2, { kind: 'PAGE_DATA', page: 2, data })).toEqual([
      { kind: 'installPage', page: 2, data },
      { kind: 'setAccess', page: 2, access: 'read' },
      { kind: 'resume', what: 'fault' },
    ]);
    expect(s.fault).toBeNull();
  });

  test('a write fault on an invalid page fetches it, then twins it before granting write', () => {
    const s = cpu(0);
    s.access[2] = 'none';
    hlrc.onFault(s, 2, 'write');
    const data = new Uint8Array(64);
    expect(hlrc.onMessage(s, 2, { kind: 'PAGE_DATA', page: 2, data }).map((e) => e.kind)).toEqual(['installPage', 'twin', 'setAccess', 'resume']);
    expect(s.access[2]).toBe('write');
  });

  test('the home answers PAGE_REQ with its bytes attached; anybody else calls it a violation', () => {
    expect(hlrc.onMessage(cpu(2), 0, { kind: 'PAGE_REQ', page: 5 })).toEqual([{ kind: 'send', to: 0, msg: { kind: 'PAGE_DATA', page: 5 }, attachPage: 5 }]);
    expect(() => hlrc.onMessage(cpu(1), 0, { kind: 'PAGE_REQ', page: 5 })).toThrow(/CPU 1: protocol violation: PAGE_REQ for page 5 from CPU 0, but its home is CPU 2/);
  });

  test('PAGE_DATA with no fault open, a second fault, and a read fault on a readable page are violations', () => {
    expect(() => hlrc.onMessage(cpu(0), 2, { kind: 'PAGE_DATA', page: 2, data: new Uint8Array(64) })).toThrow(ProtocolViolation);
    const s = cpu(0);
    s.access[1] = 'none';
    s.access[2] = 'none';
    hlrc.onFault(s, 1, 'read');
    expect(() => hlrc.onFault(s, 2, 'read')).toThrow(/fault on page 2 while a fault on page 1 is open/);
    expect(() => hlrc.onFault(cpu(0), 1, 'read')).toThrow(/read fault on page 1 with access read/);
  });
});

describe('diffs at the home', () => {
  test('the home applies a DIFF and acknowledges it', () => {
    const diff = new Uint8Array([0, 0, 0, 0, 1, 0, 0, 0, 9]);
    expect(hlrc.onMessage(cpu(1), 0, { kind: 'DIFF', page: 1, diff })).toEqual([
      { kind: 'applyDiff', page: 1, diff },
      { kind: 'send', to: 0, msg: { kind: 'DIFF_ACK', page: 1 } },
    ]);
  });

  test('a DIFF_ACK nobody waits for is a violation', () => {
    expect(() => hlrc.onMessage(cpu(0), 1, { kind: 'DIFF_ACK', page: 1 })).toThrow(/CPU 0: protocol violation: unexpected DIFF_ACK for page 1 from CPU 1/);
  });
});

describe('release', () => {
  test('a return (onFinish) is a release: a diff per twinned page, resume(finish) after the last ack; no sync message', () => {
    const s = cpu(0);
    hlrc.onFault(s, 1, 'write');
    hlrc.onFault(s, 3, 'write'); // home: no diff
    const effects = hlrc.onFinish!(s);
    expect(sends(effects)).toEqual([{ to: 1, msg: { kind: 'DIFF', page: 1 }, attachDiff: 1 }]);
    expect(effects.some((e) => e.kind === 'resume')).toBe(false);
    expect(hlrc.waitingOn(s)).toBe('release (return): 1 diff ack(s) missing');
    expect(hlrc.onMessage(s, 1, { kind: 'DIFF_ACK', page: 1 })).toEqual([{ kind: 'resume', what: 'finish' }]);
    expect(s.vc).toEqual([1, 0, 0]);
    expect(s.access[1]).toBe('read');
    expect(hlrc.waitingOn(s)).toBeNull();
  });

  test('a return with nothing written resumes at once; the locks a CPU holds are reported', () => {
    const s = cpu(1);
    hlrc.onLock(s, 4); // manager is CPU 1 itself
    expect(hlrc.onFinish!(s)).toEqual([{ kind: 'resume', what: 'finish' }]);
    expect(hlrc.heldLocks!(s)).toEqual([4]);
  });

  test('unlock sends a diff per twinned page, downgrades written pages, and waits for the acks', () => {
    const s = cpu(0);
    hlrc.onLock(s, 0); // manager is CPU 0 itself: granted by local calls
    expect(s.locksHeld.has(0)).toBe(true);
    hlrc.onFault(s, 1, 'write');
    hlrc.onFault(s, 2, 'write');
    hlrc.onFault(s, 3, 'write'); // home: no diff
    const effects = hlrc.onUnlock(s, 0);
    expect(sends(effects)).toEqual([
      { to: 1, msg: { kind: 'DIFF', page: 1 }, attachDiff: 1 },
      { to: 2, msg: { kind: 'DIFF', page: 2 }, attachDiff: 2 },
    ]);
    expect(effects.filter((e) => e.kind === 'setAccess')).toEqual([1, 2, 3].map((page) => ({ kind: 'setAccess', page, access: 'read' })));
    expect(effects.some((e) => e.kind === 'resume')).toBe(false);
    expect(hlrc.waitingOn(s)).toBe('release (unlock 0): 2 diff ack(s) missing');
    expect(hlrc.onMessage(s, 1, { kind: 'DIFF_ACK', page: 1 })).toEqual([]);
    const last = hlrc.onMessage(s, 2, { kind: 'DIFF_ACK', page: 2 });
    expect(last).toContainEqual({ kind: 'resume', what: 'unlock' });
    // The interval is closed: one notice naming every page written, home page included.
    expect(s.vc).toEqual([1, 0, 0]);
    expect(s.log[0]!.get(1)).toEqual([1, 2, 3]);
    expect(s.locksHeld.size).toBe(0);
  });

  test('UNLOCK to a remote lock manager carries vc and the new notices', () => {
    const s = cpu(0);
    hlrc.onLock(s, 1);
    hlrc.onMessage(s, 1, { kind: 'LOCK_GRANT', lock: 1, vc: [0, 0, 0], notices: [] });
    hlrc.onFault(s, 3, 'write');
    const effects = hlrc.onUnlock(s, 1);
    expect(sends(effects)).toEqual([{ to: 1, msg: { kind: 'UNLOCK', lock: 1, vc: [1, 0, 0], notices: [{ cpu: 0, interval: 1, pages: [3] }] } }]);
  });
});

describe('acquire', () => {
  test('a grant invalidates exactly the noticed pages this CPU is not the home of', () => {
    const s = cpu(2);
    hlrc.onLock(s, 1);
    const effects = hlrc.onMessage(s, 1, { kind: 'LOCK_GRANT', lock: 1, vc: [1, 0, 0], notices: [{ cpu: 0, interval: 1, pages: [0, 1, 2, 5] }] });
    // Marked as invalidations: no INVALIDATE message says so, and the stats count them.
    expect(effects).toEqual([
      { kind: 'setAccess', page: 0, access: 'none', invalidation: true },
      { kind: 'setAccess', page: 1, access: 'none', invalidation: true },
      { kind: 'resume', what: 'lock' },
    ]);
    expect(s.vc).toEqual([1, 0, 0]);
  });

  test('a grant that invalidates a page with this CPU\'s own writes flushes them first, and resumes on the ack', () => {
    const s = cpu(2);
    hlrc.onFault(s, 0, 'write');
    hlrc.onLock(s, 1);
    const effects = hlrc.onMessage(s, 1, { kind: 'LOCK_GRANT', lock: 1, vc: [1, 0, 0], notices: [{ cpu: 0, interval: 1, pages: [0] }] });
    expect(effects).toEqual([
      { kind: 'send', to: 0, msg: { kind: 'DIFF', page: 0 }, attachDiff: 0 },
      { kind: 'setAccess', page: 0, access: 'none', invalidation: true },
    ]);
    expect(hlrc.waitingOn(s)).toBe('acquire (lock 1): 1 diff ack(s) missing');
    expect(hlrc.onMessage(s, 0, { kind: 'DIFF_ACK', page: 0 })).toEqual([{ kind: 'resume', what: 'lock' }]);
    // The writes still belong to the open interval: the next release notices page 0.
    expect([...s.modified]).toEqual([0]);
  });

  test('a grant that names an interval without its notice is a violation', () => {
    const s = cpu(2);
    hlrc.onLock(s, 1);
    expect(() => hlrc.onMessage(s, 1, { kind: 'LOCK_GRANT', lock: 1, vc: [2, 0, 0], notices: [{ cpu: 0, interval: 1, pages: [0] }] })).toThrow(/acquire needs the notice of interval 2 of CPU 0/);
  });

  test('a grant without consistency data is a violation (it came from a protocol without notices)', () => {
    const s = cpu(2);
    hlrc.onLock(s, 1);
    expect(() => hlrc.onMessage(s, 1, { kind: 'LOCK_GRANT', lock: 1 })).toThrow(/LOCK_GRANT of lock 1 without notices/);
  });
});

describe('lock manager', () => {
  test('the grant carries the notices the request vc lacks, passed on from the last releaser', () => {
    const m = cpu(1);
    // CPU 0 takes lock 1 and releases it with a notice; CPU 2 then asks with vc zero.
    hlrc.onMessage(m, 0, { kind: 'LOCK_REQ', lock: 1, vc: [0, 0, 0] });
    hlrc.onMessage(m, 0, { kind: 'UNLOCK', lock: 1, vc: [1, 0, 0], notices: [{ cpu: 0, interval: 1, pages: [4] }] });
    expect(sends(hlrc.onMessage(m, 2, { kind: 'LOCK_REQ', lock: 1, vc: [0, 0, 0] }))).toEqual([
      { to: 2, msg: { kind: 'LOCK_GRANT', lock: 1, vc: [1, 0, 0], notices: [{ cpu: 0, interval: 1, pages: [4] }] } },
    ]);
    // A requester that has seen the interval already gets no notice.
    hlrc.onMessage(m, 2, { kind: 'UNLOCK', lock: 1, vc: [1, 0, 0], notices: [] });
    expect(sends(hlrc.onMessage(m, 0, { kind: 'LOCK_REQ', lock: 1, vc: [1, 0, 0] }))).toEqual([
      { to: 0, msg: { kind: 'LOCK_GRANT', lock: 1, vc: [1, 0, 0], notices: [] } },
    ]);
  });

  test('two different notices of one interval are a violation', () => {
    const m = cpu(1);
    hlrc.onMessage(m, 0, { kind: 'LOCK_REQ', lock: 1, vc: [0, 0, 0] });
    hlrc.onMessage(m, 0, { kind: 'UNLOCK', lock: 1, vc: [1, 0, 0], notices: [{ cpu: 0, interval: 1, pages: [4] }] });
    hlrc.onMessage(m, 0, { kind: 'LOCK_REQ', lock: 4, vc: [1, 0, 0] });
    expect(() => hlrc.onMessage(m, 0, { kind: 'UNLOCK', lock: 4, vc: [1, 0, 0], notices: [{ cpu: 0, interval: 1, pages: [5] }] })).toThrow(/two notices of interval 1 of CPU 0/);
  });
});

describe('invariants', () => {
  test('a writable page away from home without a twin at the runtime is caught', () => {
    const states = [cpu(0), cpu(1), cpu(2)];
    hlrc.onFault(states[0]!, 1, 'write');
    expect(() => hlrc.invariants(states, zeroPages, () => undefined)).toThrow(/runtime lacks a twin of page 1/);
    hlrc.invariants(states, zeroPages, (c, p) => (c === 0 && p === 1 ? new Uint8Array(64) : undefined));
  });

  test('a write the next notice would miss is caught', () => {
    const states = [cpu(0), cpu(1), cpu(2)];
    hlrc.onFault(states[1]!, 1, 'write');
    states[1]!.modified.clear();
    expect(() => hlrc.invariants(states, zeroPages)).toThrow(InvariantViolation);
  });

  test('after every interval is applied, a stale valid copy is caught', () => {
    const states = [cpu(0), cpu(1), cpu(2)];
    const bytes = (c: number, p: number): Uint8Array => new Uint8Array(64).fill(c === 2 && p === 0 ? 1 : 0);
    expect(() => hlrc.invariants(states, bytes)).toThrow(/CPU 2's copy of page 0 differs from its home CPU 0's/);
  });
});
