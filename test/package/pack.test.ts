/**
 * What a user installs: `npm pack` of this checkout, installed into a project of its own in a
 * temporary folder, as from the registry (npm runs no install script of a dependency, so no
 * node-gyp runs there). The installed command line answers, the library runs programs on
 * workers and on native processes (the addon comes from the package's prebuild, plain
 * typed-array indexing included), and where no prebuild fits the documented source build
 * (`npm explore tsdsm -- npm run build:native`) brings the native backend back.
 *
 * The tarball is packed with --ignore-scripts from what `npm test` already built (dist/ and
 * prebuilds/), so this test checks the package's contents, not a second build.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync, type ExecFileSyncOptions } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let dir: string;
let project: string;
let tarball: string;

function sh(cmd: string, args: string[], opts: ExecFileSyncOptions = {}): string {
  try {
    return execFileSync(cmd, args, { cwd: project, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120000, ...opts }) as string;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.message}\nstdout:\n${e.stdout ?? ''}\nstderr:\n${e.stderr ?? ''}`);
  }
}

const program = `
import { defineProgram } from 'tsdsm';
// On native, a view is a real typed array: a[i] is a load or store the MMU checks. Worker
// views have get/set only (and so does every backend).
export default defineProgram((cpu, { n, plain }) => {
  const a = cpu.int32Array(0, n * cpu.cpus);
  if (plain !== ArrayBuffer.isView(a)) throw new Error('plain indexing is for native views only');
  for (let i = 0; i < n; i++) {
    if (plain) a[cpu.id * n + i] = cpu.id * 100 + i;
    else a.set(cpu.id * n + i, cpu.id * 100 + i);
  }
  cpu.barrier();
  let sum = 0;
  for (let i = 0; i < n * cpu.cpus; i++) sum += plain ? a[i] : a.get(i);
  return sum;
});
`;
const main = `
import { Cluster } from 'tsdsm';
const backend = process.argv[2];
const cluster = await Cluster.start({ cpus: 3, pages: 8, backend, timeoutMs: 30000 });
try {
  const { results, stats } = await cluster.run(new URL('./sum.mjs', import.meta.url), { n: 2000, plain: backend === 'native' });
  console.log(JSON.stringify({ results, readFaults: stats.total.readFaults }));
} finally {
  await cluster.close();
}
`;
const n = 2000;
const expected = [0, 1, 2].reduce((s, c) => s + c * 100 * n + (n * (n - 1)) / 2, 0);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tsdsm-pack-'));
  project = join(dir, 'project');
  const packed = sh(npm, ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], { cwd: root });
  tarball = join(dir, packed.trim().split('\n').pop()!);
  execFileSync('mkdir', ['-p', project]);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'uses-tsdsm', version: '1.0.0', type: 'module', private: true }));
  writeFileSync(join(project, 'sum.mjs'), program);
  writeFileSync(join(project, 'main.mjs'), main);
  sh(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball]);
}, 240000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the packed package, installed into a project of its own', () => {
  test('ships the compiled code, the prebuilt addon and the addon\'s sources, and no build folder', () => {
    const listing = sh('tar', ['-tzf', tarball]).split('\n');
    expect(listing).toContain('package/prebuilds/linux-x64/tsdsm_native.node');
    expect(listing).toContain('package/native/src/tsdsm_native.c');
    expect(listing).toContain('package/dist/native/index.js');
    expect(listing).toContain('package/dist/viz/page.js');
    expect(listing.filter((f) => f.startsWith('package/native/build/'))).toEqual([]);
    expect(listing.filter((f) => f.startsWith('package/dist/test/'))).toEqual([]);
  });

  test('the installed command line answers: --help, sim --scenario seed, viz --preset seed', () => {
    expect(sh(npm, ['exec', '--', 'tsdsm', '--help'])).toMatch(/Usage: tsdsm/);
    expect(sh(npm, ['exec', '--', 'tsdsm', 'sim', '--scenario', 'seed'])).toMatch(/CPU 1/);
    const out = join(dir, 'seed.html');
    sh(npm, ['exec', '--', 'tsdsm', 'viz', '--preset', 'seed', '--output', out]);
    expect(existsSync(out)).toBe(true);
  });

  test('the installed command line runs a TypeScript program (transpiled by the package\'s own dependency) and the fuzzer', () => {
    writeFileSync(join(project, 'twice.ts'), `
import { defineProgram } from 'tsdsm';
interface Args { k: number }
export default defineProgram((cpu, { k }: Args): number => {
  if (cpu.id === 0) cpu.memory.setInt32(0, k * 2);
  cpu.barrier();
  return cpu.memory.getInt32(0);
});
`);
    const out = sh(npm, ['exec', '--', 'tsdsm', 'run', 'twice.ts', '--cpus', '2', '--pages', '1', '--args', '{"k":21}']);
    expect(out).toContain('CPU 0: 42');
    expect(out).toContain('CPU 1: 42');
    expect(readdirSync(project).filter((f) => f.startsWith('twice'))).toEqual(['twice.ts']);
    expect(sh(npm, ['exec', '--', 'tsdsm', 'fuzz', '--runs', '20', '--seed', '3'])).toMatch(/^passed: 20 runs in /m);
  });

  test('the library runs a program on worker threads', () => {
    const r = JSON.parse(sh('node', ['main.mjs', 'workers']));
    expect(r.results).toEqual([expected, expected, expected]);
  });

  test('the native backend loads the prebuilt addon (no node-gyp ran at install) and runs plain a[i] indexing coherently', () => {
    const installed = join(project, 'node_modules', 'tsdsm');
    expect(existsSync(join(installed, 'native', 'build'))).toBe(false);
    const r = JSON.parse(sh('node', ['main.mjs', 'native']));
    expect(r.results).toEqual([expected, expected, expected]);
    // Each CPU read the pages the others wrote: real MMU faults.
    expect(r.readFaults).toBeGreaterThanOrEqual(3);
  });

  test('the CLI runs the same program with --backend native', () => {
    const out = sh(npm, ['exec', '--', 'tsdsm', 'run', 'sum.mjs', '--cpus', '2', '--pages', '8', '--backend', 'native', '--args', `{"n":${n},"plain":true}`]);
    const two = [0, 1].reduce((s, c) => s + c * 100 * n + (n * (n - 1)) / 2, 0);
    expect(out).toContain(`CPU 0: ${two}`);
    expect(out).toContain(`CPU 1: ${two}`);
  });

  test('the CLI runs it on every transport of both backends (the rings come from the package too)', () => {
    const two = [0, 1].reduce((s, c) => s + c * 100 * n + (n * (n - 1)) / 2, 0);
    for (const [backend, transport, plain] of [['workers', 'ring', false], ['native', 'unix', true], ['native', 'ring', true]] as const) {
      const out = sh(npm, ['exec', '--', 'tsdsm', 'run', 'sum.mjs', '--cpus', '2', '--pages', '8', '--backend', backend, '--transport', transport, '--args', `{"n":${n},"plain":${plain}}`]);
      expect({ backend, transport, lines: out.split('\n').slice(0, 2) }).toEqual({ backend, transport, lines: [`CPU 0: ${two}`, `CPU 1: ${two}`] });
    }
  });

  test('without a prebuild that fits, the native backend says what it tried; the documented source build brings it back', () => {
    const installed = join(project, 'node_modules', 'tsdsm');
    rmSync(join(installed, 'prebuilds'), { recursive: true, force: true });
    const failed = (() => {
      try {
        sh('node', ['main.mjs', 'native']);
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    })();
    expect(failed).toMatch(/DsmNativeLoadError|native addon not found/);
    expect(failed).toContain('npm explore tsdsm -- npm run build:native');
    expect(failed).toContain(join('prebuilds', 'linux-x64', 'tsdsm_native.node'));
    sh(npm, ['explore', 'tsdsm', '--', 'npm', 'run', 'build:native'], { timeout: 180000 });
    expect(readdirSync(join(installed, 'prebuilds', 'linux-x64'))).toEqual(['tsdsm_native.node']);
    const r = JSON.parse(sh('node', ['main.mjs', 'native']));
    expect(r.results).toEqual([expected, expected, expected]);
  }, 240000);
});
