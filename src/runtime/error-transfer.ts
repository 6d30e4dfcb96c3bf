/**
 * Errors that cross a thread or process boundary. Structured clone (and our own wire) drop
 * the class of a non-standard error, so a CPU sends its error as data — class name, message,
 * stack and own primitive fields — and the cluster rebuilds it with its class, its message
 * naming the CPU. Shared by every runtime that runs programs away from the main thread.
 */
import * as coreErrors from '../core/errors.js';
import * as runtimeErrors from './errors.js';

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string | undefined;
  readonly fields: Record<string, string | number | boolean | null>;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error || (err !== null && typeof err === 'object' && 'message' in err && 'name' in err)) {
    const e = err as Error;
    const fields: Record<string, string | number | boolean | null> = {};
    for (const [k, v] of Object.entries(e)) {
      if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') fields[k] = v;
    }
    return { name: String(e.name), message: String(e.message), stack: e.stack, fields };
  }
  return { name: 'Error', message: `non-error thrown: ${String(err)}`, fields: {} };
}

/** Error classes a CPU may throw that we rebuild by name. */
const errorClasses: Record<string, ErrorConstructor> = {
  Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError,
  ...(coreErrors as unknown as Record<string, ErrorConstructor>),
  ...(runtimeErrors as unknown as Record<string, ErrorConstructor>),
};

/**
 * The CPU's error with its class, fields and stack, its message naming the CPU. Errors of
 * user-defined classes come back as Error with the original name.
 */
export function reviveError(s: SerializedError, cpu: number): Error {
  const known = Object.prototype.hasOwnProperty.call(errorClasses, s.name) ? errorClasses[s.name] : undefined;
  const ctor = typeof known === 'function' && (known === Error || known.prototype instanceof Error) ? known : Error;
  const err = Object.create(ctor.prototype) as Error & Record<string, unknown>;
  Object.assign(err, s.fields);
  const message = new RegExp(`^CPU ${cpu}\\b`).test(s.message) ? s.message : `CPU ${cpu}: ${s.message}`;
  Object.defineProperty(err, 'message', { value: message, writable: true, configurable: true, enumerable: false });
  Object.defineProperty(err, 'name', { value: s.name, writable: true, configurable: true, enumerable: false });
  Object.defineProperty(err, 'stack', {
    value: s.stack ? s.stack.replace(s.message, message) : `${s.name}: ${message}`,
    writable: true, configurable: true, enumerable: false,
  });
  if (err['cpu'] === undefined) err['cpu'] = cpu;
  return err;
}
