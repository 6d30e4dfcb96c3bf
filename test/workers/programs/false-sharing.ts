/**
 * False sharing without locks: every CPU increments its own counter, `rounds` times, and all
 * the counters live on one page, which moves at almost every store. Each counter is written
 * only by its CPU, so under sequential consistency each must end at exactly `rounds`. A store
 * that lands in a CPU's copy after the protocol thread has copied the page out for another
 * CPU (and before it dropped the page) would be lost, and the count short.
 */
import { defineProgram } from '../../../index.js';

export default defineProgram((cpu, { rounds, page }: { rounds: number; page: number }): number => {
  const address = page * cpu.pageSize + cpu.id * 8;
  cpu.memory.setInt32(address, 0);
  cpu.barrier();
  for (let i = 0; i < rounds; i++) cpu.memory.setInt32(address, cpu.memory.getInt32(address) + 1);
  cpu.barrier();
  return cpu.memory.getInt32(address);
});
