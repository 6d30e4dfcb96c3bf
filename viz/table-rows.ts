/**
 * Why each step happens: the row of the protocol's own transition table (the table in the
 * theory of operation that opens src/core/ivy.ts, ivy-dynamic.ts, hlrc.ts) that the step
 * follows. The tables are read from those files, not copied, so the page shows the rows the
 * code's authors wrote. A step is matched to a row by its input (the fault, the message kind,
 * the sync call) and, where a table splits an input by condition, by what the step did (it
 * forwarded, it queued, it installed bytes, it took write access...). A test checks that every
 * step of every preset under every protocol finds its rows.
 */
import { readFileSync } from 'node:fs';
import type { TraceEvent } from '../src/runtime/trace.js';

export interface TableRow {
  input: string;
  condition: string;
  action: string;
}

export interface TransitionTable {
  /** The file the table comes from, for people ("src/core/ivy.ts"). */
  file: string;
  rows: TableRow[];
}

export const tableFiles: Record<string, string> = { ivy: 'ivy.ts', 'ivy-central': 'ivy.ts', 'ivy-dynamic': 'ivy-dynamic.ts', hlrc: 'hlrc.ts' };

/**
 * Parses the table of a theory of operation: the lines from the heading ("input at | ...")
 * to the first line without a column bar. A line with an input starts a row; a line with only
 * a condition starts a row of the same input; a line with only an action continues the row.
 */
export function parseTransitionTable(source: string, file: string): TransitionTable {
  const lines = source.split('\n').map((l) => l.replace(/^\s*\*\s?/, ''));
  const head = lines.findIndex((l) => /^\s*input at\s*\|/.test(l));
  const rows: TableRow[] = [];
  if (head < 0) return { file, rows };
  let input = '';
  for (const line of lines.slice(head + 1)) {
    if (/^\s*-[\s\-+]*$/.test(line)) continue;
    if (!line.includes('|')) break;
    const [a = '', b = '', ...rest] = line.split('|').map((c) => c.trim());
    const c = rest.join(' | ');
    if (a !== '') {
      input = a;
      rows.push({ input, condition: b, action: c });
    } else if (b !== '') {
      rows.push({ input, condition: b, action: c });
    } else if (rows.length > 0) {
      const last = rows[rows.length - 1]!;
      last.action = `${last.action} ${c}`.trim();
    }
  }
  return { file, rows };
}

/**
 * The table of `protocol`, read from its source file; null when the file is not at hand. In
 * the page (no file system) the bundle carries the tables, read in Node when it was built.
 */
export function transitionTable(protocol: string): TransitionTable | null {
  const name = tableFiles[protocol];
  if (name === undefined) return null;
  const carried = (globalThis as { tsdsmTables?: Record<string, TransitionTable> }).tsdsmTables;
  if (carried !== undefined) return carried[protocol] ?? null;
  try {
    const source = readFileSync(new URL(`../../src/core/${name}`, import.meta.url), 'utf8');
    return parseTransitionTable(source, `src/core/${name}`);
  } catch {
    return null;
  }
}

type Pick = { input: RegExp; condition?: RegExp };

const sends = (events: readonly TraceEvent[], kind: string): boolean =>
  events.some((e) => (e.type === 'send' || e.type === 'local') && e.msg.kind === kind);
const accessTo = (events: readonly TraceEvent[], access: string): boolean => events.some((e) => e.type === 'access' && e.access === access);

/** Which rows a cause (one input event) at one CPU follows, given what its step did. */
function picksFor(protocol: string, cause: TraceEvent, step: readonly TraceEvent[], cpus: number): Pick[] {
  const ivyLike = protocol === 'ivy' || protocol === 'ivy-central';
  if (cause.type === 'fault') {
    const input = new RegExp(`^\\w: ${cause.access} fault`);
    if (protocol === 'ivy-dynamic' && cause.access === 'write') return [{ input, condition: sends(step, 'WRITE_REQ') ? /otherwise/ : /upgrade/ }];
    if (protocol === 'hlrc' && cause.access === 'write') {
      const condition = sends(step, 'PAGE_REQ') ? /access none/ : cause.page % cpus === cause.cpu ? /is the home/ : /not the home/;
      return [{ input, condition }];
    }
    return [{ input }];
  }
  if (cause.type === 'sync') {
    if (protocol !== 'hlrc') return [];
    return [{ input: cause.op === 'lock' ? /: lock\(l\)/ : /unlock \/ barrier/ }];
  }
  if (cause.type !== 'recv' && cause.type !== 'local') return [];
  const kind = cause.msg.kind;
  if (ivyLike) {
    if (kind === 'READ_REQ') return [{ input: /READ_REQ/, condition: sends(step, 'READ_FWD') ? /idle/ : /busy/ }];
    if (kind === 'INVALIDATE_ACK') return accessTo(step, 'write') ? [{ input: /last ack/ }] : [];
    return [{ input: new RegExp(`: ${kind}\\b`) }];
  }
  if (protocol === 'ivy-dynamic') {
    if (kind === 'READ_REQ' || kind === 'READ_FWD' || kind === 'WRITE_REQ' || kind === 'WRITE_FWD') {
      const write = kind.startsWith('WRITE');
      if (sends(step, write ? 'WRITE_FWD' : 'READ_FWD')) return [{ input: write ? /WRITE_REQ\/_FWD/ : /READ_REQ\/_FWD/ }];
      const served = sends(step, write ? 'WRITE_DATA' : 'READ_DATA');
      return served
        ? [{ input: /a request/, condition: /owner, no fault/ }, { input: write ? /serve write/ : /serve read/ }]
        : [{ input: /a request/, condition: /tail otherwise/ }];
    }
    if (kind === 'READ_DATA') return [{ input: /READ_DATA/, condition: step.some((e) => e.type === 'install') ? /fresh/ : /stale/ }];
    if (kind === 'INVALIDATE') return [{ input: /INVALIDATE from/, condition: accessTo(step, 'none') ? /read copy/ : /no copy yet/ }];
    if (kind === 'INVALIDATE_ACK') return accessTo(step, 'write') ? [{ input: /last ack/ }] : [];
    return [{ input: new RegExp(`: ${kind}\\b`) }];
  }
  // hlrc: lock and barrier messages have rows of their own; a grant is a row too.
  const picks: Pick[] = [{ input: new RegExp(`: ${kind}\\b`) }];
  if (kind !== 'LOCK_GRANT' && sends(step, 'LOCK_GRANT')) picks.push({ input: /grant to/ });
  return picks;
}

/**
 * The indices of the rows a step follows: its cause's, then those of every local call it made
 * (a CPU that is manager and owner handles both in one step). Empty when the step's input has
 * no row (a program's read or write that needs no fault, a lock of IVY's shared sync.ts).
 */
export function rowsOfStep(table: TransitionTable, protocol: string, step: readonly TraceEvent[], cpus: number): number[] {
  const out: number[] = [];
  const causes = step.filter((e, i) => i === 0 || e.type === 'local');
  for (const cause of causes) {
    for (const pick of picksFor(protocol, cause, step, cpus)) {
      const k = table.rows.findIndex((r) => pick.input.test(r.input) && (pick.condition === undefined || pick.condition.test(r.condition)));
      if (k >= 0 && !out.includes(k)) out.push(k);
    }
  }
  return out;
}

/** Whether a step's first event is an input that a table row should explain. */
export function needsRow(protocol: string, step: readonly TraceEvent[]): boolean {
  const cause = step[0];
  if (cause === undefined) return false;
  if (cause.type === 'fault') return true;
  if (cause.type === 'sync') return protocol === 'hlrc';
  if (cause.type !== 'recv') return false;
  const kind = cause.msg.kind;
  const sync = kind.startsWith('LOCK') || kind === 'UNLOCK' || kind.startsWith('BARRIER');
  if (sync) return protocol === 'hlrc';
  // An ack before the last only counts down: no row of its own.
  if (kind === 'INVALIDATE_ACK') return accessTo(step, 'write');
  return true;
}
