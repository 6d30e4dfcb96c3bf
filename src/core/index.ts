export * from './config.js';
export * from './effects.js';
export * from './errors.js';
export * from './mutants.js';
export type * from './protocol.js';
export * from './wire.js';
export { ivy, ivyCentral, type IvyState, type ManagerPlacement } from './ivy.js';
export { ivyDynamic, type IvyDynamicState } from './ivy-dynamic.js';
export { hlrc, type HlrcState } from './hlrc.js';
export { lockIdMax, type SyncState } from './sync.js';
export {
  protocols, getProtocol, registerProtocol, protocolNames, protocolRef, protocolsWithMutant, checkMutant, isProtocolObject, mutantTable,
  type MutantEntry, type ProtocolName, type RegisterProtocolOptions,
} from './registry.js';
