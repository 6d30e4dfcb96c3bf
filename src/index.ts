/**
 * Everything a program or an embedding application needs, without any backend. The package
 * entry (../index.ts) re-exports this and registers the worker-thread backend.
 */
export * from './core/errors.js';
export { validateConfig, defaultPageSize, cpuCountMax, pageCountMax, pageSizeMin, pageSizeMax, type DsmConfig, type DsmConfigInput } from './core/config.js';
export { messageKinds, type Access, type Message, type MessageKind } from './core/wire.js';
export {
  protocols, getProtocol, registerProtocol, protocolNames, type ProtocolName, type RegisterProtocolOptions,
} from './core/registry.js';
export { loadProtocol, registerProtocolModule } from './runtime/protocol-module.js';
export type { Protocol, ProtocolOptions, PageBytes, TwinBytes } from './core/protocol.js';
export type { Effect } from './core/effects.js';
export { valueTypes, typeSize, type Value, type ValueType } from './memory/types.js';
export { DsmMemory, DsmArray, type AccessHooks } from './memory/accessor.js';
export { defineProgram, programTag, type Cpu, type Program, type ProgramFunction } from './runtime/program.js';
export {
  Cluster, registerBackend, backendNames,
  type ClusterOptions, type RunOptions, type RunResult, type Backend, type BackendInstance, type BackendRunRequest, type BackendRunResult,
} from './runtime/cluster.js';
export * from './runtime/errors.js';
export { emptyStats, totalStats, formatStats, type CpuStats, type ClusterStats } from './runtime/stats.js';
export { narrate, traceToJsonLines, type TraceEvent, type TraceEventType } from './runtime/trace.js';
export { checkPrograms, formatOp, type Op, type ReadLog } from './runtime/ops.js';
