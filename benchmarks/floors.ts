/**
 * Transport floors: the round trip of a 16-byte message between two Node processes over a
 * `net` socket (a Unix socket path or TCP), what the native backend's frames ride on, without
 * any protocol. The two ends are benchmarks/pingpong.ts, each started by a launch prefix (for
 * two hosts, `ip netns exec NS`). Samples in µs.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const pingpong = fileURLToPath(new URL('./pingpong.js', import.meta.url));

/** Round trips (µs) between a server at `listen` and a client, each started by its launch prefix. */
export async function roundTrips(listen: string, serverLaunch: string[], clientLaunch: string[], n: number): Promise<number[]> {
  const argv = [...serverLaunch, process.execPath, pingpong, 'server', listen];
  const server = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const first = await new Promise<string>((resolve) => createInterface({ input: server.stdout! }).once('line', resolve));
    const where = listen.startsWith('/') ? listen : `${listen}:${first}`;
    const client = [...clientLaunch, process.execPath, pingpong, 'client', where, String(n)];
    return JSON.parse(execFileSync(client[0]!, client.slice(1), { encoding: 'utf8', timeout: 60000 })) as number[];
  } finally {
    server.kill();
  }
}


/** The Unix-socket floor on this host. */
export async function unixFloorSamples(rounds: number): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tsdsm-floor-'));
  try {
    return await roundTrips(join(dir, 'pp.sock'), [], [], rounds);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
