#!/usr/bin/env node
/**
 * The native addon's build, for `npm run build:native` and the package's install step.
 *
 *   node scripts/native-build.mjs            build from source (node-gyp), then copy the result
 *                                            to prebuilds/<platform>-<arch>/tsdsm_native.node
 *   node scripts/native-build.mjs --install  the install step: do nothing when the prebuild for
 *                                            this platform loads; else build from source, and
 *                                            if that fails say so and exit 0 (only the native
 *                                            backend needs the addon)
 *
 * The addon uses N-API only (NAPI_VERSION 8), so one build per platform and architecture
 * serves every Node version from 20 on: that is what the package ships (the prebuild
 * convention: prebuilds/<platform>-<arch>/), and what native/index.ts loads.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const platformDir = `${process.platform}-${process.arch}`;
const prebuild = join(root, 'prebuilds', platformDir, 'tsdsm_native.node');
const built = join(root, 'native', 'build', 'Release', 'tsdsm_native.node');

function loads(path) {
  try {
    createRequire(import.meta.url)(path);
    return true;
  } catch {
    return false;
  }
}

function buildFromSource() {
  // npm puts its own node-gyp on PATH for scripts; outside npm, `npx node-gyp` finds one.
  const gyp = process.env.npm_config_node_gyp;
  const [cmd, args] = gyp ? [process.execPath, [gyp]] : ['node-gyp', []];
  execFileSync(cmd, [...args, 'rebuild', `--directory=${join(root, 'native')}`, '--loglevel=warn'], { stdio: 'inherit' });
  mkdirSync(dirname(prebuild), { recursive: true });
  copyFileSync(built, prebuild);
}

if (process.argv.includes('--install')) {
  if (existsSync(prebuild) && loads(prebuild)) process.exit(0);
  try {
    buildFromSource();
  } catch (err) {
    console.error(`tsdsm: no prebuilt native addon for ${platformDir} loads, and the source build failed (node-gyp needs a C compiler, make and python3): ${err.message.split('\n')[0]}. The native backend will not load; every other backend works.`);
  }
  process.exit(0);
}
buildFromSource();
