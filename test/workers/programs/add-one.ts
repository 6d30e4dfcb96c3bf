/** Every CPU adds 1 to the int32 at args.address under lock 0; returns nothing. */
import { defineProgram } from '../../../index.js';

export default defineProgram((cpu, args: { address: number }) => {
  cpu.lock(0);
  cpu.memory.setInt32(args.address, cpu.memory.getInt32(args.address) + 1);
  cpu.unlock(0);
});
