/**
 * Named scenarios: small programs that show one textbook case each. `seed` is the seed
 * document's own test. Each has a one-paragraph explanation for people.
 */
import { DsmConfigError } from '../src/core/errors.js';
import type { DsmConfigInput } from '../src/core/config.js';
import type { Op } from '../src/runtime/ops.js';

export interface Scenario {
  name: string;
  title: string;
  explanation: string;
  config: DsmConfigInput;
  programs: Op[][];
}

const pageSize = 4096;
const at = (page: number, offset = 0): number => page * pageSize + offset;

function seed(): Scenario {
  const address = at(2, 0x10);
  const value = 0xc0ffee;
  const programs: Op[][] = [0, 1, 2, 3].map((cpu) =>
    cpu === 1
      ? [{ op: 'write', type: 'int32', address, value }, { op: 'barrier' }]
      : [{ op: 'barrier' }, { op: 'read', type: 'int32', address }],
  );
  return {
    name: 'seed',
    title: "The seed document's test",
    explanation:
      'Four CPUs share ten zero-filled pages; every CPU starts with a read-only copy of every page and page j is ' +
      'managed (and at first owned) by CPU j mod 4. CPU 1 writes 0xc0ffee at 0x2010 (page 2): its write fault asks ' +
      'the manager, CPU 2, which is also the owner, so the owner grants the page without sending bytes (CPU 1 ' +
      'already holds a valid copy) and names the copies to invalidate: CPUs 0 and 3 (CPU 2 dropped its own copy ' +
      'when it handed the page over). CPU 1 invalidates them, waits for both acks, takes write access and confirms ' +
      'to the manager, which records CPU 1 as the owner. After a barrier every other CPU reads the address: each ' +
      'read fault goes to the manager, which forwards it to the new owner, CPU 1, which sends the page, keeps a ' +
      'read copy and adds the reader to its copyset.',
    config: { cpus: 4, pages: 10, pageSize },
    programs,
  };
}

function pingPong(): Scenario {
  const rounds = 3;
  const programs: Op[][] = [0, 1].map((cpu) => {
    const ops: Op[] = [];
    for (let r = 0; r < rounds; r++) {
      if (cpu === 1) ops.push({ op: 'barrier' });
      ops.push({ op: 'write', type: 'int32', address: at(0), value: r * 2 + cpu + 1 });
      if (cpu === 0) ops.push({ op: 'barrier' });
    }
    return ops;
  });
  return {
    name: 'ping-pong',
    title: 'Ping-pong: two CPUs write one page in turn',
    explanation:
      'CPU 0 and CPU 1 take turns writing the same word; a barrier after each write makes them alternate. Every ' +
      'turn is a write fault that moves ownership of the whole page to the other CPU and invalidates the previous ' +
      'writer\'s copy: the page bounces back and forth, and the manager (CPU 0) updates its owner record after ' +
      'every WRITE_CONFIRM. When CPU 0 writes, the request, the forward and the grant may all be local calls.',
    config: { cpus: 2, pages: 2, pageSize },
    programs,
  };
}

function falseSharing(samePage: boolean): Scenario {
  const writes = 4;
  const programs: Op[][] = [0, 1].map((cpu) =>
    Array.from({ length: writes }, (_, k): Op => ({
      op: 'write', type: 'int32', address: samePage ? at(0, cpu * 64) : at(cpu, 0), value: cpu * 100 + k + 1,
    })),
  );
  return {
    name: samePage ? 'false-sharing' : 'no-false-sharing',
    title: samePage ? 'False sharing: two CPUs write different words of one page' : 'The same work on two pages',
    explanation: samePage
      ? 'CPU 0 writes word 0 and CPU 1 writes word 16 of page 0. They never touch the same bytes, yet coherence is ' +
        'per page, so each write can steal the page from the other CPU: faults and messages grow with the ' +
        'interleaving. Compare the counters with the no-false-sharing preset (2 faults, 4 messages), and try other ' +
        'scheduler seeds: seed 5 interleaves the writes more and costs 5 faults and 13 messages.'
      : 'The same writes as the false-sharing preset, but each CPU writes its own page: after one write fault each, ' +
        'every later write is local and sends nothing: 2 faults and 4 messages whatever the interleaving. The fix ' +
        'for false sharing is layout: keep data written by different CPUs on different pages.',
    config: { cpus: 2, pages: 2, pageSize },
    programs,
  };
}

function producerConsumer(): Scenario {
  const items = 3;
  const programs: Op[][] = [0, 1].map((cpu) => {
    const ops: Op[] = [];
    for (let k = 0; k < items; k++) {
      ops.push({ op: 'lock', lock: 0 });
      if (cpu === 0) ops.push({ op: 'write', type: 'int32', address: at(1, k * 4), value: 1000 + k });
      else ops.push({ op: 'read', type: 'int32', address: at(1, k * 4) });
      ops.push({ op: 'unlock', lock: 0 });
    }
    return ops;
  });
  return {
    name: 'producer-consumer',
    title: 'Producer and consumer under a lock',
    explanation:
      'CPU 0 produces items into page 1 and CPU 1 consumes them, each inside lock 0 (managed by CPU 0). The lock ' +
      'serializes the critical sections (LOCK_REQ, LOCK_GRANT, UNLOCK; nothing is sent when CPU 0 takes the lock ' +
      'while it is free, since it is the lock manager); the page moves between them by write and read faults. The ' +
      'lock does not carry the data: the consumer still faults to read what the producer wrote.',
    config: { cpus: 2, pages: 2, pageSize },
    programs,
  };
}

function readersThenWriter(): Scenario {
  const cpus = 4;
  const address = at(3);
  const programs: Op[][] = Array.from({ length: cpus }, (_, cpu): Op[] =>
    cpu === 0
      ? [{ op: 'write', type: 'int32', address, value: 7 }, { op: 'barrier' }, { op: 'barrier' }, { op: 'write', type: 'int32', address, value: 8 }]
      : [{ op: 'barrier' }, { op: 'read', type: 'int32', address }, { op: 'barrier' }],
  );
  return {
    name: 'readers-then-writer',
    title: 'Many readers, then one writer',
    explanation:
      'CPU 0 writes page 3; after a barrier three CPUs read it and each gets a read copy (the owner adds it to the ' +
      'copyset). After a second barrier CPU 0 writes again: one write fault invalidates all three copies, ' +
      '4 + 2k messages with k = 3 (fewer where the manager is local).',
    config: { cpus, pages: 4, pageSize },
    programs,
  };
}

export const scenarios: Record<string, () => Scenario> = {
  seed,
  'ping-pong': pingPong,
  'false-sharing': () => falseSharing(true),
  'no-false-sharing': () => falseSharing(false),
  'producer-consumer': producerConsumer,
  'readers-then-writer': readersThenWriter,
};

export const scenarioNames = Object.keys(scenarios);

export function getScenario(name: string): Scenario {
  const make = Object.prototype.hasOwnProperty.call(scenarios, name) ? scenarios[name] : undefined;
  if (!make) throw new DsmConfigError(`unknown scenario ${JSON.stringify(name)}; allowed: ${scenarioNames.join(', ')}`);
  return make();
}
