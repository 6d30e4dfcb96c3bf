/**
 * A WebAssembly out-of-bounds trap inside a program on native: the addon's SIGSEGV handler
 * is installed in the CPU process, and a fault outside its regions must chain to V8's, which
 * turns it into a WebAssembly.RuntimeError the program can catch. Then CPU 0 writes shared
 * memory (a real fault of ours) and the others read it after a barrier.
 */
import { defineProgram } from '../../../index.js';
import { wasmApi, wasmLoadBytes } from '../fixtures/wasm-load.js';

export interface WasmTrapResult {
  error: string | null;
  read: number;
}

export default defineProgram((cpu, { address }: { address: number }): WasmTrapResult => {
  let error: string | null = null;
  if (cpu.id === 0) {
    const load = new wasmApi.Instance(new wasmApi.Module(wasmLoadBytes)).exports['load'] as (a: number) => number;
    try {
      load(70000);
    } catch (err) {
      error = `${(err as Error).constructor.name}: ${(err as Error).message}`;
    }
    cpu.memory.setInt32(address, 1234);
  }
  cpu.barrier();
  return { error, read: cpu.memory.getInt32(address) };
});
