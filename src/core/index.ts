export * from './config.js';
export * from './effects.js';
export * from './errors.js';
export * from './mutants.js';
export type * from './protocol.js';
export * from './wire.js';
export { ivy, lockIdMax, type IvyState } from './ivy.js';
export { protocols, getProtocol, type ProtocolName } from './registry.js';
