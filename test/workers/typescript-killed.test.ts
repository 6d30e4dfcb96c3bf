/**
 * A TypeScript program's folder stays as it was even when the process running the cluster is
 * killed mid-run (SIGKILL: no close(), no exit handlers). The compiled JavaScript lives only
 * in memory, in the CPUs' module loaders; an earlier version wrote it beside the source and
 * removed it on close(), which a killed process never reaches.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect, test } from '@jest/globals';

const entry = pathToFileURL(fileURLToPath(new URL('../../index.js', import.meta.url))).href;

test('killing the process during a run of a .ts program leaves only the program in its folder', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tsdsm-ts-kill-'));
  const marks = await mkdtemp(join(tmpdir(), 'tsdsm-ts-main-'));
  try {
    // CPU 0 says it runs (on the process's stdout), then waits at a barrier CPU 1 never reaches.
    await writeFile(join(dir, 'prog.ts'), [
      `import { defineProgram, type Cpu } from ${JSON.stringify(entry)};`,
      `export default defineProgram((cpu: Cpu): number => {`,
      `  if (cpu.id === 0) { console.log('started'); cpu.barrier(); }`,
      `  else for (;;) cpu.memory.getInt32(0);`,
      `  return 0;`,
      `});`,
    ].join('\n'));
    const main = join(marks, 'main.mjs');
    await writeFile(main, [
      `import { Cluster } from ${JSON.stringify(entry)};`,
      `const cluster = await Cluster.start({ cpus: 2, pages: 1 });`,
      `await cluster.run(${JSON.stringify(join(dir, 'prog.ts'))});`,
    ].join('\n'));
    const child = spawn(process.execPath, [main], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<string | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('started')) resolve();
      });
      child.on('exit', () => reject(new Error(`the cluster's process ended before the program ran: ${out}`)));
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    expect(await readdir(dir)).toEqual(['prog.ts']);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await rm(marks, { recursive: true, force: true });
  }
});
