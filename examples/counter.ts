/**
 * A shared counter incremented under a lock: every CPU adds 1, `increments` times, holding
 * lock 0 around each read-modify-write. After a barrier every CPU reads the total, which must
 * be cpus * increments (without the lock, increments would be lost).
 */
import { defineProgram } from '../index.js';

export interface CounterArgs {
  increments: number;
  /** Where the int32 counter lives (default 0). */
  address?: number;
}

export default defineProgram((cpu, args: CounterArgs): number => {
  const address = args.address ?? 0;
  for (let i = 0; i < args.increments; i++) {
    cpu.lock(0);
    cpu.memory.setInt32(address, cpu.memory.getInt32(address) + 1);
    cpu.unlock(0);
  }
  cpu.barrier();
  return cpu.memory.getInt32(address);
});
