/**
 * The Cluster API, the same for every backend:
 *
 *   const cluster = await Cluster.start({ cpus: 4, pages: 10 });
 *   const { results, stats } = await cluster.run(new URL('./prog.js', import.meta.url), args);
 *   cluster.readMemory(0x1000, 8);
 *   await cluster.close();
 *
 * The cluster owns the shared memory between runs as one coherent image: a run starts with
 * every CPU holding a read copy of the image (the protocol's initial state) and ends, once
 * every program has returned (a return is a release: Protocol.onFinish) and no message is in
 * flight, with each page collected from a CPU whose copy is current, so nothing written is
 * lost and the next run sees it. A failed run leaves the image as it was before the run.
 *
 * Nothing waits forever: a deadlock is found by the backend (DsmDeadlockError); a run that
 * computes forever ends at its timeout, its AbortSignal, or close(). There is no default
 * timeout, because a CPU busy without touching shared memory cannot be told from slow work.
 *
 * Backends (worker threads, later native processes) live outside src/, which must not import
 * them (arrows point down): they register themselves here by name.
 */
import { readFile } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Mutex } from 'async-mutex';
import { validateConfig, type DsmConfig, type DsmConfigInput } from '../core/config.js';
import { DsmConfigError, DsmError, DsmRangeError } from '../core/errors.js';
import { protocolRef } from '../core/registry.js';
import { loadProtocol } from './protocol-module.js';
import { showAddress, showValue } from '../core/show.js';
import { checkCloneable } from './clone.js';
import { DsmProgramLoadError, DsmRunAbortedError, type RunAbortCause } from './errors.js';
import { isTypeScriptPath, transpileTypeScript } from './typescript.js';
import { totalStats, type ClusterStats, type CpuStats } from './stats.js';
import type { TraceEvent } from './trace.js';

export interface ClusterOptions extends DsmConfigInput {
  /**
   * The coherence protocol by name (default 'ivy'): a built-in one, or one of your own made
   * known with `registerProtocol(protocol, { module })`.
   */
  protocol?: string | undefined;
  /** Where CPUs run (default 'workers': one worker thread per CPU). */
  backend?: string | undefined;
  /** Default timeout of every run, in ms; none when absent (see RunOptions.timeoutMs). */
  timeoutMs?: number | undefined;
  /** Record a trace of every run (default false). */
  trace?: boolean | undefined;
  /**
   * How the CPUs talk to each other. Backend 'workers': 'ports' (default: a MessagePort per
   * pair of CPUs) or 'ring' (shared-memory rings in a SharedArrayBuffer). Backend 'native':
   * 'ring' (default: shared-memory rings in a mapping the processes of one host share),
   * 'unix' (Unix sockets, one host) or 'tcp' (the same frames over TCP, between the addresses
   * of `hosts`).
   */
  transport?: string | undefined;
  /**
   * Backend 'native' with transport 'tcp' only: where the CPUs run, CPU i on
   * `hosts[i % hosts.length]` (default: one host, 127.0.0.1). Each CPU listens on its host's
   * `address` (an IP address, on an ephemeral port) and on nothing else; `launch` is the
   * command that starts a process on that host, put before `node ...` (for example
   * `['ip', 'netns', 'exec', 'ns1']`; default: none, a child of this process).
   */
  hosts?: ReadonlyArray<{ readonly address: string; readonly launch?: readonly string[] | undefined }> | undefined;
  /**
   * Backend 'native' only: the cluster secret (at least 16 characters) with which every
   * connection between its processes authenticates before any frame is read. Default:
   * $TSDSM_SECRET, else 32 random bytes made for this cluster. Give one for several hosts.
   */
  secret?: string | undefined;
  /**
   * Backend 'native' only: told of each connection refused because it did not prove it holds
   * the secret (a DsmAuthError naming the address that tried); the run goes on. Default: a
   * process warning.
   */
  onRefused?: ((error: Error & { readonly address: string }) => void) | undefined;
  /**
   * Backend 'native' with transport 'tcp' only: an address of this machine on which the
   * cluster's control link listens (an ephemeral port) for CPUs on other machines. Default: a
   * Unix socket, which reaches only processes that share this machine's filesystem.
   */
  coordinator?: string | undefined;
}

/** Options of ClusterOptions that only some backends accept (each backend lists the ones it does). */
export const backendOptionNames = ['transport', 'hosts', 'secret', 'onRefused', 'coordinator'] as const;
export type BackendOptionName = (typeof backendOptionNames)[number];

export interface RunOptions {
  /**
   * Fail the run after this many ms (DsmTimeoutError, saying what each CPU was doing). No
   * default: a deadlock is found without one, and only a CPU that computes forever without
   * touching shared memory needs it (or `signal`, or close()).
   */
  timeoutMs?: number | undefined;
  trace?: boolean | undefined;
  /** Aborting it stops the run: it rejects with DsmRunAbortedError (cause: the signal's reason). */
  signal?: AbortSignal | undefined;
}

export interface RunResult<R = unknown> {
  /** Per CPU, what its program returned. */
  results: R[];
  stats: ClusterStats;
  /** Every CPU's events, ordered by their global sequence number (tracing runs only). */
  trace?: TraceEvent[];
}

/** What a backend is asked to run. */
export interface BackendRunRequest {
  /** A file: URL of a JavaScript module whose default export is a program. */
  readonly programUrl: string;
  readonly args: unknown;
  /** The shared memory at the start of the run; every CPU starts with a read copy of it. */
  readonly image: Uint8Array;
  readonly timeoutMs: number | undefined;
  readonly trace: boolean;
  /**
   * Aborted by close() or the caller's signal; its reason is a RunAbortCause. The backend
   * stops every CPU and rejects with DsmRunAbortedError, without a bound on how the CPUs are
   * doing (a CPU that never touches shared memory is terminated).
   */
  readonly signal: AbortSignal;
}

export interface BackendRunResult {
  readonly results: unknown[];
  readonly perCpu: CpuStats[];
  readonly trace?: TraceEvent[] | undefined;
  /** Each page's bytes at the end of the run, from the CPU that held it (pages no CPU reported are unchanged). */
  readonly pages: ReadonlyArray<{ page: number; data: Uint8Array }>;
}

export interface BackendInstance {
  /**
   * Runs the program once on every CPU; rejects with the failing CPU's error, a
   * DsmDeadlockError when every CPU is blocked or finished and no message is in flight, and
   * never hangs past its timeout or its signal.
   */
  run(request: BackendRunRequest): Promise<BackendRunResult>;
  close(): Promise<void>;
}

export interface Backend {
  /**
   * `protocol`: the reference each CPU loads its protocol by (`loadProtocol`, protocol-module.ts):
   * a built-in name, or the module and name of a registered one. `options`: the cluster's
   * options, of which the backend reads the ones of `accepts`.
   */
  start(config: DsmConfig, protocol: string, options: ClusterOptions): Promise<BackendInstance>;
  /** The backend-specific options (backendOptionNames) this backend accepts; any other given is a DsmConfigError. */
  readonly accepts?: readonly BackendOptionName[];
}

const backends = new Map<string, Backend>();

/** Makes a backend available to Cluster.start by `name`. Importing 'tsdsm' registers 'workers'. */
export function registerBackend(name: string, backend: Backend): void {
  backends.set(name, backend);
}

export function backendNames(): string[] {
  return [...backends.keys()];
}

export class Cluster {
  /** Serializes run() calls: one cluster runs one program at a time, and readMemory sees a finished run. */
  private readonly runMutex = new Mutex();
  private readonly image: Uint8Array;
  private closed = false;
  /** The close() in progress, which every later call returns. */
  private closing: Promise<void> | null = null;
  /** Aborts the run in progress (close() does). */
  private current: AbortController | null = null;

  private constructor(
    readonly config: DsmConfig,
    readonly protocol: string,
    readonly backendName: string,
    private readonly backend: BackendInstance,
    private readonly defaults: RunOptions,
  ) {
    this.image = new Uint8Array(config.pages * config.pageSize);
  }

  static async start(options: ClusterOptions): Promise<Cluster> {
    const config = validateConfig(options);
    const protocol = options.protocol ?? 'ivy';
    const backendName = options.backend ?? 'workers';
    // Backends get the reference their CPUs load the protocol by (a name, or a module and name).
    const ref = protocolRef(protocol, backendName);
    const backend = backends.get(backendName);
    if (backend === undefined) {
      const known = backendNames();
      throw new DsmConfigError(
        `invalid config: backend = ${JSON.stringify(backendName)}; allowed: ${known.length ? known.join(', ') : 'none registered (import tsdsm, not tsdsm/src/..., to register the workers backend)'}`,
      );
    }
    checkTimeout(options.timeoutMs);
    for (const name of backendOptionNames) {
      if (options[name] !== undefined && !(backend.accepts ?? []).includes(name)) {
        const others = backendNames().filter((b) => (backends.get(b)!.accepts ?? []).includes(name));
        throw new DsmConfigError(`invalid config: ${name} is not an option of backend '${backendName}'${others.length ? `; it is one of backend ${others.map((b) => `'${b}'`).join(', ')}` : ''}`);
      }
    }
    // Loading it here first turns a module that does not export the protocol into an error
    // now, not a dead thread later.
    await loadProtocol(ref);
    const instance = await backend.start(config, ref, options);
    return new Cluster(config, protocol, backendName, instance, { timeoutMs: options.timeoutMs, trace: options.trace });
  }

  /**
   * Runs the program at `program` (a file: URL, or a path relative to the working directory)
   * once on every CPU with `args` (plain data: it is copied to every CPU). JavaScript modules
   * run as they are; TypeScript (.ts, .mts) is transpiled as it loads. Concurrent calls wait
   * their turn. Rejects with DsmDeadlockError when every CPU is blocked or finished and no
   * message is in flight, DsmTimeoutError past `timeoutMs`, DsmRunAbortedError on `signal` or
   * close().
   */
  async run<R = unknown>(program: string | URL, args?: unknown, options: RunOptions = {}): Promise<RunResult<R>> {
    const timeoutMs = options.timeoutMs ?? this.defaults.timeoutMs;
    checkTimeout(timeoutMs);
    const trace = options.trace ?? this.defaults.trace ?? false;
    const signal = options.signal;
    if (signal !== undefined && (signal === null || typeof signal.aborted !== 'boolean' || typeof signal.addEventListener !== 'function')) {
      throw new DsmConfigError(`run: signal must be an AbortSignal, got ${signal === null ? 'null' : typeof signal}`);
    }
    return this.runMutex.runExclusive(async () => {
      this.checkOpen();
      if (signal?.aborted) throw new DsmRunAbortedError({ by: 'signal', reason: signal.reason }, []);
      const programUrl = await this.resolveProgram(program);
      checkCloneable(args, 'args', -1);
      const controller = new AbortController();
      const onAbort = (): void => controller.abort({ by: 'signal', reason: signal!.reason } satisfies RunAbortCause);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.current = controller;
      try {
        if (signal?.aborted) onAbort();
        // close() may have come while the program was being resolved.
        if (this.closed) controller.abort({ by: 'close' } satisfies RunAbortCause);
        const out = await this.backend.run({ programUrl, args, image: this.image, timeoutMs, trace, signal: controller.signal });
        for (const { page, data } of out.pages) this.image.set(data, page * this.config.pageSize);
        const result: RunResult<R> = { results: out.results as R[], stats: totalStats(out.perCpu) };
        if (out.trace) result.trace = out.trace;
        return result;
      } finally {
        this.current = null;
        signal?.removeEventListener('abort', onAbort);
      }
    });
  }

  /** A copy of `length` bytes of the shared memory at `address`, as the last run left it. */
  readMemory(address: number, length: number): Uint8Array {
    this.checkOpen();
    if (!Number.isInteger(address) || !Number.isInteger(length) || address < 0 || length < 0 || address + length > this.image.byteLength) {
      const err = new DsmRangeError(-1, address, length, this.image.byteLength);
      err.message = `readMemory: ${showValue(length)} byte(s) at address ${showAddress(address)} is outside the shared region 0x0..0x${(this.image.byteLength - 1).toString(16)} (${this.image.byteLength} bytes)`;
      throw err;
    }
    return this.image.slice(address, address + length);
  }

  /**
   * Ends the run in progress, if any (it rejects with DsmRunAbortedError; runs still waiting
   * their turn reject as closed), and stops the CPUs. Always
   * returns: a CPU that does not stop is terminated.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      this.current?.abort({ by: 'close' } satisfies RunAbortCause);
      await this.runMutex.runExclusive(async () => {
        await this.backend.close();
      });
    })();
    return this.closing;
  }

  private checkOpen(): void {
    if (this.closed) throw new DsmError('the cluster is closed; start a new one with Cluster.start');
  }

  /**
   * The file: URL of `program`, checked here so that what is wrong is said once, by the name
   * the caller gave, before any CPU loads it: a URL that is not `file:` is refused, a missing
   * file is named as given, and a TypeScript program is parsed (a syntax error names file,
   * line and column). The CPUs' threads transpile it again as they import it (typescript.ts).
   */
  private async resolveProgram(program: string | URL): Promise<string> {
    let url: URL;
    let given: string;
    if (program instanceof URL || (typeof program === 'object' && program !== null && 'href' in program)) {
      url = new URL((program as URL).href);
      given = url.href;
    } else if (typeof program === 'string' && urlScheme.test(program)) {
      url = new URL(program);
      given = program;
    } else if (typeof program === 'string' && program.length > 0) {
      url = pathToFileURL(resolvePath(program));
      given = program;
    } else {
      throw new DsmProgramLoadError(`run: program must be a file path or a file: URL, got ${showValue(program)}`);
    }
    if (url.protocol !== 'file:') {
      throw new DsmProgramLoadError(`run: program ${given} is not a file: URL (it is ${url.protocol}); programs are local files, given as a path or a file: URL`);
    }
    const path = fileURLToPath(url);
    const shown = given === path || given === url.href ? given : `${given} (${path})`;
    if (/\.cts$/.test(path)) throw new DsmProgramLoadError(`run: program ${shown} is CommonJS TypeScript (.cts); programs are ES modules: name it .ts or .mts`);
    let source: string;
    try {
      source = await readFile(path, 'utf8');
    } catch (err) {
      const code = (err as { code?: string }).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message;
      throw new DsmProgramLoadError(`run: cannot read program ${shown}: ${why}`);
    }
    if (isTypeScriptPath(path)) transpileTypeScript(source, given.startsWith('file:') ? path : given);
    return url.href;
  }
}

/** A URL's scheme: two letters or more, so that a Windows drive (C:\\...) stays a path. */
const urlScheme = /^[a-z][a-z0-9+.-]+:/i;

function checkTimeout(timeoutMs: number | undefined): void {
  if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) {
    throw new DsmConfigError(`invalid config: timeoutMs = ${String(timeoutMs)}; allowed: a positive integer (milliseconds)`);
  }
}
