/**
 * Values that cross a thread or process boundary: a run's `args` (to every CPU) and each
 * CPU's result (back to the cluster) travel by structured clone (postMessage on worker
 * threads, v8 serialization, the same algorithm, on native). A value that cannot be copied
 * would otherwise fail deep inside the transport with an error that names neither the value
 * nor its part ("could not be cloned", or a worker that seems to have died), so each is
 * tried here first and the part that fails is named.
 */
import { DsmCloneError } from './errors.js';

/** Throws DsmCloneError naming the part of `value` (called `path`) that cannot be copied; `cpu` -1 for args. */
export function checkCloneable(value: unknown, path: string, cpu: number): void {
  if (cloneable(value)) return;
  const bad = culprit(value, path, new Set());
  throw new DsmCloneError(cpu, bad.path, bad.what);
}

function cloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

/** The deepest part of an uncloneable `value` that is itself uncloneable, and what it is. */
function culprit(value: unknown, path: string, seen: Set<object>): { path: string; what: string } {
  if (typeof value === 'function') return { path, what: `a function${value.name ? ` (${value.name})` : ''}` };
  if (typeof value === 'symbol') return { path, what: `a symbol (${String(value)})` };
  if (value !== null && typeof value === 'object' && !seen.has(value)) {
    seen.add(value);
    for (const [childPath, child] of children(value, path)) {
      if (!cloneable(child)) return culprit(child, childPath, seen);
    }
  }
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  const name = (value as { constructor?: { name?: string } } | null)?.constructor?.name;
  return { path, what: `a ${name && name !== 'Object' ? name : tag}` };
}

function children(value: object, path: string): Array<[string, unknown]> {
  try {
    if (value instanceof Map) return [...value].map(([k, v]): [string, unknown] => [`${path}.get(${typeof k === 'string' ? JSON.stringify(k) : String(k)})`, v]);
    if (value instanceof Set) return [...value].map((v, i): [string, unknown] => [`${path} (element ${i} of the Set)`, v]);
    const array = Array.isArray(value);
    return Object.keys(value).map((k): [string, unknown] => [
      array ? `${path}[${k}]` : /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`,
      (value as Record<string, unknown>)[k],
    ]);
  } catch {
    return []; // a getter or proxy that throws: the object itself is named
  }
}
