/**
 * A ring-buffer message channel in shared memory: one writer, one reader, frames of any
 * length, bounded, never blocking the writer. It serves worker threads (over a
 * SharedArrayBuffer) and the native backend's processes of one host (over a MAP_SHARED
 * mapping, an external ArrayBuffer: native/rings.ts) with the same code, since it uses
 * nothing but typed arrays and Atomics. It carries messages only, never a CPU's memory.
 *
 * Layout at `byteOffset` (ringBytes(capacity) bytes in all):
 *
 *   word 0    head: bytes the reader has consumed (a counter, modulo 2^32)
 *   word 16   tail: bytes the writer has published (its own cache line)
 *   word 32   room wanted: 1 when the writer found no room (the reader says when it made some)
 *   byte 192  the data: `capacity` bytes, a power of two
 *
 * A record is a uint32 header, then its bytes, at a 4-aligned position, never split by the
 * end of the data: header bit 31 marks padding (skip to the start), bit 30 "more" (a fragment:
 * the frame goes on in the next record), the low 30 bits the record's length. A record holds
 * at most capacity/2 - 4 bytes, so one always fits in an empty ring even after padding; a
 * longer frame goes as fragments, which the reader joins.
 *
 * Ordering. The writer writes a record's bytes, then stores `tail`; the reader loads `tail`,
 * then reads the bytes, then stores `head`; the writer loads `head` before it reuses space.
 * JavaScript's Atomics are sequentially consistent (and the engine does not move plain
 * accesses across them), so a reader that sees a tail sees every byte before it, and a writer
 * that sees a head never overwrites bytes the reader has yet to copy.
 *
 * No lost "room came back". A writer that finds no room stores `room wanted`, then looks at
 * `head` again (it may have moved just before); a reader that moved `head` then loads the
 * flag and, if set, clears it and reports it (takeRoomWanted). One of the two sees the
 * other's store, so either the writer goes on at once or the runtime wakes it.
 *
 * Waking the reader is not the ring's business: a runtime's reader waits on one doorbell for
 * all its rings at once, and every writer rings it after publishing. Worker threads spin on
 * their doorbell word a bounded while, then sleep in Atomics.wait on it (a futex; the
 * doorbell is read before the rings are looked at, so a frame published after the look has
 * bumped it and the wait returns at once: workers/cpu.ts). Native processes do the same with
 * a kernel wait through the addon (native/rings.ts says why no wake-up is lost there).
 *
 * A mesh (ringMesh) is one ring per ordered pair of N CPUs, laid out one after the other
 * from a base offset, and RingEnds is one CPU's ends of it (a writer to every other CPU, a
 * reader from every other): both runtimes talk through these two.
 */

const headWord = 0;
const tailWord = 16;
const roomWord = 32;
const dataStart = 192;
const padFlag = 0x80000000;
const moreFlag = 0x40000000;
const lengthMask = 0x3fffffff;

/** The bytes one ring takes (header included) for a capacity (a power of two, at least 64). */
export function ringBytes(capacity: number): number {
  checkCapacity(capacity);
  return dataStart + capacity;
}

/** The smallest capacity a ring may have that holds at least `bytes`: a power of two. */
export function ringCapacity(bytes: number): number {
  let c = 64;
  while (c < bytes) c *= 2;
  return c;
}

/** Where the rings of N CPUs lie: one per ordered pair (from != to), from `base` on. */
export interface RingMesh {
  /** Bytes from `base` to the end of the last ring. */
  readonly bytes: number;
  /** Capacity of each ring in bytes (a power of two). */
  readonly capacity: number;
  /** Byte offset of the ring from `from` to `to`. */
  ringOffset(from: number, to: number): number;
}

/**
 * The rings of `cpus` CPUs whose largest common frame is a page and its header: each ring
 * holds several of those, so a page in flight never waits for room.
 */
export function ringMesh(cpus: number, pageSize: number, base = 0): RingMesh {
  if (base % 8 !== 0) throw new RangeError(`ring mesh at byte ${base}: it must start at a multiple of 8`);
  const capacity = ringCapacity(Math.max(64 * 1024, 4 * (pageSize + 4096)));
  const one = ringBytes(capacity);
  return {
    bytes: cpus * cpus * one,
    capacity,
    ringOffset: (from, to) => base + (from * cpus + to) * one,
  };
}

function checkCapacity(capacity: number): void {
  if (!Number.isInteger(capacity) || capacity < 64 || capacity > 1 << 30 || (capacity & (capacity - 1)) !== 0) {
    throw new RangeError(`ring capacity = ${capacity}: it must be a power of two from 64 to 2^30 bytes`);
  }
}

class RingEnd {
  protected readonly words: Int32Array;
  protected readonly data: Uint8Array;
  protected readonly view: DataView;
  protected readonly mask: number;
  /** The longest record's payload. */
  protected readonly maxRecord: number;

  constructor(buf: ArrayBufferLike, byteOffset: number, readonly capacity: number) {
    checkCapacity(capacity);
    if (byteOffset % 8 !== 0) throw new RangeError(`ring at byte ${byteOffset}: it must start at a multiple of 8`);
    if (byteOffset + ringBytes(capacity) > buf.byteLength) {
      throw new RangeError(`ring at byte ${byteOffset} of ${capacity} bytes does not fit in a buffer of ${buf.byteLength}`);
    }
    this.words = new Int32Array(buf, byteOffset, dataStart / 4);
    this.data = new Uint8Array(buf, byteOffset + dataStart, capacity);
    this.view = new DataView(buf, byteOffset + dataStart, capacity);
    this.mask = capacity - 1;
    this.maxRecord = capacity / 2 - 4;
  }
}

/** The writing end: publishes records, or says there is no room. */
export class RingWriter extends RingEnd {
  /**
   * Writes as much of `frame` from byte `from` as fits, whole records only; returns -1 when
   * the frame is all written, else where it got to (`from` when nothing fit). A frame of 0
   * bytes is one empty record.
   */
  write(frame: Uint8Array, from: number): number {
    let at = from;
    let last = false;
    let tail = Atomics.load(this.words, tailWord) >>> 0;
    do {
      const n = Math.min(frame.byteLength - at, this.maxRecord);
      const size = 4 + ((n + 3) & ~3);
      let pos = tail & this.mask;
      const pad = this.capacity - pos < size ? this.capacity - pos : 0;
      if (!this.room(tail, pad + size)) break;
      if (pad > 0) {
        this.view.setUint32(pos, padFlag, true);
        tail = (tail + pad) >>> 0;
        pos = 0;
      }
      const more = at + n < frame.byteLength;
      this.view.setUint32(pos, n | (more ? moreFlag : 0), true);
      this.data.set(frame.subarray(at, at + n), pos + 4);
      tail = (tail + size) >>> 0;
      at += n;
      last = !more;
      // Published record by record, so a frame longer than the ring flows through it.
      Atomics.store(this.words, tailWord, tail | 0);
    } while (!last);
    return last ? -1 : at;
  }

  /**
   * Writes the whole frame if it fits now as one record; false (nothing written) if not.
   * A frame longer than capacity/2 - 4 never fits in one: send it through a RingLink.
   */
  trySend(frame: Uint8Array): boolean {
    // A frame of one record is written whole or not at all.
    return frame.byteLength <= this.maxRecord && this.write(frame, 0) < 0;
  }

  /** Whether `bytes` are free after `tail`; if not, says room is wanted and looks once more. */
  private room(tail: number, bytes: number): boolean {
    const free = (): number => this.capacity - ((tail - (Atomics.load(this.words, headWord) >>> 0)) >>> 0);
    if (free() >= bytes) return true;
    Atomics.store(this.words, roomWord, 1);
    return free() >= bytes;
  }
}

/** The reading end: frames in the order written, each a fresh copy. */
export class RingReader extends RingEnd {
  private parts: Uint8Array[] = [];
  private roomWanted = false;

  /** The next whole frame, or null when there is none yet (fragments seen so far are kept). */
  receive(): Uint8Array | null {
    let head = Atomics.load(this.words, headWord) >>> 0;
    const tail = Atomics.load(this.words, tailWord) >>> 0;
    let out: Uint8Array | null = null;
    while (head !== tail && out === null) {
      const pos = head & this.mask;
      const header = this.view.getUint32(pos, true);
      if ((header & padFlag) !== 0) {
        head = (head + (this.capacity - pos)) >>> 0;
        continue;
      }
      const n = header & lengthMask;
      const bytes = this.data.slice(pos + 4, pos + 4 + n);
      head = (head + 4 + ((n + 3) & ~3)) >>> 0;
      if ((header & moreFlag) !== 0) {
        this.parts.push(bytes);
        continue;
      }
      out = this.parts.length === 0 ? bytes : join([...this.parts, bytes]);
      this.parts = [];
    }
    if (head !== (Atomics.load(this.words, headWord) >>> 0)) {
      Atomics.store(this.words, headWord, head | 0);
      if (Atomics.load(this.words, roomWord) === 1 && Atomics.exchange(this.words, roomWord, 0) === 1) this.roomWanted = true;
    }
    return out;
  }

  /** Whether the writer wanted room since the last call and this reader made some: wake it. */
  takeRoomWanted(): boolean {
    const wanted = this.roomWanted;
    this.roomWanted = false;
    return wanted;
  }
}

function join(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/**
 * A writer that never blocks: a frame that does not fit (whole, or the rest of a long one)
 * waits in a private queue, in order, and flush() sends on when the reader has made room.
 */
export class RingLink {
  private readonly queue: Uint8Array[] = [];
  /** How much of queue[0] is written already. */
  private at = 0;

  constructor(private readonly writer: RingWriter) {}

  send(frame: Uint8Array): void {
    if (this.queue.length === 0) {
      const done = this.writer.write(frame, 0);
      if (done < 0) return;
      this.at = done;
      // A copy: the caller may reuse its buffer once send returns.
      this.queue.push(frame.slice());
      return;
    }
    this.queue.push(frame.slice());
  }

  /**
   * Writes what the queue holds, as far as room allows; true when it wrote anything (if only
   * part of a long frame: the reader must be woken to take the fragments and make room).
   */
  flush(): boolean {
    let wrote = false;
    while (this.queue.length > 0) {
      const frame = this.queue[0]!;
      const done = this.writer.write(frame, this.at);
      if (done >= 0) {
        wrote ||= done > this.at;
        this.at = done;
        return wrote;
      }
      wrote = true;
      this.queue.shift();
      this.at = 0;
    }
    return wrote;
  }

  /** Frames waiting for room. */
  get queued(): number {
    return this.queue.length;
  }
}

/**
 * One CPU's ends of a ring mesh: a writer that never blocks (RingLink) to every other CPU,
 * and a reader from every other. Waking is the runtime's: `wake(j)` rings CPU j's doorbell,
 * called here when j asked for room this CPU made, and when flush() sent j what waited; after
 * post() the caller wakes j itself.
 */
export class RingEnds {
  private readonly readers: (RingReader | null)[];
  private readonly links: (RingLink | null)[];
  /** Some link holds frames waiting for room (flush has work). */
  private waiting = false;
  /** Where the next scan of the readers starts, so that no peer's frames starve another's. */
  private next = 0;

  constructor(
    buffer: ArrayBufferLike,
    mesh: RingMesh,
    readonly cpu: number,
    readonly cpus: number,
    private readonly wake: (j: number) => void,
  ) {
    const each = <T>(make: (j: number) => T): (T | null)[] => Array.from({ length: cpus }, (_, j) => (j === cpu ? null : make(j)));
    this.readers = each((j) => new RingReader(buffer, mesh.ringOffset(j, cpu), mesh.capacity));
    this.links = each((j) => new RingLink(new RingWriter(buffer, mesh.ringOffset(cpu, j), mesh.capacity)));
  }

  /** Puts `frame` on its way to CPU `to` (queued if its ring is full); false when there is no ring to `to`. */
  post(to: number, frame: Uint8Array): boolean {
    const link = this.links[to];
    if (!link) return false;
    link.send(frame);
    if (link.queued > 0) this.waiting = true;
    return true;
  }

  /** The next frame from any peer, fairly, or null when none has arrived. */
  receive(): { from: number; frame: Uint8Array } | null {
    const n = this.readers.length;
    for (let k = 0; k < n; k++) {
      const from = (this.next + k) % n;
      const reader = this.readers[from];
      if (!reader) continue;
      const frame = reader.receive();
      if (reader.takeRoomWanted()) this.wake(from);
      if (frame === null) continue;
      this.next = (from + 1) % n;
      return { from, frame };
    }
    return null;
  }

  /** Sends on what waited for room, waking each reader that got something; true when anything went. */
  flush(): boolean {
    if (!this.waiting) return false;
    let sent = false;
    let waiting = false;
    this.links.forEach((link, j) => {
      if (link === null || link.queued === 0) return;
      if (link.flush()) {
        sent = true;
        this.wake(j);
      }
      if (link.queued > 0) waiting = true;
    });
    this.waiting = waiting;
    return sent;
  }
}
