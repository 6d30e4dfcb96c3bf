/**
 * Loads a protocol by the reference `protocolRef` (src/core/registry.ts) gives: a built-in
 * name, or `<module URL>#<name>` for a protocol a user registered with its module. Worker
 * threads and native CPU processes call this before they start their CPU, since a protocol
 * object cannot travel between threads or processes; the cluster calls it first, in its own
 * process, so that a module that does not export the protocol fails at Cluster.start with a
 * named error, not later as a dead thread.
 */
import { resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { getProtocol, isProtocolObject, protocolNames, registerProtocol } from '../core/registry.js';
import type { Protocol } from '../core/protocol.js';
import { DsmProtocolLoadError } from './errors.js';

/** The module and the name a reference stands for; a built-in name has no module. */
export function parseProtocolRef(ref: string): { module: string | null; name: string } {
  const hash = ref.lastIndexOf('#');
  if (!ref.startsWith('file:') || hash < 0) return { module: null, name: ref };
  return { module: ref.slice(0, hash), name: decodeURIComponent(ref.slice(hash + 1)) };
}

export async function loadProtocol(ref: string): Promise<Protocol<unknown>> {
  const { module, name } = parseProtocolRef(ref);
  if (module === null) return getProtocol(name);
  let exports: Record<string, unknown>;
  try {
    exports = (await import(module)) as Record<string, unknown>;
  } catch (err) {
    throw new DsmProtocolLoadError(`cannot load protocol ${JSON.stringify(name)} from ${module}: ${(err as Error).message ?? String(err)}`);
  }
  const found = Object.values(exports).find((v): v is Protocol<unknown> => isProtocolObject(v) && v.name === name);
  if (found === undefined) {
    const offered = Object.values(exports).filter(isProtocolObject).map((p) => p.name);
    throw new DsmProtocolLoadError(
      `module ${module} exports no protocol named ${JSON.stringify(name)}` +
        `${offered.length > 0 ? `; it exports the protocols ${offered.join(', ')}` : '; it exports no protocol object at all'}`,
    );
  }
  // Registered in this thread already (in the cluster's own process, or by a module that
  // registers itself): the CPUs must run the very object the module exports.
  if (protocolNames().includes(name) && getProtocol(name) !== found) {
    throw new DsmProtocolLoadError(`module ${module} exports a protocol named ${JSON.stringify(name)}, but not the object registered under that name: register the object the module exports`);
  }
  return registerProtocol(found, { module });
}

/**
 * Imports the module at `file` (a path, or a file: URL) and registers every protocol object
 * it exports, with the module, so that each runs on every backend by its name. Returns the
 * names. The command line's `--protocol-module` calls this.
 */
export async function registerProtocolModule(file: string | URL): Promise<string[]> {
  const href = typeof file === 'string' && !file.startsWith('file:') ? pathToFileURL(resolvePath(file)).href : new URL(String(file)).href;
  let exports: Record<string, unknown>;
  try {
    exports = (await import(href)) as Record<string, unknown>;
  } catch (err) {
    throw new DsmProtocolLoadError(`cannot load protocol module ${String(file)}: ${(err as Error).message ?? String(err)}`);
  }
  const found = [...new Set(Object.values(exports).filter(isProtocolObject))];
  if (found.length === 0) throw new DsmProtocolLoadError(`protocol module ${String(file)} exports no protocol object (see Protocol in src/core/protocol.ts)`);
  for (const p of found) registerProtocol(p, { module: href });
  return found.map((p) => p.name);
}
