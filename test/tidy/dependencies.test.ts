/**
 * What a user installs: every package the shipped code (the `files` of package.json) imports
 * at run time is a regular dependency, not a devDependency that an installed package lacks,
 * and no regular dependency, direct or indirect, runs an install script. (The TypeScript
 * transpiler used to be `typescript`, a devDependency: an installed tsdsm could not run a
 * .ts program.)
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@jest/globals';

const root = fileURLToPath(new URL('../../../', import.meta.url));
interface PackageJson { name: string; files?: string[]; dependencies?: Record<string, string>; scripts?: Record<string, string> }
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;

function jsFiles(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return /\.(c|m)?js$/.test(path) ? [path] : [];
  return readdirSync(path).flatMap((f) => jsFiles(join(path, f)));
}

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`), or null for relative and built-in ones. */
function packageOf(specifier: string): string | null {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:') || specifier.startsWith('file:')) return null;
  const name = specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
  return builtinModules.includes(name) ? null : name;
}

test('every package the shipped code imports is a regular dependency', () => {
  const shipped = (pkg.files ?? []).filter((f) => f.startsWith('dist')).flatMap((f) => jsFiles(join(root, f)));
  expect(shipped.length).toBeGreaterThan(20);
  const missing: string[] = [];
  for (const file of shipped) {
    const code = readFileSync(file, 'utf8');
    // A bare require( is Node's; a method named require (the teaching page's own bundle, lib.require) is not.
    const specifiers = [...code.matchAll(/(?:^|[;\s])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|(?<![.\w$])require\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm)]
      .map((m) => m[1] ?? m[2] ?? m[3] ?? m[4]!);
    for (const s of specifiers) {
      const name = packageOf(s);
      if (name !== null && name !== pkg.name && !(name in (pkg.dependencies ?? {}))) missing.push(`${file.slice(root.length)} imports ${s}`);
    }
  }
  expect(missing).toEqual([]);
});

test('no regular dependency, direct or indirect, has an install script', () => {
  const seen = new Map<string, string[]>();
  const visit = (name: string, from: string): void => {
    // Node's lookup: node_modules/<name> in `from` or the nearest folder above it.
    let dir = from;
    let found: string | null = null;
    for (;;) {
      const candidate = join(dir, 'node_modules', name);
      if (existsSync(join(candidate, 'package.json'))) { found = candidate; break; }
      if (dirname(dir) === dir) break;
      dir = dirname(dir);
    }
    expect({ name, found: found !== null }).toEqual({ name, found: true });
    if (seen.has(found!)) return;
    const dep = JSON.parse(readFileSync(join(found!, 'package.json'), 'utf8')) as PackageJson;
    seen.set(found!, ['preinstall', 'install', 'postinstall'].filter((s) => dep.scripts?.[s] !== undefined));
    for (const d of Object.keys(dep.dependencies ?? {})) visit(d, found!);
  };
  for (const d of Object.keys(pkg.dependencies ?? {})) visit(d, root);
  expect(seen.size).toBeGreaterThan(4);
  expect([...seen].filter(([, scripts]) => scripts.length > 0).map(([path, scripts]) => `${path.slice(root.length)}: ${scripts.join(', ')}`)).toEqual([]);
});
