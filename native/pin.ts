/**
 * The pin: how an access of several instructions to the guarded view is kept whole.
 *
 * Theory. The protocol thread learns that a granted access has run from the trap-flag step
 * (native/src/tsdsm_native.c): the faulting instruction runs once more, then SIGTRAP. That
 * covers every access of ONE instruction: a typed-array element load or store (`a[i]`,
 * `cpu.memory.getInt32`, `view.get(i)`), which V8 compiles to one mov, interpreted or
 * optimized. It does not cover an access of several instructions: a byte-range copy (memcpy,
 * `rep movsb`), a DataView builtin that stores a word one byte at a time, `TypedArray`
 * `set`/`fill`/`copyWithin`/`slice`/`sort`. After the step of its first instruction the
 * protocol thread may take the page away (serve a WRITE_FWD, an INVALIDATE, a READ_FWD that
 * downgrades and copies it) between two instructions of that one access, and the copy that
 * leaves holds half of it: another CPU reads a value nobody wrote.
 *
 * So every such access the API offers runs pinned. The program thread takes the pin word,
 * checks in the protocol's access table (shared, written only by the protocol thread) that
 * every page of the range has the access it needs, runs the access, which then cannot fault,
 * and lets go. The protocol thread takes the same word around every input that may change a
 * page's access or copy a page (a frame, a step, a fault, a sync call): while the program
 * holds it, inputs wait, in order, and run as soon as the program lets go. When a page of the
 * range is missing, the program lets go, faults that page in with one instruction (a load; for
 * write, `Atomics.add(..., 0)`: one locked read-modify-write that stores what it read) and
 * tries again. (A page fetched early may be taken again while a later one is fetched: the
 * loop ends once every page is there at the same moment, as on worker threads.)
 *
 * The word:
 *   0  free
 *   1  pinned: the program is inside an access
 *   2  held by the protocol thread for one input
 *   3  pinned, and the protocol thread has inputs waiting: the program tells it when it lets go
 *
 * Neither side waits for the other while it holds the word: a pinned access never faults and
 * calls nothing that could (no program callback runs while pinned), and an input never blocks.
 * So the program waits for the protocol thread at most one input, and the protocol thread
 * never waits at all (its inputs queue).
 *
 * Layout of the CPU's shared buffer (created by the CPU's main thread, given to its protocol
 * thread): int32 words [0] sync, [1] pin; then one access code per page (0 none, 1 read,
 * 2 write), the protocol thread's AliasMemory table.
 */

import { DsmError } from '../src/core/errors.js';

/** Values of the pin word (see the header). */
export const pinWord = { free: 0, pinned: 1, protocol: 2, pinnedWaiting: 3 } as const;

const syncIndex = 0;
const pinIndex = 1;
const tableOffset = 8;

/** The words and table a native CPU's two threads share. */
export interface CpuShared {
  readonly buffer: SharedArrayBuffer;
  /** [0]: the sync word (messages.ts syncWord); [1]: the pin word. */
  readonly words: Int32Array;
  /** The protocol's access code per page. */
  readonly access: Uint8Array;
}

export function createCpuShared(pages: number): CpuShared {
  return cpuShared(new SharedArrayBuffer(tableOffset + pages));
}

export function cpuShared(buffer: SharedArrayBuffer): CpuShared {
  return { buffer, words: new Int32Array(buffer, 0, 2), access: new Uint8Array(buffer, tableOffset) };
}

export const sharedWord = { sync: syncIndex, pin: pinIndex } as const;

/** A fault inside a pinned access: a bug in tsdsm (the range pinned is not the range touched). */
export class DsmPinError extends DsmError {}

/**
 * The program thread's side: `pinned(address, length, code, access)` runs `access` once every
 * page of [address, address + length) has access `code` (1 read, 2 write) and keeps them until
 * it returns.
 */
export class PinGate {
  private readonly words: Int32Array;
  private readonly table: Uint8Array;
  /** Pinned accesses that had to fault a page in first, and their retries (statistics). */
  retries = 0;
  private sink = 0;

  constructor(
    shared: CpuShared,
    /** The guarded view as bytes: a touch faults through it. */
    private readonly view: Uint8Array,
    private readonly pageShift: number,
    /** Tells the protocol thread that the program let go while it had inputs waiting. */
    private readonly onRelease: () => void,
  ) {
    this.words = shared.words;
    this.table = shared.access;
  }

  pinned<T>(address: number, length: number, code: 1 | 2, access: () => T): T {
    if (length <= 0) return access();
    const first = address >>> this.pageShift;
    const last = (address + length - 1) >>> this.pageShift;
    for (;;) {
      this.take();
      let missing = -1;
      for (let p = first; p <= last; p++) {
        if (this.table[p]! < code) {
          missing = p;
          break;
        }
      }
      if (missing < 0) {
        try {
          return access();
        } finally {
          this.release();
        }
      }
      this.release();
      this.retries += 1;
      this.touch(missing, code);
    }
  }

  /** Whether the program is inside a pinned access (a fault now is a DsmPinError). */
  static isPinned(words: Int32Array): boolean {
    const w = Atomics.load(words, pinIndex);
    return w === pinWord.pinned || w === pinWord.pinnedWaiting;
  }

  private take(): void {
    for (;;) {
      const seen = Atomics.compareExchange(this.words, pinIndex, pinWord.free, pinWord.pinned);
      if (seen === pinWord.free) return;
      // The protocol thread holds it for one input, which does not block: wait for its release.
      Atomics.wait(this.words, pinIndex, seen, 100);
    }
  }

  private release(): void {
    if (Atomics.exchange(this.words, pinIndex, pinWord.free) === pinWord.pinnedWaiting) this.onRelease();
  }

  /** One instruction that needs `code` on `page`: the MMU faults it in if the protocol has not granted it. */
  private touch(page: number, code: 1 | 2): void {
    const address = page << this.pageShift;
    if (code === 2) Atomics.add(this.view, address, 0);
    else this.sink ^= this.view[address]!;
  }
}

/**
 * The protocol thread's side: `enter()` before an input, `leave()` after it. `enter()` is
 * false while the program is pinned; the caller queues the input and runs it after the
 * program's release (which it learns from `onRelease` of the program's PinGate).
 */
export class PinLatch {
  private readonly words: Int32Array;

  constructor(shared: CpuShared) {
    this.words = shared.words;
  }

  enter(): boolean {
    for (;;) {
      const seen = Atomics.compareExchange(this.words, pinIndex, pinWord.free, pinWord.protocol);
      if (seen === pinWord.free) return true;
      if (seen === pinWord.pinnedWaiting) return false;
      if (seen === pinWord.protocol) throw new DsmPinError('the pin word is already held by the protocol thread (inputs nested)');
      // Pinned: say that inputs wait, unless the program let go meanwhile (then take it again).
      if (Atomics.compareExchange(this.words, pinIndex, pinWord.pinned, pinWord.pinnedWaiting) === pinWord.pinned) return false;
    }
  }

  leave(): void {
    Atomics.store(this.words, pinIndex, pinWord.free);
    Atomics.notify(this.words, pinIndex);
  }
}
