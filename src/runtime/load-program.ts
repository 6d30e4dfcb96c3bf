/**
 * Loading a program in a CPU's thread, the same on every backend: import the module (through
 * the TypeScript hooks for a .ts program) and take the program of its default export. The
 * cluster has already checked that the file exists and parses (Cluster.resolveProgram), so
 * what fails here is the module's own evaluation or its imports.
 */
import { fileURLToPath } from 'node:url';
import { DsmProgramLoadError } from './errors.js';
import { programOf, type ProgramFunction } from './program.js';
import { isTypeScriptPath, useTypeScriptHooks } from './typescript.js';

export async function loadProgram(url: string, cpu: number): Promise<ProgramFunction> {
  const path = fileURLToPath(url);
  if (isTypeScriptPath(path)) useTypeScriptHooks();
  let mod: { default?: unknown };
  try {
    mod = (await import(url)) as { default?: unknown };
  } catch (err) {
    throw new DsmProgramLoadError(`CPU ${cpu}: cannot load program ${path}: ${(err as Error).message ?? String(err)}`);
  }
  const program = programOf(mod.default);
  if (typeof program === 'string') throw new DsmProgramLoadError(`CPU ${cpu}: program ${path} is not a program: ${program}`);
  return program;
}
