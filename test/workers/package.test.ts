/**
 * `import { Cluster, defineProgram } from 'tsdsm'` from a project outside this repo: a temp
 * directory whose node_modules/tsdsm links to the repo root (as `npm link` or a file:
 * dependency would), with a JavaScript and a TypeScript program, run by a separate node.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from '@jest/globals';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

test("a project outside the repo imports { Cluster, defineProgram } from 'tsdsm' and runs JS and TS programs", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tsdsm-user-'));
  try {
    await mkdir(join(dir, 'node_modules'));
    await symlink(repoRoot, join(dir, 'node_modules', 'tsdsm'), 'dir');
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'user', type: 'module', private: true }));
    await writeFile(join(dir, 'prog.mjs'), [
      "import { defineProgram } from 'tsdsm';",
      'export default defineProgram((cpu, args) => {',
      '  if (cpu.id === 0) cpu.memory.setFloat64(0x800, args.x);',
      '  cpu.barrier();',
      '  return cpu.memory.getFloat64(0x800) + cpu.id;',
      '});',
    ].join('\n'));
    await writeFile(join(dir, 'prog.ts'), [
      "import { defineProgram, type Cpu } from 'tsdsm';",
      'export default defineProgram((cpu: Cpu, args: { x: number }): number => args.x * 10 + cpu.id);',
    ].join('\n'));
    await writeFile(join(dir, 'main.mjs'), [
      "import { Cluster } from 'tsdsm';",
      'const cluster = await Cluster.start({ cpus: 2, pages: 1, timeoutMs: 20000 });',
      "const js = await cluster.run(new URL('./prog.mjs', import.meta.url), { x: 1.5 });",
      "const ts = await cluster.run(new URL('./prog.ts', import.meta.url), { x: 2 });",
      'await cluster.close();',
      'console.log(JSON.stringify({ js: js.results, ts: ts.results }));',
    ].join('\n'));
    const { stdout } = await promisify(execFile)(process.execPath, ['main.mjs'], { cwd: dir, timeout: 60000 });
    expect(JSON.parse(stdout)).toEqual({ js: [1.5, 2.5], ts: [20, 21] });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
