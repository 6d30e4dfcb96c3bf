/**
 * The step-by-step page in a real browser: headless Chromium (Debian's package, driven by
 * playwright-core) opens a generated page from a file:// URL and steps through it. At every
 * step the page-state table must equal the simulator's own state after that many steps, and
 * the counters must equal the faults and sends in the simulator's trace so far. Screenshots go
 * to test-output/ (gitignored) for people to look at.
 *
 * Chromium is required, not optional: without /usr/bin/chromium every test here fails with a
 * message that says how to install it (CI installs it in .ci/run).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { validateConfig } from '../../src/core/config.js';
import type { HlrcState } from '../../src/core/hlrc.js';
import type { IvyState } from '../../src/core/ivy.js';
import { traceHeader, traceToJsonLines } from '../../src/runtime/trace.js';
import { getScenario, scenarioNames } from '../../sim/scenarios.js';
import { Simulation } from '../../sim/simulator.js';
import { randomWorkload } from '../../sim/workloads.js';
import { presetModel, traceModel, type VizModel } from '../../viz/model.js';
import { parseScenario } from '../../sim/scenario-file.js';
import { teachingBundle } from '../../viz/bundle.js';
import { comparePreset } from '../../viz/compare.js';
import { renderComparePage } from '../../viz/compare-page.js';
import { renderPage } from '../../viz/page.js';

const chromiumPath = '/usr/bin/chromium';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const outDir = join(root, 'test-output');

let context: BrowserContext;
let profile: string;
const problems: string[] = [];

function writePage(name: string, model: VizModel): string {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${name}.html`);
  writeFileSync(file, renderPage(model));
  return pathToFileURL(file).href;
}

async function open(url: string, width?: number): Promise<Page> {
  const page = await context.newPage();
  if (width !== undefined) await page.setViewportSize({ width, height: 900 });
  page.on('pageerror', (err) => problems.push(`page error in ${url}: ${err.message}`));
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console error in ${url}: ${msg.text()}`); });
  page.on('request', (req) => { if (!req.url().startsWith('file:') && !req.url().startsWith('data:')) problems.push(`network request from ${url}: ${req.url()}`); });
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  return page;
}

/** What the page shows now: its step, counters, and the page-state table. */
async function shown(page: Page) {
  return page.evaluate(() => {
    const d = (globalThis as any).document;
    const pages = Number(d.body.dataset.pages);
    const cpus = Number(d.body.dataset.cpus);
    const table = [];
    for (let p = 0; p < pages; p++) {
      const access = [];
      for (let c = 0; c < cpus; c++) access.push(d.getElementById(`acc-p${p}-c${c}`).dataset.access);
      table.push({
        access,
        record: d.getElementById(`record-p${p}`).dataset.value,
        owner: d.getElementById(`owner-p${p}`).dataset.value,
        copyset: d.getElementById(`copyset-p${p}`).dataset.value,
      });
    }
    return {
      step: Number(d.body.dataset.step),
      faults: Number(d.getElementById('count-faults').dataset.value),
      messages: Number(d.getElementById('count-messages').dataset.value),
      table,
    };
  });
}

/** The same, computed from the simulator's protocol states and trace. */
function expected(sim: Simulation) {
  const states = sim.states as IvyState[];
  const n = states.length;
  return {
    faults: sim.trace.filter((e) => e.type === 'fault').length,
    messages: sim.trace.filter((e) => e.type === 'send').length,
    table: states[0]!.access.map((_, p) => {
      const owners = states.filter((s) => s.owned[p]);
      return {
        access: states.map((s) => s.access[p]!),
        record: String(states[p % n]!.managerOwner[p]),
        owner: owners.map((s) => s.id).join(','),
        copyset: owners.length === 0 ? '' : owners[0]!.copyset[p]!.join(','),
      };
    }),
  };
}

beforeAll(async () => {
  if (!existsSync(chromiumPath)) {
    throw new Error(`the browser test needs Debian's Chromium at ${chromiumPath}: run \`apt-get update && apt-get install -y chromium\` (CI does this in .ci/run)`);
  }
  profile = mkdtempSync(join(tmpdir(), 'tsdsm-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1500, height: 1000 },
  });
}, 120000);

afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe('the seed preset page', () => {
  test('at every step, the page-state table and the counters equal the simulator\'s', async () => {
    const url = writePage('viz-seed', presetModel('seed', { seed: 1 }));
    const page = await open(url);
    const s = getScenario('seed');
    const sim = new Simulation({ config: s.config, programs: s.programs, seed: 1 });
    let step = 0;
    for (;;) {
      const now = await shown(page);
      expect(now.step).toBe(step);
      expect({ faults: now.faults, messages: now.messages, table: now.table }).toEqual(expected(sim));
      if (step === 9) await page.screenshot({ path: join(outDir, 'viz-seed-step9.png') });
      if (!sim.step()) break;
      step += 1;
      await page.click('#btn-next');
    }
    expect(step).toBe(Number(await page.getAttribute('body', 'data-steps')));
    expect(await page.isDisabled('#btn-next')).toBe(true);
    expect(problems).toEqual([]);
  }, 120000);

  test('back, the slider, next fault, play and pause move to the right steps', async () => {
    const model = presetModel('seed', { seed: 1 });
    const page = await open(writePage('viz-seed', model));
    const faultSteps = model.steps.filter((st) => model.events.slice(st.eventStart, st.eventEnd).some((e) => e.type === 'fault')).map((st) => st.index);
    expect(faultSteps.length).toBeGreaterThan(1);
    const stepShown = async (): Promise<number> => Number(await page.getAttribute('body', 'data-step'));
    for (const k of faultSteps) {
      await page.click('#btn-next-fault');
      expect(await stepShown()).toBe(k);
      expect(await page.textContent('#step-lines')).toContain('fault on page');
    }
    expect(await page.isDisabled('#btn-next-fault')).toBe(true);
    await page.click('#btn-prev');
    expect(await stepShown()).toBe(faultSteps[faultSteps.length - 1]! - 1);
    await page.fill('#step-slider', '5');
    expect(await stepShown()).toBe(5);
    expect(await page.textContent('#step-label')).toBe(`step 5 of ${model.steps.length - 1}`);
    await page.click('#btn-play');
    await page.waitForFunction(() => Number((globalThis as any).document.body.dataset.step) >= 7, undefined, { timeout: 30000 });
    await page.click('#btn-play');
    expect(await page.getAttribute('#btn-play', 'data-playing')).toBe('false');
    const paused = await stepShown();
    await page.keyboard.press('ArrowRight');
    expect(await stepShown()).toBe(paused + 1);
    await page.click('#btn-first');
    expect(await stepShown()).toBe(0);
    expect(problems).toEqual([]);
  }, 120000);

  test('clicking a message shows its fields', async () => {
    const page = await open(writePage('viz-seed', presetModel('seed', { seed: 1 })));
    await page.locator('g.msg[data-kind="WRITE_DATA"]').first().dispatchEvent('click');
    const fields = await page.evaluate(() => {
      const out: Record<string, string> = {};
      for (const dd of (globalThis as any).document.querySelectorAll('#msg-details dd')) out[dd.dataset.field] = dd.textContent;
      return out;
    });
    expect(fields).toMatchObject({ kind: 'WRITE_DATA', from: 'CPU 2', to: 'CPU 1', page: '2', copyset: '[0,3]', withData: 'false' });
    expect(await page.locator('g.msg.selected').count()).toBe(1);
    await page.screenshot({ path: join(outDir, 'viz-seed-message.png') });
    expect(problems).toEqual([]);
  }, 120000);
});

describe('the bug toggle', () => {
  test('a mutant run shows the violation and stops at it', async () => {
    const model = presetModel('readers-then-writer', { seed: 1, mutant: 'forgetCopyset' });
    expect(model.violation).not.toBeNull();
    const page = await open(writePage('viz-readers-then-writer-forgetCopyset', model));
    expect(await page.textContent('#violation')).toContain(model.violation!.slice(0, 60));
    expect(await page.getAttribute('#mutant', 'data-mutant')).toBe('forgetCopyset');
    await page.click('#btn-violation');
    expect(Number(await page.getAttribute('body', 'data-step'))).toBe(model.steps.length - 1);
    expect(await page.textContent('#step-title')).toContain('⚠');
    expect(await page.textContent('#step-lines')).toContain('Check failed');
    await page.screenshot({ path: join(outDir, 'viz-mutant-forgetCopyset.png') });
    expect(problems).toEqual([]);
  }, 120000);
});

describe('a page from a trace file', () => {
  test('shows the trace\'s steps and says what a trace cannot show', async () => {
    const s = getScenario('producer-consumer');
    const sim = new Simulation({ config: s.config, programs: s.programs, seed: 3 });
    sim.run();
    const text = `${JSON.stringify(traceHeader({ cpus: 2, pages: 2, pageSize: 4096, protocol: 'ivy', runtime: 'sim', scenario: 'producer-consumer' }))}\n${traceToJsonLines(sim.trace)}\n`;
    const page = await open(writePage('viz-trace-producer-consumer', traceModel(text, 'pc.jsonl')));
    expect(await page.getAttribute('body', 'data-steps')).toBe(String(sim.stepCount));
    expect(await page.textContent('#notes')).toContain('does not record');
    await page.click('#btn-last');
    const now = await shown(page);
    expect({ faults: now.faults, messages: now.messages, table: now.table }).toEqual(expected(sim));
    expect(problems).toEqual([]);
  }, 120000);
});

// ---------------------------------------------------------------- layout, at a lecture screen and a narrow one

type Box = { left: number; top: number; right: number; bottom: number };

/** The rectangles (viewport coordinates) of the given selectors' elements, and the window's size. */
async function boxes(page: Page, selectors: readonly string[]): Promise<{ rects: Record<string, Box | null>; width: number; height: number }> {
  return page.evaluate((sel) => {
    const d = (globalThis as any).document;
    const rects: Record<string, Box | null> = {};
    for (const s of sel) {
      const e = d.querySelector(s);
      if (!e) { rects[s] = null; continue; }
      const r = e.getBoundingClientRect();
      rects[s] = { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
    }
    return { rects, width: (globalThis as any).innerWidth, height: (globalThis as any).innerHeight };
  }, selectors);
}

const overlaps = (a: Box, b: Box): boolean => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;

/** Nothing the page draws covers the page table or the step text. */
async function expectNothingCovers(page: Page, when: string): Promise<void> {
  const covered = ['#pages', '#step-text'];
  const others = ['#controls', '#diagram-section', '#lane-heads', '#msg-details', '#cpus', '#in-flight', '#sync-state', '#log'];
  const { rects } = await boxes(page, [...covered, ...others, '#diagram']);
  // The lane names scroll inside the diagram box, which clips them: only their visible part counts.
  const heads = rects['#lane-heads'];
  const clip = rects['#diagram']!;
  if (heads) rects['#lane-heads'] = { left: Math.max(heads.left, clip.left), right: Math.min(heads.right, clip.right), top: Math.max(heads.top, clip.top), bottom: Math.min(heads.bottom, clip.bottom) };
  const hits: string[] = [];
  for (const c of covered) for (const o of others) if (rects[c] && rects[o] && overlaps(rects[c]!, rects[o]!)) hits.push(`${o} covers ${c} (${when})`);
  expect(hits).toEqual([]);
}

/** The current row's band is inside the diagram box's visible part, below the bar and the lane names. */
async function expectCurrentRowInView(page: Page, when: string): Promise<void> {
  const { rects, height } = await boxes(page, ['#current-band', '#diagram', '#controls', '#lane-heads']);
  const band = rects['#current-band']!;
  const from = Math.max(rects['#diagram']!.top, rects['#controls']!.bottom, rects['#lane-heads']!.bottom);
  const to = Math.min(rects['#diagram']!.bottom, height);
  expect({ when, top: band.top >= from - 1, bottom: band.bottom <= to + 1 }).toEqual({ when, top: true, bottom: true });
}

describe.each([1400, 1024, 800])('at %i px wide', (width) => {
  async function openAt(name: string, model: VizModel): Promise<Page> {
    return open(writePage(name, model), width);
  }

  test('nothing covers the page table or the step text; the current row stays in view at the end', async () => {
    const page = await openAt(`viz-layout-seed-${width}`, presetModel('seed', { seed: 1 }));
    await expectNothingCovers(page, 'at the start');
    await page.click('#btn-last');
    await expectCurrentRowInView(page, 'after end');
    await expectNothingCovers(page, 'after end');
    await page.screenshot({ path: join(outDir, `viz-seed-end-${width}.png`) });
    await page.click('#btn-first');
    await expectCurrentRowInView(page, 'after start');
    for (let k = 0; k < 20; k++) await page.keyboard.press('ArrowRight');
    expect(Number(await page.getAttribute('body', 'data-step'))).toBe(20);
    await expectCurrentRowInView(page, 'after 20 steps by key');
    // Arrow keys step the page; they do not scroll it sideways.
    expect(await page.evaluate(() => (globalThis as any).scrollX)).toBe(0);
    // After the slider, the keys still step (and step by one).
    await page.fill('#step-slider', '5');
    await page.focus('#step-slider');
    await page.keyboard.press('ArrowRight');
    expect(Number(await page.getAttribute('body', 'data-step'))).toBe(6);
    await page.keyboard.press('End');
    expect(Number(await page.getAttribute('body', 'data-step'))).toBe(model0Steps());
    await expectCurrentRowInView(page, 'after End');
    expect(problems).toEqual([]);
  }, 120000);

  test('"go to that step" shows the violation row; a clicked arrow\'s fields are in view', async () => {
    const model = presetModel('readers-then-writer', { seed: 1, mutant: 'forgetCopyset' });
    const page = await openAt(`viz-layout-mutant-${width}`, model);
    await page.click('#btn-violation');
    expect(Number(await page.getAttribute('body', 'data-step'))).toBe(model.steps.length - 1);
    await expectCurrentRowInView(page, 'after go to that step');
    await expectNothingCovers(page, 'after go to that step');
    await page.screenshot({ path: join(outDir, `viz-mutant-violation-${width}.png`) });
    await page.locator('g.msg[data-kind="WRITE_DATA"]').first().dispatchEvent('click');
    const { rects, height } = await boxes(page, ['#msg-details', '#controls']);
    expect(rects['#msg-details']!.top).toBeGreaterThanOrEqual(rects['#controls']!.bottom - 1);
    expect(rects['#msg-details']!.bottom).toBeLessThanOrEqual(height + 1);
    expect(await page.textContent('#msg-details')).toContain('WRITE_DATA');
    expect(problems).toEqual([]);
  }, 120000);

  test('with 8 CPUs the lane names follow sideways scrolling and the tables stay inside the page', async () => {
    const config = { cpus: 8, pages: 3, pageSize: 4096 };
    const programs = randomWorkload(validateConfig(config), { ops: 4, seed: 3 });
    const sim = new Simulation({ config, programs, seed: 3 });
    sim.run();
    const text = `${JSON.stringify(traceHeader({ ...config, protocol: 'ivy', runtime: 'sim' }))}\n${traceToJsonLines(sim.trace)}\n`;
    const page = await openAt(`viz-layout-8cpus-${width}`, traceModel(text, 'eight.jsonl'));
    const laneAndHead = () => page.evaluate(() => {
      const d = (globalThis as any).document;
      return [...d.querySelectorAll('line.lane')].map((l: any) => {
        const head = d.querySelector(`.lane-head[data-cpu="${l.dataset.cpu}"]`).getBoundingClientRect();
        const lane = l.getBoundingClientRect();
        return Math.round((head.left + head.right) / 2 - (lane.left + lane.right) / 2);
      });
    });
    expect(await laneAndHead()).toEqual(new Array(8).fill(0));
    await page.evaluate(() => { (globalThis as any).document.getElementById('diagram').scrollLeft = 400; });
    expect(await laneAndHead()).toEqual(new Array(8).fill(0));
    const { rects, width: w } = await boxes(page, ['#state-section', '#diagram-section', '#pages']);
    expect(rects['#state-section']!.right).toBeLessThanOrEqual(w);
    expect(rects['#diagram-section']!.right).toBeLessThanOrEqual(w);
    await expectNothingCovers(page, '8 CPUs');
    await page.screenshot({ path: join(outDir, `viz-8cpus-${width}.png`) });
    expect(problems).toEqual([]);
  }, 120000);

  test('the hlrc page shows homes and twins', async () => {
    const model = presetModel('false-sharing', { seed: 1, protocol: 'hlrc' });
    const page = await openAt(`viz-hlrc-false-sharing-${width}`, model);
    expect(await page.getAttribute('#protocol', 'data-protocol')).toBe('hlrc');
    expect(await page.textContent('#protocol')).toContain('home-based lazy release consistency');
    expect(await page.textContent('#home-p0')).toBe('CPU 0');
    expect(await page.textContent('#home-p1')).toBe('CPU 1');
    // Step to the first step where CPU 1 keeps a twin of page 0, as the simulator says.
    const s = getScenario('false-sharing');
    const sim = new Simulation({ config: s.config, programs: s.programs, seed: 1, protocol: 'hlrc' });
    let step = 0;
    while (!(sim.states[1] as HlrcState).twinned[0]) { expect(sim.step()).toBe(true); step += 1; }
    await page.fill('#step-slider', String(step));
    expect(await page.getAttribute('#twins-p0', 'data-value')).toBe('1');
    expect(await page.getAttribute('#acc-p0-c1', 'data-marks')).toContain('T');
    expect(await page.getAttribute('#acc-p0-c0', 'data-marks')).toContain('H');
    expect(await page.textContent('#vc-c1')).toBe(`[${(sim.states[1] as HlrcState).vc.join(', ')}]`);
    // Nobody owns a page under hlrc: no owner star anywhere.
    expect(await page.locator('td.acc', { hasText: '\u2605' }).count()).toBe(0);
    await page.screenshot({ path: join(outDir, `viz-hlrc-twin-${width}.png`) });
    expect(problems).toEqual([]);
  }, 120000);
});

function model0Steps(): number {
  return presetModel('seed', { seed: 1 }).steps.length - 1;
}

describe('the side-by-side page', () => {
  /** The settled schedule, written again here from the Simulation API: round robin, each op settled. */
  function settledCounts(protocol: string) {
    const s = getScenario('false-sharing');
    const sim = new Simulation({ config: s.config, programs: s.programs, protocol });
    const perOp: { messages: number; faults: number }[] = [];
    let previous = 1;
    for (;;) {
      const ready = sim.enabledSteps().filter((st) => st.kind === 'cpu').map((st) => (st.kind === 'cpu' ? st.cpu : -1));
      if (ready.length === 0) break;
      const cpu = ready.find((c) => c > previous) ?? ready[0]!;
      const faultsBefore = sim.trace.filter((e) => e.type === 'fault').length;
      const { messages } = sim.stepCpuAndSettle(cpu);
      perOp.push({ messages, faults: sim.trace.filter((e) => e.type === 'fault').length - faultsBefore });
      previous = cpu;
    }
    const total = sim.run().stats.total;
    return { perOp, messages: total.messages, bytes: total.bytes, faults: total.readFaults + total.writeFaults };
  }

  test.each([1400, 800])('shows both protocols\' counts, per operation and in total, equal to the simulator\'s (%i px)', async (width) => {
    mkdirSync(outDir, { recursive: true });
    const file = join(outDir, `viz-compare-false-sharing-${width}.html`);
    writeFileSync(file, renderComparePage(comparePreset('false-sharing', ['ivy', 'hlrc'])));
    const page = await open(pathToFileURL(file).href, width);
    for (const protocol of ['ivy', 'hlrc']) {
      const want = settledCounts(protocol);
      const value = async (id: string): Promise<number> => Number(await page.getAttribute(`#${id}`, 'data-value'));
      expect([await value(`total-${protocol}-messages`), await value(`total-${protocol}-faults`), await value(`total-${protocol}-bytes`)]).toEqual([want.messages, want.faults, want.bytes]);
      for (const [i, op] of want.perOp.entries()) {
        expect([i, await value(`op${i}-${protocol}-messages`), await value(`op${i}-${protocol}-faults`)]).toEqual([i, op.messages, op.faults]);
      }
      expect(await page.locator(`svg.cmp-svg[data-protocol="${protocol}"] g.msg`).count()).toBe(want.messages);
    }
    // False sharing costs almost nothing under hlrc: fewer messages than under IVY.
    expect(settledCounts('hlrc').messages).toBeLessThan(settledCounts('ivy').messages);
    await page.click('#op-row-3');
    expect(await page.locator('rect.op-band.picked').count()).toBe(2);
    await page.screenshot({ path: join(outDir, `viz-compare-false-sharing-${width}.png`), fullPage: true });
    expect(problems).toEqual([]);
  }, 120000);
});

describe('quiz mode', () => {
  test('hides the bug and the check until revealed, marks the cells that break the rule, asks what happens next', async () => {
    const model = presetModel('readers-then-writer', { seed: 1, mutant: 'forgetCopyset', quiz: true });
    const html = renderPage(model);
    expect(html).not.toContain('forgetCopyset');
    expect(html).not.toContain(model.violation!.slice(0, 40));
    const page = await open(writePage('viz-quiz-readers-then-writer', model));
    expect(await page.textContent('#mutant')).not.toContain('forgetCopyset');
    expect(await page.textContent('#violation')).not.toContain('copyset');
    await page.click('#btn-violation');
    expect(await page.textContent('#step-lines')).toContain('hidden');
    // The rule: every read copy is in the owner's copyset. The simulator's state at that step
    // says which CPU holds a copy its owner does not know of: that cell must be marked.
    const s = getScenario('readers-then-writer');
    const sim = new Simulation({ config: s.config, programs: s.programs, seed: 1, mutant: 'forgetCopyset' });
    for (let k = 0; k < model.steps.length - 2; k++) sim.step();
    try { sim.step(); } catch { /* the step that breaks the check */ }
    const states = sim.states as IvyState[];
    const owner = states.find((st) => st.owned[3])!;
    const unknown = states.filter((st) => st.id !== owner.id && st.access[3] === 'read' && !owner.copyset[3]!.includes(st.id)).map((st) => st.id);
    expect(unknown.length).toBeGreaterThan(0);
    const marked = await page.evaluate(() => [...(globalThis as any).document.querySelectorAll('td.broken')].map((td: any) => td.id));
    for (const c of unknown) expect(marked).toContain(`acc-p3-c${c}`);
    expect(marked).toContain(`acc-p3-c${owner.id}`);
    await page.screenshot({ path: join(outDir, 'viz-quiz-marked.png') });
    await page.click('#btn-reveal-bug');
    expect(await page.textContent('#mutant')).toContain('forgetCopyset');
    await page.click('#btn-reveal-check');
    expect(await page.textContent('#violation')).toContain(model.violation!.replace(/^SimulationError: /, '').slice(0, 40));
    expect(await page.textContent('#step-lines')).toContain('Check failed: SimulationError');
    // "What happens next?": the first step sends; guess right, and the page takes the step.
    await page.click('#btn-first');
    await page.check('#quiz-ask');
    const firstSend = model.events.find((e) => e.type === 'send')!;
    const sendStep = model.steps.find((st) => model.events.slice(st.eventStart, st.eventEnd).includes(firstSend))!.index;
    for (let k = 0; k < sendStep - 1; k++) await page.click('#btn-next');
    expect(Number(await page.getAttribute('body', 'data-step'))).toBe(sendStep - 1);
    await page.click('#btn-next');
    expect(await page.isVisible('#quiz-prompt')).toBe(true);
    expect(Number(await page.getAttribute('body', 'data-step'))).toBe(sendStep - 1);
    await page.click(`#quiz-prompt button[data-kind="${firstSend.type === 'send' ? firstSend.msg.kind : ''}"]`);
    expect(await page.getAttribute('#quiz-verdict', 'data-right')).toBe('true');
    expect(Number(await page.getAttribute('body', 'data-step'))).toBe(sendStep);
    expect(problems).toEqual([]);
  }, 120000);
});

describe('the transition table', () => {
  test('the page shows the protocol file\'s table with the current step\'s rows highlighted', async () => {
    const model = presetModel('seed', { seed: 1 });
    const page = await open(writePage('viz-seed-table', model));
    await page.click('#table-panel summary');
    const withRows = model.steps.find((st) => st.rows.length > 0)!;
    await page.fill('#step-slider', String(withRows.index));
    const lit = await page.evaluate(() => [...(globalThis as any).document.querySelectorAll('#transitions tr.row-now')].map((tr: any) => tr.id));
    expect(lit).toEqual(withRows.rows.map((k) => `trow-${k}`));
    expect(await page.textContent(`#trow-${withRows.rows[0]}`)).toContain(model.table!.rows[withRows.rows[0]!]!.action);
    await expectNothingCovers(page, 'table open');
    await page.screenshot({ path: join(outDir, 'viz-seed-table.png') });
    expect(problems).toEqual([]);
  }, 120000);
});

describe('the scenario editor', () => {
  test.each([1400, 800])('an edited scenario re-runs in the page with the real core, counts equal to the simulator\'s (%i px)', async (width) => {
    const model = presetModel('seed', { seed: 1 });
    mkdirSync(outDir, { recursive: true });
    const file = join(outDir, `viz-editor-seed-${width}.html`);
    writeFileSync(file, renderPage(model, { bundle: teachingBundle() }));
    const page = await open(pathToFileURL(file).href, width);
    await page.waitForSelector('#editor-body[data-ready="true"]', { state: 'attached', timeout: 30000 });
    // Click CPU 0's name above the diagram: the editor opens at its row.
    await page.click('.lane-head[data-cpu="0"]');
    expect(await page.getAttribute('#editor', 'open')).not.toBeNull();
    await page.fill('#edit-address', '0x2010');
    await page.fill('#edit-value', '0x2a');
    await page.click('#edit-cpu-0 button[data-add="write"]');
    await page.click('#edit-cpu-3 button[data-add="barrier"]');
    await page.click('#edit-cpu-0 button[data-add="barrier"]');
    await page.click('#edit-cpu-1 button[data-add="barrier"]');
    await page.click('#edit-cpu-2 button[data-add="barrier"]');
    await page.click('#edit-cpu-3 button[data-add="read"]');
    expect(await page.locator('#edit-cpu-0 .edit-op').count()).toBe(4);
    await page.selectOption('#edit-protocol', 'hlrc');
    await page.click('#btn-export');
    const json = await page.inputValue('#scenario-json');
    const edited = parseScenario(json, 'exported.json');
    expect(edited.protocol).toBe('hlrc');
    expect(edited.programs[0]!.at(-2)).toEqual({ op: 'write', type: 'int32', address: 0x2010, value: 0x2a });
    await page.click('#btn-rerun');
    await page.waitForSelector('#editor-body[data-ready="true"]', { state: 'attached', timeout: 30000 });
    expect(await page.textContent('#title')).toContain('(edited)');
    expect(await page.getAttribute('#protocol', 'data-protocol')).toBe('hlrc');
    const sim = new Simulation({ config: edited.config, programs: edited.programs, seed: 1, protocol: 'hlrc' });
    const result = sim.run();
    expect(Number(await page.getAttribute('body', 'data-steps'))).toBe(result.steps);
    await page.click('#btn-last');
    const now = await shown2(page);
    expect(now).toEqual({ faults: result.stats.total.readFaults + result.stats.total.writeFaults, messages: result.stats.total.messages });
    expect(result.results[3]!.at(-1)).toBe(0x2a); // the read after the added barrier sees the added write
    // The table rows come with the page (the bundle carries the tables).
    expect(await page.locator('#transitions tr').count()).toBeGreaterThan(8);
    await page.screenshot({ path: join(outDir, `viz-editor-rerun-${width}.png`) });
    expect(problems).toEqual([]);
  }, 120000);
});

async function shown2(page: Page): Promise<{ faults: number; messages: number }> {
  return {
    faults: Number(await page.getAttribute('#count-faults', 'data-value')),
    messages: Number(await page.getAttribute('#count-messages', 'data-value')),
  };
}

describe('controls', () => {
  test('previous and next fault, speed, filters by page and CPU, the overview, lost messages', async () => {
    const model = presetModel('seed', { seed: 1 });
    const page = await open(writePage('viz-seed-controls', model));
    const stepShown = async (): Promise<number> => Number(await page.getAttribute('body', 'data-step'));
    const faultSteps = model.steps.filter((st) => model.events.slice(st.eventStart, st.eventEnd).some((e) => e.type === 'fault')).map((st) => st.index);
    await page.click('#btn-last');
    for (const k of [...faultSteps].reverse()) {
      await page.click('#btn-prev-fault');
      expect(await stepShown()).toBe(k);
    }
    expect(await page.isDisabled('#btn-prev-fault')).toBe(true);
    // Filter by CPU 3: next fault skips to CPU 3's fault; what does not concern CPU 3 is dimmed.
    await page.selectOption('#filter-cpu', '3');
    const cpu3Fault = model.steps.find((st) => model.events.slice(st.eventStart, st.eventEnd).some((e) => e.type === 'fault' && e.cpu === 3))!.index;
    await page.click('#btn-first');
    await page.click('#btn-next-fault');
    expect(await stepShown()).toBe(cpu3Fault);
    const dimmed = await page.locator('g.msg.filtered-out').count();
    const involving3 = model.events.filter((e) => e.type === 'send' && (e.cpu === 3 || e.to === 3)).length;
    expect(await page.locator('g.msg').count() - dimmed).toBe(involving3);
    await page.selectOption('#filter-cpu', '');
    await page.selectOption('#filter-page', '2');
    const onPage2 = model.events.filter((e) => e.type === 'send' && e.msg['page'] === 2).length;
    expect(await page.locator('g.msg:not(.filtered-out)').count()).toBe(onPage2);
    await page.selectOption('#filter-page', '');
    // Speed: very fast plays to the end well within the bound.
    await page.selectOption('#speed', '80');
    await page.click('#btn-first');
    await page.click('#btn-play');
    await page.waitForFunction((n) => Number((globalThis as any).document.body.dataset.step) === n, model.steps.length - 1, { timeout: 30000 });
    expect(await page.getAttribute('#btn-play', 'data-playing')).toBe('false');
    // The overview: a click at its right end goes to the end, at its left end to the start.
    const box = (await page.locator('#overview-svg').boundingBox())!;
    await page.mouse.click(box.x + 2, box.y + box.height / 2);
    expect(await stepShown()).toBe(0);
    await page.mouse.click(box.x + box.width - 2, box.y + box.height / 2);
    expect(await stepShown()).toBe(model.steps.length - 1);
    expect(problems).toEqual([]);
  }, 120000);

  test('a message the run never delivered is drawn as lost', async () => {
    const model = presetModel('seed', { seed: 1, mutant: 'noAckWait' });
    const undelivered = model.events.filter((e) => e.type === 'send').length - model.events.filter((e) => e.type === 'recv').length;
    expect(undelivered).toBeGreaterThan(0);
    const page = await open(writePage('viz-seed-lost', model));
    expect(await page.locator('g.msg.lost').count()).toBe(undelivered);
    await page.locator('g.msg.lost').first().dispatchEvent('click');
    expect(await page.textContent('#msg-details')).toContain('never: lost');
    await page.screenshot({ path: join(outDir, 'viz-lost.png') });
    expect(problems).toEqual([]);
  }, 120000);
});

describe('labels', () => {
  const cases = scenarioNames.flatMap((name) => ['ivy', 'ivy-central', 'ivy-dynamic', 'hlrc'].map((protocol) => [name, protocol] as const));
  test.each(cases)('no two message labels print over each other (%s under %s)', async (name, protocol) => {
    const page = await open(writePage(`viz-labels-${name}-${protocol}`, presetModel(name, { seed: 1, protocol })));
    const hits = await page.evaluate(() => {
      const boxes = [...(globalThis as any).document.querySelectorAll('.msg-label, .row-note')].map((t: any) => ({ b: t.getBBox(), text: t.textContent }));
      const out: string[] = [];
      for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i]!.b;
        const b = boxes[j]!.b;
        if (a.x < b.x + b.width - 1 && b.x < a.x + a.width - 1 && a.y < b.y + b.height - 1 && b.y < a.y + a.height - 1) out.push(`${boxes[i]!.text} / ${boxes[j]!.text}`);
      }
      return out;
    });
    expect(hits).toEqual([]);
    expect(problems).toEqual([]);
  }, 120000);
});
