/** One CPU makes one bad access, chosen by args; the others do nothing. */
import { defineProgram } from '../../../index.js';

export default defineProgram((cpu, args: { cpu: number; kind: 'range' | 'misaligned' | 'negative' | 'view' }) => {
  if (cpu.id !== args.cpu) return null;
  switch (args.kind) {
    case 'range': return cpu.memory.getFloat64(cpu.pages * cpu.pageSize);
    case 'misaligned': cpu.memory.setInt32(0x1002, 1); return null;
    case 'negative': return cpu.memory.getUint8(-1);
    case 'view': return cpu.int32Array(0x2000, 4).get(4);
  }
});
