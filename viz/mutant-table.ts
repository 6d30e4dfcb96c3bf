/**
 * Which preset exposes which mutant: for every mutant and protocol, the presets whose run
 * (scheduler seed 1, as the page runs them by default) breaks a check. docs/teaching.md holds
 * this table and a test recomputes it, so that a lecturer can trust it to pick a page.
 */
import { mutantNames } from '../src/core/mutants.js';
import { scenarioNames } from '../sim/scenarios.js';
import { presetModel } from './model.js';
import { vizProtocols } from './views.js';

/** exposed[mutant][protocol] = the presets that break a check with that mutant switched on. */
export function mutantExposure(seed = 1, protocols: readonly string[] = vizProtocols): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  for (const mutant of mutantNames) {
    out[mutant] = {};
    for (const protocol of protocols) {
      out[mutant]![protocol] = scenarioNames.filter((name) => presetModel(name, { seed, protocol, mutant }).violation !== null);
    }
  }
  return out;
}

/** A cell: the presets, "every preset", or "–" (the mutant's line is not in this protocol). */
function cell(presets: readonly string[]): string {
  if (presets.length === 0) return '–';
  if (presets.length === scenarioNames.length) return 'every preset';
  return presets.join(', ');
}

/** The table as Markdown, one row per mutant, one column per protocol. */
export function mutantTable(seed = 1): string {
  const exposure = mutantExposure(seed);
  const rows = [
    `| mutant | ${vizProtocols.join(' | ')} |`,
    `|---|${vizProtocols.map(() => '---').join('|')}|`,
    ...mutantNames.map((m) => `| \`${m}\` | ${vizProtocols.map((p) => cell(exposure[m]![p]!)).join(' | ')} |`),
  ];
  return rows.join('\n');
}
