/** Every CPU writes args.value at args.address + 4 * its id, then meets the others at a barrier; then CPU args.thrower throws. */
import { defineProgram } from '../../../index.js';

export default defineProgram((cpu, args: { address: number; value: number; thrower: number }) => {
  cpu.memory.setInt32(args.address + 4 * cpu.id, args.value);
  cpu.barrier();
  if (cpu.id === args.thrower) throw new Error('thrown after writing');
  return cpu.id;
});
