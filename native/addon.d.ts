/**
 * The native addon's surface (native/src/tsdsm_native.c), typed by hand. Mechanism only:
 * every call checks its argument count and types and throws a one-line TypeError
 * ("usage: ...", code ERR_TSDSM_NATIVE_USAGE) otherwise; it decides nothing.
 */
export interface NativeAddon {
  /**
   * Maps a region of `pages` * `pageSize` bytes twice; every page of the view starts read-only.
   * Its bytes are a new zero-filled memfd, or the file `fd` (a memfd the cluster made,
   * `createMemfd`), which the region takes over (closes). Returns its id.
   */
  createRegion(pages: number, pageSize: number, fd?: number): number;
  /** The application view (guarded by setAccess) as an external ArrayBuffer. */
  view(region: number): ArrayBuffer;
  /** The always-writable alias of the same bytes, for the protocol. */
  alias(region: number): ArrayBuffer;
  /** mprotect of one page of the view: 0 none, 1 read, 2 write. */
  setAccess(region: number, page: number, access: 0 | 1 | 2): void;
  /** One mprotect of `count` consecutive pages from `first`. */
  setAccessRange(region: number, first: number, count: number, access: 0 | 1 | 2): void;
  /** The process's fault record, 16 int32 words (see `controlWord` in native/index.ts). */
  control(): ArrayBuffer;
  /** The read end of the wake pipe (non-blocking); a byte arrives after every fault record and every step. -1 before the first region. */
  wakeFd(): number;
  /** Lets the pending fault retry; throws when no fault is pending. */
  grant(): void;
  systemPageSize(): number;
  /** Tests only: the trap handler sleeps `us` microseconds after each step (0: off). */
  setStepDelay(us: number): void;
  /** Maps the first `bytes` of the file at `path` read-write and shared with every process that maps it (the rings between CPUs of one host; a CPU's region, for the cluster). */
  mapShared(path: string, bytes: number): ArrayBuffer;
  /** Detaches a buffer from mapShared (its views read as empty from then on) and unmaps it. */
  unmap(buffer: ArrayBuffer): void;
  /** A new zero-filled memfd of `bytes` bytes, close-on-exec: returns its fd. */
  createMemfd(bytes: number): number;
  /** Makes the FIFO at `path` if it is not there, opens it read-write and non-blocking: a CPU's doorbell. Returns the fd. */
  openBell(path: string): number;
  /** Writes one byte to `fd` without blocking (a full FIFO already holds a wake-up). */
  ring(fd: number): void;
  /** Writes to the wake pipe, as the fault handler does: wakes the protocol thread's loop. */
  wake(): void;
  /** Reads `fd` until it would block, discarding the bytes; returns how many, or -1 at end of file. */
  drain(fd: number): number;
  /** poll(2) for input on every fd of `fds` at once, for at most `timeoutMs`; `ready[i]` gets fd i's revents. Returns how many are ready. */
  waitFds(fds: Int32Array, ready: Int32Array, timeoutMs: number): number;
}
