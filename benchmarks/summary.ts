/**
 * The summary of one `npm run bench`: the named targets of issue 10, each a ratio or a time
 * measured side by side in the same run, with its goal and whether it was met
 * (bench-results/summary.json), a table of them, and one self-contained SVG picture: fault
 * latency per hop against each transport's floor, and time against CPU count (as a multiple
 * of the plain sequential loop) for each application and backend.
 */
import type { AccessorResult } from './accessor.js';
import { appRow, defaultPageSize, largePageSize, type AppsResult } from './apps.js';
import type { RunCostResult } from './run-cost.js';

export interface Target {
  name: string;
  value: number;
  /** The goal as text: an operator and a bound ('<= 2', '< 1'). */
  goal: string;
  met: boolean;
}

export interface FaultFloor {
  backend: string;
  /** Median remote read fault (3 hops on its critical path), µs. */
  readFaultUs: number;
  /** Median round trip of the transport's floor, µs. */
  floorRoundTripUs: number;
}

export interface SummaryInputs {
  accessor: AccessorResult;
  faults: FaultFloor[];
  apps: AppsResult;
  runCost: RunCostResult[];
}

const perHop = (f: FaultFloor): number => f.readFaultUs / 3 / (f.floorRoundTripUs / 2);

function target(name: string, value: number, op: '<=' | '<', bound: number): Target {
  return { name, value, goal: `${op} ${bound}`, met: Number.isFinite(value) && (op === '<=' ? value <= bound : value < bound) };
}

export function targets(inputs: SummaryInputs): Target[] {
  const { accessor, faults, apps, runCost } = inputs;
  const out: Target[] = [
    target('accessor.readOverRaw', accessor.readRatio, '<=', 2),
    target('accessor.viewReadOverRaw', accessor.viewReadNs / accessor.rawReadNs, '<=', 2),
  ];
  for (const f of faults) out.push(target(`${f.backend}.readFaultPerHopOverFloor`, perHop(f), '<=', 1.5));
  const ms = (app: string, backend: string, cpus: number | 'sequential', pageSize?: number): number => appRow(apps, app, backend, cpus, pageSize)?.ms ?? NaN;
  for (const app of ['jacobi', 'matmul']) {
    out.push(target(`native.${app}2OverSequential`, ms(app, 'native', 2) / ms(app, 'plain', 'sequential'), '<=', 0.67));
    out.push(target(`workers.${app}2Over${app[0]!.toUpperCase()}${app.slice(1)}1`, ms(app, 'workers', 2) / ms(app, 'workers', 1), '<', 1));
  }
  // The same native ratios with 64 KiB pages (largePageSize), beside the system page size's above (not instead of them).
  for (const app of ['jacobi', 'matmul']) {
    out.push(target(`native.pages64KiB.${app}2OverSequential`, ms(app, 'native', 2, largePageSize) / ms(app, 'plain', 'sequential'), '<=', 0.67));
  }
  for (const r of runCost) {
    out.push(target(`${r.backend}.run${r.regionMiB}MiBTouching2PagesMs`, r.runMs, '<', 100));
    out.push(target(`${r.backend}.run${r.regionMiB}MiBMemoryGrowthPerCpuMiB`, r.rssGrowthPerCpuMiB, '<=', r.regionMiB / 8));
  }
  return out;
}

const escape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** One SVG: bars of µs per hop (fault and floor per backend) on the left, time / sequential against CPUs on the right. */
export function picture(inputs: SummaryInputs, title: string): string {
  const w = 960;
  const h = 420;
  const parts: string[] = [];
  const text = (x: number, y: number, s: string, extra = ''): void => {
    parts.push(`<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${extra}>${escape(s)}</text>`);
  };
  text(20, 24, title, 'font-size="15" font-weight="bold"');

  // Left: per hop, µs.
  const bars = inputs.faults.flatMap((f) => [
    { label: `${f.backend} read fault / hop`, us: f.readFaultUs / 3, color: '#c0392b' },
    { label: `${f.backend} floor / hop`, us: f.floorRoundTripUs / 2, color: '#7f8c8d' },
  ]);
  const barMax = Math.max(1, ...bars.map((b) => b.us));
  text(20, 56, 'Remote read fault per hop against the transport floor (µs)', 'font-size="12"');
  bars.forEach((b, i) => {
    const y = 72 + i * 34;
    const len = (b.us / barMax) * 220;
    parts.push(`<rect x="170" y="${y}" width="${len.toFixed(1)}" height="22" fill="${b.color}"/>`);
    text(20, y + 15, b.label, 'font-size="11"');
    text(176 + len, y + 15, b.us.toFixed(1), 'font-size="11"');
  });

  // Right: time / sequential against CPUs, one line per app and backend.
  const x0 = 500;
  const y0 = 360;
  const pw = 400;
  const ph = 280;
  const cpus = [1, 2, 4];
  const lines = [...new Set(inputs.apps.rows.filter((r) => r.cpus !== 'sequential').map((r) => `${r.app}/${r.backend}/${r.pageSize}`))];
  const yMax = Math.max(1.5, ...inputs.apps.rows.map((r) => (Number.isFinite(r.vsSequential) ? r.vsSequential : 0)));
  const xOf = (c: number): number => x0 + (cpus.indexOf(c) / (cpus.length - 1)) * pw;
  const yOf = (v: number): number => y0 - (v / yMax) * ph;
  text(x0, 56, 'Run time / plain sequential loop, against CPUs (below 1: faster than sequential)', 'font-size="12"');
  parts.push(`<line x1="${x0}" y1="${y0}" x2="${x0 + pw}" y2="${y0}" stroke="#333"/><line x1="${x0}" y1="${y0}" x2="${x0}" y2="${y0 - ph}" stroke="#333"/>`);
  parts.push(`<line x1="${x0}" y1="${yOf(1).toFixed(1)}" x2="${x0 + pw}" y2="${yOf(1).toFixed(1)}" stroke="#999" stroke-dasharray="4 3"/>`);
  text(x0 - 28, yOf(1) + 4, '1×', 'font-size="10"');
  text(x0 - 28, yOf(yMax) + 4, `${yMax.toFixed(1)}×`, 'font-size="10"');
  for (const c of cpus) text(xOf(c) - 4, y0 + 16, String(c), 'font-size="10"');
  text(x0 + pw / 2 - 14, y0 + 32, 'CPUs', 'font-size="11"');
  const palette = ['#2980b9', '#27ae60', '#8e44ad', '#d35400', '#16a085', '#c0392b', '#2c3e50', '#f39c12'];
  lines.forEach((key, i) => {
    const [app, backend, pageText] = key.split('/') as [string, string, string];
    const pageSize = Number(pageText);
    const points = cpus.flatMap((c) => {
      const r = appRow(inputs.apps, app, backend, c, pageSize);
      return r && Number.isFinite(r.vsSequential) ? [`${xOf(c).toFixed(1)},${yOf(r.vsSequential).toFixed(1)}`] : [];
    });
    const color = palette[i % palette.length]!;
    const dash = backend !== 'native' ? 'stroke-dasharray="6 3"' : pageSize !== defaultPageSize ? 'stroke-dasharray="2 2"' : '';
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" ${dash} points="${points.join(' ')}"/>`);
    text(x0 + pw + 10, 90 + i * 16, `${app} (${backend}${pageSize !== defaultPageSize ? `, ${pageSize / 1024} KiB pages` : ''})`, `font-size="10" fill="${color}"`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w + 180}" height="${h}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${parts.join('\n')}\n</svg>\n`;
}
