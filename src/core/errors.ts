/**
 * Every error tsdsm raises on purpose is a DsmError with a stable `name`, so that callers
 * can tell them apart without parsing messages. Messages say what was given, by whom
 * (which CPU), where (which address or page), and what is allowed.
 */
export class DsmError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A configuration value outside what tsdsm supports (cpus < 1, page size not a power of two, ...). */
export class DsmConfigError extends DsmError {}

/**
 * A mutant (a deliberate bug, mutants.ts) the chosen protocol does not implement: running
 * without it would test nothing. Names the protocols that do have it.
 */
export class DsmMutantError extends DsmConfigError {
  constructor(
    readonly mutant: string,
    readonly protocol: string,
    /** The registered protocols that implement `mutant` (empty: none does). */
    readonly protocolsWithIt: readonly string[],
    /** The mutants `protocol` does implement. */
    readonly available: readonly string[],
  ) {
    super(
      protocolsWithIt.length > 0
        ? `protocol ${protocol} does not implement mutant ${JSON.stringify(mutant)}; the protocols that have it: ${protocolsWithIt.join(', ')}` +
            `; ${protocol}'s mutants: ${available.length > 0 ? available.join(', ') : 'none'}`
        : `unknown mutant ${JSON.stringify(mutant)}; no registered protocol has it; ${protocol}'s mutants: ${available.length > 0 ? available.join(', ') : 'none'}`,
    );
  }
}

/** An access outside the shared region. */
export class DsmRangeError extends DsmError {
  constructor(
    readonly cpu: number,
    readonly address: number,
    readonly length: number,
    readonly regionBytes: number,
  ) {
    super(
      `CPU ${cpu}: access of ${length} byte(s) at address 0x${address.toString(16)} (${address}) ` +
        `is outside the shared region 0x0..0x${Math.max(0, regionBytes - 1).toString(16)} (${regionBytes} bytes)`,
    );
  }
}

/** A typed access whose address is not a multiple of the type's size. */
export class DsmAlignmentError extends DsmError {
  constructor(
    readonly cpu: number,
    readonly address: number,
    readonly type: string,
    readonly size: number,
  ) {
    super(
      `CPU ${cpu}: misaligned ${type} access at address 0x${address.toString(16)} (${address}); ` +
        `${type} needs an address that is a multiple of ${size}`,
    );
  }
}

/**
 * A message or input that is impossible in the protocol's current state. This is a bug in a
 * protocol (or a deliberately injected mutant), never a user error: crash loudly.
 */
export class ProtocolViolation extends DsmError {
  constructor(
    readonly cpu: number,
    message: string,
  ) {
    super(`CPU ${cpu}: protocol violation: ${message}`);
  }
}

/** A global invariant that does not hold after a step. */
export class InvariantViolation extends DsmError {}

/** A bad message on the wire: unknown kind or missing fields. Names the sender. */
export class DsmWireError extends DsmError {}

export function assert(condition: unknown, cpu: number, message: string | (() => string)): asserts condition {
  if (!condition) throw new ProtocolViolation(cpu, typeof message === 'string' ? message : message());
}
