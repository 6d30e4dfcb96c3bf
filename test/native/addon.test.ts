/**
 * The native addon (native/src/tsdsm_native.c) on its own, without any protocol: real
 * mprotect faults in a main thread, resolved by a stand-in protocol thread that grants what
 * is asked (fixtures/grant-server.ts). Faulting scenarios run in a child process with a
 * timeout: a fault that is never granted blocks its thread, and it must not be jest's.
 *
 * When the addon is not built these tests fail, saying how to build it: they never skip.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from '@jest/globals';
import { DsmNativeLoadError, loadAddon, loadAddonFrom } from '../../native/index.js';

const scenarioFile = fileURLToPath(new URL('./fixtures/fault-scenarios.js', import.meta.url));
const scenarioTimeoutMs = 15000;

function runScenario(name: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [scenarioFile, name], { timeout: scenarioTimeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`scenario ${name} failed (${err.killed ? `killed after ${scenarioTimeoutMs} ms` : `exit ${String(err.code)}`}): ${stderr.trim()}`));
        return;
      }
      resolve(JSON.parse(stdout.trim().split('\n').pop()!));
    });
  });
}

describe('native addon: faults in a main thread, resolved by a protocol thread', () => {
  test('the addon loads (build it with npm run build:native)', () => {
    const addon = loadAddon();
    expect(addon.systemPageSize()).toBeGreaterThan(0);
  });

  test('bytes written through the alias are seen through the read-only view without a fault', async () => {
    expect(await runScenario('alias')).toEqual({ seen: 0x1234567, faults: 0 });
  });

  test('a read of a page with access none is one read fault, then sees the page', async () => {
    expect(await runScenario('readFault')).toEqual({ value: 77, faults: [{ offset: 2 * 4096 + 20, write: false }], steps: 1 });
  });

  test('a store to a read-only page is one write fault; the store lands in the region', async () => {
    expect(await runScenario('writeFault')).toEqual({ alias: -5, faults: [{ offset: 3 * 4096 + 28, write: true }] });
  });

  test('upgrade: a read fault, then a write fault on the same page, then no more faults', async () => {
    expect(await runScenario('upgrade')).toEqual({
      alias: 9, copied: 9, faults: [{ offset: 4096, write: false }, { offset: 4096, write: true }], laterFaults: 0,
    });
  });

  test('access none → read → write: each level allows exactly what it should', async () => {
    expect(await runScenario('transitions')).toEqual({
      'read on read': 0, 'write on write': 0, 'read on write': 0, 'read on none': 1, 'write on read': 1,
    });
  });

  test('a WebAssembly out-of-bounds trap still throws in JavaScript with the handler installed (chained), and our faults still work', async () => {
    // V8 reports a trap as WebAssembly.RuntimeError, as it does without the addon.
    expect(await runScenario('wasm')).toEqual({
      inBounds: 0, error: 'RuntimeError: memory access out of bounds', faults: [{ offset: 2 * 4096, write: true }],
    });
  });
});

describe('native addon: usage errors', () => {
  /** The error, checked by name and code: the addon's TypeError is the main realm's, not jest's sandbox's. */
  const usage = (f: () => unknown, name: string): void => {
    let error: { name?: string; code?: string; message?: string } = {};
    try {
      f();
    } catch (err) {
      error = err as typeof error;
    }
    expect({ name: error.name, code: error.code }).toEqual({ name: 'TypeError', code: 'ERR_TSDSM_NATIVE_USAGE' });
    expect(error.message).toMatch(new RegExp(`^usage: ${name}\\(`));
    expect(error.message).not.toContain('\n');
  };

  test('wrong argument counts and types throw one-line usage errors', () => {
    const addon = loadAddon() as unknown as Record<string, (...args: unknown[]) => unknown>;
    usage(() => addon['createRegion']!(), 'createRegion');
    usage(() => addon['createRegion']!('4', 4096), 'createRegion');
    usage(() => addon['createRegion']!(4, 4096, 1), 'createRegion');
    usage(() => addon['createRegion']!(4, 100), 'createRegion');
    usage(() => addon['createRegion']!(-1, 4096), 'createRegion');
    usage(() => addon['createRegion']!(1.5, 4096), 'createRegion');
    usage(() => addon['view']!(), 'view');
    usage(() => addon['view']!(9999), 'view');
    usage(() => addon['alias']!(null), 'alias');
    usage(() => addon['setAccess']!(0, 0), 'setAccess');
    usage(() => addon['setAccess']!(0, 0, 'write'), 'setAccess');
    usage(() => addon['control']!(1), 'control');
    usage(() => addon['grant']!(1), 'grant');
    usage(() => addon['createRegion']!(4, 4096, 987654), 'createRegion');
    usage(() => addon['createMemfd']!(), 'createMemfd');
    usage(() => addon['setAccessRange']!(0, 0, 0, 1), 'setAccessRange');
    usage(() => addon['setAccessRange']!(0, 0, 1), 'setAccessRange');
    usage(() => addon['createMemfd']!(0), 'createMemfd');
    usage(() => addon['unmap']!(new Uint8Array(4)), 'unmap');
  });

  test('the loader lists every path it tried when none loads', () => {
    const paths = ['/nonexistent/a/tsdsm_native.node', fileURLToPath(import.meta.url)];
    let error: unknown;
    try {
      loadAddonFrom(paths);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DsmNativeLoadError);
    const message = (error as Error).message;
    expect(message).toContain('npm run build:native');
    expect(message).toContain('/nonexistent/a/tsdsm_native.node: no such file');
    expect(message).toContain(`${paths[1]}: `);
    expect((error as DsmNativeLoadError).tried).toHaveLength(2);
  });
});
