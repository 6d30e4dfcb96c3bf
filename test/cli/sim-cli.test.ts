import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../cli/tsdsm.js', import.meta.url));
const tsdsm = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 30000 });

describe('tsdsm sim', () => {
  test('--scenario seed prints a narrated trace and stats', () => {
    const r = tsdsm('sim', '--scenario', 'seed');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("The seed document's test");
    expect(r.stdout).toContain('CPU 1: write fault on page 2 (address 0x2010) → WRITE_REQ to manager CPU 2 (page 2)');
    expect(r.stdout).toMatch(/CPU 0: read fault on page 2 \(address 0x2010\) → READ_REQ to manager CPU 2/);
    expect(r.stdout).toMatch(/CPU 0: \[12648430\]; CPU 1: \[\]; CPU 2: \[12648430\]; CPU 3: \[12648430\]/);
    expect(r.stdout).toMatch(/^total\s+3\s+1\s+23\s/m);
    expect(r.stdout).toMatch(/^READ_DATA\s/m);
  });

  test('--workload random prints the seed first and narrates', () => {
    const r = tsdsm('sim', '--workload', 'random', '--cpus', '3', '--pages', '2', '--ops', '6', '--seed', '5');
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('seed 5');
    expect(r.stdout).toMatch(/fault on page \d/);
  });

  test('a release-consistent protocol that fails the oracle on a racy workload is told to try --workload drf, which passes', () => {
    const racy = tsdsm('sim', '--protocol', 'hlrc', '--workload', 'random', '--seed', '3');
    expect(racy.status).toBe(1);
    const line = racy.stderr.trim();
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toMatch(/^tsdsm: SimulationError: oracle: CPU \d+ read .* hlrc is release-consistent: it promises sequential consistency to data-race-free programs only, and this workload has data races; try --workload drf$/);
    const drf = tsdsm('sim', '--protocol', 'hlrc', '--workload', 'drf', '--seed', '3');
    expect(drf.status).toBe(0);
    // A sequentially consistent protocol that failed the oracle would be a bug: no such hint.
    const ivy = tsdsm('sim', '--protocol', 'ivy', '--workload', 'random', '--seed', '3');
    expect(ivy.status).toBe(0);
  });

  test.each([
    [['sim', '--scenario', 'nope'], /^tsdsm: DsmConfigError: unknown scenario "nope"; allowed: seed, /],
    [['sim', '--workload', 'random', '--cpus', '0'], /^tsdsm: DsmConfigError: invalid config: cpus = 0; allowed: an integer from 1 to 256$/],
    [['sim', '--workload', 'random', '--pages', '0'], /pages = 0/],
    [['sim', '--workload', 'random', '--page-size', '1000'], /pageSize = 1000; allowed: a power of two/],
    [['sim', '--workload', 'random', '--cpus', 'four'], /--cpus must be an integer, got "four"/],
    [['sim', '--workload', 'zipf'], /unknown workload "zipf"; allowed: random/],
    [['nonsense'], /unknown command 'nonsense'/],
  ])('bad input %p: one line on stderr, non-zero exit', (args, why) => {
    const r = tsdsm(...args);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(why);
  });
});
