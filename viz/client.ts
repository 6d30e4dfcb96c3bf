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
import type { PageDom } from './dom.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export function vizClient(dom: PageDom): void {
  const { doc, win, $, el, sv } = dom;
  const model: any = JSON.parse($('viz-data').textContent);
  const steps: any[] = model.steps;
  const events: any[] = model.events;
  const last = steps.length - 1;
  let current = 0;
  let timer: any = null;

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
  // Row numbers, then a column of row notes, then the lanes: what happened at each step besides
  // messages (faults, local calls) is written in the note column, never on the lanes, so that
  // no note sits on an arrow or its label. Lanes share the width the box has (within bounds).
  const noteW = 190;
  // The row numbers take the first column, as wide as the largest number.
  const noteX = 12 + String(steps.length - 1).length * 7;
  const left = noteX + noteW;
  const top = 14;
  const rowH = 30;
  const fitW = Math.floor(($('diagram').clientWidth - left - 16) / Math.max(1, model.cpus));
  const laneW = Math.max(110, Math.min(230, fitW));
  const laneX = (cpu: number): number => left + laneW / 2 + cpu * laneW;
  const rowY = (step: number): number => top + step * rowH + rowH / 2;
  const lanesRight = left + laneW * model.cpus;
  const pageOf = (msg: any): string => (msg.page !== undefined ? ' p' + msg.page : msg.lock !== undefined ? ' L' + msg.lock : '');
  // Per step, at most two lines: its faults, its local calls (full text in a tooltip).
  const rowNotes: string[][] = steps.map((s: any) => {
    const faults: string[] = [];
    const locals: string[] = [];
    for (let i = s.eventStart; i < s.eventEnd; i++) {
      const e = events[i];
      if (e.type === 'fault') faults.push('\u26a1 CPU ' + e.cpu + ' ' + e.access + ' fault p' + e.page);
      else if (e.type === 'local') locals.push(e.msg.kind + pageOf(e.msg));
    }
    const out = faults.length > 0 ? [faults.join('; ')] : [];
    if (locals.length > 0 && s.cpu !== null) out.push('\u21ba CPU ' + s.cpu + ' local: ' + locals.join(', '));
    return out;
  });
  // About 6 px per character of a 10.5 px label.
  const noteChars = Math.floor((noteW - 8) / 6);
  const clip = (t: string): string => (t.length <= noteChars ? t : t.slice(0, noteChars - 1) + '\u2026');
  const width = lanesRight + 16;
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
    row.appendChild(sv('text', { x: 6, y: rowY(s) + 4, class: 'row-label' }, String(s)));
    row.addEventListener('click', () => go(s));
    svg.appendChild(row);
  }
  svg.appendChild(sv('line', { x1: left - 4, y1: 0, x2: left - 4, y2: height, class: 'note-rule' }));
  for (let c = 0; c < model.cpus; c++) {
    svg.appendChild(sv('line', { x1: laneX(c), y1: top, x2: laneX(c), y2: height - 10, class: 'lane', 'data-cpu': c }));
  }
  const shapes: { step: number; endStep: number; node: any }[] = [];
  const labels: { node: any; x1: number; y1: number; x2: number; y2: number }[] = [];
  messages.forEach((m: any, k: number) => {
    const endStep = m.recvStep === null ? last + 0.6 : m.recvStep;
    const x1 = laneX(m.from);
    const y1 = rowY(m.sendStep);
    const x2 = laneX(m.to) + (m.to > m.from ? -4 : 4);
    const y2 = m.recvStep === null ? rowY(last) + rowH * 0.6 : rowY(m.recvStep);
    const g = sv('g', { class: 'msg', 'data-index': k, 'data-from': m.from, 'data-to': m.to, 'data-id': m.id, 'data-kind': m.msg.kind, 'data-page': m.msg.page === undefined ? '' : m.msg.page });
    g.appendChild(sv('line', { x1, y1, x2, y2, class: 'msg-hit' }));
    g.appendChild(sv('line', { x1, y1, x2, y2, class: 'msg-line' }));
    // At the middle for now: dom.placeLabels moves labels that would print over each other.
    const tx = (x1 + x2) / 2;
    const ty = (y1 + y2) / 2 - 4;
    const label = sv('text', { x: tx, y: ty, class: 'msg-label', 'text-anchor': 'middle' }, m.msg.kind + pageOf(m.msg));
    g.appendChild(label);
    labels.push({ node: label, x1, y1, x2, y2 });
    // A message the run ended without delivering (a run stopped by a broken check or a
    // deadlock) is drawn as lost: red, dotted, crossed out where it would have arrived.
    if (m.recvStep === null) {
      g.classList.add('lost');
      g.appendChild(sv('text', { x: x2, y: y2 + 4, class: 'lost-mark', 'text-anchor': 'middle' }, '\u2715'));
    }
    g.appendChild(sv('title', {}, m.msg.kind + pageOf(m.msg) + ': CPU ' + m.from + ' \u2192 CPU ' + m.to + ' (click for fields)'));
    g.addEventListener('click', (ev: any) => { ev.stopPropagation(); showMessage(k); });
    svg.appendChild(g);
    shapes.push({ step: m.sendStep, endStep, node: g });
  });
  // Faults: a circle on the CPU's lane (click for its fields); every note in the note column.
  steps.forEach((s: any) => {
    for (let i = s.eventStart; i < s.eventEnd; i++) {
      const e = events[i];
      if (e.type !== 'fault') continue;
      const g = sv('g', { class: 'fault', 'data-step': s.index, 'data-cpu': e.cpu, 'data-page': e.page });
      g.appendChild(sv('circle', { cx: laneX(e.cpu), cy: rowY(s.index), r: 6 }));
      g.appendChild(sv('title', {}, 'CPU ' + e.cpu + ': ' + e.access + ' fault on page ' + e.page + ' (click for fields)'));
      g.addEventListener('click', (ev: any) => { ev.stopPropagation(); showFields('Fault', e); });
      svg.appendChild(g);
      shapes.push({ step: s.index, endStep: s.index, node: g });
    }
    const notes = rowNotes[s.index]!;
    if (notes.length > 0) {
      const t = sv('text', { class: 'row-note', 'data-step': s.index });
      notes.forEach((line, i) => {
        const y = rowY(s.index) + (notes.length === 1 ? 4 : i === 0 ? -3 : 10);
        t.appendChild(sv('tspan', { x: noteX, y, class: i === 0 && line.charAt(0) === '\u26a1' ? 'note-fault' : 'note-local' }, clip(line)));
      });
      t.appendChild(sv('title', {}, notes.join('\n')));
      svg.appendChild(t);
      shapes.push({ step: s.index, endStep: s.index, node: t });
    }
  });
  $('diagram').appendChild(svg);
  dom.placeLabels(labels);
  // The lane names, in a sticky strip inside the scrolling box (see the CSS).
  const heads = $('lane-heads');
  heads.style.width = width + 'px';
  for (let c = 0; c < model.cpus; c++) {
    const h = el('span', { class: 'lane-head', 'data-cpu': c }, 'CPU ' + c);
    h.style.left = (laneX(c) - 50) + 'px';
    heads.appendChild(h);
  }
  const noteHead = el('span', { class: 'lane-head note-head' }, 'faults \u26a1, local calls \u21ba');
  noteHead.style.left = noteX + 'px';
  heads.appendChild(noteHead);

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

  // ------------------------------------------------------------ the protocol's transition table
  const transitions = $('transitions');
  if (transitions && model.table) {
    model.table.rows.forEach((r: any, k: number) => {
      const tr = el('tr', { id: 'trow-' + k });
      for (const text of [r.input, r.condition, r.action]) tr.appendChild(el('td', {}, text));
      transitions.appendChild(tr);
    });
  }

  // ------------------------------------------------------------ log of steps
  const log = $('log');
  steps.forEach((s: any) => {
    const li = el('li', { id: 'log-' + s.index, 'data-step': s.index, class: s.violation ? 'violation' : '' }, s.index + '. ' + s.title);
    li.addEventListener('click', () => go(s.index, true));
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
    // A click on an arrow must show its answer: bring the box into view if it is not.
    const r = box.getBoundingClientRect();
    if (r.top < $('controls').getBoundingClientRect().bottom || r.bottom > win.innerHeight) box.scrollIntoView({ block: 'nearest' });
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
    fields['received at'] = m.recvStep === null ? 'never: lost (the run ended with it still in flight)' : 'step ' + m.recvStep + ' (seq ' + m.recvSeq + ')';
    showFields('Message ' + m.msg.kind, fields);
  }

  // ------------------------------------------------------------ render a step
  const accessText: Record<string, string> = { none: '\u2013', read: 'R', write: 'W' };
  /**
   * Keeps the current row inside the part of the diagram box that the window shows, below the
   * sticky controls bar and the sticky lane names. `reveal` (a jump: start, end, a violation,
   * a row of the log) may also scroll the window to bring the diagram box itself into view.
   */
  function keepRowInView(reveal: boolean): void {
    const box = $('diagram');
    const bar = $('controls').getBoundingClientRect().bottom;
    const headH = heads.offsetHeight;
    const rowTop = headH + top + current * rowH;
    const visible = (): { from: number; to: number } => {
      const r = box.getBoundingClientRect();
      return { from: Math.max(r.top, bar) - r.top + (r.top >= bar ? headH : 0), to: Math.min(r.bottom, win.innerHeight) - r.top - (box.scrollWidth > box.clientWidth ? 16 : 0) };
    };
    let v = visible();
    if (reveal || v.to - v.from < 3 * rowH) {
      const r = box.getBoundingClientRect();
      if (r.top < bar || r.top + 3 * rowH + headH > win.innerHeight) win.scrollBy(0, r.top - bar - 6);
      v = visible();
    }
    // The sticky lane names cover the box's top while it scrolls: never put the row under them.
    const from = Math.max(v.from, headH);
    const inBox = rowTop - box.scrollTop;
    if (inBox < from || inBox + rowH > v.to) box.scrollTop = Math.max(0, rowTop - (from + v.to - rowH) / 2);
    // The box may not scroll that far (its end is below the window): then the window must.
    const row = band.getBoundingClientRect();
    if (row.bottom > win.innerHeight) win.scrollBy(0, row.bottom - win.innerHeight + rowH);
    else if (row.top < bar + headH) win.scrollBy(0, row.top - bar - headH - rowH);
  }

  function render(reveal = false): void {
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
    if (s.violation && model.violation) lines.appendChild(el('li', { class: 'violation' }, 'Check failed: ' + (model.quiz && !revealed.check ? '(hidden: which rule broke? the marked cells break it; "reveal the check" says it)' : revealedViolation())));
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
    if (transitions) {
      for (const tr of transitions.children) tr.classList.toggle('row-now', s.rows.indexOf(Number(tr.id.slice(5))) >= 0);
    }
    // The cells the failed check names, marked at the step where it failed.
    if (s.violation) for (const b of model.violationCells) $('acc-p' + b.page + '-c' + b.cpu).classList.add('broken');
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
    keepRowInView(reveal);
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
    $('btn-prev-fault').disabled = prevFault() === null;
    overviewNow.setAttribute('x', String(ovX(current) - 1));
    applyFilter();
  }

  // ------------------------------------------------------------ faults, filter, overview
  function faultAt(k: number): boolean {
    for (let i = steps[k].eventStart; i < steps[k].eventEnd; i++) if (events[i].type === 'fault' && matches(events[i])) return true;
    return false;
  }
  function nextFault(): number | null {
    for (let k = current + 1; k <= last; k++) if (faultAt(k)) return k;
    return null;
  }
  function prevFault(): number | null {
    for (let k = current - 1; k >= 1; k--) if (faultAt(k)) return k;
    return null;
  }
  /** Whether an event concerns the filtered page and CPU (no filter: every event does). */
  function matches(e: any): boolean {
    const fp = $('filter-page').value;
    const fc = $('filter-cpu').value;
    if (fp !== '') {
      const page = e.page !== undefined ? e.page : e.msg ? e.msg.page : undefined;
      if (page === undefined || String(page) !== fp) return false;
    }
    if (fc !== '') {
      const cpus = [e.cpu, e.to, e.from].filter((c: any) => c !== undefined).map(String);
      if (cpus.indexOf(fc) < 0) return false;
    }
    return true;
  }
  function stepMatches(k: number): boolean {
    for (let i = steps[k].eventStart; i < steps[k].eventEnd; i++) if (matches(events[i])) return true;
    return false;
  }
  function applyFilter(): void {
    const on = $('filter-page').value !== '' || $('filter-cpu').value !== '';
    messages.forEach((m: any, k: number) => {
      const node = svg.querySelector('g.msg[data-index="' + k + '"]');
      const e = { cpu: m.from, to: m.to, msg: m.msg };
      node.classList.toggle('filtered-out', on && !matches(e));
    });
    for (const g of svg.querySelectorAll('g.fault')) {
      const e = { cpu: Number(g.getAttribute('data-cpu')), page: Number(g.getAttribute('data-page')) };
      g.classList.toggle('filtered-out', on && !matches(e));
    }
    for (const li of log.children) li.classList.toggle('filtered-out', on && !stepMatches(Number(li.getAttribute('data-step'))));
  }
  // The overview: one thin bar per step, as tall as the messages it sends; faults in red.
  const ovW = Math.max(200, $('overview').clientWidth - 2);
  const ovH = 32;
  const ovX = (k: number): number => 2 + (k / Math.max(1, last)) * (ovW - 4);
  const overview = sv('svg', { id: 'overview-svg', width: ovW, height: ovH });
  const sentIn = steps.map((s: any) => { let n = 0; for (let i = s.eventStart; i < s.eventEnd; i++) if (events[i].type === 'send') n++; return n; });
  const sentMax = Math.max(1, ...sentIn);
  steps.forEach((s: any, k: number) => {
    let fault = false;
    for (let i = s.eventStart; i < s.eventEnd; i++) if (events[i].type === 'fault') fault = true;
    const h = fault ? ovH - 4 : Math.max(2, ((ovH - 6) * sentIn[k]!) / sentMax);
    overview.appendChild(sv('rect', { x: ovX(k) - 0.5, y: ovH - 2 - h, width: Math.max(1, (ovW - 4) / Math.max(1, last) - 0.5), height: h, class: fault ? 'ov-fault' : 'ov-bar' }));
  });
  const overviewNow = sv('rect', { x: 0, y: 1, width: 3, height: ovH - 2, class: 'ov-now' });
  overview.appendChild(overviewNow);
  overview.addEventListener('click', (ev: any) => {
    const r = overview.getBoundingClientRect();
    go(Math.round(((ev.clientX - r.left - 2) / (ovW - 4)) * last), true);
  });
  $('overview').appendChild(overview);
  $('filter-page').addEventListener('change', () => render());
  $('filter-cpu').addEventListener('change', () => render());
  function go(k: number, reveal = false): void {
    current = Math.max(0, Math.min(last, k));
    render(reveal);
  }
  function setPlaying(on: boolean): void {
    if (timer !== null) win.clearInterval(timer);
    timer = null;
    if (on) {
      if (current === last) go(0);
      // Stop as soon as the last step shows, so that nothing moves after the end.
      timer = win.setInterval(() => {
        if (current < last) go(current + 1);
        if (current >= last) setPlaying(false);
      }, Number($('speed').value) || 800);
    }
    $('btn-play').textContent = on ? '\u2016 pause' : '\u25b6 play';
    $('btn-play').setAttribute('data-playing', on ? 'true' : 'false');
  }

  // ------------------------------------------------------------ quiz
  // The bug's name and the failed check come sealed (base64 of UTF-8, see page.ts) in a quiz.
  const revealed = { bug: false, check: false };
  const unsealed = (): any => {
    if (!model.sealed) return { mutant: model.mutant, violation: model.violation };
    const bin = win.atob(model.sealed);
    let pct = '';
    for (let i = 0; i < bin.length; i++) pct += '%' + ('0' + bin.charCodeAt(i).toString(16)).slice(-2);
    return JSON.parse(decodeURIComponent(pct));
  };
  const revealedViolation = (): string => unsealed().violation;
  const revealBug = $('btn-reveal-bug');
  if (revealBug) revealBug.addEventListener('click', () => {
    const m = unsealed().mutant;
    revealed.bug = true;
    $('mutant').setAttribute('data-mutant', m.name);
    $('mutant-text').textContent = m.name + ' \u2014 ' + m.description + '.';
    revealBug.remove();
  });
  const revealCheck = $('btn-reveal-check');
  if (revealCheck) revealCheck.addEventListener('click', () => {
    revealed.check = true;
    $('violation-text').textContent = revealedViolation();
    revealCheck.remove();
    render();
  });
  /**
   * "What happens next?": before a step forward that sends messages, the student picks the
   * kind of its first message among the kinds this run sends; the answer is shown, then the
   * step is taken. Only while the box is ticked.
   */
  const kindsInRun: string[] = [];
  for (const m of messages) if (kindsInRun.indexOf(m.msg.kind) < 0) kindsInRun.push(m.msg.kind);
  kindsInRun.sort();
  let asking = false;
  function forward(): void {
    if (asking) return; // answer the question first
    const ask = $('quiz-ask');
    const next = steps[current + 1];
    if (!ask || !ask.checked || !next) { go(current + 1); return; }
    let first: any = null;
    for (let i = next.eventStart; i < next.eventEnd && first === null; i++) if (events[i].type === 'send') first = events[i];
    if (first === null) { go(current + 1); return; }
    asking = true;
    setPlaying(false);
    const box = $('quiz-prompt');
    box.hidden = false;
    box.textContent = '';
    box.appendChild(el('div', {}, 'Next: ' + next.title + '. What is the first message it sends?'));
    const options = kindsInRun.length <= 5 ? kindsInRun : kindsInRun.filter((k, i) => k === first.msg.kind || i % Math.ceil(kindsInRun.length / 4) === 0);
    for (const kind of options) {
      const b = el('button', { type: 'button', 'data-kind': kind }, kind);
      b.addEventListener('click', () => {
        const right = kind === first.msg.kind;
        box.textContent = '';
        box.appendChild(el('span', { class: right ? 'right' : 'wrong', id: 'quiz-verdict', 'data-right': right }, right ? 'Right: ' : 'Not quite: '));
        box.appendChild(el('span', {}, 'CPU ' + first.cpu + ' sends ' + first.msg.kind + ' to CPU ' + first.to + '.'));
        asking = false;
        go(current + 1);
      });
      box.appendChild(b);
    }
  }

  $('step-slider').max = String(last);
  $('step-slider').addEventListener('input', () => go(Number($('step-slider').value)));
  $('btn-first').addEventListener('click', () => go(0, true));
  $('btn-prev').addEventListener('click', () => go(current - 1));
  $('btn-next').addEventListener('click', () => forward());
  $('btn-last').addEventListener('click', () => go(last, true));
  $('btn-next-fault').addEventListener('click', () => { const k = nextFault(); if (k !== null) go(k); });
  $('btn-prev-fault').addEventListener('click', () => { const k = prevFault(); if (k !== null) go(k); });
  // A new speed takes effect at once while playing.
  $('speed').addEventListener('change', () => { if (timer !== null) setPlaying(true); });
  $('btn-play').addEventListener('click', () => setPlaying(timer === null));
  const jump = $('btn-violation');
  if (jump) jump.addEventListener('click', () => { setPlaying(false); go(last, true); });
  // The page's keys work wherever the focus is (the slider too: it would otherwise move by
  // itself and swallow them), except in a text field; each key's default (scrolling the page
  // sideways, moving the slider) is prevented so that one key press is one step.
  doc.addEventListener('keydown', (ev: any) => {
    const t = ev.target;
    if (t && (t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || (t.tagName === 'INPUT' && t.type !== 'range'))) return;
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key === 'ArrowRight') forward();
    else if (ev.key === 'ArrowLeft') go(current - 1);
    else if (ev.key === 'Home') go(0, true);
    else if (ev.key === 'End') go(last, true);
    else if (ev.key === 'f') { const k = nextFault(); if (k !== null) go(k); }
    else if (ev.key === 'F') { const k = prevFault(); if (k !== null) go(k); }
    else if (ev.key === ' ') setPlaying(timer === null);
    else return;
    ev.preventDefault();
  });
  // Two columns: the diagram stays beside the tables below the controls bar, and its box ends
  // inside the window wherever the page is scrolled, so the current row never needs the window
  // to move (the step text would slide under the bar). One column: a box of 60% of the window.
  const fitDiagram = (): void => {
    const barH = $('controls').offsetHeight;
    const section = $('diagram-section');
    section.style.top = (barH + 6) + 'px';
    const box = $('diagram');
    if (win.getComputedStyle(section).position !== 'sticky') { box.style.maxHeight = '60vh'; return; }
    const boxTop = Math.max(box.getBoundingClientRect().top, barH + 6);
    box.style.maxHeight = Math.max(4 * rowH, win.innerHeight - boxTop - 12) + 'px';
  };
  win.addEventListener('resize', () => { fitDiagram(); keepRowInView(false); });
  win.addEventListener('scroll', fitDiagram, { passive: true });
  fitDiagram();
  render();
  doc.body.setAttribute('data-ready', 'true');
}
