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
import type { IvyState } from '../../src/core/ivy.js';
import { traceHeader, traceToJsonLines } from '../../src/runtime/trace.js';
import { getScenario } from '../../sim/scenarios.js';
import { Simulation } from '../../sim/simulator.js';
import { presetModel, traceModel, type VizModel } from '../../viz/model.js';
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

async function open(url: string): Promise<Page> {
  const page = await context.newPage();
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
