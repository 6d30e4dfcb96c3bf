/** Where a cluster's sockets live in its temporary directory (shared by the cluster and its CPUs). */
import { join } from 'node:path';

export function socketPath(dir: string, cpu: number): string {
  return join(dir, `cpu-${cpu}.sock`);
}

export function controlPath(dir: string): string {
  return join(dir, 'cluster.sock');
}
