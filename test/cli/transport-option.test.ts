/**
 * `tsdsm run --transport`: the worker threads' rings and the native backend's transports from
 * the command line, through the executable as a user runs it, and the errors for a transport
 * a backend does not have.
 */
import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runProgram } from '../../cli/commands/run.js';

const cli = fileURLToPath(new URL('../../cli/tsdsm.js', import.meta.url));
const counter = fileURLToPath(new URL('../../examples/counter.js', import.meta.url));
const tsdsm = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120000 });

describe('tsdsm run --transport', () => {
  test.each([
    ['workers', 'ports'],
    ['workers', 'ring'],
    ['native', 'ring'],
    ['native', 'unix'],
  ])('on %s over %s the counter counts to 3 × 20', (backend, transport) => {
    const r = tsdsm('run', counter, '--cpus', '3', '--pages', '1', '--backend', backend, '--transport', transport, '--args', '{"increments": 20}', '--timeout-ms', '60000');
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').slice(0, 3)).toEqual(['CPU 0: 60', 'CPU 1: 60', 'CPU 2: 60']);
    expect(r.status).toBe(0);
  }, 120000);

  test('a transport the backend lacks is a named error saying what is allowed', async () => {
    await expect(runProgram(counter, { cpus: 2, pages: 1, transport: 'unix' })).rejects.toThrow(
      `invalid config: transport = "unix" on backend 'workers'; allowed: 'ports' (default: a MessagePort per pair of CPUs), 'ring' (shared-memory rings)`,
    );
    await expect(runProgram(counter, { cpus: 2, pages: 1, backend: 'native', transport: 'ports' })).rejects.toThrow(
      `invalid config: transport = "ports" on backend 'native'; allowed: 'ring' (default: shared-memory rings, one host), 'unix', 'tcp'`,
    );
    await expect(runProgram(counter, { cpus: 2, pages: 1, backend: 'native', transport: 'ring', hosts: '127.0.0.1' })).rejects.toThrow('--hosts needs --transport tcp (given: ring)');
  });
});
