/**
 * The script inside the generated page. `vizClient` is never called in Node: page.ts inlines
 * its source (`vizClient.toString()`), so it must not use anything from outside its own body.
 * It reads the model from the <script id="viz-data"> element and builds the page with plain DOM
 * and SVG calls. The DOM is typed `any` here because the project compiles without DOM types.
 *
 * Stable hooks for tests and for people who script the page: every control has an id
 * (btn-first, btn-prev, btn-play, btn-next, btn-next-fault, btn-last, step-slider); the state
 * table's cells are #acc-p{page}-c{cpu} with data-access and data-marks, and #{column}-p{page}
 * for each of the protocol's page columns (ivy: record, owner, copyset; hlrc: home, twins,
 * dirty; see viz/views.ts) and #{column}-c{cpu} for its CPU columns, each with data-value; the counters #count-faults, #count-messages with data-value; every message
 * arrow is a <g class="msg" data-from data-id data-kind data-page>; <body data-step> is the
 * step shown.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
export function vizClient(): void {
  const doc: any = (globalThis as any).document;
  const win: any = globalThis as any;
  const model: any = JSON.parse(doc.getElementById('viz-data').textContent);
  const steps: any[] = model.steps;
  const events: any[] = model.events;
  const last = steps.length - 1;
  const svgNs = 'http://www.w3.org/2000/svg';
  let current = 0;
  let timer: any = null;

  const $ = (id: string): any => doc.getElementById(id);
  const el = (tag: string, attrs: Record<string, unknown> = {}, text?: string): any => {
    const e = doc.createElement(tag);
    for (const k of Object.keys(attrs)) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const sv = (tag: string, attrs: Record<string, unknown> = {}, text?: string): any => {
    const e = doc.createElementNS(svgNs, tag);
    for (const k of Object.keys(attrs)) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined) e.textContent = text;
    return e;
  };

  // Which step each event belongs to.
  const stepOfEvent: number[] = [];
  for (const s of steps) for (let i = s.eventStart; i < s.eventEnd; i++) stepOfEvent[i] = s.index;

  // Messages: a send matched with its recv by (sender, id).
  const messages: any[] = [];
  const byKey: Record<string, any> = {};
  events.forEach((e: any, i: number) => {
    if (e.type === 'send') {
      const m = { from: e.cpu, to: e.to, id: e.id, msg: e.msg, bytes: e.bytes, sendSeq: e.seq, sendStep: stepOfEvent[i], recvSeq: null, recvStep: null };
      messages.push(m);
      byKey[e.cpu + ':' + e.id] = m;
    } else if (e.type === 'recv') {
      const m = byKey[e.from + ':' + e.id];
      if (m) { m.recvSeq = e.seq; m.recvStep = stepOfEvent[i]; }
    }
  });

  // ------------------------------------------------------------ sequence diagram
  const laneW = model.cpus <= 2 ? 230 : model.cpus <= 4 ? 170 : 120;
  const left = 56;
  const top = 40;
  const rowH = 30;
  const laneX = (cpu: number): number => left + laneW / 2 + cpu * laneW;
  const rowY = (step: number): number => top + step * rowH + rowH / 2;
  const width = left + laneW * model.cpus + 20;
  const height = top + steps.length * rowH + 20;
  const svg = sv('svg', { id: 'seq-svg', width, height, viewBox: '0 0 ' + width + ' ' + height });
  const defs = sv('defs');
  for (const [name, color] of [['arrow', '#1f5fa8'], ['arrow-fly', '#d9822b'], ['arrow-sel', '#b5179e']]) {
    const marker = sv('marker', { id: name, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
    marker.appendChild(sv('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: color }));
    defs.appendChild(marker);
  }
  svg.appendChild(defs);
  const band = sv('rect', { id: 'current-band', x: 0, y: 0, width, height: rowH, class: 'band' });
  svg.appendChild(band);
  for (let s = 0; s <= last; s++) {
    const row = sv('g', { class: 'row', 'data-step': s });
    row.appendChild(sv('rect', { x: 0, y: top + s * rowH, width, height: rowH, class: 'row-hit' }));
    row.appendChild(sv('text', { x: 8, y: rowY(s) + 4, class: 'row-label' }, String(s)));
    row.addEventListener('click', () => go(s));
    svg.appendChild(row);
  }
  for (let c = 0; c < model.cpus; c++) {
    svg.appendChild(sv('text', { x: laneX(c), y: 22, class: 'lane-label', 'text-anchor': 'middle' }, 'CPU ' + c));
    svg.appendChild(sv('line', { x1: laneX(c), y1: top, x2: laneX(c), y2: height - 10, class: 'lane' }));
  }
  const shapes: { step: number; endStep: number; node: any }[] = [];
  const pageOf = (msg: any): string => (msg.page !== undefined ? ' p' + msg.page : msg.lock !== undefined ? ' L' + msg.lock : '');
  messages.forEach((m: any, k: number) => {
    const endStep = m.recvStep === null ? last + 0.6 : m.recvStep;
    const x1 = laneX(m.from);
    const y1 = rowY(m.sendStep);
    const x2 = laneX(m.to) + (m.to > m.from ? -4 : 4);
    const y2 = m.recvStep === null ? rowY(last) + rowH * 0.6 : rowY(m.recvStep);
    const g = sv('g', { class: 'msg', 'data-index': k, 'data-from': m.from, 'data-to': m.to, 'data-id': m.id, 'data-kind': m.msg.kind, 'data-page': m.msg.page === undefined ? '' : m.msg.page });
    g.appendChild(sv('line', { x1, y1, x2, y2, class: 'msg-hit' }));
    g.appendChild(sv('line', { x1, y1, x2, y2, class: 'msg-line' }));
    const tx = x1 + (x2 - x1) * 0.5;
    const ty = y1 + (y2 - y1) * 0.5 - 4;
    g.appendChild(sv('text', { x: tx, y: ty, class: 'msg-label', 'text-anchor': 'middle' }, m.msg.kind + pageOf(m.msg)));
    g.appendChild(sv('title', {}, m.msg.kind + pageOf(m.msg) + ': CPU ' + m.from + ' → CPU ' + m.to + ' (click for fields)'));
    g.addEventListener('click', (ev: any) => { ev.stopPropagation(); showMessage(k); });
    svg.appendChild(g);
    shapes.push({ step: m.sendStep, endStep, node: g });
  });
  // Faults and local calls, drawn on the lane of their CPU at their step.
  steps.forEach((s: any) => {
    const locals: string[] = [];
    for (let i = s.eventStart; i < s.eventEnd; i++) {
      const e = events[i];
      if (e.type === 'fault') {
        const g = sv('g', { class: 'fault', 'data-step': s.index, 'data-cpu': e.cpu, 'data-page': e.page });
        g.appendChild(sv('circle', { cx: laneX(e.cpu), cy: rowY(s.index), r: 7 }));
        g.appendChild(sv('text', { x: laneX(e.cpu) - 11, y: rowY(s.index) + 4, class: 'fault-label', 'text-anchor': 'end' }, e.access + ' fault p' + e.page));
        g.addEventListener('click', (ev: any) => { ev.stopPropagation(); showFields('Fault', e); });
        svg.appendChild(g);
        shapes.push({ step: s.index, endStep: s.index, node: g });
      } else if (e.type === 'local') {
        locals.push(e.msg.kind + pageOf(e.msg));
      }
    }
    if (locals.length > 0 && s.cpu !== null) {
      const g = sv('g', { class: 'local', 'data-step': s.index });
      g.appendChild(sv('path', { d: 'M ' + laneX(s.cpu) + ' ' + (rowY(s.index) - 6) + ' c 16 0 16 12 0 12', class: 'local-loop' }));
      g.appendChild(sv('text', { x: laneX(s.cpu) + 14, y: rowY(s.index) + 4, class: 'local-label' }, 'local: ' + locals.join(', ')));
      svg.appendChild(g);
      shapes.push({ step: s.index, endStep: s.index, node: g });
    }
  });
  $('diagram').appendChild(svg);
  // The lane names again above the scrolling box, so they stay in view.
  const heads = $('lane-heads');
  heads.style.width = width + 'px';
  for (let c = 0; c < model.cpus; c++) {
    const h = el('span', { class: 'lane-head' }, 'CPU ' + c);
    h.style.left = (laneX(c) - 50) + 'px';
    heads.appendChild(h);
  }

  // ------------------------------------------------------------ state tables
  // The columns come from the protocol's view (viz/views.ts): the client knows no protocol.
  const table = $('pages');
  const head = el('tr');
  head.appendChild(el('th', {}, 'page'));
  for (let c = 0; c < model.cpus; c++) head.appendChild(el('th', {}, 'CPU ' + c));
  for (const col of model.pageColumns) head.appendChild(el('th', { title: col.title }, col.label));
  table.appendChild(head);
  for (let p = 0; p < model.pages; p++) {
    const tr = el('tr', { id: 'page-row-' + p, 'data-page': p });
    tr.appendChild(el('th', {}, String(p)));
    for (let c = 0; c < model.cpus; c++) tr.appendChild(el('td', { id: 'acc-p' + p + '-c' + c, class: 'acc', 'data-page': p, 'data-cpu': c }));
    for (const col of model.pageColumns) tr.appendChild(el('td', { id: col.key + '-p' + p, class: 'col-' + col.key }));
    table.appendChild(tr);
  }
  const cpuTable = $('cpus');
  if (model.cpuColumns.length > 0) {
    const ch = el('tr');
    ch.appendChild(el('th', {}, 'CPU'));
    for (const col of model.cpuColumns) ch.appendChild(el('th', { title: col.title }, col.label));
    cpuTable.appendChild(ch);
    for (let c = 0; c < model.cpus; c++) {
      const tr = el('tr', { id: 'cpu-row-' + c });
      tr.appendChild(el('th', {}, 'CPU ' + c));
      for (const col of model.cpuColumns) tr.appendChild(el('td', { id: col.key + '-c' + c, class: 'col-' + col.key }));
      cpuTable.appendChild(tr);
    }
  }
  const legend = $('legend');
  for (const m of model.marks) legend.appendChild(el('span', {}, m.mark + ' ' + m.meaning));

  // ------------------------------------------------------------ log of steps
  const log = $('log');
  steps.forEach((s: any) => {
    const li = el('li', { id: 'log-' + s.index, 'data-step': s.index, class: s.violation ? 'violation' : '' }, s.index + '. ' + s.title);
    li.addEventListener('click', () => go(s.index));
    log.appendChild(li);
  });

  // ------------------------------------------------------------ details
  function showFields(title: string, fields: Record<string, unknown>): void {
    const box = $('msg-details');
    box.textContent = '';
    box.appendChild(el('h3', {}, title));
    const dl = el('dl');
    for (const k of Object.keys(fields)) {
      const v = fields[k];
      dl.appendChild(el('dt', {}, k));
      dl.appendChild(el('dd', { 'data-field': k }, typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)));
    }
    box.appendChild(dl);
  }
  let selected: any = null;
  function showMessage(k: number): void {
    const m = messages[k];
    if (selected) selected.classList.remove('selected');
    selected = svg.querySelector('g.msg[data-index="' + k + '"]');
    if (selected) selected.classList.add('selected');
    const fields: Record<string, unknown> = { from: 'CPU ' + m.from, to: 'CPU ' + m.to, id: m.id };
    for (const key of Object.keys(m.msg)) fields[key] = m.msg[key];
    fields['bytes on the wire'] = m.bytes;
    fields['sent at'] = 'step ' + m.sendStep + ' (seq ' + m.sendSeq + ')';
    fields['received at'] = m.recvStep === null ? 'never (still in flight when the run ended)' : 'step ' + m.recvStep + ' (seq ' + m.recvSeq + ')';
    showFields('Message ' + m.msg.kind, fields);
  }

  // ------------------------------------------------------------ render a step
  const accessText: Record<string, string> = { none: '\u2013', read: 'R', write: 'W' };
  function render(): void {
    const s = steps[current];
    const prev = current > 0 ? steps[current - 1] : s;
    doc.body.setAttribute('data-step', String(current));
    $('step-slider').value = String(current);
    $('step-label').textContent = 'step ' + current + ' of ' + last;
    $('step-label').setAttribute('data-step', String(current));
    $('count-faults').textContent = String(s.faults);
    $('count-faults').setAttribute('data-value', String(s.faults));
    $('count-messages').textContent = String(s.messages);
    $('count-messages').setAttribute('data-value', String(s.messages));
    $('count-local').textContent = String(s.localCalls);
    $('step-title').textContent = (s.violation ? '\u26a0 ' : '') + 'Step ' + current + ': ' + s.title;
    $('step-title').className = s.violation ? 'violation' : '';
    const lines = $('step-lines');
    lines.textContent = '';
    for (const line of s.lines) lines.appendChild(el('li', {}, line));
    if (s.violation && model.violation) lines.appendChild(el('li', { class: 'violation' }, 'Check failed: ' + model.violation));
    const setCell = (td: any, cell: any, before: any): void => {
      td.textContent = cell.text;
      td.setAttribute('data-value', cell.value);
      td.classList.toggle('changed', before !== undefined && before.value !== cell.value);
    };
    for (let p = 0; p < model.pages; p++) {
      const page = s.pages[p];
      const before = prev.pages[p];
      for (let c = 0; c < model.cpus; c++) {
        const td = $('acc-p' + p + '-c' + c);
        const a = page.access[c];
        const marks = page.marks[c];
        td.textContent = accessText[a] + (marks ? ' ' + marks : '');
        td.setAttribute('data-access', a);
        td.setAttribute('data-marks', marks);
        td.className = 'acc acc-' + a + (before.access[c] !== a || before.marks[c] !== marks ? ' changed' : '') + (marks.indexOf('\u2605') >= 0 || marks.indexOf('H') >= 0 ? ' owner' : '');
      }
      for (const col of model.pageColumns) setCell($(col.key + '-p' + p), page.cells[col.key], before.cells[col.key]);
    }
    for (let c = 0; c < model.cpus; c++) {
      for (const col of model.cpuColumns) setCell($(col.key + '-c' + c), s.cpuState[c].cells[col.key], prev.cpuState[c].cells[col.key]);
    }
    const sync = $('sync-state');
    sync.textContent = '';
    if (s.sync) {
      for (const l of s.sync.locks) {
        sync.appendChild(el('li', {}, 'lock ' + l.lock + ' (manager CPU ' + l.manager + '): ' + (l.holder === null ? 'free' : 'held by CPU ' + l.holder) + (l.queue.length > 0 ? ', waiting: CPU ' + l.queue.join(', CPU ') : '')));
      }
      sync.appendChild(el('li', {}, 'barrier ' + s.sync.barrier.epoch + ' (manager CPU 0): ' + (s.sync.barrier.arrived.length === 0 ? 'nobody waiting' : 'arrived: CPU ' + s.sync.barrier.arrived.join(', CPU '))));
    } else {
      sync.appendChild(el('li', {}, 'not recorded in a trace file'));
    }
    const flying = $('in-flight');
    flying.textContent = '';
    messages.forEach((m: any, k: number) => {
      if (m.sendStep <= current && (m.recvStep === null || m.recvStep > current)) {
        const li = el('li', { class: 'flying', 'data-index': k }, m.msg.kind + pageOf(m.msg) + ': CPU ' + m.from + ' \u2192 CPU ' + m.to);
        li.addEventListener('click', () => showMessage(k));
        flying.appendChild(li);
      }
    });
    if (!flying.firstChild) flying.appendChild(el('li', { class: 'muted' }, 'none'));
    for (const sh of shapes) {
      const cls = sh.step > current ? 'future' : sh.endStep > current ? 'flying' : sh.step === current || sh.endStep === current ? 'now' : 'past';
      sh.node.classList.remove('future', 'flying', 'now', 'past');
      sh.node.classList.add(cls);
    }
    band.setAttribute('y', String(top + current * rowH));
    band.setAttribute('class', s.violation ? 'band band-violation' : 'band');
    for (const li of log.children) li.classList.toggle('current', Number(li.getAttribute('data-step')) === current);
    // Keep the current row inside the part of the diagram box that the window shows.
    const box = $('diagram');
    const y = rowY(current);
    const rect = box.getBoundingClientRect();
    const visibleTop = Math.max(rect.top, 0) - rect.top;
    const visibleBottom = Math.max(visibleTop + 2 * rowH, Math.min(rect.bottom, win.innerHeight) - rect.top);
    const yInBox = y - box.scrollTop;
    if (yInBox < visibleTop + rowH || yInBox > visibleBottom - rowH) box.scrollTop = Math.max(0, y - (visibleTop + visibleBottom) / 2);
    // Scroll the step list itself, never the window (scrollIntoView would move the whole page).
    const item = $('log-' + current);
    if (item.offsetTop < log.scrollTop || item.offsetTop + item.offsetHeight > log.scrollTop + log.clientHeight) {
      log.scrollTop = Math.max(0, item.offsetTop - log.clientHeight / 2);
    }
    $('btn-prev').disabled = current === 0;
    $('btn-first').disabled = current === 0;
    $('btn-next').disabled = current === last;
    $('btn-last').disabled = current === last;
    $('btn-next-fault').disabled = nextFault() === null;
  }

  function nextFault(): number | null {
    for (let k = current + 1; k <= last; k++) {
      for (let i = steps[k].eventStart; i < steps[k].eventEnd; i++) if (events[i].type === 'fault') return k;
    }
    return null;
  }
  function go(k: number): void {
    current = Math.max(0, Math.min(last, k));
    render();
  }
  function setPlaying(on: boolean): void {
    if (timer !== null) win.clearInterval(timer);
    timer = null;
    if (on) {
      if (current === last) go(0);
      timer = win.setInterval(() => {
        if (current >= last) setPlaying(false);
        else go(current + 1);
      }, 800);
    }
    $('btn-play').textContent = on ? '\u2016 pause' : '\u25b6 play';
    $('btn-play').setAttribute('data-playing', on ? 'true' : 'false');
  }

  $('step-slider').max = String(last);
  $('step-slider').addEventListener('input', () => go(Number($('step-slider').value)));
  $('btn-first').addEventListener('click', () => go(0));
  $('btn-prev').addEventListener('click', () => go(current - 1));
  $('btn-next').addEventListener('click', () => go(current + 1));
  $('btn-last').addEventListener('click', () => go(last));
  $('btn-next-fault').addEventListener('click', () => { const k = nextFault(); if (k !== null) go(k); });
  $('btn-play').addEventListener('click', () => setPlaying(timer === null));
  const jump = $('btn-violation');
  if (jump) jump.addEventListener('click', () => { setPlaying(false); go(last); });
  doc.addEventListener('keydown', (ev: any) => {
    if (ev.target && ev.target.tagName === 'INPUT') return;
    if (ev.key === 'ArrowRight') go(current + 1);
    else if (ev.key === 'ArrowLeft') go(current - 1);
    else if (ev.key === 'f') { const k = nextFault(); if (k !== null) go(k); }
    else if (ev.key === ' ') { ev.preventDefault(); setPlaying(timer === null); }
    else return;
  });
  render();
  doc.body.setAttribute('data-ready', 'true');
}
