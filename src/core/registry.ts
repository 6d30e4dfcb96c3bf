/**
 * Protocols by name: the built-in ones, and those a user registers (`registerProtocol`).
 *
 * The simulator runs any Protocol object it is given. Worker threads and native CPU processes
 * cannot be handed an object: each loads its protocol itself, by name for a built-in one, and
 * for a registered one from the module it was registered with (`protocolRef` names both;
 * src/runtime/protocol-module.ts loads it). So a protocol registered with a `module` runs on
 * every backend, and one registered without runs on the simulator only.
 *
 * This module only keeps the table; importing a module is IO and lives in src/runtime.
 */
import { DsmConfigError, DsmMutantError } from './errors.js';
import { ivy, ivyCentral } from './ivy.js';
import { ivyDynamic } from './ivy-dynamic.js';
import { hlrc } from './hlrc.js';
import type { Protocol } from './protocol.js';

/** Every built-in protocol by the name configs use. */
export const protocols = { ivy, 'ivy-central': ivyCentral, 'ivy-dynamic': ivyDynamic, hlrc } as const;

export type ProtocolName = keyof typeof protocols;

interface Registration {
  readonly protocol: Protocol<unknown>;
  /** A file: URL of a module that exports the protocol object, or null (simulator only). */
  module: string | null;
}

const registered = new Map<string, Registration>();

/** What a protocol name may look like: it travels on command lines and in URLs. */
const protocolNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The functions every Protocol has (protocol.ts); a registered object must have them all. */
const protocolFunctions = ['init', 'onFault', 'onMessage', 'onLock', 'onUnlock', 'onBarrier', 'accessOf', 'invariants', 'waitingOn'] as const;

function isBuiltin(name: string): name is ProtocolName {
  return Object.prototype.hasOwnProperty.call(protocols, name);
}

/** True when `value` has a protocol's name and functions (used to find one among a module's exports). */
export function isProtocolObject(value: unknown): value is Protocol<unknown> {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v['name'] === 'string' && protocolFunctions.every((f) => typeof v[f] === 'function');
}

export interface RegisterProtocolOptions {
  /**
   * The module that exports this protocol object (a file: URL, e.g. `new URL('./my-protocol.js',
   * import.meta.url)`), from which worker threads and native CPU processes load it. Without
   * it, the protocol runs on the simulator only. The module must only define the protocol: every
   * CPU imports it.
   */
  module?: string | URL | undefined;
}

/**
 * Makes `protocol` available by its `name` everywhere a protocol name is accepted:
 * `Cluster.start({ protocol })` on every backend (given `module`), the simulator, `checkProtocol`.
 * Registering the same object again is allowed (a module may register itself and be loaded
 * by name as well); another object under a taken name is a DsmConfigError. Returns `protocol`.
 */
export function registerProtocol<S>(protocol: Protocol<S>, options: RegisterProtocolOptions = {}): Protocol<S> {
  if (!isProtocolObject(protocol)) {
    const missing = protocol !== null && typeof protocol === 'object'
      ? [typeof (protocol as { name?: unknown }).name !== 'string' ? 'name' : null, ...protocolFunctions.filter((f) => typeof (protocol as unknown as Record<string, unknown>)[f] !== 'function')].filter(Boolean)
      : ['everything'];
    throw new DsmConfigError(`registerProtocol: not a protocol object (see Protocol in src/core/protocol.ts); missing: ${missing.join(', ')}`);
  }
  const name = protocol.name;
  if (!protocolNamePattern.test(name)) {
    throw new DsmConfigError(`registerProtocol: name ${JSON.stringify(name)}; allowed: letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64`);
  }
  if (isBuiltin(name)) throw new DsmConfigError(`registerProtocol: ${JSON.stringify(name)} is a built-in protocol; give yours another name`);
  const module = options.module === undefined ? null : moduleHref(options.module);
  const known = registered.get(name);
  if (known !== undefined && known.protocol !== (protocol as Protocol<unknown>)) {
    throw new DsmConfigError(`registerProtocol: another protocol object is already registered as ${JSON.stringify(name)}`);
  }
  if (known !== undefined) {
    if (module !== null) known.module = module;
  } else {
    registered.set(name, { protocol: protocol as Protocol<unknown>, module });
  }
  return protocol;
}

function moduleHref(module: string | URL): string {
  const href = typeof module === 'string' ? module : module?.href;
  if (typeof href !== 'string' || !href.startsWith('file:')) {
    throw new DsmConfigError(`registerProtocol: module = ${JSON.stringify(String(href))}; allowed: a file: URL (new URL('./my-protocol.js', import.meta.url))`);
  }
  return href.replace(/#.*$/, '');
}

/** Every protocol name, built-in first. */
export function protocolNames(): string[] {
  return [...Object.keys(protocols), ...registered.keys()];
}

export function getProtocol(name: string): Protocol<unknown> {
  if (typeof name === 'string' && isBuiltin(name)) return protocols[name] as unknown as Protocol<unknown>;
  const r = typeof name === 'string' ? registered.get(name) : undefined;
  if (r === undefined) {
    throw new DsmConfigError(`invalid config: protocol = ${JSON.stringify(name)}; allowed: ${protocolNames().join(', ')} (or registerProtocol your own)`);
  }
  return r.protocol;
}

/**
 * How a worker thread or a native CPU process finds protocol `name`: the name itself for a
 * built-in protocol, else `<module URL>#<name>`. A protocol registered without a module has
 * no reference: `backend` names the place that needed one, for the error.
 */
export function protocolRef(name: string, backend: string): string {
  getProtocol(name);
  if (isBuiltin(name)) return name;
  const r = registered.get(name)!;
  if (r.module === null) {
    throw new DsmConfigError(
      `invalid config: protocol ${JSON.stringify(name)} was registered without a module, so backend '${backend}' cannot load it in its CPUs; ` +
        `register it with registerProtocol(protocol, { module: new URL('./your-protocol.js', import.meta.url) })`,
    );
  }
  return `${r.module}#${encodeURIComponent(name)}`;
}

/** The registered protocols that implement `mutant`, by name. */
export function protocolsWithMutant(mutant: string): string[] {
  return mutantTable().find((m) => m.name === mutant)?.protocols.slice() ?? [];
}

/**
 * `mutant` if `protocol` implements it (or undefined when none is asked for); else a
 * DsmMutantError naming the protocols that do. Every runtime that takes a mutant calls this,
 * so that a mutant never silently runs as the unmutated protocol.
 */
export function checkMutant(protocol: Protocol<unknown>, mutant: string | undefined): string | undefined {
  if (mutant === undefined) return undefined;
  const own = protocol.mutants ?? {};
  if (typeof mutant === 'string' && Object.prototype.hasOwnProperty.call(own, mutant)) return mutant;
  throw new DsmMutantError(String(mutant), protocol.name, protocolsWithMutant(String(mutant)), Object.keys(own));
}

export interface MutantEntry {
  readonly name: string;
  /** What it breaks (the first protocol's description, for a name several protocols share). */
  readonly description: string;
  /** The registered protocols that implement it. */
  readonly protocols: readonly string[];
}

/** Every mutant of every registered protocol, with the protocols that have it, in first-seen order. */
export function mutantTable(): MutantEntry[] {
  const table = new Map<string, { name: string; description: string; protocols: string[] }>();
  for (const p of protocolNames()) {
    for (const [name, description] of Object.entries(getProtocol(p).mutants ?? {})) {
      const entry = table.get(name) ?? { name, description, protocols: [] };
      entry.protocols.push(p);
      table.set(name, entry);
    }
  }
  return [...table.values()];
}
