/**
 * A CPU's region as a file both the cluster and the CPU's process map, so that the pages a run
 * starts from and the pages it ends with move by memcpy in the cluster's process instead of
 * through the control socket (on one host: a run that touched 16 MiB spent about 200 ms
 * serializing, sending and copying it, see docs/performance.md).
 *
 * The cluster makes a memfd of the region's bytes plus one trailing system page, writes a
 * random token at the start of that page, maps the region's bytes, and starts the CPU's
 * process with the memfd as its fd 3 and the token on its standard input. The process takes
 * fd 3 as its region only if it is a regular file of exactly that size whose token matches:
 * a launch command that does not pass fd 3 on (ssh to another machine, say) leaves the
 * process without it, or with an unrelated fd 3, and the process then makes a region of its
 * own and says so in its hello; the cluster then moves that CPU's pages through the control
 * socket, as frames, as before. The token is not a secret (whoever can read the file can read
 * the region anyway); it only tells our file from another.
 */
import { fstatSync, readSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { NativeAddon } from './addon.js';

/** The fd a CPU's process finds the cluster's region file at. */
export const regionFd = 3;
const tokenBytes = 16;
const trailerBytes = 4096;

/** The cluster's side: a new region file; `fd` goes to the CPU's process, `token` on its standard input. */
export function createRegionFile(addon: NativeAddon, bytes: number): { fd: number; token: string; memory: ArrayBuffer } {
  const fd = addon.createMemfd(bytes + trailerBytes);
  const token = randomBytes(tokenBytes);
  writeSync(fd, token, 0, tokenBytes, bytes);
  const memory = addon.mapShared(`/proc/self/fd/${fd}`, bytes);
  return { fd, token: token.toString('hex'), memory };
}

/** The CPU's side: `fd` when it is the cluster's region file of `bytes` whose token is `token`, else null. */
export function clusterRegionFd(bytes: number, token: string | undefined, fd = regionFd): number | null {
  if (token === undefined || token.length !== 2 * tokenBytes) return null;
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size !== bytes + trailerBytes) return null;
    const got = Buffer.alloc(tokenBytes);
    if (readSync(fd, got, 0, tokenBytes, bytes) !== tokenBytes) return null;
    return got.toString('hex') === token ? fd : null;
  } catch {
    return null;
  }
}
