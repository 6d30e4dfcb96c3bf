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
 * So every such access the API offers runs pinned, one page at a time. The program thread
 * takes the pin word, checks in the protocol's access table (shared, written only by the
 * protocol thread) that the page has the access it needs, runs its piece of the access, which
 * then cannot fault, and lets go. The protocol thread takes the same word around every input
 * that may change a page's access or copy a page (a frame, a step, a fault, a sync call):
 * while the program holds it, inputs wait, in order, and run as soon as the program lets go.
 *
 * An access of several pages is cut at page boundaries, and each piece is pinned on its own:
 * elements and words never straddle a page (views and accessor types are aligned, and a page
 * is a multiple of 8 bytes), so no word can be split, and a piece never holds one page while
 * it waits for another (hold-and-wait between two CPUs that each pin a page the other wants
 * would deadlock them). A read of many pages is a sequence of element reads, as a loop
 * would do it: each element whole, the range as a whole not one snapshot.
 *
 * When the page is missing, the program does not let the pin go and retry: the page it
 * faulted in could be taken again before it pinned it, and under contention forever (a
 * livelock the step delay of the tests shows at once). It hands the pin to the protocol
 * thread with what it wants (page and access in words [2] and [3]), as the word `wanted`,
 * and faults the page in with one instruction (a load; for write, `Atomics.add(..., 0)`, one
 * locked read-modify-write that stores what it read). The protocol thread serves inputs as
 * usual while the word is `wanted`, and at the end of the first input after which the page
 * has that access it leaves the word `pinned` instead of `wanted`: the page is the program's
 * from the moment it is granted, and the program runs its piece as soon as its touch returns.
 *
 * The word:
 *   0  free
 *   1  pinned: the program is inside an access
 *   2  held by the protocol thread for one input
 *   3  pinned, and the protocol thread has inputs waiting: the program tells it when it lets go
 *   4  wanted: the program is faulting a page in and wants the pin when it is granted
 *   5  held by the protocol thread for one input, with the program's want standing
 *
 * Neither side waits for the other while it holds the word: a pinned piece never faults and
 * calls nothing that could (no program callback runs while pinned), and an input never blocks.
 * So the program waits for the protocol thread at most one input, and the protocol thread
 * never waits at all (its inputs queue).
 *
 * Layout of the CPU's shared buffer (created by the CPU's main thread, given to its protocol
 * thread): int32 words [0] sync, [1] pin, [2] wanted page, [3] wanted access; then one access
 * code per page (0 none, 1 read, 2 write), the protocol thread's AliasMemory table.
 */

import { DsmPinError } from '../src/runtime/errors.js';

/** Values of the pin word (see the header). */
export const pinWord = { free: 0, pinned: 1, protocol: 2, pinnedWaiting: 3, wanted: 4, protocolWanted: 5 } as const;

const syncIndex = 0;
const pinIndex = 1;
const wantPageIndex = 2;
const wantCodeIndex = 3;
const tableOffset = 16;

/** The words and table a native CPU's two threads share. */
export interface CpuShared {
  readonly buffer: SharedArrayBuffer;
  /** [0]: the sync word (messages.ts syncWord); [1]: the pin word; [2], [3]: the page and access the program wants. */
  readonly words: Int32Array;
  /** The protocol's access code per page. */
  readonly access: Uint8Array;
}

export function createCpuShared(pages: number): CpuShared {
  return cpuShared(new SharedArrayBuffer(tableOffset + pages));
}

export function cpuShared(buffer: SharedArrayBuffer): CpuShared {
  return { buffer, words: new Int32Array(buffer, 0, 4), access: new Uint8Array(buffer, tableOffset) };
}

export const sharedWord = { sync: syncIndex, pin: pinIndex } as const;

export { DsmPinError };

/**
 * The program thread's side: `pinned(address, length, code, piece)` calls `piece(start, end)`
 * for each page's part of [address, address + length), in order, each while that page has
 * access `code` (1 read, 2 write) and cannot lose it.
 */
export class PinGate {
  private readonly words: Int32Array;
  private readonly table: Uint8Array;
  private readonly pageSize: number;
  private sink = 0;

  constructor(
    shared: CpuShared,
    /** The guarded view as bytes: a touch faults through it. */
    private readonly view: Uint8Array,
    pageShift: number,
    /** Tells the protocol thread that the program let go while it had inputs waiting. */
    private readonly onRelease: () => void,
  ) {
    this.words = shared.words;
    this.table = shared.access;
    this.pageSize = 2 ** pageShift;
  }

  pinned(address: number, length: number, code: 1 | 2, piece: (start: number, end: number) => void): void {
    const end = address + length;
    let at = address;
    while (at < end) {
      const page = Math.floor(at / this.pageSize);
      const stop = Math.min(end, (page + 1) * this.pageSize);
      this.pinPage(page, code);
      try {
        piece(at, stop);
      } finally {
        this.release();
      }
      at = stop;
    }
  }

  /** Whether the program is inside a pinned access (a fault now is a DsmPinError). */
  static isPinned(words: Int32Array): boolean {
    const w = Atomics.load(words, pinIndex);
    return w === pinWord.pinned || w === pinWord.pinnedWaiting;
  }

  /** Returns holding the pin word, with `page` at access `code` or more. */
  private pinPage(page: number, code: 1 | 2): void {
    this.take();
    while (this.table[page]! < code) {
      this.words[wantPageIndex] = page;
      this.words[wantCodeIndex] = code;
      if (Atomics.exchange(this.words, pinIndex, pinWord.wanted) === pinWord.pinnedWaiting) this.onRelease();
      this.touch(page, code);
      this.awaitHandover();
    }
  }

  /** After a touch: the protocol thread left the word pinned for us, or never saw the want (no fault, or a fault that raced with a grant). */
  private awaitHandover(): void {
    for (;;) {
      const seen = Atomics.load(this.words, pinIndex);
      if (seen === pinWord.pinned || seen === pinWord.pinnedWaiting) return;
      if (seen === pinWord.wanted) {
        if (Atomics.compareExchange(this.words, pinIndex, pinWord.wanted, pinWord.pinned) === pinWord.wanted) return;
      } else if (seen === pinWord.protocolWanted) {
        Atomics.wait(this.words, pinIndex, seen, 100);
      } else {
        throw new DsmPinError(`the pin word is ${seen} while the program wants page ${this.words[wantPageIndex]}: nobody else may set it`);
      }
    }
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
    const address = page * this.pageSize;
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
  private readonly table: Uint8Array;

  constructor(shared: CpuShared) {
    this.words = shared.words;
    this.table = shared.access;
  }

  enter(): boolean {
    for (;;) {
      const seen = Atomics.compareExchange(this.words, pinIndex, pinWord.free, pinWord.protocol);
      if (seen === pinWord.free) return true;
      if (seen === pinWord.wanted) {
        if (Atomics.compareExchange(this.words, pinIndex, pinWord.wanted, pinWord.protocolWanted) === pinWord.wanted) return true;
        continue;
      }
      if (seen === pinWord.pinnedWaiting) return false;
      if (seen === pinWord.protocol || seen === pinWord.protocolWanted) {
        throw new DsmPinError('the pin word is already held by the protocol thread (inputs nested)');
      }
      // Pinned: say that inputs wait, unless the program let go meanwhile (then take it again).
      if (Atomics.compareExchange(this.words, pinIndex, pinWord.pinned, pinWord.pinnedWaiting) === pinWord.pinned) return false;
    }
  }

  /** After an input: free, or, if the program wants a page that now has its access, pinned on its behalf. */
  leave(): void {
    let next: number = pinWord.free;
    if (Atomics.load(this.words, pinIndex) === pinWord.protocolWanted) {
      const granted = this.table[this.words[wantPageIndex]!]! >= this.words[wantCodeIndex]!;
      next = granted ? pinWord.pinned : pinWord.wanted;
    }
    Atomics.store(this.words, pinIndex, next);
    Atomics.notify(this.words, pinIndex);
  }
}
