/**
 * The page's scenario editor, inlined by its source like viz/client.ts (it uses nothing from
 * outside its own body). It edits the scenario the page shows, as a scenario file's JSON
 * (docs/scenario-format.md): click "+ read", "+ write", "+ lock", "+ unlock" or "+ barrier" on
 * a CPU's row (or a CPU's name above the diagram, which opens its row) to add an operation at
 * the end of that CPU's program, click an operation to remove it, pick the protocol, then
 * "re-run". Re-running calls the bundled core (viz/bundle.ts): parseScenario, scenarioModel
 * and renderPage, the same code `tsdsm viz` runs in Node, and writes the new page over this
 * one. "export JSON" shows the scenario file to save.
 *
 * Hooks for tests: #editor, #edit-cpu-{c} with buttons [data-add="read"|...], the op chips
 * .edit-op[data-cpu][data-index], inputs #edit-address, #edit-value, #edit-lock, the select
 * #edit-protocol, buttons #btn-rerun, #btn-export, the textarea #scenario-json, and #edit-error.
 */
import type { PageDom } from './dom.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export function vizEditor(dom: PageDom): void {
  const { doc, win, $, el } = dom;
  const model: any = JSON.parse($('viz-data').textContent);
  const lib = win.tsdsmPage;
  const scenario: any = JSON.parse(model.scenarioJson);
  const body = $('editor-body');
  const protocols = ['ivy', 'ivy-central', 'ivy-dynamic', 'hlrc'];

  const fields = el('div', { class: 'edit-fields' });
  const input = (id: string, label: string, value: string, size: number): void => {
    const l = el('label', {}, label + ' ');
    const i = el('input', { id, type: 'text', value, size });
    l.appendChild(i);
    fields.appendChild(l);
  };
  const firstAddress = scenario.programs.flat().find((o: any) => o.address !== undefined);
  input('edit-address', 'address', firstAddress ? firstAddress.address : '0x0', 8);
  input('edit-value', 'value', '1', 6);
  input('edit-lock', 'lock', '0', 3);
  const sel = el('select', { id: 'edit-protocol' });
  for (const p of protocols) {
    const o = el('option', { value: p }, p);
    if (p === model.protocol) o.setAttribute('selected', 'selected');
    sel.appendChild(o);
  }
  const pl = el('label', {}, 'protocol ');
  pl.appendChild(sel);
  fields.appendChild(pl);
  body.appendChild(fields);

  const rows = el('div', { class: 'edit-rows' });
  body.appendChild(rows);
  const error = el('div', { id: 'edit-error', class: 'edit-error' });

  function opText(o: any): string {
    if (o.op === 'read') return 'read ' + o.address;
    if (o.op === 'write') return 'write ' + o.address + ' = ' + o.value;
    if (o.op === 'lock' || o.op === 'unlock') return o.op + '(' + o.lock + ')';
    return 'barrier';
  }
  function draw(): void {
    rows.textContent = '';
    scenario.programs.forEach((ops: any[], cpu: number) => {
      const row = el('div', { id: 'edit-cpu-' + cpu, class: 'edit-row' });
      row.appendChild(el('b', {}, 'CPU ' + cpu + ': '));
      ops.forEach((o: any, i: number) => {
        const chip = el('button', { type: 'button', class: 'edit-op', 'data-cpu': cpu, 'data-index': i, title: 'click to remove' }, opText(o));
        chip.addEventListener('click', () => { ops.splice(i, 1); draw(); });
        row.appendChild(chip);
      });
      for (const kind of ['read', 'write', 'lock', 'unlock', 'barrier']) {
        const b = el('button', { type: 'button', class: 'edit-add', 'data-add': kind }, '+ ' + kind);
        b.addEventListener('click', () => { ops.push(newOp(kind)); draw(); });
        row.appendChild(b);
      }
      rows.appendChild(row);
    });
  }
  function newOp(kind: string): any {
    const address = $('edit-address').value.trim();
    if (kind === 'read') return { op: 'read', type: 'int32', address };
    if (kind === 'write') return { op: 'write', type: 'int32', address, value: $('edit-value').value.trim() };
    if (kind === 'lock' || kind === 'unlock') return { op: kind, lock: $('edit-lock').value.trim() };
    return { op: 'barrier' };
  }
  draw();

  const actions = el('div', { class: 'edit-actions' });
  const rerun = el('button', { type: 'button', id: 'btn-rerun' }, 're-run in this page');
  const exportBtn = el('button', { type: 'button', id: 'btn-export' }, 'export JSON');
  actions.appendChild(rerun);
  actions.appendChild(exportBtn);
  body.appendChild(actions);
  body.appendChild(error);
  const text = el('textarea', { id: 'scenario-json', rows: 10, cols: 70, readonly: 'readonly', hidden: 'hidden' });
  body.appendChild(text);

  /** The edited scenario as a scenario file, checked by the same parser `tsdsm` uses. */
  function current(): any {
    const edited = { ...scenario, protocol: $('edit-protocol').value, name: scenario.name, title: scenario.title.indexOf('(edited)') >= 0 ? scenario.title : scenario.title + ' (edited)' };
    const json = JSON.stringify(edited, null, 2);
    const parsed = lib.require('sim/scenario-file.js').parseScenario(json, 'the editor');
    return { json, parsed };
  }
  exportBtn.addEventListener('click', () => {
    try {
      const { parsed } = current();
      error.textContent = '';
      text.value = lib.require('sim/scenario-file.js').scenarioToJson(parsed);
      text.hidden = false;
    } catch (err: any) {
      error.textContent = String(err && err.message ? err.message : err);
    }
  });
  rerun.addEventListener('click', () => {
    let html: string;
    try {
      const { parsed } = current();
      const next = lib.require('viz/model.js').scenarioModel(parsed, { protocol: parsed.protocol, seed: model.seed === null ? 1 : model.seed });
      html = lib.require('viz/page.js').renderPage(next, { bundle: $('core-bundle').textContent });
    } catch (err: any) {
      error.textContent = String(err && err.message ? err.message : err);
      return;
    }
    // The new page replaces this one: the same HTML `tsdsm viz` would write for the scenario.
    doc.open();
    doc.write(html);
    doc.close();
  });
  // A CPU's name above the diagram opens the editor at that CPU's row.
  for (const head of doc.querySelectorAll('.lane-head[data-cpu]')) {
    head.style.cursor = 'pointer';
    head.title = 'click to add an operation to this CPU';
    head.addEventListener('click', () => {
      $('editor').open = true;
      const row = $('edit-cpu-' + head.getAttribute('data-cpu'));
      row.scrollIntoView({ block: 'nearest' });
      row.classList.add('edit-focus');
    });
  }
  body.setAttribute('data-ready', 'true');
}
