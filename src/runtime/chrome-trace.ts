/**
 * Exports a tsdsm trace (docs/trace-format.md) to the Chrome trace-event format, the JSON that
 * Perfetto (https://ui.perfetto.dev) and chrome://tracing open.
 *
 * Layout: one process "tsdsm" with one thread track per CPU. On each track:
 * - a slice per step (one input and what it caused: "recv READ_FWD from CPU 3 · page 2");
 * - a longer slice around every wait of the program, from the fault (or lock, unlock, barrier)
 *   to the end of the step that resumed it ("waiting: write fault page 2"), so the steps that
 *   CPU served meanwhile nest inside it;
 * - a short slice per message sent or handled locally, with the message's fields as args;
 * - instant events for access changes, page installs, resumes, reads, writes and `done`.
 * Every message is a flow arrow from its send slice to the step that received it.
 *
 * Time: the trace records order, not time, so an event's timestamp is its `seq` times
 * `usPerSeq` microseconds. Durations therefore show how many events a thing spanned, not how
 * long it took. The function is pure: events in, a JSON-ready object out.
 */
import { traceSteps, type TraceEvent } from './trace.js';

export interface ChromeTraceEvent {
  name: string;
  ph: 'X' | 'i' | 's' | 'f' | 'M';
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  cat?: string;
  id?: string;
  bp?: 'e';
  s?: 't';
  args?: Record<string, unknown>;
}

export interface ChromeTrace {
  traceEvents: ChromeTraceEvent[];
  displayTimeUnit: 'ms' | 'ns';
  otherData: Record<string, unknown>;
}

export interface ChromeTraceOptions {
  /** CPUs to draw tracks for (default: the highest CPU id in the events, plus one). */
  cpus?: number;
  /** Microseconds per trace `seq` (default 10). */
  usPerSeq?: number;
  /** Shown as the process name (default "tsdsm"). */
  title?: string;
}

const pid = 1;

function causeName(e: TraceEvent): string {
  const page = (msg: Record<string, unknown>): string => (msg['page'] !== undefined ? ` · page ${String(msg['page'])}` : '');
  switch (e.type) {
    case 'fault': return `${e.access} fault page ${e.page}`;
    case 'recv': return `recv ${e.msg.kind} from CPU ${e.from}${page(e.msg)}`;
    case 'sync': return e.lock !== undefined ? `${e.op}(${e.lock})` : `${e.op}()`;
    case 'read': return `read ${e.valueType} @0x${e.address.toString(16)}`;
    case 'write': return `write ${e.valueType} @0x${e.address.toString(16)}`;
    default: return e.type;
  }
}

/** A flow id that is unique per message: its sender and the sender's message id. */
const flowId = (from: number, id: number): string => `m${from}.${id}`;

export function toChromeTrace(events: readonly TraceEvent[], options: ChromeTraceOptions = {}): ChromeTrace {
  const us = options.usPerSeq ?? 10;
  const cpus = options.cpus ?? events.reduce((n, e) => Math.max(n, e.cpu + 1), 0);
  const out: ChromeTraceEvent[] = [
    { name: 'process_name', ph: 'M', pid, tid: 0, args: { name: options.title ?? 'tsdsm' } },
  ];
  for (let cpu = 0; cpu < cpus; cpu++) {
    out.push({ name: 'thread_name', ph: 'M', pid, tid: cpu, args: { name: `CPU ${cpu}` } });
    out.push({ name: 'thread_sort_index', ph: 'M', pid, tid: cpu, args: { sort_index: cpu } });
  }
  const steps = traceSteps(events);
  // Slices must nest on a track: a step ends at its last event + 0.8, a wait at the end of the
  // step that resumed it + 0.9, a message slice at its event + 0.5.
  const stepEnd = (stepIndex: number): number => (events[steps[stepIndex]!.end - 1]!.seq + 0.8) * us;
  const stepOf: number[] = [];
  steps.forEach((s, k) => { for (let i = s.start; i < s.end; i++) stepOf[i] = k; });

  steps.forEach((s, k) => {
    const first = events[s.start]!;
    out.push({ name: causeName(first), cat: 'step', ph: 'X', pid, tid: s.cpu, ts: first.seq * us, dur: stepEnd(k) - first.seq * us, args: { seqFirst: first.seq, seqLast: events[s.end - 1]!.seq } });
  });

  // The open wait of each CPU: the event that blocked its program.
  const waiting = new Map<number, { index: number; name: string }>();
  const lastEnd = events.length > 0 ? (events[events.length - 1]!.seq + 1) * us : 0;
  const closeWait = (cpu: number, endTs: number): void => {
    const w = waiting.get(cpu);
    if (!w) return;
    const e = events[w.index]!;
    out.push({ name: `waiting: ${w.name}`, cat: 'wait', ph: 'X', pid, tid: cpu, ts: e.seq * us, dur: endTs - e.seq * us, args: { seq: e.seq } });
    waiting.delete(cpu);
  };

  events.forEach((e, i) => {
    const ts = e.seq * us;
    switch (e.type) {
      case 'fault':
        waiting.set(e.cpu, { index: i, name: causeName(e) });
        break;
      case 'sync':
        waiting.set(e.cpu, { index: i, name: causeName(e) });
        break;
      case 'resume':
        closeWait(e.cpu, stepEnd(stepOf[i]!) + 0.1 * us);
        out.push({ name: `resume after ${e.what}`, cat: 'program', ph: 'i', s: 't', pid, tid: e.cpu, ts });
        break;
      case 'send':
        out.push({ name: `send ${e.msg.kind} → CPU ${e.to}`, cat: 'msg', ph: 'X', pid, tid: e.cpu, ts, dur: 0.5 * us, args: { ...e.msg, to: e.to, id: e.id, bytes: e.bytes, seq: e.seq } });
        out.push({ name: e.msg.kind, cat: 'msg', ph: 's', id: flowId(e.cpu, e.id), pid, tid: e.cpu, ts: ts + 0.1 * us });
        break;
      case 'recv':
        out.push({ name: e.msg.kind, cat: 'msg', ph: 'f', bp: 'e', id: flowId(e.from, e.id), pid, tid: e.cpu, ts: ts + 0.1 * us });
        break;
      case 'local':
        out.push({ name: `local ${e.msg.kind}`, cat: 'msg', ph: 'X', pid, tid: e.cpu, ts, dur: 0.5 * us, args: { ...e.msg, seq: e.seq } });
        break;
      case 'access':
        out.push({ name: `page ${e.page} → ${e.access}`, cat: 'access', ph: 'i', s: 't', pid, tid: e.cpu, ts, args: { page: e.page, access: e.access } });
        break;
      case 'install':
        out.push({ name: `install page ${e.page}`, cat: 'access', ph: 'i', s: 't', pid, tid: e.cpu, ts, args: { page: e.page } });
        break;
      case 'read':
      case 'write':
        out.push({ name: `${e.type} ${e.value}`, cat: 'program', ph: 'i', s: 't', pid, tid: e.cpu, ts, args: { address: `0x${e.address.toString(16)}`, valueType: e.valueType, value: e.value } });
        break;
      case 'done':
        out.push({ name: 'done', cat: 'program', ph: 'i', s: 't', pid, tid: e.cpu, ts, args: e.result !== undefined ? { result: e.result } : {} });
        break;
    }
  });
  // A wait that never ended (the run stopped at a violation, or the trace was cut) lasts to the end.
  for (const cpu of [...waiting.keys()]) closeWait(cpu, lastEnd);

  return {
    traceEvents: out,
    displayTimeUnit: 'ms',
    otherData: { source: 'tsdsm', timestamps: `event seq × ${us} µs: order, not wall time` },
  };
}
