/**
 * The ops interpreter: a program whose args are op lists (src/runtime/ops.ts), one per CPU.
 * CPU i runs args[i] and returns the values of its reads in program order, exactly what the
 * simulator returns for the same lists; the conformance suite compares the two.
 */
import { checkPrograms, type Op, type ReadLog } from '../src/runtime/ops.js';
import { defineProgram, traceAccess } from '../src/runtime/program.js';

export default defineProgram((cpu, args: Op[][]): ReadLog => {
  const ops = checkPrograms(args, cpu.cpus)[cpu.id]!;
  const reads: ReadLog = [];
  for (const op of ops) {
    switch (op.op) {
      case 'read': {
        const value = cpu.memory.load(op.type, op.address);
        traceAccess(cpu, 'read', op.type, op.address, value);
        reads.push(value);
        break;
      }
      case 'write':
        cpu.memory.store(op.type, op.address, op.value);
        traceAccess(cpu, 'write', op.type, op.address, op.value);
        break;
      case 'lock':
        cpu.lock(op.lock);
        break;
      case 'unlock':
        cpu.unlock(op.lock);
        break;
      case 'barrier':
        cpu.barrier();
        break;
    }
  }
  return reads;
});
