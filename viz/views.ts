/**
 * What the page shows of each protocol's own state. Every protocol keeps different records
 * (IVY: a manager's owner record and request queue, an owner's copyset; ivy-dynamic:
 * probable-owner hints and no manager; hlrc: homes, twins, dirty pages, write notices and
 * vector timestamps), so each has a *view*: the columns of its page table, the columns of a
 * per-CPU table, the marks beside an access letter, and two ways to fill them:
 * - `fromStates`: from the protocol's own states, exactly (presets, the in-page editor);
 * - `replay`: from a trace's events alone, with what the events do not carry left out and
 *   named in `traceNotes`.
 * The client (viz/client.ts) draws whatever columns the view names; it knows no protocol.
 */
import { hlrc, type HlrcState } from '../src/core/hlrc.js';
import { ivyDynamic, type IvyDynamicState } from '../src/core/ivy-dynamic.js';
import { ivy, ivyCentral, type IvyState } from '../src/core/ivy.js';
import type { Protocol } from '../src/core/protocol.js';
import type { SyncState } from '../src/core/sync.js';
import type { TraceEvent } from '../src/runtime/trace.js';

export interface Column {
  key: string;
  label: string;
  /** What the column means, for the heading's tooltip. */
  title: string;
}

/** A table cell: the text people read and a plain value for tests and scripts. */
export interface Cell {
  text: string;
  value: string;
}

/** One page's records at one moment. */
export interface PageSnapshot {
  /** Access of this page at every CPU: 'none', 'read' or 'write'. */
  access: string[];
  /** Per CPU, the marks beside the access letter ('★' owner, 'H' home, 'T' twin, ...). */
  marks: string[];
  /** One cell per page column of the view. */
  cells: Record<string, Cell>;
}

/** One CPU's records at one moment (hlrc: vector timestamp, notices, what it waits for). */
export interface CpuSnapshot {
  cells: Record<string, Cell>;
}

export interface SyncSnapshot {
  locks: { lock: number; manager: number; holder: number | null; queue: number[] }[];
  barrier: { epoch: number; arrived: number[] };
}

export interface StateSnapshot {
  pages: PageSnapshot[];
  cpuState: CpuSnapshot[];
  sync?: SyncSnapshot;
}

export interface ProtocolView {
  protocol: string;
  /** One line for the page's header. */
  describe(cpus: number): string;
  /** The start state, in words. */
  start: string;
  marks: { mark: string; meaning: string }[];
  pageColumns: Column[];
  cpuColumns: Column[];
  fromStates(states: readonly unknown[]): StateSnapshot;
  /** A replay of the view's records from trace events, for trace files. */
  replay(cpus: number, pages: number): TraceReplay;
  /** What a trace cannot show under this protocol, in sentences. */
  traceNotes: string[];
}

export interface TraceReplay {
  apply(e: TraceEvent): void;
  snapshot(): StateSnapshot;
}

const cpuText = (c: number | null): Cell => (c === null ? { text: '?', value: '' } : { text: `CPU ${c}`, value: String(c) });
const cpusText = (list: readonly number[], none = '–'): Cell => ({
  text: list.length === 0 ? none : list.map((c) => `CPU ${c}`).join(', '),
  value: list.join(','),
});
const setText = (list: readonly number[]): Cell => ({ text: `{${list.join(', ')}}`, value: list.join(',') });
const plain = (text: string, value = text): Cell => ({ text, value });

function syncOf(states: readonly SyncState[]): SyncSnapshot {
  const n = states.length;
  const lockIds = new Set<number>();
  for (const s of states) {
    for (const id of s.lockHolder.keys()) lockIds.add(id);
    for (const id of s.lockQueue.keys()) lockIds.add(id);
  }
  const locks = [...lockIds].sort((a, b) => a - b).map((lock) => {
    const m = states[lock % n]!;
    return { lock, manager: lock % n, holder: m.lockHolder.get(lock) ?? null, queue: [...(m.lockQueue.get(lock) ?? [])] };
  });
  const b = states[0]!;
  return { locks, barrier: { epoch: b.managerBarrierEpoch, arrived: [...b.barrierArrived] } };
}

/** The access letters every replay tracks exactly: every change of access is an event. */
class AccessReplay {
  readonly access: string[][];
  constructor(readonly cpus: number, readonly pages: number) {
    this.access = Array.from({ length: pages }, () => new Array<string>(cpus).fill('read'));
  }
  /** Whether `p` is a page and the event's CPU a CPU of this run. */
  inRange(p: unknown, cpu: number): p is number {
    return typeof p === 'number' && p >= 0 && p < this.pages && cpu >= 0 && cpu < this.cpus;
  }
  apply(e: TraceEvent): void {
    if (e.type === 'access' && this.inRange(e.page, e.cpu)) this.access[e.page]![e.cpu] = e.access;
  }
}

const waitingColumn: Column = { key: 'waiting', label: 'waiting for', title: 'what the CPU\u2019s program is blocked on: a fault, a release waiting for diff acks, an acquire, a lock or the barrier' };

/** The protocol's own words for what a CPU waits for (Protocol.waitingOn). */
function waitingCell<S>(protocol: Protocol<S>, s: S): Record<string, Cell> {
  const w = protocol.waitingOn(s);
  return { waiting: w === null ? plain('\u2013', '') : plain(w) };
}

/**
 * Owners and copysets rebuilt from events, for the IVY protocols: at start `ownerOf(p)` owns
 * page p and every other CPU is in its copyset. Both IVY replays move ownership the same way;
 * they differ in which events do it.
 */
class OwnershipReplay {
  readonly owned: boolean[][];
  readonly copyset: number[][][];
  readonly all: number[];
  constructor(cpus: number, pages: number, ownerOf: (page: number) => number) {
    this.all = Array.from({ length: cpus }, (_, c) => c);
    this.owned = Array.from({ length: pages }, (_, p) => this.all.map((c) => c === ownerOf(p)));
    this.copyset = Array.from({ length: pages }, (_, p) => this.all.map((c) => (c === ownerOf(p) ? this.all.filter((o) => o !== c) : [])));
  }
  /** `cpu` owns `page` now, with an empty copyset (its copies are invalidated or will be). */
  own(page: number, cpu: number): void {
    this.owned[page]![cpu] = true;
    this.copyset[page]![cpu] = [];
  }
  /** `cpu` hands `page` over. */
  drop(page: number, cpu: number): void {
    this.owned[page]![cpu] = false;
    this.copyset[page]![cpu] = [];
  }
  addReader(page: number, owner: number, reader: number): void {
    const cs = this.copyset[page]![owner]!;
    if (!cs.includes(reader)) cs.push(reader);
    cs.sort((a, b) => a - b);
  }
  /** The owner mark per CPU and the owner and copyset cells of `page`. */
  cells(page: number): { stars: string[]; owner: Cell; copyset: Cell } {
    const owners = this.all.filter((c) => this.owned[page]![c]);
    return {
      stars: this.all.map((c) => (this.owned[page]![c] ? '\u2605' : '')),
      owner: owners.length === 0 ? plain('(moving)', '') : cpusText(owners),
      copyset: owners.length === 0 ? plain('\u2013', '') : setText(this.copyset[page]![owners[0]!]!),
    };
  }
}

// ---------------------------------------------------------------- IVY (both manager placements)

function ivyView(protocol: 'ivy' | 'ivy-central'): ProtocolView {
  const managerOf = (cpus: number, page: number): number => (protocol === 'ivy-central' ? 0 : page % cpus);
  const describeRequest = (r: { kind: string; requester: number } | null): string => (r === null ? 'idle' : `${r.kind} for CPU ${r.requester}`);
  const pageColumns: Column[] = [
    { key: 'manager', label: 'manager', title: 'the CPU that knows the page\u2019s owner and serializes its requests' },
    { key: 'record', label: 'manager\u2019s owner record', title: 'who the manager believes owns the page' },
    { key: 'owner', label: 'owner', title: 'the CPU that holds the page as owner' },
    { key: 'copyset', label: 'owner\u2019s copyset', title: 'the CPUs with read copies, as the owner records them' },
    { key: 'queue', label: 'manager serving / queue', title: 'the request the manager serves now, and the queue behind it' },
  ];
  return {
    protocol,
    describe: (cpus) => (protocol === 'ivy-central'
      ? 'IVY, improved central manager: CPU 0 manages every page'
      : `IVY, fixed distributed manager: page p is managed by CPU p mod ${cpus}`),
    start: 'every CPU holds a read copy of every page; each page\u2019s manager owns it',
    marks: [{ mark: '\u2605', meaning: 'owner' }],
    pageColumns,
    cpuColumns: [waitingColumn],
    fromStates(raw) {
      const states = raw as readonly IvyState[];
      const n = states.length;
      const pages = Array.from({ length: states[0]!.pages }, (_, p): PageSnapshot => {
        const m = states[managerOf(n, p)]!;
        const owners = states.filter((s) => s.owned[p]);
        const queue = m.managerQueue[p]!.map(describeRequest);
        return {
          access: states.map((s) => s.access[p]!),
          marks: states.map((s) => (s.owned[p] ? '\u2605' : '')),
          cells: {
            manager: cpuText(managerOf(n, p)),
            record: cpuText(m.managerOwner[p]!),
            owner: owners.length === 0 ? plain('(moving)', '') : cpusText(owners.map((s) => s.id)),
            copyset: owners.length === 0 ? plain('\u2013', '') : setText(owners[0]!.copyset[p]!),
            queue: plain(describeRequest(m.managerBusy[p]!) + (queue.length > 0 ? `; waiting: ${queue.join(', ')}` : '')),
          },
        };
      });
      return { pages, cpuState: states.map((s) => ({ cells: waitingCell(protocol === 'ivy' ? ivy : ivyCentral, s) })), sync: syncOf(states) };
    },
    replay(cpus, pageCount) {
      const base = new AccessReplay(cpus, pageCount);
      const own = new OwnershipReplay(cpus, pageCount, (p) => managerOf(cpus, p));
      const record = Array.from({ length: pageCount }, (_, p) => managerOf(cpus, p));
      return {
        apply(e) {
          base.apply(e);
          // IVY: a CPU takes write access only as the page's owner, with every copy invalidated.
          if (e.type === 'access' && base.inRange(e.page, e.cpu) && e.access === 'write') return own.own(e.page, e.cpu);
          if (e.type !== 'send' && e.type !== 'local' && e.type !== 'recv') return;
          const page = e.msg['page'];
          if (!base.inRange(page, e.cpu)) return;
          if (e.type === 'send' && e.msg.kind === 'READ_DATA') own.addReader(page, e.cpu, e.to);
          // The owner hands the page over, even to itself (an upgrade): until the writer has
          // collected every ack and takes write access, nobody owns the page.
          else if ((e.type === 'send' || e.type === 'local') && e.msg.kind === 'WRITE_DATA') own.drop(page, e.cpu);
          else if (e.type === 'recv' && e.msg.kind === 'WRITE_CONFIRM') record[page] = e.from;
          else if (e.type === 'local' && e.msg.kind === 'WRITE_CONFIRM') record[page] = e.cpu;
        },
        snapshot() {
          const pages = base.access.map((access, p): PageSnapshot => {
            const o = own.cells(p);
            return {
              access: [...access],
              marks: o.stars,
              cells: { manager: cpuText(managerOf(cpus, p)), record: cpuText(record[p]!), owner: o.owner, copyset: o.copyset, queue: plain('not in a trace', '') },
            };
          });
          return { pages, cpuState: own.all.map(() => ({ cells: { waiting: plain('not in a trace', '') } })) };
        },
      };
    },
    traceNotes: [
      'Built from a trace file: page access is exact (every change is an event); the managers\u2019 owner records and the owners\u2019 copysets are reconstructed from WRITE_CONFIRM, READ_DATA and WRITE_DATA, assuming IVY\u2019s start state (every CPU holds a read copy, each page\u2019s manager owns it).',
      'A trace does not record the managers\u2019 busy flags and request queues, lock holders and queues, or the barrier: the page cannot show them.',
    ],
  };
}

// ---------------------------------------------------------------- IVY, dynamic distributed manager

const ivyDynamicView: ProtocolView = {
  protocol: 'ivy-dynamic',
  describe: () => 'IVY, dynamic distributed manager: no manager; requests follow each CPU\u2019s probable-owner hint to the owner, and pending writers form a queue along the hints',
  start: 'every CPU holds a read copy of every page; CPU p mod N owns page p and every hint points at it',
  marks: [{ mark: '\u2605', meaning: 'owner' }, { mark: '\u2192c', meaning: 'probable-owner hint (where this CPU sends a request)' }],
  pageColumns: [
    { key: 'owner', label: 'owner', title: 'the CPU that holds the page as owner' },
    { key: 'copyset', label: 'owner\u2019s copyset', title: 'the CPUs with read copies, as the owner records them' },
    { key: 'tail', label: 'tail', title: 'the CPU whose hint names itself: the owner, or the last CPU that asked to write' },
    { key: 'writers', label: 'writers waiting', title: 'CPUs with a write request on its way or queued, in the order the hints chain them' },
    { key: 'queue', label: 'held requests', title: 'requests a tail holds back until it has the page and has written' },
  ],
  cpuColumns: [waitingColumn],
  fromStates(raw) {
    const states = raw as readonly IvyDynamicState[];
    const pages = Array.from({ length: states[0]!.pages }, (_, p): PageSnapshot => {
      const owners = states.filter((s) => s.owned[p]);
      const tails = states.filter((s) => s.probOwner[p] === s.id).map((s) => s.id);
      const writers = states.filter((s) => s.fault?.page === p && s.fault.access === 'write' && !s.fault.granted).map((s) => s.id);
      const held = states.flatMap((s) => s.queued[p]!.map((q) => `CPU ${s.id} holds ${q.kind} of CPU ${q.requester}`));
      return {
        access: states.map((s) => s.access[p]!),
        marks: states.map((s) => (s.owned[p] ? '\u2605' : '') + (s.probOwner[p] !== s.id ? `\u2192${s.probOwner[p]}` : '')),
        cells: {
          owner: owners.length === 0 ? plain('(moving)', '') : cpusText(owners.map((s) => s.id)),
          copyset: owners.length === 0 ? plain('\u2013', '') : setText(owners[0]!.copyset[p]!),
          tail: cpusText(tails),
          writers: cpusText(writers, 'none'),
          queue: plain(held.length === 0 ? 'none' : held.join('; '), String(held.length)),
        },
      };
    });
    return { pages, cpuState: states.map((s) => ({ cells: waitingCell(ivyDynamic, s) })), sync: syncOf(states) };
  },
  replay(cpus, pageCount) {
    const base = new AccessReplay(cpus, pageCount);
    const own = new OwnershipReplay(cpus, pageCount, (p) => p % cpus);
    const hint = Array.from({ length: pageCount }, (_, p) => own.all.map(() => p % cpus));
    return {
      apply(e) {
        base.apply(e);
        if (e.type === 'access' && base.inRange(e.page, e.cpu) && e.access === 'write') {
          own.own(e.page, e.cpu);
          hint[e.page]![e.cpu] = e.cpu;
          return;
        }
        // An owner that upgrades its own copy invalidates its copyset at once, before the acks.
        if (e.type === 'fault' && base.inRange(e.page, e.cpu) && e.access === 'write' && own.owned[e.page]![e.cpu]) own.own(e.page, e.cpu);
        if (e.type !== 'send' && e.type !== 'recv') return;
        const page = e.msg['page'];
        if (!base.inRange(page, e.cpu)) return;
        // The hint rules of src/core/ivy-dynamic.ts: a writer makes itself the tail; every CPU
        // that receives a write request points its hint at the writer; an owner that grants
        // the page points at the new owner.
        if (e.type === 'send' && e.msg.kind === 'WRITE_REQ') hint[page]![e.cpu] = e.cpu;
        else if (e.type === 'recv' && e.msg.kind === 'WRITE_REQ') hint[page]![e.cpu] = e.from;
        else if (e.type === 'recv' && e.msg.kind === 'WRITE_FWD') hint[page]![e.cpu] = e.msg['requester'] as number;
        else if (e.type === 'send' && e.msg.kind === 'READ_DATA') own.addReader(page, e.cpu, e.to);
        else if (e.type === 'send' && e.msg.kind === 'WRITE_DATA') {
          own.drop(page, e.cpu);
          hint[page]![e.cpu] = e.to;
        } else if (e.type === 'recv' && e.msg.kind === 'WRITE_DATA') own.own(page, e.cpu);
      },
      snapshot() {
        const pages = base.access.map((access, p): PageSnapshot => {
          const o = own.cells(p);
          return {
            access: [...access],
            marks: own.all.map((c) => o.stars[c]! + (hint[p]![c] !== c ? `\u2192${hint[p]![c]}` : '')),
            cells: {
              owner: o.owner,
              copyset: o.copyset,
              tail: cpusText(own.all.filter((c) => hint[p]![c] === c)),
              writers: plain('not in a trace', ''),
              queue: plain('not in a trace', ''),
            },
          };
        });
        return { pages, cpuState: own.all.map(() => ({ cells: { waiting: plain('not in a trace', '') } })) };
      },
    };
  },
  traceNotes: [
    'Built from a trace file: page access is exact; owners, copysets and probable-owner hints are reconstructed from the requests and grants the trace records (READ_DATA, WRITE_REQ, WRITE_FWD, WRITE_DATA), assuming the start state (CPU p mod N owns page p, every hint points at it).',
    'A trace does not record which requests a tail holds back, lock holders and queues, or the barrier: the page cannot show them.',
  ],
};

// ---------------------------------------------------------------- HLRC

const noticesText = (log: readonly Map<number, number[]>[]): Cell => {
  const parts: string[] = [];
  log.forEach((m, cpu) => {
    for (const [k, pages] of [...m.entries()].sort((a, b) => a[0] - b[0])) parts.push(`${cpu}#${k}[${pages.join(',')}]`);
  });
  return plain(parts.length === 0 ? 'none' : parts.join(' '), parts.join(' '));
};

const hlrcView: ProtocolView = {
  protocol: 'hlrc',
  describe: (cpus) => `home-based lazy release consistency: page p\u2019s home is CPU p mod ${cpus}; many writers per page, each with a twin, diffs sent home at each release; write notices with vector timestamps travel on lock and barrier messages`,
  start: 'every CPU holds a valid read copy of every page; page p\u2019s home is CPU p mod N',
  marks: [
    { mark: 'H', meaning: 'home (the master copy)' },
    { mark: 'T', meaning: 'twin kept (a non-home writer)' },
    { mark: 'D', meaning: 'dirty: written in the current interval' },
    { mark: '\u21e1', meaning: 'diff on its way home' },
  ],
  pageColumns: [
    { key: 'home', label: 'home', title: 'the CPU whose copy is the master; other writers send it diffs' },
    { key: 'twins', label: 'twins at', title: 'CPUs that write the page and keep a twin (the page as it was before their first write)' },
    { key: 'dirty', label: 'dirty at', title: 'CPUs that wrote the page in their current interval: the next release sends a notice of it' },
  ],
  cpuColumns: [
    { key: 'vc', label: 'vector timestamp', title: 'vc[j]: how many of CPU j\u2019s intervals this CPU has applied (its own: closed)' },
    { key: 'notices', label: 'write notices known', title: 'CPU#interval[pages]: the notices this CPU keeps (since its last barrier but one)' },
    waitingColumn,
  ],
  fromStates(raw) {
    const states = raw as readonly HlrcState[];
    const n = states.length;
    const pages = Array.from({ length: states[0]!.pages }, (_, p): PageSnapshot => ({
      access: states.map((s) => s.access[p]!),
      marks: states.map((s) => (p % n === s.id ? 'H' : '') + (s.twinned[p] ? 'T' : '') + (s.modified.has(p) ? 'D' : '') + (s.diffsUnacked.has(p) ? '\u21e1' : '')),
      cells: {
        home: cpuText(p % n),
        twins: cpusText(states.filter((s) => s.twinned[p]).map((s) => s.id), 'none'),
        dirty: cpusText(states.filter((s) => s.modified.has(p)).map((s) => s.id), 'none'),
      },
    }));
    const cpuState = states.map((s): CpuSnapshot => {
      return { cells: { vc: plain(`[${s.vc.join(', ')}]`, s.vc.join(',')), notices: noticesText(s.log), ...waitingCell(hlrc, s) } };
    });
    return { pages, cpuState, sync: syncOf(states) };
  },
  replay(cpus, pageCount) {
    const base = new AccessReplay(cpus, pageCount);
    const all = Array.from({ length: cpus }, (_, c) => c);
    const dirty = all.map(() => new Set<number>());
    const diffs = all.map(() => new Set<number>());
    return {
      apply(e) {
        base.apply(e);
        // A page becomes dirty when its writer gets write access, and stays dirty until the
        // interval closes: when the release's UNLOCK or BARRIER_ARRIVE leaves.
        if (e.type === 'access' && base.inRange(e.page, e.cpu) && e.access === 'write') dirty[e.cpu]!.add(e.page);
        if ((e.type === 'send' || e.type === 'local') && (e.msg.kind === 'UNLOCK' || e.msg.kind === 'BARRIER_ARRIVE') && base.inRange(0, e.cpu)) dirty[e.cpu]!.clear();
        if (e.type === 'send' && e.msg.kind === 'DIFF' && base.inRange(e.msg['page'], e.cpu)) diffs[e.cpu]!.add(e.msg['page'] as number);
        if (e.type === 'recv' && e.msg.kind === 'DIFF_ACK' && base.inRange(e.msg['page'], e.cpu)) diffs[e.cpu]!.delete(e.msg['page'] as number);
      },
      snapshot() {
        // Twins are exact from access alone: hlrc twins exactly where a non-home CPU can write.
        const pages = base.access.map((access, p): PageSnapshot => {
          const home = p % cpus;
          const twins = all.filter((c) => c !== home && access[c] === 'write');
          const written = all.filter((c) => dirty[c]!.has(p));
          return {
            access: [...access],
            marks: all.map((c) => (c === home ? 'H' : '') + (twins.includes(c) ? 'T' : '') + (written.includes(c) ? 'D' : '') + (diffs[c]!.has(p) ? '\u21e1' : '')),
            cells: { home: cpuText(home), twins: cpusText(twins, 'none'), dirty: cpusText(written, 'none') },
          };
        });
        const unknown = plain('not in a trace', '');
        return { pages, cpuState: all.map(() => ({ cells: { vc: unknown, notices: unknown, waiting: unknown } })) };
      },
    };
  },
  traceNotes: [
    'Built from a trace file: page access is exact, and so are homes, twins (hlrc twins exactly the pages a non-home CPU can write), dirty pages (from a write grant to the close of the interval, when UNLOCK or BARRIER_ARRIVE leaves) and diffs in flight. The write notices and vector timestamps travel on the lock and barrier messages: click one to see them.',
    'A trace does not record each CPU\u2019s vector timestamp and notices between messages, lock holders and queues, or the barrier: the page cannot show them.',
  ],
};

export const protocolViews: Record<string, ProtocolView> = {
  ivy: ivyView('ivy'),
  'ivy-central': ivyView('ivy-central'),
  'ivy-dynamic': ivyDynamicView,
  hlrc: hlrcView,
};

export const vizProtocols = Object.keys(protocolViews);

export function viewOf(protocol: string): ProtocolView | undefined {
  return Object.prototype.hasOwnProperty.call(protocolViews, protocol) ? protocolViews[protocol] : undefined;
}
