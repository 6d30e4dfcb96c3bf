/**
 * The seed's test: one CPU writes a value at one address; after a barrier every other CPU
 * reads that address and must see the value. Run it with
 *   tsdsm run dist/examples/seed_test.js --cpus 4 --pages 10
 */
import { defineProgram } from '../index.js';

export interface SeedArgs {
  /** The shared address written and read (default 0x1000, page 1 at 4 KiB pages, or 0 when the memory is smaller). */
  address?: number;
  value?: number;
  writer?: number;
}

export default defineProgram((cpu, args: SeedArgs | null | undefined): number => {
  const address = args?.address ?? (cpu.pages * cpu.pageSize > 0x1000 ? 0x1000 : 0);
  const value = args?.value ?? 42;
  const writer = args?.writer ?? 0;
  if (cpu.id === writer) cpu.memory.setInt32(address, value);
  cpu.barrier();
  return cpu.memory.getInt32(address);
});
