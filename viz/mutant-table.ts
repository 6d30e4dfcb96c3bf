/**
 * Which preset exposes which mutant: for every mutant and protocol, the presets whose run
 * (scheduler seed 1, as the page runs them by default) breaks a check. docs/teaching.md holds
 * this table and a test recomputes it, so that a lecturer can trust it to pick a page.
 */
import { mutantNames } from '../src/core/mutants.js';
import { getProtocol } from '../src/core/registry.js';
import { scenarioNames } from '../sim/scenarios.js';
import { presetModel } from './model.js';
import { vizProtocols } from './views.js';

/**
 * exposed[mutant][protocol] = the presets that break a check with that mutant switched on, or
 * null when the protocol does not implement the mutant (it is refused there).
 */
export function mutantExposure(seed = 1, protocols: readonly string[] = vizProtocols): Record<string, Record<string, string[] | null>> {
  const out: Record<string, Record<string, string[] | null>> = {};
  for (const mutant of mutantNames) {
    out[mutant] = {};
    for (const protocol of protocols) {
      const has = Object.prototype.hasOwnProperty.call(getProtocol(protocol).mutants ?? {}, mutant);
      out[mutant]![protocol] = has ? scenarioNames.filter((name) => presetModel(name, { seed, protocol, mutant }).violation !== null) : null;
    }
  }
  return out;
}

/** A cell: the presets, "every preset", "none" (no preset shows it), or "–" (the protocol does not have this mutant). */
function cell(presets: readonly string[] | null): string {
  if (presets === null) return '–';
  if (presets.length === 0) return 'none';
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
