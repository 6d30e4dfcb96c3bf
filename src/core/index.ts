export * from './config.js';
export * from './effects.js';
export * from './errors.js';
export * from './mutants.js';
export type * from './protocol.js';
export * from './wire.js';
export { ivy, ivyCentral, type IvyState, type ManagerPlacement } from './ivy.js';
export { lockIdMax, type SyncState } from './sync.js';
export { protocols, getProtocol, type ProtocolName } from './registry.js';
