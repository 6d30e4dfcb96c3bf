/**
 * `tsdsm viz`: writes one self-contained HTML page that walks through a run step by step —
 * a message sequence diagram, every page's access at every CPU, the managers' owner records
 * and the owners' copysets. The run is a preset (a named scenario, run here on the simulator,
 * optionally with a bug switched on) or a JSON-lines trace file (docs/trace-format.md).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { DsmConfigError } from '../../src/core/errors.js';
import { toChromeTrace } from '../../src/runtime/chrome-trace.js';
import { getScenario, scenarioNames } from '../../sim/scenarios.js';
import { scenarioModel, traceModel, vizProtocols, type VizModel } from '../../viz/model.js';
import { compareScenario, parseProtocolList, type CompareModel } from '../../viz/compare.js';
import { loadScenario } from '../../sim/scenario-file.js';
import { renderComparePage } from '../../viz/compare-page.js';
import { mutantExposure } from '../../viz/mutant-table.js';
import { teachingBundle } from '../../viz/bundle.js';
import { renderPage } from '../../viz/page.js';
import { checkMutant, getProtocol, mutantTable } from '../../src/core/registry.js';
import { addProtocolOptions, loadProtocolModules, parseInteger } from '../options.js';

export interface VizCommandOptions {
  preset?: string;
  mutant?: string;
  seed?: number;
  protocol?: string;
  protocolModule?: string[];
  output?: string;
  chrome?: string;
  list?: boolean;
  quiz?: boolean;
}

export function listPresets(print: (line: string) => void): void {
  print('presets (tsdsm viz --preset NAME, tsdsm demo NAME):');
  for (const name of scenarioNames) print(`  ${name.padEnd(20)} ${getScenario(name).title}`);
  print('');
  print('bugs to switch on (--mutant NAME): what each breaks, the protocols that have it, and the presets whose run (seed 1) it breaks:');
  const exposure = mutantExposure(1);
  for (const m of mutantTable()) {
    print(`  ${m.name.padEnd(24)} ${m.description} [${m.protocols.join(', ')}]`);
    const shown = Object.entries(exposure[m.name] ?? {}).filter(([, presets]) => presets !== null && presets.length > 0);
    print(`  ${''.padEnd(24)} shown by: ${shown.map(([p, presets]) => `${presets!.join(', ')} (${p})`).join('; ') || 'no preset (see docs/teaching.md)'}`);
  }
}

/** `--preset NAME --protocol a,b`: one page with the preset under each protocol, side by side. */
function runCompare(opts: VizCommandOptions, protocols: string[], print: (line: string) => void): CompareModel {
  if (opts.preset === undefined) throw new DsmConfigError('a side-by-side page (--protocol a,b) needs --preset NAME');
  if (opts.mutant !== undefined) throw new DsmConfigError('--mutant cannot be combined with a side-by-side page (--protocol a,b)');
  const model = compareScenario(loadScenario(opts.preset), protocols);
  const output = opts.output ?? `tsdsm-${model.name}-${protocols.join('-')}.html`;
  writeFileSync(output, renderComparePage(model));
  print(`wrote ${output}: ${model.title}, ${protocols.join(' and ')} side by side, ${model.operations.length} operations; ${model.runs.map((r) => `${r.protocol}: ${r.total.faults} faults, ${r.total.messages} messages, ${r.total.bytes} bytes`).join('; ')}. Open it in a browser.`);
  return model;
}

/** Builds the page; returns the model so callers (and tests) can see what was written. */
export function runVizCommand(trace: string | undefined, opts: VizCommandOptions, print: (line: string) => void): VizModel | CompareModel | null {
  if (opts.list) {
    listPresets(print);
    return null;
  }
  if (opts.protocol !== undefined && opts.protocol.includes(',')) return runCompare(opts, parseProtocolList(opts.protocol), print);
  if ((trace === undefined) === (opts.preset === undefined)) {
    throw new DsmConfigError('give either a trace file or --preset NAME (one of them)');
  }
  if (trace !== undefined && opts.mutant !== undefined) {
    throw new DsmConfigError('--mutant replays a preset with a bug switched on; it needs --preset, not a trace file');
  }
  if (opts.quiz && opts.preset === undefined) throw new DsmConfigError('--quiz needs --preset NAME (and usually --mutant BUG)');
  let model: VizModel;
  if (opts.preset !== undefined) {
    const scenario = loadScenario(opts.preset);
    // Any registered protocol by name, and only a mutant it implements (DsmMutantError otherwise).
    const protocol = opts.protocol ?? scenario.protocol ?? 'ivy';
    checkMutant(getProtocol(protocol), opts.mutant);
    model = scenarioModel(scenario, { seed: opts.seed ?? 1, mutant: opts.mutant, protocol, quiz: opts.quiz === true });
  } else {
    let text: string;
    try {
      // "-" reads standard input, so that `tsdsm sim --json | tsdsm viz - -o run.html` works.
      text = trace === '-' ? readFileSync(0, 'utf8') : readFileSync(trace!, 'utf8');
    } catch (err) {
      throw new DsmConfigError(`cannot read trace file ${trace}: ${(err as Error).message}`);
    }
    model = traceModel(text, trace === '-' ? 'stdin' : basename(trace!));
  }
  // A quiz page's default name must not give the bug away.
  const suffix = model.quiz ? '-quiz' : model.mutant ? `-${model.mutant.name}` : '';
  const output = opts.output ?? `tsdsm-${model.source === 'preset' ? model.name : model.name.replace(/\.[^.]*$/, '')}${suffix}.html`;
  writeFileSync(output, renderPage(model, { bundle: teachingBundle() }));
  print(`wrote ${output}: ${model.title}, ${model.steps.length - 1} steps, ${model.events.filter((e) => e.type === 'send').length} messages. Open it in a browser.`);
  if (model.violation !== null) print(`the run stopped at a broken check (step ${model.steps.length - 1}): ${model.violation}`);
  for (const note of model.notes) if (model.mutant) print(note);
  if (opts.chrome !== undefined) {
    writeFileSync(opts.chrome, `${JSON.stringify(toChromeTrace(model.events, { cpus: model.cpus, title: `tsdsm: ${model.title}` }))}\n`);
    print(`wrote ${opts.chrome}: Chrome trace-event JSON; open it in https://ui.perfetto.dev`);
  }
  return model;
}

export function registerVizCommand(program: Command): void {
  const command = program
    .command('viz')
    .description('write one self-contained HTML page that walks through a run step by step (messages, page states, owners, copysets)')
    .argument('[trace]', 'a JSON-lines trace file (tsdsm sim --json > run.jsonl), or - for standard input; or use --preset')
    .option('--preset <name>', `a named scenario (${scenarioNames.join(', ')}) or a scenario file (FILE.json, docs/scenario-format.md)`)
    .option('--mutant <name>', 'replay the preset with a deliberate bug switched on (see --list)')
    .option('--seed <n>', 'scheduler seed for the preset', parseInteger('--seed'), 1)
    .option('-o, --output <file>', 'the HTML file to write (default tsdsm-NAME.html)')
    .option('--chrome <file>', 'also write the run as Chrome trace-event JSON, for Perfetto')
    .option('--list', 'list the presets and the bugs that can be switched on')
    .option('--quiz', 'hide the bug\'s name and the failed check until the student reveals them; offer "what happens next?" before each step');
  addProtocolOptions(
    command,
    ` for the preset (drawn: ${vizProtocols.join(', ')}); two or more, comma-separated (ivy,hlrc), for one page with the preset under each, side by side (default: the scenario file's protocol, else ivy)`,
    undefined,
  ).action(async (trace: string | undefined, opts: VizCommandOptions) => {
    await loadProtocolModules({ protocol: opts.protocol ?? 'ivy', protocolModule: opts.protocolModule });
    runVizCommand(trace, opts, (line) => console.log(line));
  });
}
