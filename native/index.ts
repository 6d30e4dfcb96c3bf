/**
 * The native addon's loader and its typed wrapper. The package ships the addon compiled for
 * linux-x64 as prebuilds/linux-x64/tsdsm_native.node (N-API, one build for every Node
 * version); `npm run build:native` (scripts/native-build.mjs: node-gyp, native/binding.gyp)
 * builds it from source into native/build/Release and copies it there too. We look for it in
 * a list of places, in order, and when none works the error lists every path tried and why.
 *
 * TypeScript owns policy and argument validation; the C surface checks types and decides
 * nothing (STYLE.md: node-pty, better-sqlite3).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Access } from '../src/core/wire.js';
import type { NativeAddon } from './addon.js';

export type { NativeAddon } from './addon.js';

/** Words of the fault record (the `control` array of the C file). */
export const controlWord = {
  /** 0 idle, 1 fault pending, 2 granted. */
  state: 0,
  region: 1,
  /** Byte offset of the faulting address in its region. */
  offset: 2,
  /** 1 for a write fault. */
  write: 3,
  /** Faults posted so far. */
  faults: 4,
  /** Granted accesses that have run so far. */
  steps: 5,
} as const;

export const faultState = { idle: 0, pending: 1, granted: 2 } as const;

export const accessCodes: Readonly<Record<Access, 0 | 1 | 2>> = { none: 0, read: 1, write: 2 };

export class DsmNativeLoadError extends Error {
  constructor(readonly tried: readonly string[]) {
    super(
      `tsdsm native addon not found or not loadable on ${process.platform}-${process.arch} (the package ships a build for linux-x64); ` +
        `build it from source with \`npm explore tsdsm -- npm run build:native\` in your project, or \`npm run build:native\` in a clone ` +
        `(needs a C compiler, make and python3 for node-gyp). Tried:\n` +
        tried.map((t) => `  ${t}`).join('\n'),
    );
    this.name = 'DsmNativeLoadError';
  }
}

/**
 * Where the addon may be, most specific first: $TSDSM_NATIVE_ADDON, then a source build (made
 * on this machine, so it fits it), then the prebuild for this platform and architecture.
 */
export function addonCandidates(): string[] {
  const fromEnv = process.env['TSDSM_NATIVE_ADDON'];
  const rel = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
  const prebuild = `prebuilds/${process.platform}-${process.arch}/tsdsm_native.node`;
  return [
    ...(fromEnv ? [fromEnv] : []),
    // Compiled: dist/native/index.js, the package root two levels up.
    rel('../../native/build/Release/tsdsm_native.node'),
    rel(`../../${prebuild}`),
    // Sources run directly: native/index.ts, the root one level up.
    rel('./build/Release/tsdsm_native.node'),
    rel(`../${prebuild}`),
  ];
}

let loaded: NativeAddon | undefined;

/** Loads the addon once per thread (each worker thread gets its own module instance over the same C state). */
export function loadAddon(): NativeAddon {
  loaded ??= loadAddonFrom(addonCandidates());
  return loaded;
}

/** Loads the first of `paths` that loads; throws DsmNativeLoadError listing every path and why it failed. */
export function loadAddonFrom(paths: readonly string[]): NativeAddon {
  const require = createRequire(import.meta.url);
  const tried: string[] = [];
  for (const path of paths) {
    if (!existsSync(path)) {
      tried.push(`${path}: no such file`);
      continue;
    }
    try {
      return require(path) as NativeAddon;
    } catch (err) {
      tried.push(`${path}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  throw new DsmNativeLoadError(tried);
}

/** One region of this process: the guarded view, the protocol's alias, and per-page protection. */
export class Region {
  readonly id: number;
  readonly bytes: number;

  constructor(
    readonly addon: NativeAddon,
    readonly pages: number,
    readonly pageSize: number,
    /** An existing region of this process (another thread's), or where a new one's bytes are: `{ fd }`, a memfd it takes over. */
    from?: { id: number } | { fd: number },
  ) {
    if (from !== undefined && 'id' in from) this.id = from.id;
    else this.id = from === undefined ? addon.createRegion(pages, pageSize) : addon.createRegion(pages, pageSize, from.fd);
    this.bytes = pages * pageSize;
  }

  /** The application view: reads and writes fault when the page's access is too low. */
  view(): ArrayBuffer {
    return this.addon.view(this.id);
  }

  /** The always-writable alias of the same bytes. */
  alias(): ArrayBuffer {
    return this.addon.alias(this.id);
  }

  setAccess(page: number, access: Access): void {
    this.addon.setAccess(this.id, page, accessCodes[access]);
  }

  /** One mprotect for the pages [first, first + count). */
  setAccessRange(first: number, count: number, access: Access): void {
    this.addon.setAccessRange(this.id, first, count, accessCodes[access]);
  }
}
