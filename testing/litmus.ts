/**
 * Litmus tests in herdtools7's LISA format, run on the protocols.
 *
 * The subset read: a first line `LISA NAME`; an optional quoted doc line; an init block
 * `{ x = 1; y = 0; }` (locations it omits start at 0); a header row `P0 | P1 | ... ;` and one
 * row per instruction slot, columns separated by `|` and rows ended by `;`; the instructions
 * `r[] REG LOC` (read LOC into register REG) and `w[] LOC VALUE` (write); and a final
 * condition `exists (...)`, `~exists (...)` or `forall (...)` over atoms `T:REG = V` and
 * `LOC = V` joined by `/\` and `\/` with parentheses. tsdsm adds three instructions of its own
 * for synchronized variants: `f[lock] L`, `f[unlock] L` and `f[barrier]`. Anything else is
 * refused with a LitmusError that names the file, the line and what it does not support.
 *
 * Placement: each location gets an int32 at offset 0 of a page of its own (page i for the i-th
 * location, in order of first use), or, with `samePage`, consecutive words of page 0.
 *
 * Outcomes: the value of every register of every thread (`T:REG`, 0 when never read) and the
 * final value of every location. On the simulator every schedule is explored (the explorer,
 * with the values read as state), so the outcome set is exact. `scOutcomes` computes the
 * sequentially consistent outcomes independently, by enumerating the interleavings of the
 * programs alone over one memory: what an SC protocol must give, neither more nor less.
 *
 * A release-consistent protocol (hlrc) publishes writes only at releases: every thread ends
 * with a barrier there, so that final values are the ones the writes would leave once
 * published (without it a write no release publishes would never be visible anywhere else).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DsmError } from '../src/core/errors.js';
import type { Protocol } from '../src/core/protocol.js';
import { getProtocol } from '../src/core/registry.js';
import type { Op } from '../src/runtime/ops.js';
import { explore, type ExploreResult } from './explorer.js';

/** A litmus file that this reader does not accept: file, line, and what. */
export class LitmusError extends DsmError {
  constructor(readonly file: string, readonly line: number, what: string) {
    super(`${file}:${line}: ${what}`);
  }
}

export type LitmusInstruction =
  | { kind: 'read'; reg: string; loc: string }
  | { kind: 'write'; loc: string; value: number }
  | { kind: 'lock'; lock: number }
  | { kind: 'unlock'; lock: number }
  | { kind: 'barrier' };

export type Condition =
  | { kind: 'atom'; name: string; value: number }
  | { kind: 'and' | 'or'; left: Condition; right: Condition };

export interface LitmusTest {
  name: string;
  file: string;
  init: Map<string, number>;
  threads: LitmusInstruction[][];
  /** Locations in order of first appearance (init block, then the code). */
  locations: string[];
  /** Every `T:REG` in thread order, then order of first appearance. */
  registers: string[];
  quantifier: 'exists' | '~exists' | 'forall';
  condition: Condition;
  /** The condition as written (after the quantifier). */
  conditionText: string;
}

const ident = /^[A-Za-z_][A-Za-z0-9_]*$/;
const int = /^-?\d+$/;

function parseInstruction(text: string, file: string, line: number): LitmusInstruction | null {
  const t = text.trim();
  if (t === '') return null;
  const parts = t.split(/\s+/);
  const bad = (why: string): never => {
    throw new LitmusError(file, line, `${why}: ${JSON.stringify(t)} (supported: r[] REG LOC, w[] LOC VALUE, f[lock] L, f[unlock] L, f[barrier])`);
  };
  const [op, a, b] = parts;
  if (op === 'r[]') {
    if (parts.length !== 3 || !ident.test(a!) || !ident.test(b!)) bad('a read is r[] REG LOC');
    return { kind: 'read', reg: a!, loc: b! };
  }
  if (op === 'w[]') {
    if (parts.length !== 3 || !ident.test(a!)) bad('a write is w[] LOC VALUE');
    if (!int.test(b!)) bad('only integer values can be written');
    return { kind: 'write', loc: a!, value: Number(b) };
  }
  if (op === 'f[lock]' || op === 'f[unlock]') {
    if (parts.length !== 2 || !/^\d+$/.test(a!)) bad(`${op} takes a lock number`);
    return { kind: op === 'f[lock]' ? 'lock' : 'unlock', lock: Number(a) };
  }
  if (op === 'f[barrier]' && parts.length === 1) return { kind: 'barrier' };
  return bad(`unsupported instruction ${JSON.stringify(op)}`);
}

/** Parses `/\` and `\/` (and binds tighter) with parentheses. */
function parseCondition(text: string, file: string, line: number): Condition {
  const tokens = text.match(/\/\\|\\\/|\(|\)|[^\s()/\\]+/g) ?? [];
  let i = 0;
  const fail = (why: string): never => {
    throw new LitmusError(file, line, `condition ${JSON.stringify(text)}: ${why} (supported: T:REG=V and LOC=V joined by /\\ and \\/, with parentheses)`);
  };
  const atom = (): Condition => {
    const tok = tokens[i++];
    if (tok === '(') {
      const c = or();
      if (tokens[i++] !== ')') fail('a ( without its )');
      return c;
    }
    if (tok === undefined) return fail('it ends too early');
    // `x=1`, `x = 1`, `0:r1=1` arrive as one, two or three tokens.
    let s = tok;
    while (!/=-?\d+$/.test(s) && i < tokens.length && !['/\\', '\\/', '(', ')'].includes(tokens[i]!)) s += tokens[i++];
    const m = /^((?:\d+:)?[A-Za-z_][A-Za-z0-9_]*)=(-?\d+)$/.exec(s);
    if (!m) return fail(`unsupported atom ${JSON.stringify(s)}`);
    return { kind: 'atom', name: m[1]!, value: Number(m[2]) };
  };
  const and = (): Condition => {
    let c = atom();
    while (tokens[i] === '/\\') { i++; c = { kind: 'and', left: c, right: atom() }; }
    return c;
  };
  const or = (): Condition => {
    let c = and();
    while (tokens[i] === '\\/') { i++; c = { kind: 'or', left: c, right: and() }; }
    return c;
  };
  const c = or();
  if (i < tokens.length) fail(`unexpected ${JSON.stringify(tokens[i])}`);
  return c;
}

export function parseLitmus(text: string, file = '(litmus)'): LitmusTest {
  const lines = text.split('\n');
  let n = 0;
  const skipBlank = (): void => { while (n < lines.length && lines[n]!.trim() === '') n++; };
  skipBlank();
  const head = /^LISA\s+(\S+)\s*$/.exec(lines[n] ?? '');
  if (!head) {
    const arch = (lines[n] ?? '').trim().split(/\s+/)[0] ?? '';
    throw new LitmusError(file, n + 1, `only LISA tests are supported (the first line must be "LISA NAME"), got ${JSON.stringify(arch)}`);
  }
  const name = head[1]!;
  n++;
  skipBlank();
  if (lines[n]?.trim().startsWith('"')) { n++; skipBlank(); }
  // The init block, possibly on one line.
  const init = new Map<string, number>();
  const locations: string[] = [];
  const addLoc = (loc: string): void => { if (!locations.includes(loc)) locations.push(loc); };
  if (!lines[n]?.trim().startsWith('{')) throw new LitmusError(file, n + 1, 'expected the init block "{ ... }"');
  let block = '';
  const blockLine = n + 1;
  while (n < lines.length) {
    block += `${lines[n]} `;
    n++;
    if (block.includes('}')) break;
  }
  const inner = /\{([^}]*)\}/.exec(block);
  if (!inner) throw new LitmusError(file, blockLine, 'the init block has no closing }');
  for (const item of inner[1]!.split(';').map((s) => s.trim()).filter((s) => s !== '')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(-?\d+)$/.exec(item);
    if (!m) throw new LitmusError(file, blockLine, `unsupported init ${JSON.stringify(item)} (supported: LOC = VALUE)`);
    init.set(m[1]!, Number(m[2]));
    addLoc(m[1]!);
  }
  skipBlank();
  const header = (lines[n] ?? '').replace(/;\s*$/, '').split('|').map((s) => s.trim());
  if (header.length === 0 || header.some((h, i) => h !== `P${i}`)) throw new LitmusError(file, n + 1, `expected the thread header "P0 | P1 | ... ;", got ${JSON.stringify(lines[n] ?? '')}`);
  n++;
  const threads: LitmusInstruction[][] = header.map(() => []);
  for (; n < lines.length; n++) {
    const raw = lines[n]!.replace(/#.*$/, '');
    if (raw.trim() === '') continue;
    if (!raw.includes('|') && !raw.trim().endsWith(';')) break;
    const row = raw.replace(/;\s*$/, '').split('|');
    if (row.length !== header.length) throw new LitmusError(file, n + 1, `${row.length} columns, but ${header.length} threads`);
    row.forEach((cell, t) => {
      const ins = parseInstruction(cell, file, n + 1);
      if (ins) {
        threads[t]!.push(ins);
        if (ins.kind === 'read' || ins.kind === 'write') addLoc(ins.loc);
      }
    });
  }
  const rest = lines.slice(n).join(' ').trim();
  const cond = /^(~exists|exists|forall)\s*(.*)$/s.exec(rest);
  if (!cond) throw new LitmusError(file, n + 1, `expected a final condition exists, ~exists or forall, got ${JSON.stringify(rest.slice(0, 40))}`);
  const conditionText = cond[2]!.trim();
  const condition = parseCondition(conditionText, file, n + 1);
  const registers: string[] = [];
  threads.forEach((ins, t) => {
    for (const i of ins) if (i.kind === 'read' && !registers.includes(`${t}:${i.reg}`)) registers.push(`${t}:${i.reg}`);
  });
  const check = (c: Condition): void => {
    if (c.kind !== 'atom') { check(c.left); check(c.right); return; }
    if (c.name.includes(':') ? !registers.includes(c.name) : !locations.includes(c.name)) {
      throw new LitmusError(file, n + 1, `the condition names ${c.name}, which the test never ${c.name.includes(':') ? 'reads into' : 'uses'}`);
    }
  };
  check(condition);
  return { name, file, init, threads, locations, registers, quantifier: cond[1] as LitmusTest['quantifier'], condition, conditionText };
}

export function readLitmusFile(path: string): LitmusTest {
  return parseLitmus(readFileSync(path, 'utf8'), path);
}

/** The built-in catalogue: the package's litmus/ folder (classic shapes and lock-synchronized variants). */
export const catalogueDir: string = fileURLToPath(new URL('../../litmus/', import.meta.url));

/** The catalogue's files, in the order the table shows them: racy shapes, coherence, then synchronized variants. */
export function catalogueFiles(): string[] {
  const rank = (f: string): number => (f.includes('+locks') ? 2 : f.startsWith('Co') ? 1 : 0);
  return readdirSync(catalogueDir).filter((f) => f.endsWith('.litmus')).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)).map((f) => `${catalogueDir}${f}`);
}

/** Values of an outcome: every register and every location, by name. */
export type OutcomeValues = Record<string, number>;

export function evaluate(c: Condition, values: OutcomeValues): boolean {
  switch (c.kind) {
    case 'atom': return values[c.name] === c.value;
    case 'and': return evaluate(c.left, values) && evaluate(c.right, values);
    case 'or': return evaluate(c.left, values) || evaluate(c.right, values);
  }
}

/** Whether the test's condition holds over a set of outcomes (exists: some; ~exists: none; forall: all). */
export function conditionHolds(test: LitmusTest, outcomes: readonly OutcomeValues[]): boolean {
  const some = outcomes.some((o) => evaluate(test.condition, o));
  if (test.quantifier === 'exists') return some;
  if (test.quantifier === '~exists') return !some;
  return outcomes.every((o) => evaluate(test.condition, o));
}

export function formatCondition(test: LitmusTest): string {
  return `${test.quantifier} (${test.conditionText.replace(/^\((.*)\)$/s, '$1')})`;
}

export interface Placement {
  samePage?: boolean | undefined;
  /** Bytes per page (default: the smallest that holds the locations: 8, or more on one page). */
  pageSize?: number | undefined;
}

export interface CompiledLitmus {
  pages: number;
  pageSize: number;
  address: Map<string, number>;
  programs: Op[][];
  initialWrites: { type: 'int32'; address: number; value: number }[];
}

/** Op lists for a test: each location an int32 (see the header for placement). */
export function compileLitmus(test: LitmusTest, placement: Placement = {}, options: { finalBarrier?: boolean } = {}): CompiledLitmus {
  const pageSize = placement.pageSize ?? (placement.samePage ? Math.max(8, 1 << Math.ceil(Math.log2(4 * test.locations.length))) : 8);
  const address = new Map(test.locations.map((loc, i) => [loc, placement.samePage ? 4 * i : i * pageSize]));
  const programs = test.threads.map((ins) => {
    const ops: Op[] = ins.map((i): Op => {
      switch (i.kind) {
        case 'read': return { op: 'read', type: 'int32', address: address.get(i.loc)! };
        case 'write': return { op: 'write', type: 'int32', address: address.get(i.loc)!, value: i.value };
        case 'lock': return { op: 'lock', lock: i.lock };
        case 'unlock': return { op: 'unlock', lock: i.lock };
        case 'barrier': return { op: 'barrier' };
      }
    });
    if (options.finalBarrier) ops.push({ op: 'barrier' });
    return ops;
  });
  return {
    pages: placement.samePage ? 1 : Math.max(1, test.locations.length),
    pageSize,
    address,
    programs,
    initialWrites: [...test.init].filter(([, v]) => v !== 0).map(([loc, value]) => ({ type: 'int32', address: address.get(loc)!, value })),
  };
}

/** An outcome's values from the reads of each thread (in program order) and the final locations. */
export function outcomeValues(test: LitmusTest, reads: readonly (readonly (number | bigint)[])[], memory: readonly number[]): OutcomeValues {
  const values: OutcomeValues = {};
  for (const r of test.registers) values[r] = 0;
  test.threads.forEach((ins, t) => {
    let k = 0;
    for (const i of ins) if (i.kind === 'read') values[`${t}:${i.reg}`] = Number(reads[t]![k++]);
  });
  test.locations.forEach((loc, i) => { values[loc] = memory[i]!; });
  return values;
}

export function outcomeKey(values: OutcomeValues): string {
  return Object.entries(values).map(([k, v]) => `${k}=${v}`).join('; ');
}

/**
 * The sequentially consistent outcomes of `test`, computed from the programs alone: every
 * interleaving of the threads' instructions over one memory (a lock is taken only when free,
 * a barrier passes when every thread has reached it). Independent of every protocol.
 */
export function scOutcomes(test: LitmusTest): OutcomeValues[] {
  const found = new Map<string, OutcomeValues>();
  const seen = new Set<string>();
  const threads = test.threads.map((ins) => [...ins, { kind: 'barrier' } as LitmusInstruction]);
  const n = threads.length;
  const walk = (pc: number[], mem: Map<string, number>, regs: Map<string, number>, locks: Map<number, number>, atBarrier: number): void => {
    const key = `${pc.join(',')}|${[...mem].join(';')}|${[...regs].join(';')}|${[...locks].join(';')}|${atBarrier}`;
    if (seen.has(key)) return;
    seen.add(key);
    if (pc.every((p, t) => p === threads[t]!.length)) {
      const values: OutcomeValues = {};
      for (const r of test.registers) values[r] = regs.get(r) ?? 0;
      for (const loc of test.locations) values[loc] = mem.get(loc) ?? 0;
      found.set(outcomeKey(values), values);
      return;
    }
    // Threads waiting at a barrier pass together once all have arrived.
    const waiting = pc.map((p, t) => threads[t]![p]?.kind === 'barrier');
    if (waiting.every((w) => w)) {
      walk(pc.map((p) => p + 1), mem, regs, locks, atBarrier + 1);
      return;
    }
    for (let t = 0; t < n; t++) {
      const ins = threads[t]![pc[t]!];
      if (!ins || ins.kind === 'barrier') continue;
      const next = pc.slice();
      next[t]! += 1;
      switch (ins.kind) {
        case 'read': walk(next, mem, new Map(regs).set(`${t}:${ins.reg}`, mem.get(ins.loc) ?? 0), locks, atBarrier); break;
        case 'write': walk(next, new Map(mem).set(ins.loc, ins.value), regs, locks, atBarrier); break;
        case 'lock':
          if (!locks.has(ins.lock)) walk(next, mem, regs, new Map(locks).set(ins.lock, t), atBarrier);
          break;
        case 'unlock': {
          const l = new Map(locks);
          l.delete(ins.lock);
          walk(next, mem, regs, l, atBarrier);
          break;
        }
      }
    }
  };
  walk(new Array<number>(n).fill(0), new Map(test.init), new Map(), new Map(), 0);
  return [...found.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}

export interface LitmusOutcome {
  values: OutcomeValues;
  /** Runs that ended so (real backends only). */
  count?: number;
}

export interface LitmusResult {
  test: string;
  protocol: string;
  backend: 'sim' | 'workers' | 'native';
  exhaustive: boolean;
  outcomes: LitmusOutcome[];
  condition: string;
  holds: boolean;
  /** Simulator: states and transitions explored. */
  states?: number;
  transitions?: number;
  ms: number;
}

export interface LitmusRunOptions extends Placement {
  protocol?: string | Protocol<unknown> | undefined;
  reorder?: boolean | undefined;
}

/** Whether a protocol needs the final barrier (see the header): release consistency. */
export function needsFinalBarrier(protocol: Protocol<unknown>): boolean {
  return protocol.consistency === 'release';
}

/** Every outcome of `test` on the simulator, over every schedule (the explorer, sleep sets). */
export function runLitmusOnSimulator(test: LitmusTest, options: LitmusRunOptions = {}): LitmusResult {
  const protocol = typeof options.protocol === 'object' ? options.protocol : getProtocol(options.protocol ?? 'ivy');
  const compiled = compileLitmus(test, options, { finalBarrier: needsFinalBarrier(protocol) });
  const result: ExploreResult = explore({
    config: { cpus: test.threads.length, pages: compiled.pages, pageSize: compiled.pageSize },
    protocol,
    programs: compiled.programs,
    reorder: options.reorder ?? true,
    reduction: 'sleep',
    initialWrites: compiled.initialWrites,
    outcomeAddresses: test.locations.map((loc) => compiled.address.get(loc)!),
  });
  if (result.violation) throw new LitmusError(test.file, 1, `${protocol.name} broke a promise on ${test.name}: ${result.violation.message}`);
  const outcomes = new Map<string, OutcomeValues>();
  for (const o of result.outcomes) {
    const values = outcomeValues(test, o.reads.map((r) => r as number[]), o.memory);
    outcomes.set(outcomeKey(values), values);
  }
  const list = [...outcomes.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, values]) => ({ values }));
  return {
    test: test.name,
    protocol: protocol.name,
    backend: 'sim',
    exhaustive: result.exhaustive,
    outcomes: list,
    condition: formatCondition(test),
    holds: conditionHolds(test, list.map((o) => o.values)),
    states: result.states,
    transitions: result.transitions,
    ms: result.ms,
  };
}

/** The result as text: the outcomes, each marked when it satisfies the condition, and the verdict. */
export function formatLitmusResult(r: LitmusResult, test: LitmusTest): string[] {
  const how = r.exhaustive ? `exhaustive: ${r.states} states` : 'iterations';
  const lines = [`Test ${r.test} on ${r.protocol} (${r.backend}, ${how}): ${r.outcomes.length} outcome${r.outcomes.length === 1 ? '' : 's'}`];
  for (const o of r.outcomes) {
    const mark = evaluate(test.condition, o.values) ? '*' : ' ';
    lines.push(`  ${mark} ${o.count !== undefined ? `${String(o.count).padStart(6)}: ` : ''}${outcomeKey(o.values)}`);
  }
  lines.push(`  ${r.condition}: ${r.holds ? 'holds' : 'does not hold'}${test.quantifier === 'exists' ? (r.holds ? ' (the outcome is reachable)' : ' (the outcome is never reached)') : ''}`);
  return lines;
}
