/**
 * A CPU's protocol state kept from one run to the next, so that starting a run costs what the
 * last run touched rather than the region: init makes per-page state for every page (arrays
 * of copysets and queues, ~40 ms for 65536 pages), while `Protocol.restart` resets only the
 * pages the last run's inputs named (CpuDriver.seenPages). A protocol without restart is
 * initialized afresh. Only the state of a run that succeeded is kept: a failed run's CPUs
 * start again from init.
 */
import type { DsmConfig } from '../core/config.js';
import type { Protocol } from '../core/protocol.js';

export interface KeptState {
  readonly state: unknown;
  /** The pages the run that left `state` named (CpuDriver.seenPages). */
  readonly pages: readonly number[];
}

/** The state a run starts with at `cpu`: init's, made from `kept` when the protocol can restart. */
export function startingState(protocol: Protocol<unknown>, config: DsmConfig, cpu: number, kept: KeptState | undefined): unknown {
  if (kept !== undefined && protocol.restart !== undefined) return protocol.restart(kept.state, config, cpu, kept.pages);
  return protocol.init(config, cpu);
}
