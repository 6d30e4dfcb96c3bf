import type { Command } from 'commander';
import { DsmConfigError } from '../src/core/errors.js';
import { protocolNames } from '../src/core/registry.js';
import { registerProtocolModule } from '../src/runtime/protocol-module.js';

/** A commander option parser for integers that names the option in its error. */
export function parseInteger(option: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n)) throw new DsmConfigError(`${option} must be an integer, got ${JSON.stringify(value)}`);
    return n;
  };
}

export interface ProtocolCommandOptions {
  /** Absent only on commands whose scenario file may name the protocol (addProtocolOptions with no default). */
  protocol: string;
  /** Modules of the user's own protocols, registered before the command runs. */
  protocolModule?: string[] | undefined;
}

/**
 * `--protocol NAME` (default ivy) and `--protocol-module FILE` (repeatable: a module whose
 * exported protocol objects are registered by their names, so `--protocol` can name them),
 * the same on every command that runs a protocol.
 */
export function addProtocolOptions(command: Command, about = '', defaultProtocol: string | undefined = 'ivy'): Command {
  return command
    .option('--protocol <name>', `the protocol: ${protocolNames().join(', ')}, or one of a --protocol-module${about}`, defaultProtocol)
    .option(
      '--protocol-module <file>', 'a module that exports a protocol object of your own (see docs/testing-protocols.md); repeatable',
      (file: string, files: string[] | undefined) => [...(files ?? []), file],
    );
}

/** Registers the protocols of every `--protocol-module`; call it first in the command's action. */
export async function loadProtocolModules(opts: ProtocolCommandOptions): Promise<void> {
  for (const file of opts.protocolModule ?? []) await registerProtocolModule(file);
}
