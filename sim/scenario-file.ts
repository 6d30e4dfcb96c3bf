/**
 * Scenario files: a scenario as JSON, so that a lecturer can write one without code (or build
 * one by clicking in the page's editor and export it). `tsdsm sim --scenario FILE.json`,
 * `tsdsm demo FILE.json` and `tsdsm viz --preset FILE.json` accept them. The format is in
 * docs/scenario-format.md:
 *
 *   { "format": "tsdsm-scenario", "version": 1, "name": "mine", "title": "...",
 *     "explanation": "...", "protocol": "ivy", "config": { "cpus": 2, "pages": 2 },
 *     "watch": "0x10",
 *     "programs": [[{ "op": "write", "type": "int32", "address": "0x10", "value": 1 },
 *                   { "op": "barrier" }], [{ "op": "barrier" }, ...]] }
 *
 * Addresses and integer values may be numbers or hex strings ("0x10"); 64-bit values are
 * strings ("5n" or "0x5"). Everything else is checked by the same checks the simulator uses
 * (validateConfig, checkPrograms), and every error names the file and the field.
 */
import { readFileSync } from 'node:fs';
import { validateConfig, type DsmConfigInput } from '../src/core/config.js';
import { DsmConfigError } from '../src/core/errors.js';
import { isBigIntType, valueTypes, type ValueType } from '../src/memory/types.js';
import { checkPrograms, type Op } from '../src/runtime/ops.js';
import { getScenario, type Scenario } from './scenarios.js';

export const scenarioFormatVersion = 1;

/** A scenario with the protocol its file asks for (the command line may override it). */
export interface ScenarioWithProtocol extends Scenario {
  protocol?: string;
}

function integer(v: unknown, where: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?(0x[0-9a-f]+|\d+)$/i.test(v.trim())) return Number(v.trim());
  throw new DsmConfigError(`${where} must be an integer or a hex string like "0x10", got ${JSON.stringify(v)}`);
}

function bigValue(v: unknown, where: string): bigint {
  const text = typeof v === 'number' && Number.isInteger(v) ? String(v) : typeof v === 'string' ? v.trim().replace(/n$/, '') : null;
  if (text !== null && /^-?(0x[0-9a-f]+|\d+)$/i.test(text)) return text.startsWith('-') ? -BigInt(text.slice(1)) : BigInt(text);
  throw new DsmConfigError(`${where} must be a 64-bit integer ("5n", "0x5" or 5), got ${JSON.stringify(v)}`);
}

/** One op as JSON to an Op; checkPrograms checks what this leaves to it. */
function opOf(raw: unknown, where: string): Op {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new DsmConfigError(`${where} must be an object like {"op":"barrier"}`);
  const o = raw as Record<string, unknown>;
  switch (o['op']) {
    case 'read':
    case 'write': {
      const type = (o['type'] ?? 'int32') as ValueType;
      if (!valueTypes.includes(type)) throw new DsmConfigError(`${where}.type must be one of ${valueTypes.join(', ')}, got ${JSON.stringify(o['type'])}`);
      const address = integer(o['address'], `${where}.address`);
      if (o['op'] === 'read') return { op: 'read', type, address };
      const value = isBigIntType(type) ? bigValue(o['value'], `${where}.value`)
        : type.startsWith('float') && typeof o['value'] === 'number' ? o['value'] : integer(o['value'], `${where}.value`);
      return { op: 'write', type, address, value };
    }
    case 'lock':
    case 'unlock':
      return { op: o['op'], lock: integer(o['lock'], `${where}.lock`) };
    case 'barrier':
      return { op: 'barrier' };
    default:
      throw new DsmConfigError(`${where}.op must be read, write, lock, unlock or barrier, got ${JSON.stringify(o['op'])}`);
  }
}

/** Parses a scenario file's text; `file` names it in errors. */
export function parseScenario(text: string, file: string): ScenarioWithProtocol {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new DsmConfigError(`scenario file ${file}: not JSON (${(err as Error).message})`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new DsmConfigError(`scenario file ${file}: must be a JSON object`);
  const o = raw as Record<string, unknown>;
  const where = (field: string): string => `scenario file ${file}: ${field}`;
  if (o['format'] !== 'tsdsm-scenario') throw new DsmConfigError(`${where('format')} must be "tsdsm-scenario", got ${JSON.stringify(o['format'])}`);
  if (o['version'] !== scenarioFormatVersion) throw new DsmConfigError(`${where('version')} ${JSON.stringify(o['version'])} is not supported (this reader knows version ${scenarioFormatVersion})`);
  const configRaw = o['config'];
  if (configRaw === null || typeof configRaw !== 'object' || Array.isArray(configRaw)) throw new DsmConfigError(`${where('config')} must be an object like {"cpus":2,"pages":2}`);
  let config;
  try {
    config = validateConfig(configRaw as DsmConfigInput);
  } catch (err) {
    throw new DsmConfigError(`${where('config')}: ${(err as Error).message}`);
  }
  const programsRaw = o['programs'];
  if (!Array.isArray(programsRaw)) throw new DsmConfigError(`${where('programs')} must be a list of op lists, one per CPU`);
  const programs = programsRaw.map((ops: unknown, cpu: number) => {
    if (!Array.isArray(ops)) throw new DsmConfigError(`${where(`programs[${cpu}]`)} must be a list of ops`);
    return ops.map((op: unknown, i: number) => opOf(op, where(`programs[${cpu}][${i}]`)));
  });
  try {
    checkPrograms(programs, config.cpus);
  } catch (err) {
    throw new DsmConfigError(`${where('programs')}: ${(err as Error).message}`);
  }
  const text_ = (field: string, fallback: string): string => {
    const v = o[field];
    if (v === undefined) return fallback;
    if (typeof v !== 'string') throw new DsmConfigError(`${where(field)} must be a string`);
    return v;
  };
  const name = text_('name', file.replace(/^.*\//, '').replace(/\.json$/, ''));
  const scenario: ScenarioWithProtocol = {
    name,
    title: text_('title', `Scenario ${name}`),
    explanation: text_('explanation', ''),
    config: { cpus: config.cpus, pages: config.pages, pageSize: config.pageSize },
    programs,
  };
  if (o['watch'] !== undefined) scenario.watch = integer(o['watch'], where('watch'));
  if (o['protocol'] !== undefined) scenario.protocol = text_('protocol', 'ivy');
  return scenario;
}

/** A scenario as a file's JSON (hex addresses, 64-bit values as "5n"); parseScenario reads it back. */
export function scenarioToJson(s: ScenarioWithProtocol): string {
  const hex = (n: number): string => `0x${n.toString(16)}`;
  const ops = s.programs.map((p) => p.map((op) => {
    if (op.op === 'read') return { op: 'read', type: op.type, address: hex(op.address) };
    if (op.op === 'write') return { op: 'write', type: op.type, address: hex(op.address), value: typeof op.value === 'bigint' ? `${op.value}n` : op.value };
    return op;
  }));
  const out: Record<string, unknown> = { format: 'tsdsm-scenario', version: scenarioFormatVersion, name: s.name, title: s.title, explanation: s.explanation };
  if (s.protocol !== undefined) out['protocol'] = s.protocol;
  out['config'] = s.config;
  if (s.watch !== undefined) out['watch'] = hex(s.watch);
  out['programs'] = ops;
  return `${JSON.stringify(out, null, 2)}\n`;
}

/** Whether a --scenario / --preset argument names a file rather than a preset. */
export const isScenarioFile = (nameOrPath: string): boolean => nameOrPath.endsWith('.json') || nameOrPath.includes('/');

/** A preset by name, or a scenario file by path (ending in .json or containing a slash). */
export function loadScenario(nameOrPath: string): ScenarioWithProtocol {
  if (!isScenarioFile(nameOrPath)) return getScenario(nameOrPath);
  let text: string;
  try {
    text = readFileSync(nameOrPath, 'utf8');
  } catch (err) {
    throw new DsmConfigError(`cannot read scenario file ${nameOrPath}: ${(err as Error).message}`);
  }
  return parseScenario(text, nameOrPath);
}
