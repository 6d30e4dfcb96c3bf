/**
 * Programs that deadlock: every CPU ends blocked or finished with nothing in flight.
 *  - 'missed-barrier': CPU 0 takes lock 3, writes a word and returns without reaching the
 *    barrier the others wait at (and without releasing the lock);
 *  - 'lock-order': CPU 0 holds lock 1 and asks for lock 2, CPU 1 holds lock 2 and asks for
 *    lock 1 (both hold their first lock before either asks for its second: the barrier);
 *    CPUs 2 and up return.
 */
import { defineProgram } from '../../../index.js';

export default defineProgram((cpu, args: { kind: 'missed-barrier' | 'lock-order' }) => {
  if (args.kind === 'missed-barrier') {
    if (cpu.id === 0) {
      cpu.lock(3);
      cpu.memory.setInt32(cpu.pageSize, 7);
      return cpu.id;
    }
    cpu.barrier();
    return cpu.id;
  }
  if (cpu.id === 0) cpu.lock(1);
  if (cpu.id === 1) cpu.lock(2);
  cpu.barrier();
  if (cpu.id === 0) cpu.lock(2);
  if (cpu.id === 1) cpu.lock(1);
  return cpu.id;
});
