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
  /** The address whose bytes the page shows in every copy (default: the first write's). */
  watch?: number;
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
  // Two barriers a round: CPU 0 writes before the first, CPU 1 between the two. With one
  // barrier a round, CPU 1's write of round r would race CPU 0's write of round r + 1.
  const programs: Op[][] = [0, 1].map((cpu) => {
    const ops: Op[] = [];
    for (let r = 0; r < rounds; r++) {
      if (cpu === 1) ops.push({ op: 'barrier' });
      ops.push({ op: 'write', type: 'int32', address: at(0), value: r * 2 + cpu + 1 });
      if (cpu === 0) ops.push({ op: 'barrier' });
      ops.push({ op: 'barrier' });
    }
    return ops;
  });
  return {
    name: 'ping-pong',
    title: 'Ping-pong: two CPUs write one page in turn',
    explanation:
      'CPU 0 and CPU 1 take turns writing the same word, three times each; two barriers a round make them alternate ' +
      '(CPU 0 writes before the first, CPU 1 between the two). Every one of the 6 writes is a write fault that moves ' +
      'ownership of the whole page to the writer and invalidates the other CPU\'s copy: the page bounces back and ' +
      'forth, and the manager (CPU 0) updates its owner record after every WRITE_CONFIRM. When CPU 0 writes, the ' +
      'request, the forward and the grant may all be local calls. Under IVY: 6 faults, 27 messages (15 of them for ' +
      'the 6 barriers).',
    config: { cpus: 2, pages: 2, pageSize },
    programs,
  };
}

function falseSharing(samePage: boolean): Scenario {
  const writes = 4;
  const word = (cpu: number): number => (samePage ? at(0, cpu * 64) : at(cpu, 0));
  // The barrier is a release: under hlrc the writers' diffs go home there (without one they
  // would never leave). Then each CPU reads the other's word, which must be its last value.
  const programs: Op[][] = [0, 1].map((cpu): Op[] => [
    ...Array.from({ length: writes }, (_, k): Op => ({ op: 'write', type: 'int32', address: word(cpu), value: cpu * 100 + k + 1 })),
    { op: 'barrier' },
    { op: 'read', type: 'int32', address: word(1 - cpu) },
  ]);
  return {
    name: samePage ? 'false-sharing' : 'no-false-sharing',
    title: samePage ? 'False sharing: two CPUs write different words of one page' : 'The same work on two pages',
    explanation: samePage
      ? 'CPU 0 writes word 0 and CPU 1 writes word 16 of page 0, four times each; after a barrier each reads the ' +
        'other\'s word. They never write the same bytes, yet IVY keeps coherence per page, so each write can steal ' +
        'the page from the other CPU: faults and messages grow with the interleaving. Seed 1 runs each CPU\'s writes ' +
        'together and costs what the no-false-sharing preset costs (4 faults, 12 messages); seed 5 interleaves them ' +
        'and costs 6 faults and 17 messages. Under hlrc (--protocol hlrc) both CPUs write the page at once, CPU 1 on ' +
        'a twin, and its diff goes home at the barrier: 3 faults and 6 messages whatever the seed.'
      : 'The same writes as the false-sharing preset, but each CPU writes its own page: after one write fault each, ' +
        'every later write is local and sends nothing; the barrier and the two reads cost the rest: 4 faults and ' +
        '12 messages under IVY whatever the interleaving. The fix for false sharing is layout: keep data written by ' +
        'different CPUs on different pages.',
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

function criticalSection(): Scenario {
  const cpus = 3;
  const address = at(0, 0x20);
  // Each CPU reads the shared word and writes its own value inside lock 1 (managed by CPU 1):
  // the lock's FIFO queue decides the order, and every read returns the previous holder's write.
  const programs: Op[][] = Array.from({ length: cpus }, (_, cpu): Op[] => [
    { op: 'lock', lock: 1 },
    { op: 'read', type: 'int32', address },
    { op: 'write', type: 'int32', address, value: 0x100 + cpu },
    { op: 'unlock', lock: 1 },
  ]);
  return {
    name: 'critical-section',
    title: 'Three CPUs take turns in a critical section',
    explanation:
      'Three CPUs each take lock 1, read the word at 0x20, write their own value (0x100 + CPU id) and unlock. The ' +
      'lock manager, CPU 1, grants the lock to one CPU at a time and queues the others (LOCK_REQ, LOCK_GRANT, ' +
      'UNLOCK; watch the queue under "Locks and barrier"); each holder reads the value its predecessor wrote, ' +
      'because the page follows the lock through read and write faults. A bug that grants a held lock twice ' +
      '(--mutant doubleGrant) lets two CPUs in at once.',
    config: { cpus, pages: 2, pageSize },
    programs,
  };
}

function readersThenWriter(): Scenario {
  const cpus = 4;
  const address = at(3);
  const programs: Op[][] = Array.from({ length: cpus }, (_, cpu): Op[] =>
    cpu === 0
      ? [{ op: 'write', type: 'int32', address, value: 7 }, { op: 'barrier' }, { op: 'barrier' }, { op: 'write', type: 'int32', address, value: 8 }, { op: 'barrier' }]
      : [{ op: 'barrier' }, { op: 'read', type: 'int32', address }, { op: 'barrier' }, { op: 'barrier' }],
  );
  return {
    name: 'readers-then-writer',
    title: 'Many readers, then one writer',
    explanation:
      'CPU 0 writes page 3; after a barrier three CPUs read it and each gets a read copy (the owner adds it to the ' +
      'copyset). After a second barrier CPU 0 writes again: one write fault invalidates all three copies, ' +
      '4 + 2k messages with k = 3 (fewer where the manager is local). A last barrier ends the run (under hlrc it ' +
      'is the release that sends the write home).',
    config: { cpus, pages: 4, pageSize },
    programs,
  };
}

function relay(): Scenario {
  const cpus = 4;
  // Phase k: CPU k writes word k of page 1 while the others read word k - 1, which the phase
  // before wrote; a barrier ends every phase. Reads and the write of a phase overlap.
  const programs: Op[][] = Array.from({ length: cpus }, (_, cpu): Op[] => {
    const ops: Op[] = [];
    for (let k = 0; k < cpus; k++) {
      if (cpu === k) ops.push({ op: 'write', type: 'int32', address: at(1, 4 * k), value: 0x10 * (k + 1) + cpu });
      else if (k > 0) ops.push({ op: 'read', type: 'int32', address: at(1, 4 * (k - 1)) });
      ops.push({ op: 'barrier' });
    }
    return ops;
  });
  return {
    name: 'relay',
    title: 'A relay: each phase one CPU writes while the others read',
    explanation:
      'Four CPUs pass page 1 around in four phases, a barrier after each: in phase k CPU k writes word k ' +
      '(0x10, 0x21, 0x32, 0x43 at 0x1000, 0x1004, 0x1008, 0x100c) while the other CPUs read word k - 1, which ' +
      'the phase before wrote. Every phase thus has read faults and a write fault on one page at once, and ' +
      'under ivy-dynamic seed 1 shows both races its owners must handle. In phase 1 CPU 3\'s READ_REQ reaches ' +
      'CPU 1 while CPU 1, already the owner, still waits for the INVALIDATE_ACK of its write fault: CPU 1 queues ' +
      'the request and serves it only once it has written (--mutant serveDuringWrite serves it at once, ' +
      '--mutant dropQueuedAtTail never). In phase 3 CPU 2 sends CPU 0 a read copy, then gives the page to ' +
      'CPU 3, whose INVALIDATE reaches CPU 0 before that READ_DATA: CPU 0 drops the stale bytes and asks ' +
      'again (--mutant installStaleCopy keeps them). Under IVY the manager, CPU 1, orders the requests ' +
      'instead: 9 faults and 63 messages. Under hlrc the readers fetch the page from its home, CPU 1, and ' +
      'each writer other than CPU 1 sends its diff home at the barrier: 44 messages.',
    config: { cpus, pages: 2, pageSize },
    programs,
  };
}

function pipeline(): Scenario {
  const rounds = 3;
  const x = at(1, 0);
  const y = at(1, 0x40);
  // CPU 1 produces x under lock 0; CPU 0 takes x under lock 0 and passes y on under lock 2;
  // CPU 2 takes y under lock 2. Every access is inside its lock: the program is race-free.
  const programs: Op[][] = [[], [], []];
  for (let r = 0; r < rounds; r++) {
    programs[1]!.push({ op: 'lock', lock: 0 }, { op: 'write', type: 'int32', address: x, value: 0x11 + r }, { op: 'unlock', lock: 0 });
    programs[0]!.push(
      { op: 'lock', lock: 0 }, { op: 'read', type: 'int32', address: x }, { op: 'unlock', lock: 0 },
      { op: 'lock', lock: 2 }, { op: 'write', type: 'int32', address: y, value: 0x21 + r }, { op: 'unlock', lock: 2 },
    );
    programs[2]!.push({ op: 'lock', lock: 2 }, { op: 'read', type: 'int32', address: y }, { op: 'unlock', lock: 2 });
  }
  return {
    name: 'pipeline',
    title: 'A pipeline through two locks',
    explanation:
      'CPU 1 produces three values (0x11, 0x12, 0x13) into x at 0x1000, each under lock 0; CPU 0 takes each ' +
      'under lock 0 and passes a value of its own (0x21, 0x22, 0x23) into y at 0x1040 under lock 2; CPU 2 ' +
      'reads y under lock 2, three times. Every access is inside the lock that guards its word, so the program ' +
      'is race-free, though the schedule decides what a read sees (at seed 1 under hlrc CPU 2 gets lock 2 ' +
      'twice before CPU 0 and reads 0, 0, then 0x21). The pipeline is about what a release passes on. Under ' +
      'hlrc CPU 0 learned of CPU 1\'s writes from lock 0, so when it releases lock 2 its UNLOCK carries CPU ' +
      '1\'s write notices with its own ("write notices CPU 0#1 pages [1], CPU 1#1 pages [1]"): they happened ' +
      'before, and CPU 2\'s acquire must see them too. A release that passes on only its own notices ' +
      '(--mutant noTransitiveNotices) leaves CPU 2 with a vector timestamp naming an interval of CPU 1 whose ' +
      'notice never came: 32 messages at seed 1 without the bug. Under IVY the locks only order the critical ' +
      'sections and page 1 moves by read and write faults.',
    config: { cpus: 3, pages: 2, pageSize },
    programs,
  };
}

export const scenarios: Record<string, () => Scenario> = {
  seed,
  'ping-pong': pingPong,
  'false-sharing': () => falseSharing(true),
  'no-false-sharing': () => falseSharing(false),
  'producer-consumer': producerConsumer,
  'critical-section': criticalSection,
  'readers-then-writer': readersThenWriter,
  relay,
  pipeline,
};

export const scenarioNames = Object.keys(scenarios);

export function getScenario(name: string): Scenario {
  const make = Object.prototype.hasOwnProperty.call(scenarios, name) ? scenarios[name] : undefined;
  if (!make) throw new DsmConfigError(`unknown scenario ${JSON.stringify(name)}; allowed: ${scenarioNames.join(', ')}`);
  return make();
}
