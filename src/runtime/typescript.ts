/**
 * TypeScript programs. A `.ts` or `.mts` program runs without a build step: the thread that
 * imports it (a CPU's worker thread, a native CPU's main thread) registers module hooks
 * (typescript-hooks.ts) that transpile TypeScript as Node loads it, with sucrase, a
 * pure-JavaScript transpiler that strips types and keeps every line where it was (so stack
 * traces point at the source's lines). Types are not checked.
 *
 * Transpiling on load, rather than writing a compiled copy next to the source for Node to
 * import, keeps the user's folder as it was even when the process is killed, and keeps the
 * program's imports resolving as they would from the source: its relative imports, its
 * `node_modules` (`import { defineProgram } from 'tsdsm'`), and `./lib.js` for a `lib.ts`
 * beside it, as TypeScript itself resolves it.
 */
import { register } from 'node:module';
import { transform } from 'sucrase';
import { DsmProgramSyntaxError } from './errors.js';

/** TypeScript files that run as ES modules. (`.cts` is CommonJS, which programs are not.) */
export function isTypeScriptPath(path: string): boolean {
  return /\.m?ts$/.test(path) && !/\.d\.m?ts$/.test(path);
}

/**
 * `source` (the TypeScript module at `file`) as JavaScript. A syntax error is a
 * DsmProgramSyntaxError naming `file` (as the caller shows it), line and column (both from 1).
 */
export function transpileTypeScript(source: string, file: string): string {
  try {
    return transform(source, { transforms: ['typescript'], filePath: file, disableESTransforms: true }).code;
  } catch (err) {
    const e = err as Error & { loc?: { line: number; column: number } };
    if (e.loc === undefined) throw err;
    // sucrase says "Error transforming FILE: WHAT (LINE:COLUMN)"; keep WHAT.
    const what = e.message.replace(/^Error transforming .*?: /, '').replace(/ \(\d+:\d+\)$/, '');
    throw new DsmProgramSyntaxError(file, e.loc.line, e.loc.column, what);
  }
}

let hooksRegistered = false;

/** Makes this thread's imports of TypeScript modules transpile them (once per thread). */
export function useTypeScriptHooks(): void {
  if (hooksRegistered) return;
  hooksRegistered = true;
  register(new URL('./typescript-hooks.js', import.meta.url));
}
