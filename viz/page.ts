/**
 * Renders a VizModel as ONE self-contained HTML file: the CSS, the script (viz/client.ts) and
 * the data are inline, and nothing is fetched, so the file works offline, by e-mail, from a
 * USB stick. The static frame is written here; the script fills the diagram and the tables.
 */
import { vizClient } from './client.js';
import { pageDom } from './dom.js';
import { vizEditor } from './editor.js';
import type { VizModel } from './model.js';

export const css = `
:root { --bg:#fbfbf8; --ink:#1d232b; --muted:#6b7480; --line:#d7dbe0; --read:#2e8b57; --write:#c0392b; --none:#9aa3ad;
        --msg:#1f5fa8; --fly:#d9822b; --sel:#b5179e; --bad:#b00020; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color:var(--ink); background:var(--bg); }
header { padding:14px 22px 8px; border-bottom:1px solid var(--line); background:#fff; }
h1 { font-size:20px; margin:0 0 4px; }
h2 { font-size:15px; margin:14px 0 6px; }
h3 { font-size:14px; margin:0 0 6px; }
.explanation { max-width:980px; margin:4px 0; }
.meta { color:var(--muted); font-size:12px; }
.notes li { color:var(--muted); font-size:12.5px; }
#mutant { background:#fff4e5; border:1px solid #f0b36b; border-radius:6px; padding:6px 10px; margin:6px 0; max-width:980px; }
#violation { background:#fde7ea; border:2px solid var(--bad); color:var(--bad); border-radius:6px; padding:8px 12px; margin:8px 0; max-width:980px; font-weight:600; }
#violation button { margin-left:10px; }
#controls { position:sticky; top:0; z-index:5; display:flex; flex-wrap:wrap; gap:8px; align-items:center; padding:8px 22px; background:#eef2f6; border-bottom:1px solid var(--line); }
#controls button { font:inherit; padding:3px 10px; border:1px solid #aab4bf; border-radius:5px; background:#fff; cursor:pointer; }
#controls button:disabled { opacity:.45; cursor:default; }
#step-slider { width:260px; }
#step-label { font-variant-numeric:tabular-nums; min-width:100px; }
.counter { background:#fff; border:1px solid var(--line); border-radius:5px; padding:2px 8px; font-variant-numeric:tabular-nums; }
.counter b { font-size:15px; }
main { display:grid; align-items:start; grid-template-columns:minmax(0, 1.1fr) minmax(0, 1fr); gap:18px; padding:10px 22px 30px; }
/* Two columns: the diagram stays in view beside the tables (its top and height are set from the
   controls bar's real height by the script). One column (below): nothing is sticky but the bar. */
#diagram-section { position:sticky; top:48px; min-width:0; }
#state-section { min-width:0; }
#diagram { max-height:calc(100vh - 150px); overflow:auto; border:1px solid var(--line); background:#fff; border-radius:6px; }
/* The lane names sit inside the scrolling box, so they follow it sideways and stay on top. */
#lane-heads { position:sticky; top:0; z-index:2; height:22px; background:#f3f5f7; border-bottom:1px solid var(--line); }
.lane-head { position:absolute; width:100px; text-align:center; font-weight:600; font-size:13px; line-height:22px; }
svg text { font-size:11px; fill:var(--ink); }
.lane { stroke:#b8c0c8; stroke-width:2; }
.lane-label { font-size:13px; font-weight:600; }
.row-hit { fill:transparent; cursor:pointer; }
.row-hit:hover { fill:#f2f5f8; }
.row-label { fill:var(--muted); font-size:10px; }
.band { fill:#fff3b0; }
.band-violation { fill:#f8c9d0; }
.msg { cursor:pointer; }
.msg-hit { stroke:transparent; stroke-width:10; }
.msg-line { stroke:var(--msg); stroke-width:1.6; marker-end:url(#arrow); }
.msg-label { fill:var(--msg); paint-order:stroke; stroke:#fff; stroke-width:3px; font-size:10.5px; }
.msg.flying .msg-line { stroke:var(--fly); stroke-dasharray:5 3; marker-end:url(#arrow-fly); }
.msg.flying .msg-label { fill:var(--fly); }
.msg.now .msg-line { stroke-width:2.6; }
.msg.now .msg-label { font-weight:700; }
.msg.selected .msg-line { stroke:var(--sel); marker-end:url(#arrow-sel); stroke-width:3; }
.msg.selected .msg-label { fill:var(--sel); }
.future { opacity:.13; }
.msg.selected.future { opacity:.8; }
.fault circle { fill:#fff; stroke:var(--write); stroke-width:2.5; cursor:pointer; }
.row-note { font-size:10.5px; }
.note-fault { fill:var(--write); font-weight:600; }
.note-local { fill:#5b3fd0; }
.note-rule { stroke:var(--line); stroke-width:1; }
.note-head { width:auto !important; text-align:left !important; color:var(--muted); font-weight:400 !important; }
table#pages, table#cpus { border-collapse:collapse; background:#fff; font-variant-numeric:tabular-nums; }
#pages th, #pages td, #cpus th, #cpus td { border:1px solid var(--line); padding:3px 8px; text-align:center; }
#pages th, #cpus th { background:#f3f5f7; font-weight:600; font-size:12.5px; }
td.acc { font-weight:700; min-width:54px; }
td.acc-none { color:var(--none); }
td.acc-read { color:var(--read); background:#eaf6ef; }
td.acc-write { color:var(--write); background:#fbeaea; }
td.owner { box-shadow: inset 0 0 0 2px #333; }
#table-panel { margin:6px 0; font-size:12.5px; }
#table-panel summary { cursor:pointer; color:var(--msg); }
#transitions { border-collapse:collapse; background:#fff; margin-top:4px; }
#transitions td { border:1px solid var(--line); padding:2px 6px; vertical-align:top; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size:11.5px; }
#transitions tr.row-now td { background:#fff3b0; font-weight:700; }
#editor { margin:14px 0; }
#editor summary { cursor:pointer; color:var(--msg); font-weight:600; }
.edit-fields label { margin-right:12px; font-size:12.5px; }
.edit-row { margin:6px 0; }
.edit-row.edit-focus { background:#fff3b0; }
.edit-op, .edit-add, .edit-actions button { font:inherit; font-size:12px; margin:2px; padding:1px 7px; border:1px solid #aab4bf; border-radius:4px; background:#fff; cursor:pointer; }
.edit-op { background:#eef2f6; font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.edit-error { color:var(--bad); font-weight:600; }
#scenario-json { display:block; width:100%; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size:12px; }
#overview { height:34px; margin-bottom:6px; border:1px solid var(--line); background:#fff; border-radius:6px; cursor:pointer; }
#overview svg { display:block; }
.ov-bar { fill:#9bb7d9; }
.ov-fault { fill:var(--write); }
.ov-now { fill:none; stroke:var(--sel); stroke-width:2; }
.filtered-out { opacity:.08 !important; }
#log li.filtered-out { opacity:.35 !important; }
.msg.lost .msg-line { stroke:var(--bad); stroke-dasharray:2 3; marker-end:none; }
.msg.lost .msg-label { fill:var(--bad); }
.lost-mark { fill:var(--bad); font-weight:700; font-size:13px; }
#quiz-prompt { background:#eef6ff; border:2px solid var(--msg); border-radius:6px; padding:8px 12px; margin-bottom:8px; }
#quiz-prompt button { font:inherit; margin:4px 6px 0 0; padding:2px 10px; border:1px solid #aab4bf; border-radius:5px; background:#fff; cursor:pointer; }
#quiz-prompt .right { color:var(--read); font-weight:700; }
#quiz-prompt .wrong { color:var(--bad); font-weight:700; }
td.changed, #pages td.changed { outline:3px solid #f5c400; outline-offset:-3px; }
/* A cell the failed check names wins over "changed": it is the answer. */
#pages td.broken { outline:3px solid var(--bad); outline-offset:-3px; background:#fde7ea; }
td.col-queue, td.col-notices, td.col-waiting { font-size:12px; color:var(--muted); text-align:left; }
.table-box { max-width:100%; overflow-x:auto; }
#step-title { font-weight:700; }
#step-title.violation, li.violation { color:var(--bad); font-weight:700; }
#step-lines { margin:4px 0; padding-left:18px; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size:12.5px; }
#msg-details { scroll-margin-top:90px; background:#fff; border:1px solid var(--line); border-radius:6px; padding:8px 12px; min-height:48px; }
#msg-details dl { display:grid; grid-template-columns:max-content 1fr; gap:2px 12px; margin:0; }
#msg-details dt { color:var(--muted); }
#msg-details dd { margin:0; font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
#in-flight li.flying { color:var(--fly); cursor:pointer; }
.muted { color:var(--muted); }
.legend span { display:inline-block; margin-right:14px; font-size:12.5px; }
#log { position:relative; max-height:220px; overflow:auto; margin:0; padding-left:0; list-style:none; border:1px solid var(--line); background:#fff; border-radius:6px; font-size:12.5px; }
#log li { padding:1px 8px; cursor:pointer; }
#log li.current { background:#fff3b0; }
@media (max-width: 1200px) {
  main { grid-template-columns: minmax(0, 1fr); }
  #diagram-section { position:static; }
  #diagram { max-height:60vh; }
}
`;

export const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** JSON that is safe inside <script>: no "</script>", no "<!--", no line separators. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * Base64 of UTF-8: what a quiz page hides is not readable at a glance in its source. Written
 * with TextEncoder and btoa, which Node and browsers share: the page's editor renders pages too.
 */
function seal(value: unknown): string {
  let bin = '';
  for (const b of new TextEncoder().encode(JSON.stringify(value))) bin += String.fromCharCode(b);
  return btoa(bin);
}

/**
 * A quiz page carries the bug's name and the failed check sealed (base64), and the words
 * "hidden" in their place, so that neither the page nor a glance at its source gives them
 * away before the student presses "reveal".
 */
function sealForQuiz(model: VizModel): VizModel & { sealed?: string } {
  if (!model.quiz) return model;
  return {
    ...model,
    mutant: model.mutant ? { name: 'hidden', description: 'hidden' } : null,
    violation: model.violation === null ? null : 'hidden',
    notes: model.notes.map((n) => (model.mutant ? n.split(model.mutant.name).join('(hidden)') : n)),
    sealed: seal({ mutant: model.mutant, violation: model.violation }),
  };
}

/**
 * The head every page shares: no network at all (the Content-Security-Policy allows only what
 * the page carries inline), the common CSS plus `extraCss`.
 */
export function pageHead(title: string, extraCss: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>tsdsm · ${escapeHtml(title)}</title>
<style>${css}${extraCss}</style>
</head>`;
}

export interface RenderOptions {
  /**
   * The page bundle (viz/bundle.ts: the real core, models and this renderer). With it, a page
   * of a scenario (not a trace, not a quiz) carries an editor that re-runs an edited scenario
   * in the browser and writes the new page over itself.
   */
  bundle?: string;
}

export function renderPage(model: VizModel, options: RenderOptions = {}): string {
  const editor = options.bundle !== undefined && model.source === 'preset' && !model.quiz && model.scenarioJson !== undefined;
  const source = model.source === 'preset'
    ? `preset <b>${escapeHtml(model.name)}</b> on the deterministic simulator, scheduler seed ${model.seed ?? 1}`
    : `trace file <b>${escapeHtml(model.name)}</b>`;
  const quiz = model.quiz;
  const mutant = !model.mutant ? '' : quiz
    ? `<div id="mutant" data-mutant="hidden"><b>Quiz: a bug is switched on.</b> <span id="mutant-text">Step through and find the row of the protocol's transition table it breaks; the cells it breaks are marked at the last step.</span>
       <button id="btn-reveal-bug" type="button">reveal the bug</button></div>`
    : `<div id="mutant" data-mutant="${escapeHtml(model.mutant.name)}"><b>Bug switched on: ${escapeHtml(model.mutant.name)}</b> — ${escapeHtml(model.mutant.description)}.
       Step through and find where the protocol goes wrong.</div>`;
  const violation = !model.violation ? '' : quiz
    ? `<div id="violation" role="alert">A check failed at step ${model.steps.length - 1}: <span id="violation-text">which one? Find it first.</span>
       <button id="btn-reveal-check" type="button">reveal the check</button>
       <button id="btn-violation" type="button">go to that step</button></div>`
    : `<div id="violation" role="alert">A check failed at step ${model.steps.length - 1}: <span id="violation-text">${escapeHtml(model.violation)}</span>
       <button id="btn-violation" type="button">go to that step</button></div>`;
  const notes = model.notes.length > 0
    ? `<ul class="notes" id="notes">${model.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`
    : '';
  return `${pageHead(model.title, '')}
<body data-step="0" data-quiz="${quiz}" data-source="${model.source}" data-cpus="${model.cpus}" data-pages="${model.pages}" data-steps="${model.steps.length - 1}">
<header>
  <h1 id="title">${escapeHtml(model.title)}</h1>
  <p class="explanation" id="explanation">${escapeHtml(model.explanation)}</p>
  <div class="meta">${source} · ${model.cpus} CPUs, ${model.pages} pages of ${model.pageSize} bytes · <span id="protocol" data-protocol="${escapeHtml(model.protocol)}"><b>${escapeHtml(model.protocol)}</b>: ${escapeHtml(model.protocolText)}</span></div>
  ${mutant}
  ${violation}
  ${notes}
</header>
<div id="controls">
  <button id="btn-first" type="button" title="go to the start">« start</button>
  <button id="btn-prev" type="button" title="step back (←)">◀ back</button>
  <button id="btn-play" type="button" title="play / pause (space)" data-playing="false">▶ play</button>
  <button id="btn-next" type="button" title="step forward (→)">forward ▶</button>
  <button id="btn-prev-fault" type="button" title="jump to the previous fault (shift+f)">⚡ previous fault</button>
  <button id="btn-next-fault" type="button" title="jump to the next fault (f)">next fault ⚡</button>
  <button id="btn-last" type="button" title="go to the end">end »</button>
  <input id="step-slider" type="range" min="0" max="0" value="0" aria-label="step">
  <label class="counter" title="time between steps while playing">speed <select id="speed"><option value="1600">slow</option><option value="800" selected>normal</option><option value="300">fast</option><option value="80">very fast</option></select></label>
  <label class="counter" title="dim what does not concern this page (faults, messages and steps); next/previous fault follow the filter">page <select id="filter-page"><option value="">all</option>${Array.from({ length: model.pages }, (_, p) => `<option value="${p}">${p}</option>`).join('')}</select></label>
  <label class="counter" title="dim what does not concern this CPU">CPU <select id="filter-cpu"><option value="">all</option>${Array.from({ length: model.cpus }, (_, c) => `<option value="${c}">${c}</option>`).join('')}</select></label>
  <span id="step-label" data-step="0">step 0</span>
  <span class="counter">faults <b id="count-faults" data-value="0">0</b></span>
  <span class="counter">messages <b id="count-messages" data-value="0">0</b></span>
  <span class="counter" title="protocol steps between a CPU and itself: no message is sent">local calls <b id="count-local">0</b></span>
  ${quiz ? '<label class="counter" title="before a step that sends messages, guess what it sends"><input type="checkbox" id="quiz-ask"> what happens next?</label>' : ''}
</div>
<main>
  <section id="diagram-section">
    <h2>Messages, step by step <span class="muted">(time runs down; a lane per CPU; click an arrow for its fields, a row to go there)</span></h2>
    <div id="overview" title="the whole run: messages per step; click to go there"></div>
    <div id="diagram"><div id="lane-heads"></div></div>
  </section>
  <section id="state-section">
    <div id="quiz-prompt" hidden></div>
    <div id="step-text">
      <div id="step-title"></div>
      <ul id="step-lines"></ul>
    </div>
    ${model.table ? `<details id="table-panel"><summary>The transition table of <code>${escapeHtml(model.table.file)}</code>: the rows this step follows are highlighted</summary><div class="table-box"><table id="transitions"></table></div></details>` : ''}
    <h2>Selected message</h2>
    <div id="msg-details"><span class="muted">Click an arrow in the diagram.</span></div>
    <h2>Pages at this step</h2>
    <div class="legend"><span style="color:var(--write)"><b>W</b> write</span><span style="color:var(--read)"><b>R</b> read-only copy</span><span style="color:var(--none)"><b>–</b> no access</span><span><span style="outline:3px solid #f5c400">&nbsp;changed&nbsp;</span> in this step</span><span id="legend"></span></div>
    <div class="table-box"><table id="pages"></table></div>
    <h2>CPUs at this step</h2>
    <div class="table-box"><table id="cpus" class="state"></table></div>
    <h2>Messages in flight</h2>
    <ul id="in-flight"></ul>
    <h2>Locks and barrier</h2>
    <ul id="sync-state"></ul>
    <h2>All steps</h2>
    <ol id="log"></ol>
    ${editor ? `<details id="editor"><summary>Edit this scenario: add operations, re-run it here with the real protocol code, export it as JSON</summary><div id="editor-body"></div></details>` : ''}
  </section>
</main>
<script type="application/json" id="viz-data">${scriptJson(sealForQuiz(model))}</script>
${editor ? `<script id="core-bundle">${options.bundle}</script>` : ''}
<script>globalThis.tsdsmDom = (${pageDom.toString()})();</script>
<script>(${vizClient.toString()})(globalThis.tsdsmDom);</script>
${editor ? `<script>(${vizEditor.toString()})(globalThis.tsdsmDom);</script>` : ''}
</body>
</html>
`;
}
