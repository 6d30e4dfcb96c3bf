/** Where a cluster's sockets live: the control socket (in its temporary directory, or on TCP), and each CPU's endpoint. */
import { join } from 'node:path';

/** Where a CPU listens for the other CPUs: a Unix socket's path, or a TCP address and port. */
export type Endpoint = { readonly path: string } | { readonly host: string; readonly port: number };

export function socketPath(dir: string, cpu: number): string {
  return join(dir, `cpu-${cpu}.sock`);
}

/** Transport 'ring': the mapping the CPUs share (native/rings.ts), and CPU `cpu`'s doorbell FIFO. */
export function ringsPath(dir: string): string {
  return join(dir, 'rings');
}

export function bellPath(dir: string, cpu: number): string {
  return join(dir, `bell-${cpu}`);
}

export function controlPath(dir: string): string {
  return join(dir, 'cluster.sock');
}

export function describeEndpoint(e: Endpoint): string {
  return 'path' in e ? e.path : `${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`;
}

/**
 * The control link's address as a CPU process is given it (its first argument): the
 * cluster's directory (a Unix socket in it, one machine), or `tcp:HOST:PORT` (the coordinator
 * listens on TCP, for CPUs on other machines).
 */
export function controlArg(dirOrEndpoint: string | { host: string; port: number }): string {
  if (typeof dirOrEndpoint === 'string') return dirOrEndpoint;
  return `tcp:${describeEndpoint(dirOrEndpoint)}`;
}

/** The inverse of controlArg: where to connect for the control link. */
export function controlEndpoint(arg: string): Endpoint {
  if (!arg.startsWith('tcp:')) return { path: controlPath(arg) };
  const hostPort = arg.slice(4);
  const colon = hostPort.lastIndexOf(':');
  const host = hostPort.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(hostPort.slice(colon + 1)) };
}
