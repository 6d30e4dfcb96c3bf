/**
 * Node module hooks (node:module `register`) that run TypeScript modules: see typescript.ts,
 * which registers them in the threads that load programs. They run on Node's hooks thread.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { isTypeScriptPath, transpileTypeScript } from './typescript.js';

interface ResolveContext {
  parentURL?: string | undefined;
  conditions: string[];
}
type Resolved = { url: string; format?: string | null | undefined; shortCircuit?: boolean };
type NextResolve = (specifier: string, context: ResolveContext) => Promise<Resolved>;
type Loaded = { format: string; source?: string | ArrayBuffer | Uint8Array | null; shortCircuit?: boolean };
type NextLoad = (url: string, context: { format?: string | null | undefined; conditions: string[] }) => Promise<Loaded>;

function isTypeScriptUrl(url: string | undefined): url is string {
  return url !== undefined && url.startsWith('file:') && isTypeScriptPath(new URL(url).pathname);
}

/**
 * A TypeScript module's relative import of `./lib.js` finds `./lib.ts` when there is no
 * lib.js, as TypeScript resolves it (the source names the file its compiled form would be).
 */
export async function resolve(specifier: string, context: ResolveContext, nextResolve: NextResolve): Promise<Resolved> {
  try {
    return await nextResolve(specifier, context);
  } catch (err) {
    const relative = /^\.\.?\//.test(specifier) && /\.m?js$/.test(specifier);
    if ((err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND' || !relative || !isTypeScriptUrl(context.parentURL)) throw err;
    try {
      return await nextResolve(specifier.replace(/js$/, 'ts'), context);
    } catch {
      throw err;
    }
  }
}

export async function load(url: string, context: { format?: string | null | undefined; conditions: string[] }, nextLoad: NextLoad): Promise<Loaded> {
  if (!isTypeScriptUrl(url)) return nextLoad(url, context);
  const file = fileURLToPath(url);
  return { format: 'module', source: transpileTypeScript(await readFile(file, 'utf8'), file), shortCircuit: true };
}
