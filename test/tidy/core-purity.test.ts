/**
 * src/core is pure: it imports nothing from node:* or from outside src/core, and uses no
 * clocks, timers, randomness, threads or process state.
 */
import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const coreDir = fileURLToPath(new URL('../../../src/core', import.meta.url));
const files = readdirSync(coreDir).filter((f) => f.endsWith('.ts'));

describe('src/core purity', () => {
  test('there are core files to check', () => {
    expect(files).toEqual(expect.arrayContaining(['ivy.ts', 'wire.ts', 'protocol.ts']));
  });

  test.each(files)('%s imports only from ./ inside src/core', (file) => {
    const text = readFileSync(join(coreDir, file), 'utf8');
    const specifiers = [...text.matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g)]
      .map((m) => m[1] ?? m[2] ?? m[3]!);
    for (const s of specifiers) {
      expect({ file, import: s, ok: s.startsWith('./') && !s.includes('..') }).toEqual({ file, import: s, ok: true });
    }
  });

  test.each(files)('%s uses no clock, timer, randomness or process state', (file) => {
    const code = readFileSync(join(coreDir, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    for (const banned of ['Date', 'Math.random', 'setTimeout', 'setInterval', 'performance', 'process.', 'Atomics', 'Worker', 'crypto', 'globalThis']) {
      expect({ file, banned, found: new RegExp(`\\b${banned.replace('.', '\\.')}`).test(code) }).toEqual({ file, banned, found: false });
    }
  });
});
