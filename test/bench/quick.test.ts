/**
 * `npm run bench -- --quick` end to end, in a directory of its own: every case runs (shrunk),
 * and the summary names every target of issue 10 with a finite value, beside a table of every
 * application configuration and the picture. A smoke test of the benchmark: nothing here
 * measures, and no figure is compared with a goal.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@jest/globals';

const runJs = fileURLToPath(new URL('../../benchmarks/run.js', import.meta.url));

const expectedTargets = [
  'accessor.readOverRaw', 'accessor.viewReadOverRaw',
  'workers.readFaultPerHopOverFloor', 'workers.ring.readFaultPerHopOverFloor',
  'native.readFaultPerHopOverFloor', 'native.unix.readFaultPerHopOverFloor',
  'native.jacobi2OverSequential', 'workers.jacobi2OverJacobi1',
  'native.matmul2OverSequential', 'workers.matmul2OverMatmul1',
  'native.pages64KiB.jacobi2OverSequential', 'native.pages64KiB.matmul2OverSequential',
  'workers.run16MiBTouching2PagesMs', 'workers.run16MiBMemoryGrowthPerCpuMiB',
  'native.run16MiBTouching2PagesMs', 'native.run16MiBMemoryGrowthPerCpuMiB',
];

test('the quick benchmark writes a summary with every target, every application configuration and the picture', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tsdsm-bench-'));
  try {
    const out = spawnSync(process.execPath, [runJs, '--quick'], { cwd: dir, encoding: 'utf8', timeout: 150000 });
    expect({ status: out.status, stderr: out.stderr }).toEqual({ status: 0, stderr: '' });
    const summary = JSON.parse(await readFile(join(dir, 'bench-results', 'summary.json'), 'utf8')) as { quick: boolean; targets: { name: string; value: number; goal: string; met: boolean }[] };
    expect(summary.quick).toBe(true);
    expect(summary.targets.map((t) => t.name)).toEqual(expectedTargets);
    for (const t of summary.targets) expect([t.name, Number.isFinite(t.value), typeof t.met]).toEqual([t.name, true, 'boolean']);
    const all = JSON.parse(await readFile(join(dir, 'bench-results', 'workers.json'), 'utf8')) as { apps: { rows: { app: string; backend: string; pageSize: number | null; cpus: number | string; ms: number }[] } };
    const configs = all.apps.rows.map((r) => `${r.app} ${r.backend} ${r.pageSize ?? '-'} ${r.cpus}`);
    const variants = (app: string, large: boolean): string[] => [
      `${app} plain - sequential`,
      ...['workers 4096', 'native 4096', ...(large ? ['native 65536'] : [])].flatMap((v) => [1, 2, 4].map((c) => `${app} ${v} ${c}`)),
    ];
    expect(configs).toEqual([...variants('jacobi', true), ...variants('matmul', true), ...variants('radix', false), ...variants('lu', false)]);
    for (const r of all.apps.rows) expect(Number.isFinite(r.ms)).toBe(true);
    const svg = await readFile(join(dir, 'bench-results', 'summary.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(10);
    expect(out.stdout).toContain('Targets (issue 10)');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 180000);
