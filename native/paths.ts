/** Where a cluster's sockets live: the control socket in its temporary directory, and each CPU's endpoint. */
import { join } from 'node:path';

/** Where a CPU listens for the other CPUs: a Unix socket's path, or a TCP address and port. */
export type Endpoint = { readonly path: string } | { readonly host: string; readonly port: number };

export function socketPath(dir: string, cpu: number): string {
  return join(dir, `cpu-${cpu}.sock`);
}

export function controlPath(dir: string): string {
  return join(dir, 'cluster.sock');
}

export function describeEndpoint(e: Endpoint): string {
  return 'path' in e ? e.path : `${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`;
}
