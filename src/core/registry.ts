import { DsmConfigError } from './errors.js';
import { ivy, ivyCentral } from './ivy.js';
import { ivyDynamic } from './ivy-dynamic.js';
import { hlrc } from './hlrc.js';
import type { Protocol } from './protocol.js';

/** Every protocol by the name configs use. */
export const protocols = { ivy, 'ivy-central': ivyCentral, 'ivy-dynamic': ivyDynamic, hlrc } as const;

export type ProtocolName = keyof typeof protocols;

export function getProtocol(name: string): Protocol<unknown> {
  if (!Object.prototype.hasOwnProperty.call(protocols, name)) {
    throw new DsmConfigError(`invalid config: protocol = ${JSON.stringify(name)}; allowed: ${Object.keys(protocols).join(', ')}`);
  }
  return protocols[name as ProtocolName] as unknown as Protocol<unknown>;
}
