/**
 * Transport floors: the round trip of a 16-byte message between two Node processes over a
 * `net` socket (a Unix socket path or TCP) or through the rings of a shared mapping, what the
 * native backend's frames ride on, without any protocol. The two ends are
 * benchmarks/pingpong.ts (sockets), each started by a launch prefix (for two hosts,
 * `ip netns exec NS`), or benchmarks/ring-pingpong.ts (rings). Samples in µs.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createRingsFile } from '../native/rings.js';

const pingpong = fileURLToPath(new URL('./pingpong.js', import.meta.url));
const ringPingpong = fileURLToPath(new URL('./ring-pingpong.js', import.meta.url));

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

/**
 * The ring floor on this host: two processes, the rings and doorbells of native/rings.ts;
 * with `gapMs`, each round trip after that long idle (both sides asleep, as quiet CPUs are).
 */
export async function ringFloorSamples(rounds: number, gapMs = 0): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tsdsm-floor-'));
  createRingsFile(dir, { cpus: 2, pageSize: 4096 });
  const echo = spawn(process.execPath, [ringPingpong, dir, '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<string>((resolve) => createInterface({ input: echo.stdout! }).once('line', resolve));
    return JSON.parse(execFileSync(process.execPath, [ringPingpong, dir, '0', String(rounds), String(gapMs)], { encoding: 'utf8', timeout: 60000 + rounds * gapMs * 2 })) as number[];
  } finally {
    echo.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}
