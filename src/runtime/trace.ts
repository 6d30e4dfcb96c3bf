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

function role(msg: TracedMessage, to: number, n: number): string {
  const page = msg['page'];
  switch (msg.kind) {
    case 'READ_REQ': return `READ_REQ to manager CPU ${to} (page ${page})`;
    case 'WRITE_REQ': return `WRITE_REQ to manager CPU ${to} (page ${page})`;
    case 'READ_FWD': return `READ_FWD to owner CPU ${to}: send page ${page} to CPU ${msg['requester']}`;
    case 'WRITE_FWD': return `WRITE_FWD to owner CPU ${to}: give page ${page} to CPU ${msg['requester']}`;
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
    case 'LOCK_GRANT': return `LOCK_GRANT to CPU ${to}: lock ${msg['lock']} is yours`;
    case 'UNLOCK': return `UNLOCK to lock manager CPU ${to} (lock ${msg['lock']})`;
    case 'BARRIER_ARRIVE': return `BARRIER_ARRIVE to barrier manager CPU ${to} (barrier ${msg['epoch']})`;
    case 'BARRIER_RELEASE': return `BARRIER_RELEASE to CPU ${to} (barrier ${msg['epoch']})`;
  }
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
 * messages and state changes it causes on the same line.
 */
export function narrate(events: readonly TraceEvent[], cpus: number): string[] {
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
      case 'send': part = `→ ${role(e.msg, e.to, cpus)}`; break;
      case 'access': part = `page ${e.page} now ${e.access}`; break;
      case 'install': part = `installs page ${e.page}`; break;
      case 'resume': part = `program resumes after ${e.what}`; break;
      case 'read': part = `reads ${e.valueType} ${e.value} at ${hex(e.address)}`; break;
      case 'write': part = `writes ${e.valueType} ${e.value} at ${hex(e.address)}`; break;
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
