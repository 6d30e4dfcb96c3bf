/**
 * The native transport's floor: a round trip of a small frame over a Unix socket between this
 * process and another Node process, both in their event loops, as the native CPUs' protocol
 * threads carry frames today (net sockets, libuv callbacks). Samples in µs.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const echo = fileURLToPath(new URL('./unix-echo.js', import.meta.url));

export async function unixFloorSamples(rounds: number): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tsdsm-floor-'));
  const path = join(dir, 'echo.sock');
  const child = spawn(process.execPath, [echo, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`unix-floor: the echo process exited with ${String(code)}`)));
    });
    const socket = connect(path);
    socket.setNoDelay(true);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    // 16 bytes: a message's header without a page (the page moves once on a fault's 3 hops).
    const frame = Buffer.alloc(16, 1);
    const samples: number[] = [];
    await new Promise<void>((resolve) => {
      let t0 = 0;
      let got = 0;
      const next = (): void => {
        if (samples.length === rounds) {
          resolve();
          return;
        }
        got = 0;
        t0 = performance.now();
        socket.write(frame);
      };
      socket.on('data', (chunk) => {
        got += chunk.length;
        if (got < frame.length) return;
        samples.push((performance.now() - t0) * 1000);
        next();
      });
      next();
    });
    socket.destroy();
    return samples;
  } finally {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}
