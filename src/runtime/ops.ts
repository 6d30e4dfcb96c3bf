/**
 * Programs as data: a list of operations per CPU. The simulator runs these step by step; the
 * worker runtime runs them through its ops interpreter program, so one program can run on
 * every backend and their results can be compared (the conformance suite).
 */
import { DsmConfigError } from '../core/errors.js';
import { isBigIntType, valueTypes, type Value, type ValueType } from '../memory/types.js';

export type Op =
  | { op: 'read'; type: ValueType; address: number }
  | { op: 'write'; type: ValueType; address: number; value: Value }
  | { op: 'lock'; lock: number }
  | { op: 'unlock'; lock: number }
  | { op: 'barrier' };

/** What a CPU's program returns: the values of its reads, in program order. */
export type ReadLog = Value[];

export function formatOp(op: Op): string {
  switch (op.op) {
    case 'read': return `read ${op.type} @0x${op.address.toString(16)}`;
    case 'write': return `write ${op.type} @0x${op.address.toString(16)} = ${typeof op.value === 'bigint' ? `${op.value}n` : op.value}`;
    case 'lock': return `lock(${op.lock})`;
    case 'unlock': return `unlock(${op.lock})`;
    case 'barrier': return 'barrier()';
  }
}

/** Checks that `programs` is a list of op lists; throws DsmConfigError naming CPU and index. */
export function checkPrograms(programs: unknown, cpus: number): Op[][] {
  if (!Array.isArray(programs) || programs.length !== cpus) {
    throw new DsmConfigError(`invalid programs: expected a list of ${cpus} op lists (one per CPU), got ${Array.isArray(programs) ? `${programs.length} lists` : typeof programs}`);
  }
  programs.forEach((ops, cpu) => {
    if (!Array.isArray(ops)) throw new DsmConfigError(`invalid program for CPU ${cpu}: expected a list of ops`);
    ops.forEach((op: unknown, i: number) => {
      const bad = (why: string): never => {
        throw new DsmConfigError(`invalid op ${i} of CPU ${cpu}: ${why}: ${JSON.stringify(op, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))}`);
      };
      if (op === null || typeof op !== 'object') bad('not an object');
      const o = op as Record<string, unknown>;
      switch (o['op']) {
        case 'read':
        case 'write':
          if (!valueTypes.includes(o['type'] as ValueType)) bad(`type must be one of ${valueTypes.join(', ')}`);
          if (typeof o['address'] !== 'number' || !Number.isInteger(o['address'])) bad('address must be an integer');
          if (o['op'] === 'write') {
            const big = isBigIntType(o['type'] as ValueType);
            if (big ? typeof o['value'] !== 'bigint' : typeof o['value'] !== 'number') bad(`value must be a ${big ? 'bigint' : 'number'}`);
          }
          break;
        case 'lock':
        case 'unlock':
          if (typeof o['lock'] !== 'number' || !Number.isInteger(o['lock']) || (o['lock'] as number) < 0) bad('lock must be a non-negative integer');
          break;
        case 'barrier':
          break;
        default:
          bad(`op must be read, write, lock, unlock or barrier`);
      }
    });
  });
  return programs as Op[][];
}
