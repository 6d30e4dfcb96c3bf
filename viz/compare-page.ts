/**
 * The side-by-side page: one self-contained HTML file with the same program under several
 * protocols (viz/compare.ts). A table gives each operation's cost under every protocol (faults,
 * messages, bytes, the kinds sent) and the totals; below it, one sequence diagram per protocol,
 * their rows aligned by operation: an operation's band is as tall as its longest run, so the
 * same operation sits at the same height in every diagram. Click an operation to mark it in all.
 *
 * Hooks for tests: #total-{protocol}-{faults|messages|bytes} and #op{i}-{protocol}-{...} with
 * data-value; every diagram is an <svg class="cmp-svg" data-protocol> with <g class="msg">.
 */
import type { CompareModel } from './compare.js';
import { pageDom, type PageDom } from './dom.js';
import { escapeHtml, pageHead, scriptJson } from './page.js';

const compareCss = `
#cmp-table { border-collapse:collapse; background:#fff; font-variant-numeric:tabular-nums; margin:8px 0 16px; }
#cmp-table th, #cmp-table td { border:1px solid var(--line); padding:3px 8px; text-align:right; }
#cmp-table th { background:#f3f5f7; }
#cmp-table td.op, #cmp-table th.op { text-align:left; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size:12.5px; }
#cmp-table td.kinds { text-align:left; color:var(--muted); font-size:11.5px; max-width:260px; }
#cmp-table tr.total td { font-weight:700; background:#f7f8fa; }
#cmp-table tr.picked td { background:#fff3b0; }
#cmp-table tr.op-row { cursor:pointer; }
.cmp-wrap { padding:10px 22px 30px; }
.cmp-diagrams { display:flex; gap:18px; align-items:flex-start; overflow-x:auto; }
.cmp-col { flex:0 0 auto; }
.cmp-col h3 { margin:4px 0; }
.op-band { fill:#f6f7f9; }
.op-band.odd { fill:#ffffff; }
.op-band.picked { fill:#fff3b0; }
.cmp-svg .msg-label { font-size:9.5px; }
.op-label { fill:var(--ink); font-size:10.5px; font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.table-box { max-width:100%; overflow-x:auto; }
`;

export function renderComparePage(model: CompareModel): string {
  const names = model.runs.map((r) => r.protocol).join(' and ');
  return `${pageHead(`${model.title} · ${names}`, compareCss)}
<body data-kind="compare" data-protocols="${escapeHtml(model.runs.map((r) => r.protocol).join(','))}">
<header>
  <h1 id="title">${escapeHtml(model.title)}: ${escapeHtml(names)} side by side</h1>
  <p class="explanation" id="explanation">${escapeHtml(model.explanation)}</p>
  <div class="meta">preset <b>${escapeHtml(model.name)}</b> · ${model.cpus} CPUs, ${model.pages} pages of ${model.pageSize} bytes ·
    every protocol runs the same <b>settled schedule</b>: one operation at a time (round robin over the CPUs that can go on), each
    followed by every message it causes, so the rows line up by operation and each row's counts are what that operation cost.</div>
  <ul class="notes">${model.runs.map((r) => `<li><b>${escapeHtml(r.protocol)}</b>: ${escapeHtml(r.protocolText)}</li>`).join('')}</ul>
</header>
<div class="cmp-wrap">
  <h2>Cost of each operation</h2>
  <div class="table-box"><table id="cmp-table"></table></div>
  <h2>Messages, operation by operation <span class="muted">(one diagram per protocol; time runs down; rows aligned by operation; click a row of the table or a band to mark it)</span></h2>
  <div class="cmp-diagrams" id="cmp-diagrams"></div>
</div>
<script type="application/json" id="viz-data">${scriptJson(model)}</script>
<script>(${compareClient.toString()})((${pageDom.toString()})());</script>
</body>
</html>
`;
}

/** The script of the side-by-side page; inlined by its source, so it uses nothing from outside. */
/* eslint-disable @typescript-eslint/no-explicit-any */
export function compareClient(dom: PageDom): void {
  const { doc, $, el, sv } = dom;
  const model: any = JSON.parse($('viz-data').textContent);
  const runs: any[] = model.runs;
  const ops: any[] = model.operations;

  // ---------------------------------------------------------------- the table
  const table = $('cmp-table');
  const h1 = el('tr');
  h1.appendChild(el('th', { class: 'op', rowspan: 2 }, 'operation'));
  for (const r of runs) h1.appendChild(el('th', { colspan: 4 }, r.protocol));
  table.appendChild(h1);
  const h2 = el('tr');
  for (let i = 0; i < runs.length; i++) for (const t of ['faults', 'messages', 'bytes', 'sent']) h2.appendChild(el('th', {}, t));
  table.appendChild(h2);
  const rows: any[] = [];
  ops.forEach((op: any, i: number) => {
    const tr = el('tr', { class: 'op-row', id: 'op-row-' + i, 'data-op': i });
    tr.appendChild(el('td', { class: 'op' }, op.text));
    for (const r of runs) {
      const c = r.costs[i];
      for (const k of ['faults', 'messages', 'bytes']) tr.appendChild(el('td', { id: 'op' + i + '-' + r.protocol + '-' + k, 'data-value': c[k] }, c[k] === 0 ? '\u00b7' : String(c[k])));
      tr.appendChild(el('td', { class: 'kinds' }, c.kinds.join(', ')));
    }
    tr.addEventListener('click', () => pick(i));
    table.appendChild(tr);
    rows.push(tr);
  });
  const tt = el('tr', { class: 'total' });
  tt.appendChild(el('td', { class: 'op' }, 'total'));
  for (const r of runs) {
    for (const k of ['faults', 'messages', 'bytes']) tt.appendChild(el('td', { id: 'total-' + r.protocol + '-' + k, 'data-value': r.total[k] }, String(r.total[k])));
    tt.appendChild(el('td', { class: 'kinds' }, ''));
  }
  table.appendChild(tt);

  // ---------------------------------------------------------------- the diagrams
  const rowH = 22;
  const laneW = model.cpus <= 2 ? 110 : model.cpus <= 4 ? 80 : 60;
  const labelW = 190;
  // An operation's band is as tall as its longest run, plus a row for its label.
  const bandRows = ops.map((_: any, i: number) => 1 + Math.max(...runs.map((r) => r.costs[i].steps.length)));
  const bandTop: number[] = [];
  let y = 26;
  for (const n of bandRows) { bandTop.push(y); y += n * rowH; }
  const height = y + 10;
  const bands: any[][] = ops.map(() => []);
  const holder = $('cmp-diagrams');
  runs.forEach((r: any, k: number) => {
    const withLabels = k === 0;
    const x0 = withLabels ? labelW : 10;
    const laneX = (c: number): number => x0 + laneW / 2 + c * laneW;
    const width = x0 + laneW * model.cpus + 10;
    const col = el('div', { class: 'cmp-col' });
    col.appendChild(el('h3', {}, r.protocol + ': ' + r.total.messages + ' messages, ' + r.total.faults + ' faults'));
    const svg = sv('svg', { class: 'cmp-svg', 'data-protocol': r.protocol, width, height, viewBox: '0 0 ' + width + ' ' + height });
    const defs = sv('defs');
    const marker = sv('marker', { id: 'arrow-' + k, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
    marker.appendChild(sv('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#1f5fa8' }));
    defs.appendChild(marker);
    svg.appendChild(defs);
    // The row of every event: its operation's band, then its step within the band.
    const rowOf: number[] = [];
    ops.forEach((_: any, i: number) => {
      const band = sv('rect', { x: 0, y: bandTop[i], width, height: bandRows[i]! * rowH, class: 'op-band' + (i % 2 ? ' odd' : ''), 'data-op': i });
      band.addEventListener('click', () => pick(i));
      svg.appendChild(band);
      bands[i]!.push(band);
      if (withLabels) svg.appendChild(sv('text', { x: 6, y: bandTop[i]! + 15, class: 'op-label' }, ops[i].text.length > 28 ? ops[i].text.slice(0, 27) + '\u2026' : ops[i].text));
      r.costs[i].steps.forEach((st: any, j: number) => {
        for (let e = st.start; e < st.end; e++) rowOf[e] = bandTop[i]! + (j + 1) * rowH + rowH / 2;
      });
    });
    for (let c = 0; c < model.cpus; c++) {
      svg.appendChild(sv('text', { x: laneX(c), y: 16, 'text-anchor': 'middle', class: 'lane-label' }, 'CPU ' + c));
      svg.appendChild(sv('line', { x1: laneX(c), y1: 22, x2: laneX(c), y2: height - 4, class: 'lane' }));
    }
    const sent: Record<string, number> = {};
    const labels: { node: any; x1: number; y1: number; x2: number; y2: number }[] = [];
    r.events.forEach((e: any, i: number) => { if (e.type === 'send') sent[e.cpu + ':' + e.id] = i; });
    r.events.forEach((e: any, i: number) => {
      if (e.type === 'fault') svg.appendChild(sv('circle', { cx: laneX(e.cpu), cy: rowOf[i], r: 5, class: 'fault-dot', fill: '#fff', stroke: '#c0392b', 'stroke-width': 2 }));
      if (e.type !== 'recv') return;
      const s = sent[e.from + ':' + e.id];
      if (s === undefined) return;
      const x1 = laneX(e.from);
      const x2 = laneX(e.cpu) + (e.cpu > e.from ? -4 : 4);
      const g = sv('g', { class: 'msg', 'data-kind': e.msg.kind, 'data-from': e.from, 'data-to': e.cpu });
      g.appendChild(sv('line', { x1, y1: rowOf[s], x2, y2: rowOf[i], stroke: '#1f5fa8', 'stroke-width': 1.4, 'marker-end': 'url(#arrow-' + k + ')' }));
      g.appendChild(sv('title', {}, e.msg.kind + (e.msg.page !== undefined ? ' page ' + e.msg.page : '') + ': CPU ' + e.from + ' \u2192 CPU ' + e.cpu + ', ' + r.events[s].bytes + ' bytes'));
      const label = sv('text', { class: 'msg-label', 'text-anchor': 'middle' }, e.msg.kind);
      g.appendChild(label);
      labels.push({ node: label, x1, y1: rowOf[s], x2, y2: rowOf[i] });
      svg.appendChild(g);
    });
    col.appendChild(svg);
    holder.appendChild(col);
    dom.placeLabels(labels);
  });

  function pick(i: number): void {
    rows.forEach((tr: any, k: number) => tr.classList.toggle('picked', k === i));
    bands.forEach((list: any[], k: number) => { for (const b of list) b.classList.toggle('picked', k === i); });
  }
  doc.body.setAttribute('data-ready', 'true');
}
