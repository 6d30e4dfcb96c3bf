/**
 * The trace: one event per thing that happens at a CPU, the same format for every runtime,
 * written as JSON lines (one object per line, `seq` first). See docs/trace-format.md.
 *
 * `narrate` turns events into sentences for people: a fault or a received message and the
 * messages it causes share one line, with each message's role spelled out
 * ("CPU 2: read fault on page 3 → READ_REQ to manager CPU 3").
 */
import type { Access, Message, MessageKind } from '../core/wire.js';
import type { ResumeKind } from '../core/effects.js';
import type { Value, ValueType } from '../memory/types.js';

/** A message as the trace shows it: its fields, page bytes replaced by their length. */
export type TracedMessage = { kind: MessageKind } & Record<string, unknown>;

export type TraceEvent =
  | { seq: number; type: 'fault'; cpu: number; page: number; access: 'read' | 'write'; address: number }
  | { seq: number; type: 'send'; cpu: number; to: number; id: number; msg: TracedMessage; bytes: number }
  | { seq: number; type: 'recv'; cpu: number; from: number; id: number; msg: TracedMessage }
  | { seq: number; type: 'local'; cpu: number; msg: TracedMessage }
  | { seq: number; type: 'access'; cpu: number; page: number; access: Access }
  | { seq: number; type: 'install'; cpu: number; page: number }
  | { seq: number; type: 'resume'; cpu: number; what: ResumeKind }
  | { seq: number; type: 'read'; cpu: number; address: number; valueType: ValueType; value: string }
  | { seq: number; type: 'write'; cpu: number; address: number; valueType: ValueType; value: string }
  | { seq: number; type: 'sync'; cpu: number; op: 'lock' | 'unlock' | 'barrier'; lock?: number }
  | { seq: number; type: 'done'; cpu: number; result?: unknown };

export type TraceEventType = TraceEvent['type'];

/** Distributes Omit over the union, so each event keeps its own fields. */
export type TraceEventInput = TraceEvent extends infer E ? (E extends TraceEvent ? Omit<E, 'seq'> : never) : never;

export function traceMessage(msg: Message): TracedMessage {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(msg)) {
    if (k === 'data') out['dataBytes'] = (v as Uint8Array).byteLength;
    else out[k] = Array.isArray(v) ? [...v] : v;
  }
  return out as TracedMessage;
}

export function formatValue(value: Value): string {
  return typeof value === 'bigint' ? `${value}n` : Object.is(value, -0) ? '-0' : String(value);
}

/** One JSON line per event; bigints and page bytes are already strings or lengths. */
export function traceToJsonLines(events: readonly TraceEvent[]): string {
  return events.map((e) => JSON.stringify(e)).join('\n');
}

const hex = (a: number): string => `0x${a.toString(16)}`;

/**
 * An integer value as the explanations write it: in hex, with the decimal beside it (values
 * below 10 read the same in both and stay as they are). Floats stay decimal.
 */
export function valueForPeople(valueType: ValueType, value: string): string {
  if (valueType.startsWith('float')) return value;
  const big = value.endsWith('n');
  let n: bigint;
  try {
    n = BigInt(big ? value.slice(0, -1) : value);
  } catch {
    return value;
  }
  const abs = n < 0n ? -n : n;
  if (abs < 10n) return value;
  return `${n < 0n ? '-' : ''}0x${abs.toString(16)} (${value})`;
}

function role(msg: TracedMessage, to: number, n: number, protocol: string): string {
  const page = msg['page'];
  // ivy-dynamic has no manager: a request goes to the sender's probable owner, which forwards
  // it along its own hint unless it is the tail.
  const hinted = protocol === 'ivy-dynamic';
  switch (msg.kind) {
    case 'READ_REQ': return hinted ? `READ_REQ to CPU ${to}, the probable owner (page ${page})` : `READ_REQ to manager CPU ${to} (page ${page})`;
    case 'WRITE_REQ': return hinted ? `WRITE_REQ to CPU ${to}, the probable owner (page ${page}); I am the tail now` : `WRITE_REQ to manager CPU ${to} (page ${page})`;
    case 'READ_FWD': return hinted ? `READ_FWD to CPU ${to}, my probable owner: send page ${page} to CPU ${msg['requester']}` : `READ_FWD to owner CPU ${to}: send page ${page} to CPU ${msg['requester']}`;
    case 'WRITE_FWD': return hinted ? `WRITE_FWD to CPU ${to}, my probable owner: give page ${page} to CPU ${msg['requester']} (my hint now points at it)` : `WRITE_FWD to owner CPU ${to}: give page ${page} to CPU ${msg['requester']}`;
    case 'READ_DATA': return `READ_DATA to CPU ${to}: page ${page}, read-only`;
    case 'WRITE_DATA': {
      const cs = msg['copyset'] as number[];
      const bytes = msg['withData'] ? 'with its bytes' : 'no bytes (the writer has a valid copy)';
      return `WRITE_DATA to CPU ${to}: page ${page} ${bytes}; copies to invalidate: [${cs.join(', ')}]`;
    }
    case 'READ_CONFIRM': return `READ_CONFIRM to manager CPU ${to}: page ${page} installed`;
    case 'WRITE_CONFIRM': return `WRITE_CONFIRM to manager CPU ${to}: I own page ${page} now`;
    case 'INVALIDATE': return `INVALIDATE to CPU ${to}: drop your copy of page ${page}`;
    case 'INVALIDATE_ACK': return `INVALIDATE_ACK to CPU ${to} (page ${page} dropped)`;
    case 'LOCK_REQ': return `LOCK_REQ to lock manager CPU ${to} (lock ${msg['lock']} mod ${n})`;
    case 'LOCK_GRANT': return `LOCK_GRANT to CPU ${to}: lock ${msg['lock']} is yours${notices(msg)}`;
    case 'UNLOCK': return `UNLOCK to lock manager CPU ${to} (lock ${msg['lock']})${notices(msg)}`;
    case 'BARRIER_ARRIVE': return `BARRIER_ARRIVE to barrier manager CPU ${to} (barrier ${msg['epoch']})${notices(msg)}`;
    case 'BARRIER_RELEASE': return `BARRIER_RELEASE to CPU ${to} (barrier ${msg['epoch']})${notices(msg)}`;
    case 'PAGE_REQ': return `PAGE_REQ to home CPU ${to} (page ${page})`;
    case 'PAGE_DATA': return `PAGE_DATA to CPU ${to}: page ${page} from its home`;
    case 'DIFF': return `DIFF to home CPU ${to}: changed bytes of page ${page}`;
    case 'DIFF_ACK': return `DIFF_ACK to CPU ${to} (page ${page} merged at home)`;
  }
}

/** The write notices a release-consistent sync message carries, for narration. */
function notices(msg: TracedMessage): string {
  const list = msg['notices'] as { cpu: number; interval: number; pages: number[] }[] | undefined;
  if (list === undefined || list.length === 0) return '';
  return `; write notices ${list.map((n) => `CPU ${n.cpu}#${n.interval} pages [${n.pages.join(', ')}]`).join(', ')}`;
}

function cause(e: TraceEvent): string | null {
  switch (e.type) {
    case 'fault': return `CPU ${e.cpu}: ${e.access} fault on page ${e.page} (address ${hex(e.address)})`;
    case 'recv': return `CPU ${e.cpu}: receives ${e.msg.kind} from CPU ${e.from}`;
    case 'local': return `CPU ${e.cpu}: handles ${e.msg.kind} locally${e.msg['page'] !== undefined ? ` (page ${e.msg['page']})` : ''}`;
    case 'sync': return `CPU ${e.cpu}: ${e.op}${e.lock !== undefined ? `(${e.lock})` : '()'}`;
    default: return null;
  }
}

/**
 * Sentences for people, one per cause (a fault, a received message, a sync call) with the
 * messages and state changes it causes on the same line. `protocol` names the roles
 * (a manager under IVY, a probable owner under ivy-dynamic).
 */
export function narrate(events: readonly TraceEvent[], cpus: number, protocol = 'ivy'): string[] {
  const lines: string[] = [];
  let open: { cpu: number; text: string } | null = null;
  const flush = (): void => {
    if (open) lines.push(open.text);
    open = null;
  };
  for (const e of events) {
    const c = cause(e);
    if (c !== null) {
      flush();
      open = { cpu: e.cpu, text: `[${e.seq}] ${c}` };
      continue;
    }
    let part: string;
    switch (e.type) {
      case 'send': part = `→ ${role(e.msg, e.to, cpus, protocol)}`; break;
      case 'access': part = `page ${e.page} now ${e.access}`; break;
      case 'install': part = `installs page ${e.page}`; break;
      case 'resume': part = `program resumes after ${e.what}`; break;
      case 'read': part = `reads ${e.valueType} ${valueForPeople(e.valueType, e.value)} at ${hex(e.address)}`; break;
      case 'write': part = `writes ${e.valueType} ${valueForPeople(e.valueType, e.value)} at ${hex(e.address)}`; break;
      case 'done': part = `program done${e.result !== undefined ? `, result ${JSON.stringify(e.result)}` : ''}`; break;
      default: part = e.type;
    }
    if (open !== null && (open as { cpu: number }).cpu === e.cpu) {
      (open as { text: string }).text += part.startsWith('→') ? ` ${part}` : `; ${part}`;
    } else {
      flush();
      open = { cpu: e.cpu, text: `[${e.seq}] CPU ${e.cpu}: ${part}` };
    }
  }
  flush();
  return lines;
}

// ---------------------------------------------------------------- files: header and parsing

/** The version of the JSON-lines trace format described in docs/trace-format.md. */
export const traceFormatVersion = 1;

/**
 * The optional first line of a trace file: it says what the events are about, so that a
 * reader (`tsdsm viz`) need not guess the number of CPUs and pages from the events.
 */
export interface TraceHeader {
  type: 'header';
  format: 'tsdsm-trace';
  version: number;
  cpus: number;
  pages: number;
  pageSize: number;
  protocol: string;
  /** Where the events come from: 'sim', 'workers', ... */
  runtime?: string;
  /** A scenario name, a mutant, a seed: whatever identifies the run. */
  [extra: string]: unknown;
}

export function traceHeader(fields: { cpus: number; pages: number; pageSize: number; protocol: string; [extra: string]: unknown }): TraceHeader {
  return { ...fields, type: 'header', format: 'tsdsm-trace', version: traceFormatVersion };
}

export interface ParsedTrace {
  header: TraceHeader | null;
  events: TraceEvent[];
  /** Lines that are neither header nor event (e.g. `tsdsm sim --json`'s summary line). */
  other: Record<string, unknown>[];
}

const eventTypes: ReadonlySet<string> = new Set<TraceEventType>([
  'fault', 'send', 'recv', 'local', 'access', 'install', 'resume', 'read', 'write', 'sync', 'done',
]);

/**
 * Reads a JSON-lines trace: an optional header line, event lines, and any other object lines
 * (kept in `other`). Blank lines are skipped. Events are returned sorted by `seq`. Throws an
 * Error naming the line number of anything that is not a JSON object or not a valid event.
 */
export function parseTraceJsonLines(text: string): ParsedTrace {
  let header: TraceHeader | null = null;
  const events: TraceEvent[] = [];
  const other: Record<string, unknown>[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const where = `trace line ${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new Error(`${where}: not JSON (${(err as Error).message})`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${where}: not a JSON object`);
    const o = value as Record<string, unknown>;
    if (o['type'] === 'header') {
      if (o['format'] !== 'tsdsm-trace') throw new Error(`${where}: header format must be "tsdsm-trace", got ${JSON.stringify(o['format'])}`);
      if (o['version'] !== traceFormatVersion) throw new Error(`${where}: trace format version ${String(o['version'])} is not supported (this reader knows version ${traceFormatVersion})`);
      header = o as TraceHeader;
      return;
    }
    if (typeof o['type'] === 'string' && eventTypes.has(o['type'])) {
      if (!Number.isInteger(o['seq']) || !Number.isInteger(o['cpu'])) throw new Error(`${where}: a ${o['type']} event needs integer seq and cpu`);
      events.push(o as unknown as TraceEvent);
      return;
    }
    other.push(o);
  });
  events.sort((a, b) => a.seq - b.seq);
  return { header, events, other };
}

/** A run of consecutive events that one input at one CPU caused: [start, end) into the events. */
export interface TraceStep {
  cpu: number;
  start: number;
  end: number;
}

/**
 * Splits events into steps, one per input: a CPU's program operation (a fault, a sync call, a
 * read or write that needs no fault) or the receipt of one message, with everything it causes
 * at that CPU. A read or write right after the CPU resumed from a fault belongs to the step that
 * resumed it (the program retries the access at once). On a simulator trace this gives exactly
 * the simulator's steps: each of them touches one CPU and starts with one of these events.
 */
export function traceSteps(events: readonly TraceEvent[]): TraceStep[] {
  const steps: TraceStep[] = [];
  let current: TraceStep | null = null;
  events.forEach((e, i) => {
    const last = i > 0 ? events[i - 1]! : null;
    const retried = (e.type === 'read' || e.type === 'write') && last !== null && last.type === 'resume' && last.what === 'fault' && last.cpu === e.cpu;
    const starts = e.type === 'fault' || e.type === 'recv' || e.type === 'sync' || ((e.type === 'read' || e.type === 'write') && !retried);
    if (current === null || current.cpu !== e.cpu || starts) {
      current = { cpu: e.cpu, start: i, end: i + 1 };
      steps.push(current);
    } else {
      current.end = i + 1;
    }
  });
  return steps;
}
