/**
 * `tsdsm run` and the worker-thread demo, called as functions (the lead's cli/tsdsm.ts wires
 * them into the command line).
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from '@jest/globals';
import { Command } from 'commander';
import { demoSeedOnWorkers, parseArgs, registerRunCommand, runProgram } from '../../cli/commands/run.js';
import { matmulSequential } from '../../examples/matmul.js';

const example = (name: string): string => fileURLToPath(new URL(`../../examples/${name}.js`, import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const testProgram = (name: string): string => fileURLToPath(new URL(`./programs/${name}.js`, import.meta.url));
const cli = fileURLToPath(new URL('../../cli/tsdsm.js', import.meta.url));

/** The sum of rows [start, end) of the n × n product, as matmul's CPUs return it. */
function rowSum(start: number, end: number, n: number): number {
  const c = matmulSequential(n);
  let sum = 0;
  for (let i = start * n; i < end * n; i++) sum += c[i]!;
  return sum;
}

describe('tsdsm run', () => {
  test('prints each CPU\'s result, then the stats table', async () => {
    const lines = await runProgram(example('counter'), { cpus: 2, pages: 1, timeoutMs: 20000, args: '{"increments": 3}' });
    expect(lines.slice(0, 2)).toEqual(['CPU 0: 6', 'CPU 1: 6']);
    const table = lines.slice(2).join('\n');
    expect(table).toMatch(/read faults +write faults +messages/);
    expect(table).toMatch(/\ntotal +\d+ +\d+ +\d+/);
    expect(table).toContain('LOCK_REQ');
  });

  test('every example runs without --args, on the smallest cluster: 2 CPUs, 1 page', async () => {
    const run = (name: string): Promise<string[]> => runProgram(example(name), { cpus: 2, pages: 1, timeoutMs: 20000 });
    expect((await run('counter')).slice(0, 2)).toEqual(['CPU 0: 200', 'CPU 1: 200']);
    expect((await run('seed_test')).slice(0, 2)).toEqual(['CPU 0: 42', 'CPU 1: 42']);
    // 1 page holds three 13 × 13 matrices (matmul) and two 16 × 16 grids (jacobi): rows split 7 + 6 and 8 + 8.
    expect((await run('matmul')).slice(0, 2)).toEqual([`CPU 0: ${rowSum(0, 7, 13)}`, `CPU 1: ${rowSum(7, 13, 13)}`]);
    expect((await run('jacobi')).slice(0, 2)).toEqual(['CPU 0: 8', 'CPU 1: 8']);
    // Radix: two arrays of 256 keys and two histograms on 64-byte boundaries; LU: a 22 × 22 matrix, rows dealt 11 + 11.
    expect((await run('radix')).slice(0, 2)).toEqual(['CPU 0: 128', 'CPU 1: 128']);
    expect((await run('lu')).slice(0, 2)).toEqual(['CPU 0: 11', 'CPU 1: 11']);
  });

  test('the installed command line runs the counter without --args', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'run', 'dist/examples/counter.js', '--cpus', '2', '--pages', '1'], { cwd: repoRoot, timeout: 60000 });
    expect(stdout.split('\n').slice(0, 2)).toEqual(['CPU 0: 200', 'CPU 1: 200']);
  });

  test('--trace adds the narrated trace', async () => {
    const lines = await runProgram(example('seed_test'), { cpus: 2, pages: 2, timeoutMs: 20000, trace: true });
    expect(lines.slice(0, 2)).toEqual(['CPU 0: 42', 'CPU 1: 42']);
    expect(lines.some((l) => /CPU 1: read fault on page 1 \(address 0x1000\)/.test(l))).toBe(true);
  });

  test('--args that is not JSON is a named error', () => {
    expect(() => parseArgs('{increments: 3}')).toThrow('--args must be JSON');
  });

  test.each(['workers', 'native'])('--backend %s: a deadlocking program, with no timeout given, exits 1 with DsmDeadlockError saying what each CPU waits on', (backend) => {
    // The bound of spawnSync only keeps a regression from hanging the suite.
    const out = spawnSync(process.execPath, [cli, 'run', testProgram('deadlocks'), '--cpus', '3', '--pages', '2', '--backend', backend, '--args', '{"kind":"missed-barrier"}'], { encoding: 'utf8', timeout: 50000 });
    expect(out.signal).toBeNull();
    expect(out.status).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toBe(
      'tsdsm: DsmDeadlockError: deadlock: every CPU is blocked or finished and no message is in flight; ' +
      'CPU 0: finished its program, serving until every CPU finishes (holding lock 3); ' +
      'CPU 1: blocked on barrier 0; CPU 2: blocked on barrier 0\n',
    );
  });

  test.each([
    { backend: 'workers', spinning: 'CPU 3: not responding (busy without touching shared memory); its worker was terminated' },
    { backend: 'native', spinning: 'CPU 3: running its program' },
  ])('--backend $backend: Ctrl-C (SIGINT) ends a run that never ends: DsmRunAbortedError, exit 1', async ({ backend, spinning }) => {
    const dir = await mkdtemp(join(tmpdir(), 'tsdsm-sigint-'));
    const socket = join(dir, 'hang.sock');
    // program('hang') connects here once its run is under way: then the command is interrupted.
    const server = createServer((s) => {
      s.on('error', () => {});
      child.kill('SIGINT');
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    const child = spawn(process.execPath, [cli, 'run', testProgram('hang'), '--cpus', '4', '--pages', '1', '--backend', backend, '--args', JSON.stringify({ socket })], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    try {
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      expect(code).toBe(1);
      expect(stderr).toMatch(/^tsdsm: DsmRunAbortedError: run aborted by its AbortSignal \(SIGINT\); CPU 0: /);
      expect(stderr.endsWith(`; ${spinning}\n`)).toBe(true);
    } finally {
      child.kill('SIGKILL');
      server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('the command registers with its options', () => {
    const program = new Command();
    registerRunCommand(program);
    const run = program.commands.find((c) => c.name() === 'run')!;
    expect(run.options.map((o) => o.long)).toEqual(['--cpus', '--pages', '--page-size', '--timeout-ms', '--args', '--trace', '--backend', '--transport', '--hosts', '--launch', '--coordinator', '--protocol', '--protocol-module']);
  });
});

describe('the seed demo on worker threads', () => {
  test('narrates faults and messages, and every reader sees 0xc0ffee', async () => {
    const lines = await demoSeedOnWorkers();
    expect(lines.slice(-4)).toEqual(['CPU 0 read: [12648430]', 'CPU 1 read: []', 'CPU 2 read: [12648430]', 'CPU 3 read: [12648430]']);
    // On real threads another CPU's event may fall between the fault and its request in the
    // trace's global order, and the narration then tells them on two lines (seen 1-2 in 30 runs).
    const together = lines.some((l) => l.includes('CPU 1: write fault on page 2 (address 0x2010) → WRITE_REQ to manager CPU 2 (page 2)'));
    const apart = lines.some((l) => l.endsWith('CPU 1: write fault on page 2 (address 0x2010)')) &&
      lines.some((l) => l.includes('CPU 1: → WRITE_REQ to manager CPU 2 (page 2)'));
    expect(together || apart).toBe(true);
    expect(lines.filter((l) => l.includes('READ_DATA to CPU')).length).toBe(3);
  });
});
