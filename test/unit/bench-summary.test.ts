/**
 * The bench summary's targets read the rows they name: the native ratios at the system page
 * size and, beside them, at 64 KiB pages, each against the same sequential row.
 */
import { describe, expect, test } from '@jest/globals';
import type { AppRow, AppsResult } from '../../benchmarks/apps.js';
import { picture, targets } from '../../benchmarks/summary.js';

function row(app: string, backend: string, cpus: number | 'sequential', pageSize: number | null, ms: number): AppRow {
  return { app, size: 's', backend, cpus, pageSize, ms, vsSequential: ms / 100, faults: 0, messages: 0 };
}

const apps: AppsResult = {
  cores: 2, warmups: 1, trials: 3,
  rows: ['jacobi', 'matmul'].flatMap((app) => [
    row(app, 'plain', 'sequential', null, 100),
    row(app, 'workers', 1, 4096, 300), row(app, 'workers', 2, 4096, 240),
    row(app, 'native', 1, 4096, 200), row(app, 'native', 2, 4096, 150),
    row(app, 'native', 1, 65536, 90), row(app, 'native', 2, 65536, 60),
  ]),
};

const inputs = {
  accessor: { elements: 1, rawReadNs: 1, accessorReadNs: 1.5, viewReadNs: 2.5, readRatio: 1.5, rawWriteNs: 1, accessorWriteNs: 1, writeRatio: 1 },
  faults: [{ backend: 'workers', readFaultUs: 90, floorRoundTripUs: 40 }],
  apps,
  runCost: [],
};

describe('bench summary', () => {
  test('each native ratio reads its own page size\'s row, against the sequential one', () => {
    const byName = new Map(targets(inputs).map((t) => [t.name, t]));
    expect(byName.get('native.jacobi2OverSequential')).toMatchObject({ value: 1.5, met: false });
    expect(byName.get('native.pages64KiB.jacobi2OverSequential')).toMatchObject({ value: 0.6, met: true });
    expect(byName.get('native.pages64KiB.matmul2OverSequential')).toMatchObject({ value: 0.6, met: true });
    expect(byName.get('accessor.viewReadOverRaw')).toMatchObject({ value: 2.5, met: false });
    expect(byName.get('workers.readFaultPerHopOverFloor')?.value).toBeCloseTo(1.5);
  });

  test('the picture draws one line per app, backend and page size, and names the 64 KiB ones', () => {
    const svg = picture(inputs, 'test');
    expect(svg.match(/<polyline/g)).toHaveLength(6);
    expect(svg).toContain('jacobi (native, 64 KiB pages)');
    expect(svg).toContain('matmul (native)<');
  });
});
