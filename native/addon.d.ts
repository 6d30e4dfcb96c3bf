/**
 * The native addon's surface (native/src/tsdsm_native.c), typed by hand. Mechanism only:
 * every call checks its argument count and types and throws a one-line TypeError
 * ("usage: ...", code ERR_TSDSM_NATIVE_USAGE) otherwise; it decides nothing.
 */
export interface NativeAddon {
  /** Maps a zero-filled region of `pages` * `pageSize` bytes twice; every page of the view starts read-only. Returns its id. */
  createRegion(pages: number, pageSize: number): number;
  /** The application view (guarded by setAccess) as an external ArrayBuffer. */
  view(region: number): ArrayBuffer;
  /** The always-writable alias of the same bytes, for the protocol. */
  alias(region: number): ArrayBuffer;
  /** mprotect of one page of the view: 0 none, 1 read, 2 write. */
  setAccess(region: number, page: number, access: 0 | 1 | 2): void;
  /** The process's fault record, 16 int32 words (see `controlWord` in native/index.ts). */
  control(): ArrayBuffer;
  /** The read end of the wake pipe (non-blocking); a byte arrives after every fault record and every step. -1 before the first region. */
  wakeFd(): number;
  /** Lets the pending fault retry; throws when no fault is pending. */
  grant(): void;
  systemPageSize(): number;
  /** Tests only: the trap handler sleeps `us` microseconds after each step (0: off). */
  setStepDelay(us: number): void;
}
