/**
 * Never ends, and no deadlock can be seen: after a barrier, CPU 3 connects to the Unix socket
 * at `args.socket` (so that the test knows the run is under way) and then computes forever
 * without touching shared memory; the others return. Only a timeout, the run's AbortSignal
 * or close() ends it.
 */
import { connect } from 'node:net';
import { defineProgram } from '../../../index.js';

export default defineProgram(async (cpu, args: { socket: string }) => {
  cpu.barrier();
  if (cpu.id !== 3) return cpu.id;
  await new Promise<void>((resolve, reject) => {
    const socket = connect(args.socket, () => resolve());
    socket.on('error', reject);
  });
  for (;;) {
    // Busy, never touching shared memory: it cannot be told from slow work.
  }
});
