/**
 * CPU 1 makes one bad call, chosen by args: an address or index that is not one, or a value
 * its type cannot hold as given. The other CPUs wait at a barrier CPU 1 never reaches.
 */
import { defineProgram } from '../../../index.js';

export type BadValueKind =
  | 'nan-address' | 'fractional-address' | 'negative-address' | 'string-address'
  | 'string-value' | 'number-for-bigint' | 'view-string-value' | 'view-fractional-index';

export default defineProgram((cpu, args: { kind: BadValueKind }) => {
  if (cpu.id === 1) {
    const m = cpu.memory as unknown as Record<string, (...a: unknown[]) => unknown>;
    switch (args.kind) {
      case 'nan-address': cpu.memory.getInt32(NaN); break;
      case 'fractional-address': cpu.memory.getFloat64(4.5); break;
      case 'negative-address': cpu.memory.setInt32(-4, 1); break;
      case 'string-address': m['getInt32']!('8'); break;
      case 'string-value': m['setInt32']!(0x10, '12'); break;
      case 'number-for-bigint': m['setBigInt64']!(0x18, 5); break;
      case 'view-string-value': (cpu.float64Array(0x40, 4) as unknown as { set(i: number, v: unknown): void }).set(2, 'x'); break;
      case 'view-fractional-index': cpu.int32Array(0x40, 4).get(1.5); break;
    }
  }
  cpu.barrier();
  return null;
});
