/**
 * Diffs for multiple-writer protocols (hlrc): the bytes of a page that differ from its twin,
 * as runs of (offset, length, bytes). The wire format and its validator live in
 * src/core/wire.ts (`checkDiff`); the runtime computes and applies diffs because the core
 * never touches page bytes.
 */
import { checkDiff, diffRunHeaderBytes } from '../core/wire.js';

/**
 * The runs where `page` differs from `twin`. Runs are never merged across equal bytes: a byte
 * this CPU did not change must not be sent, because another writer may have changed it at
 * the home meanwhile (false sharing down to the byte).
 */
export function computeDiff(page: Uint8Array, twin: Uint8Array): Uint8Array {
  if (page.byteLength !== twin.byteLength) throw new RangeError(`computeDiff: page of ${page.byteLength} bytes, twin of ${twin.byteLength}`);
  const runs: [number, number][] = [];
  let total = 0;
  for (let i = 0; i < page.byteLength; ) {
    if (page[i] === twin[i]) {
      i += 1;
      continue;
    }
    const start = i;
    while (i < page.byteLength && page[i] !== twin[i]) i += 1;
    runs.push([start, i - start]);
    total += diffRunHeaderBytes + (i - start);
  }
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const [offset, length] of runs) {
    view.setUint32(at, offset, true);
    view.setUint32(at + 4, length, true);
    out.set(page.subarray(offset, offset + length), at + diffRunHeaderBytes);
    at += diffRunHeaderBytes + length;
  }
  return out;
}

/** Writes the runs of `diff` into `page`; throws RangeError on a malformed diff. */
export function applyDiff(page: Uint8Array, diff: Uint8Array): void {
  const why = checkDiff(diff, page.byteLength);
  if (why !== null) throw new RangeError(`applyDiff: ${why}`);
  const view = new DataView(diff.buffer, diff.byteOffset, diff.byteLength);
  for (let at = 0; at < diff.byteLength; ) {
    const offset = view.getUint32(at, true);
    const length = view.getUint32(at + 4, true);
    page.set(diff.subarray(at + diffRunHeaderBytes, at + diffRunHeaderBytes + length), offset);
    at += diffRunHeaderBytes + length;
  }
}
