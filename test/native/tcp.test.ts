/**
 * The native backend over TCP on one host: the same frames as over Unix sockets, every CPU
 * listening on 127.0.0.1 only. Options are checked with DsmConfigError messages. (Several
 * hosts: test/native/multi-host.test.ts.)
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Cluster, DsmConfigError, DsmProcessExitError } from '../../index.js';
import { runProgram } from '../../cli/commands/run.js';

const example = (name: string): URL => new URL(`../../examples/${name}.js`, import.meta.url);
const timeoutMs = 20000;
let cluster: Cluster;

beforeAll(async () => {
  cluster = await Cluster.start({ cpus: 3, pages: 16, timeoutMs, backend: 'native', transport: 'tcp' });
});

afterAll(async () => {
  await cluster.close();
});

describe('native backend over TCP', () => {
  test('the seed test and the counter run over TCP on 127.0.0.1', async () => {
    const seed = await cluster.run(example('seed_test'), { address: 0x3008, value: 42 });
    expect(seed.results).toEqual([42, 42, 42]);
    expect(seed.stats.total.readFaults).toBe(2);
    const counter = await cluster.run(example('counter'), { increments: 20, address: 0x5100 });
    expect(counter.results).toEqual([60, 60, 60]);
    const jacobi = await cluster.run<number>(example('jacobi'), { n: 32, iterations: 10 });
    expect(jacobi.results.reduce((a, b) => a + b, 0)).toBe(32);
  });

  test('every CPU listens on 127.0.0.1 and nowhere else', () => {
    const listening = execFileSync('ss', ['-Hltnp'], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes('"node"') && /pid=\d+/.test(line))
      .filter((line) => cpuPids().some((pid) => line.includes(`pid=${pid},`)));
    expect(listening.length).toBe(3);
    for (const line of listening) expect(line.split(/\s+/)[3]).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  test('with coordinator set, the control link is TCP too (for CPUs on other machines): it listens there only, and runs work', async () => {
    const other = await Cluster.start({ cpus: 2, pages: 4, timeoutMs, backend: 'native', transport: 'tcp', coordinator: '127.0.0.1' });
    try {
      const listening = execFileSync('ss', ['-Hltnp'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(`pid=${process.pid},`));
      expect(listening.map((l) => l.split(/\s+/)[3])).toEqual([expect.stringMatching(/^127\.0\.0\.1:\d+$/)]);
      const { results } = await other.run(example('seed_test'), { address: 0x1008, value: 9 });
      expect(results).toEqual([9, 9]);
    } finally {
      await other.close();
    }
  });

  test('tsdsm run --backend native --hosts A,B --launch TEMPLATE: CPUs placed round robin, launched by the template with {host} filled in', async () => {
    const lines = await runProgram(fileURLToPath(example('counter')), {
      cpus: 3, pages: 4, backend: 'native', args: '{"increments":10,"address":256}',
      hosts: '127.0.0.1,127.0.0.1', launch: 'env TSDSM_TEST_HOST={host}', coordinator: '127.0.0.1',
    });
    expect(lines.slice(0, 3)).toEqual(['CPU 0: 30', 'CPU 1: 30', 'CPU 2: 30']);
    await expect(runProgram('x.js', { cpus: 2, pages: 2, hosts: '127.0.0.1' })).rejects.toThrow('--hosts needs --backend native (given: workers, the default)');
    await expect(runProgram('x.js', { cpus: 2, pages: 2, backend: 'native', launch: 'ssh {host}' })).rejects.toThrow('--launch and --coordinator need --hosts');
  });

  test('bad network options are DsmConfigErrors that say what is allowed', async () => {
    const base = { cpus: 2, pages: 2, backend: 'native' };
    await expect(Cluster.start({ ...base, transport: 'udp' })).rejects.toThrow(
      new DsmConfigError(`invalid config: transport = "udp" on backend 'native'; allowed: 'ring' (default: shared-memory rings, one host), 'unix', 'tcp'`),
    );
    await expect(Cluster.start({ ...base, hosts: [{ address: '127.0.0.1' }] })).rejects.toThrow(
      new DsmConfigError(`invalid config: hosts needs transport: 'tcp' on backend 'native' (shared-memory rings reach one host)`),
    );
    await expect(Cluster.start({ ...base, transport: 'tcp', hosts: [] })).rejects.toThrow(/^invalid config: hosts = \[\]; allowed: a non-empty array/);
    await expect(Cluster.start({ ...base, transport: 'tcp', hosts: [{ address: 'localhost' }] })).rejects.toThrow(
      new DsmConfigError(`invalid config: hosts[0].address = "localhost"; allowed: an IPv4 or IPv6 address (the CPUs listen on it and on nothing else)`),
    );
    await expect(Cluster.start({ ...base, transport: 'tcp', hosts: [{ address: '127.0.0.1', launch: [''] }] })).rejects.toThrow(/^invalid config: hosts\[0\]\.launch = \[""\]/);
    await expect(Cluster.start({ ...base, coordinator: '127.0.0.1' })).rejects.toThrow(
      new DsmConfigError(`invalid config: coordinator needs transport: 'tcp' on backend 'native'`),
    );
    await expect(Cluster.start({ ...base, transport: 'tcp', coordinator: 'my-laptop' })).rejects.toThrow(/^invalid config: coordinator = "my-laptop"; allowed: an IPv4 or IPv6 address/);
    await expect(Cluster.start({ cpus: 2, pages: 2, transport: 'tcp' })).rejects.toThrow(
      new DsmConfigError(`invalid config: transport = "tcp" on backend 'workers'; allowed: 'ports' (default: a MessagePort per pair of CPUs), 'ring' (shared-memory rings)`),
    );
    await expect(Cluster.start({ cpus: 2, pages: 2, hosts: [{ address: '127.0.0.1' }] })).rejects.toThrow(
      new DsmConfigError(`invalid config: hosts is not an option of backend 'workers'; it is one of backend 'native'`),
    );
  });

  test('a launch command that does not exist is a DsmProcessExitError naming the CPU', async () => {
    const err = await Cluster.start({
      cpus: 2, pages: 2, backend: 'native', transport: 'tcp', timeoutMs,
      hosts: [{ address: '127.0.0.1' }, { address: '127.0.0.1', launch: ['/nonexistent/tsdsm-launch'] }],
    }).then(async (c) => { await c.close(); return null; }, (e: unknown) => e as DsmProcessExitError);
    expect(err).toBeInstanceOf(DsmProcessExitError);
    expect(err!.message).toMatch(/^CPU 1: its process on host 127\.0\.0\.1 died during the run: cannot start it: spawn \/nonexistent\/tsdsm-launch ENOENT/);
  });
});

/** Pids of this process's native CPU children. */
function cpuPids(): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes('cpu-entry.js')).map((l) => Number(l.trim().split(/\s+/)[0]));
}
