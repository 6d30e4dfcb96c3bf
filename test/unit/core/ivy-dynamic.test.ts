/** Handler-level tests of IVY with the dynamic distributed manager (probable owners). */
import { describe, expect, test } from '@jest/globals';
import { validateConfig } from '../../../src/core/config.js';
import { ivyDynamic, type IvyDynamicState } from '../../../src/core/ivy-dynamic.js';

const config = validateConfig({ cpus: 3, pages: 2, pageSize: 64 });
const cpu = (id: number): IvyDynamicState => ivyDynamic.init(config, id);

describe('ivy-dynamic', () => {
  test('a writer makes itself the tail and sends its request along its hint', () => {
    const s = cpu(0);
    expect(ivyDynamic.onFault(s, 1, 'write')).toEqual([{ kind: 'send', to: 1, msg: { kind: 'WRITE_REQ', page: 1 } }]);
    expect(s.probOwner[1]).toBe(0);
  });

  test('a CPU that forwards a write request points its hint at the requester', () => {
    const s = cpu(2);
    s.probOwner[1] = 0;
    expect(ivyDynamic.onMessage(s, 1, { kind: 'WRITE_REQ', page: 1 })).toEqual([{ kind: 'send', to: 0, msg: { kind: 'WRITE_FWD', page: 1, requester: 1 } }]);
    expect(s.probOwner[1]).toBe(1);
  });

  test('read requests follow hints and never move them', () => {
    const s = cpu(2);
    s.probOwner[1] = 0;
    expect(ivyDynamic.onMessage(s, 1, { kind: 'READ_REQ', page: 1 })).toEqual([{ kind: 'send', to: 0, msg: { kind: 'READ_FWD', page: 1, requester: 1 } }]);
    expect(s.probOwner[1]).toBe(0);
  });

  test('a tail that is still waiting for its grant queues one write and moves its hint on', () => {
    const s = cpu(0);
    ivyDynamic.onFault(s, 1, 'write');
    expect(ivyDynamic.onMessage(s, 2, { kind: 'READ_FWD', page: 1, requester: 2 })).toEqual([]);
    expect(ivyDynamic.onMessage(s, 1, { kind: 'WRITE_FWD', page: 1, requester: 2 })).toEqual([]);
    expect(s.queued[1]).toEqual([{ kind: 'read', requester: 2 }, { kind: 'write', requester: 2 }]);
    expect(s.probOwner[1]).toBe(2);
    // The grant arrives with no copies to invalidate: the writer resumes, then serves its
    // queue (the read, then the write, which takes the page away) only after its access ran.
    const effects = ivyDynamic.onMessage(s, 1, { kind: 'WRITE_DATA', page: 1, copyset: [], withData: true, data: new Uint8Array(64) });
    const resumeAt = effects.findIndex((e) => e.kind === 'resume');
    expect(resumeAt).toBeGreaterThan(0);
    expect(effects.slice(resumeAt + 1).filter((e) => e.kind === 'send').map((e) => (e as { msg: { kind: string } }).msg.kind)).toEqual(['READ_DATA', 'WRITE_DATA']);
    expect(s.owned[1]).toBe(false);
  });

  test('an INVALIDATE that overtakes the READ_DATA marks the coming bytes stale; they are refused and the read asked again', () => {
    const s = cpu(0);
    s.access[1] = 'none';
    ivyDynamic.onFault(s, 1, 'read');
    expect(ivyDynamic.onMessage(s, 2, { kind: 'INVALIDATE', page: 1 })).toEqual([{ kind: 'send', to: 2, msg: { kind: 'INVALIDATE_ACK', page: 1 } }]);
    expect(ivyDynamic.onMessage(s, 1, { kind: 'READ_DATA', page: 1, data: new Uint8Array(64) })).toEqual([{ kind: 'send', to: 1, msg: { kind: 'READ_REQ', page: 1 } }]);
    expect(s.access[1]).toBe('none');
    expect(ivyDynamic.waitingOn(s)).toBe('read fault on page 1');
  });
});
