/**
 * Errors of a cluster run, beside the core's (src/core/errors.ts). Each names the CPU.
 */
import { DsmError } from '../core/errors.js';

/** The worker thread of a CPU died during a run (process.exit in the program, a crash, out of memory). */
export class DsmWorkerExitError extends DsmError {
  constructor(
    readonly cpu: number,
    detail: string,
  ) {
    super(`CPU ${cpu}: its worker thread died during the run: ${detail}`);
  }
}

/** The OS process of a CPU died during a run (native backend: a crash, process.exit in the program, a kill). */
export class DsmProcessExitError extends DsmError {
  constructor(
    readonly cpu: number,
    detail: string,
    /** The host it ran on, when the cluster has several (its address); null on one host. */
    readonly host: string | null = null,
  ) {
    super(`CPU ${cpu}: its process${host === null ? '' : ` on host ${host}`} died during the run: ${detail}`);
  }
}

/** A run took longer than its timeout; the message says what each CPU was waiting on. */
export class DsmTimeoutError extends DsmError {
  constructor(
    readonly timeoutMs: number,
    /** One line per CPU: what it was doing when the run was stopped. */
    readonly waiting: readonly string[],
  ) {
    super(`run timed out after ${timeoutMs} ms; ${waiting.join('; ')}`);
  }
}

/** What one CPU was doing when a deadlocked run was stopped, and the locks it held. */
export interface CpuDeadlockState {
  readonly cpu: number;
  /** 'blocked on barrier 0', 'blocked on lock 2 (holding lock 1)', ... (CpuDriver.describeState). */
  readonly state: string;
  readonly locksHeld: readonly number[];
}

/**
 * Every CPU was blocked (in a fault, a lock, a barrier, the release at its return) or had
 * finished its program, and no message was in flight: nothing could ever move again. The
 * message says what each CPU waited on and which locks it held.
 */
export class DsmDeadlockError extends DsmError {
  /** One line per CPU, as in the message. */
  readonly waiting: readonly string[];

  constructor(readonly cpus: readonly CpuDeadlockState[]) {
    // Each state already names the locks its CPU holds, as in timeout reports (CpuDriver.describeState).
    const lines = cpus.map((c) => `CPU ${c.cpu}: ${c.state}`);
    super(`deadlock: every CPU is blocked or finished and no message is in flight; ${lines.join('; ')}`);
    this.waiting = lines;
  }
}

/** Why a run was aborted from outside: the cluster's close(), or the caller's AbortSignal (with its reason). */
export type RunAbortCause = { readonly by: 'close' } | { readonly by: 'signal'; readonly reason: unknown };

/** A run ended by close() or by its AbortSignal; the message says what each CPU was doing. */
export class DsmRunAbortedError extends DsmError {
  readonly by: 'close' | 'signal';

  constructor(
    cause: RunAbortCause,
    /** One line per CPU: what it was doing when the run was stopped (empty when it had not started). */
    readonly waiting: readonly string[],
  ) {
    const why = cause.by === 'close' ? 'close()' : `its AbortSignal${describeReason(cause.reason)}`;
    super(`run aborted by ${why}${waiting.length ? `; ${waiting.join('; ')}` : ' before it started'}`);
    this.by = cause.by;
    if (cause.by === 'signal') this.cause = cause.reason;
  }
}

function describeReason(reason: unknown): string {
  if (reason === undefined) return '';
  const text = reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
  return ` (${text})`;
}

/**
 * A CPU stopped because the run was aborted (another CPU failed, a timeout, close()). Not
 * the cause of a failure: the run reports the cause, and uses these only to say where each
 * CPU was when it stopped.
 */
export class DsmAbortedError extends DsmError {
  constructor(
    readonly cpu: number,
    readonly state: string,
  ) {
    super(`CPU ${cpu}: stopped by abort while ${state}`);
  }
}

/** The program module could not be loaded or is not a program. */
export class DsmProgramLoadError extends DsmError {}

/** A registered protocol's module cannot be imported, or does not export the protocol by its name. */
export class DsmProtocolLoadError extends DsmError {}

/**
 * Native backend: a connection that did not prove it holds the cluster's secret, or a peer
 * that would not accept our proof (native/auth.ts). Names the address that tried.
 */
export class DsmAuthError extends DsmError {
  constructor(
    message: string,
    /** "10.0.0.2:40312", or "a Unix socket". */
    readonly address: string,
  ) {
    super(message);
  }
}

/** Native backend: a peer CPU sent nothing (not even a heartbeat) for too long: its link is down or it stopped answering. */
export class DsmPeerLostError extends DsmError {}

/** Native backend: a use of a program's typed view that would access the guarded memory unpinned (docs/native.md). */
export class DsmViewError extends DsmError {}

/** Native backend: a fault inside a pinned access, a bug in tsdsm (native/pin.ts). */
export class DsmPinError extends DsmError {}

/** A TypeScript program that does not parse: the file as the user named it, line and column (from 1). */
export class DsmProgramSyntaxError extends DsmProgramLoadError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    what: string,
  ) {
    super(`syntax error in program ${file} at line ${line}, column ${column} (${file}:${line}:${column}): ${what}`);
  }
}

/**
 * A value that cannot be copied between threads or processes (structured clone): the run's
 * `args`, or a CPU's result. `path` names the part that cannot (`args.onDone`, `result[2]`).
 */
export class DsmCloneError extends DsmError {
  constructor(
    /** The CPU whose result it is, or -1 for args. */
    readonly cpu: number,
    readonly path: string,
    what: string,
  ) {
    super(
      cpu < 0
        ? `run: ${path} cannot be copied to the CPUs: it is ${what}; args travel by structured clone (plain data: numbers, strings, bigints, arrays, objects, typed arrays, Map, Set)`
        : `CPU ${cpu}: its result cannot be copied back to the cluster: ${path} is ${what}; results travel by structured clone (plain data)`,
    );
  }
}
