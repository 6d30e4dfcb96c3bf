/** Bad native views: each kind throws the accessor's named error on CPU `cpu`. */
import { defineProgram } from '../../../index.js';

export default defineProgram((cpu, { cpu: who, kind }: { cpu: number; kind: 'range' | 'misaligned' | 'index' }): null => {
  if (cpu.id !== who) return null;
  if (kind === 'range') cpu.float64Array(cpu.pages * cpu.pageSize - 8, 2);
  else if (kind === 'misaligned') cpu.float64Array(0x1004, 2);
  else cpu.float64Array(0x1000, 4).get(4);
  return null;
});
