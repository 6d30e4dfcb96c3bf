/**
 * A shared counter incremented under a lock: every CPU adds 1, `increments` times, holding
 * lock 0 around each read-modify-write. After a barrier every CPU reads the total, which must
 * be cpus * increments (without the lock, increments would be lost). Without args (`tsdsm run
 * dist/examples/counter.js --cpus 2 --pages 1`) each CPU adds 100 at address 0.
 */
import { defineProgram } from '../index.js';

export interface CounterArgs {
  /** Increments per CPU (default 100). */
  increments?: number;
  /** Where the int32 counter lives (default 0). */
  address?: number;
}

export default defineProgram((cpu, args: CounterArgs | undefined): number => {
  const address = args?.address ?? 0;
  const increments = args?.increments ?? 100;
  for (let i = 0; i < increments; i++) {
    cpu.lock(0);
    cpu.memory.setInt32(address, cpu.memory.getInt32(address) + 1);
    cpu.unlock(0);
  }
  cpu.barrier();
  return cpu.memory.getInt32(address);
});
