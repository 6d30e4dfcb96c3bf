/**
 * The pure core, bundled into the page, so that the page's editor can re-run an edited
 * scenario with the real protocol code, not a copy of it. This is a small bundler for the
 * ES modules tsc writes to dist/: starting from the entry modules it follows relative imports,
 * wraps each module in a function of its own (its exports become getters, so import cycles
 * work as in ES modules), and turns `import {a, b as c} from './x.js'` into a lookup in a
 * module table. It understands exactly the forms tsc emits for this code base and throws a
 * named error on any other, so that a new form cannot be bundled wrong in silence.
 *
 * The browser has no file system: `node:fs` becomes a stub whose functions throw, which the
 * modules that read files (viz/table-rows.ts, sim/scenario-file.ts) already handle or do not
 * call on that path. `import.meta.url` becomes a file: URL that names the module.
 */
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { DsmError } from '../src/core/errors.js';
import { tableFiles, transitionTable, type TransitionTable } from './table-rows.js';

export class DsmBundleError extends DsmError {}

const distRoot = new URL('../', import.meta.url);

interface Loaded {
  key: string;
  code: string;
}

function resolve(from: string, spec: string): string {
  return posix.normalize(posix.join(posix.dirname(from), spec));
}

function names(list: string): { local: string; exported: string }[] {
  return list.split(',').map((p) => p.trim()).filter((p) => p !== '' && !p.startsWith('type ')).map((p) => {
    const [local, exported] = p.split(/\s+as\s+/);
    return { local: local!.trim(), exported: (exported ?? local)!.trim() };
  });
}

/** Rewrites one module's import and export statements; returns its code and the keys it needs. */
function transform(key: string, source: string): { code: string; deps: string[] } {
  const deps: string[] = [];
  const exported: { local: string; exported: string }[] = [];
  const out: string[] = [];
  const need = (spec: string): string => {
    if (spec.startsWith('node:')) return `__node(${JSON.stringify(spec)})`;
    if (!spec.startsWith('.')) throw new DsmBundleError(`bundle: ${key} imports the package ${spec}; the page can bundle only this project's own modules`);
    const dep = resolve(key, spec);
    deps.push(dep);
    return `__require(${JSON.stringify(dep)})`;
  };
  for (const line of source.split('\n')) {
    let m: RegExpMatchArray | null;
    if (line.startsWith('//# sourceMappingURL=')) continue;
    if ((m = line.match(/^import \{([^}]*)\} from '([^']+)';$/))) {
      const parts = names(m[1]!).map((n) => (n.local === n.exported ? n.local : `${n.local}: ${n.exported}`));
      out.push(parts.length === 0 ? '' : `const { ${parts.join(', ')} } = ${need(m[2]!)};`);
    } else if ((m = line.match(/^import \* as (\w+) from '([^']+)';$/))) {
      out.push(`const ${m[1]} = ${need(m[2]!)};`);
    } else if ((m = line.match(/^import '([^']+)';$/))) {
      out.push(`${need(m[1]!)};`);
    } else if (line.startsWith('import ')) {
      throw new DsmBundleError(`bundle: ${key}: an import the bundler does not know: ${line}`);
    } else if ((m = line.match(/^export (?:async )?(function\*?|class|const|let|var) (\w+)/))) {
      exported.push({ local: m[2]!, exported: m[2]! });
      out.push(line.slice('export '.length));
    } else if ((m = line.match(/^export \{([^}]*)\};$/))) {
      exported.push(...names(m[1]!));
    } else if ((m = line.match(/^export \{([^}]*)\} from '([^']+)';$/))) {
      const tmp = `__reexport${out.length}`;
      out.push(`const ${tmp} = ${need(m[2]!)};`);
      for (const n of names(m[1]!)) exported.push({ local: `${tmp}.${n.local}`, exported: n.exported });
    } else if (line.startsWith('export ')) {
      throw new DsmBundleError(`bundle: ${key}: an export the bundler does not know: ${line}`);
    } else {
      out.push(line.split('import.meta.url').join(JSON.stringify(`file:///tsdsm-page/${key}`)));
    }
  }
  const getters = exported.map((e) => `${JSON.stringify(e.exported)}: { enumerable: true, get: () => ${e.local} }`).join(',\n  ');
  return { code: `Object.defineProperties(exports, {\n  ${getters}\n});\n${out.join('\n')}`, deps };
}

/** Every module `entries` need (keys relative to dist/, e.g. "viz/model.js"), in load order. */
function collect(entries: readonly string[]): Loaded[] {
  const seen = new Map<string, Loaded>();
  const visit = (key: string): void => {
    if (seen.has(key)) return;
    let source: string;
    try {
      source = readFileSync(new URL(key, distRoot), 'utf8');
    } catch (err) {
      throw new DsmBundleError(`bundle: cannot read ${key} under ${distRoot.pathname}: ${(err as Error).message}`);
    }
    const { code, deps } = transform(key, source);
    seen.set(key, { key, code });
    for (const d of deps) visit(d);
  };
  for (const e of entries) visit(e);
  return [...seen.values()];
}

/**
 * One classic script that defines `globalThis.tsdsmPage.require(key)`, safe to inline in
 * <script> (no "</script", no "<!--"). `entries` are keys relative to dist/.
 */
export function bundleModules(entries: readonly string[]): string {
  const modules = collect(entries);
  const defs = modules.map((m) => `__defs[${JSON.stringify(m.key)}] = function (exports) {\n'use strict';\n${m.code}\n};`).join('\n');
  const script = `(function () {
'use strict';
const __defs = {};
const __cache = {};
function __require(key) {
  const hit = __cache[key];
  if (hit) return hit;
  const def = __defs[key];
  if (!def) throw new Error('tsdsm page bundle: no module ' + key);
  const exports = {};
  __cache[key] = exports;
  def(exports);
  return exports;
}
function __node(name) {
  const no = function () { throw new Error('the page has no file system (' + name + ')'); };
  return { readFileSync: no, writeFileSync: no, posix: {} };
}
${defs}
globalThis.tsdsmPage = { require: __require };
})();`;
  return script.replace(/<\/script/gi, '<\\/script').replace(/<!--/g, '<\\!--');
}

let pageBundle: string | null = null;

/**
 * The bundle the teaching page carries: the models, the page renderer, scenario files, and the
 * protocols' transition tables (read here, since the page cannot read files).
 */
export function teachingBundle(): string {
  if (pageBundle === null) {
    const tables: Record<string, TransitionTable | null> = {};
    for (const p of Object.keys(tableFiles)) tables[p] = transitionTable(p);
    const carried = `globalThis.tsdsmTables = ${JSON.stringify(tables)};\n`.replace(/<\/script/gi, '<\\/script').replace(/<!--/g, '<\\!--');
    pageBundle = carried + bundleModules(['viz/model.js', 'viz/page.js', 'sim/scenario-file.js']);
  }
  return pageBundle;
}
