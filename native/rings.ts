/**
 * The mapping the CPU processes of one host share (transport 'ring', the default on one
 * host): one doorbell per CPU and one ring per ordered pair of CPUs (src/transport/ring.ts).
 * It carries messages only; no CPU's memory is in it. The cluster makes the file (zeros) in
 * its directory, every CPU maps it (addon mapShared) and finds its rings by this layout.
 *
 *   per CPU, 64 bytes (a cache line of its own):
 *     word 0  bell: bumped after every frame put into one of this CPU's rings
 *     word 1  sleeping: 1 while this CPU's protocol thread is in poll(2) or about to be;
 *             a writer that reads 1 writes a byte to the CPU's FIFO (its kernel doorbell)
 *   then, for from = 0..N-1 and to = 0..N-1 (from != to), the ring from `from` to `to`
 *
 * Wake-ups are never lost: the writer stores the frame, bumps the bell, then reads `sleeping`;
 * the sleeper stores `sleeping`, then reads the bell (and its rings) before it polls. Both are
 * sequentially consistent Atomics, so at least one of them sees the other's store: either the
 * writer sees `sleeping` and rings the FIFO, or the sleeper sees the frame and does not sleep.
 */
import { constants, openSync } from 'node:fs';
import type { DsmConfig } from '../src/core/config.js';
import { RingLink, RingReader, RingWriter, ringMesh } from '../src/transport/ring.js';
import type { NativeAddon } from './addon.js';
import { bellPath, ringsPath } from './paths.js';

const bellBytes = 64;
export const bellWord = { bell: 0, sleeping: 1 } as const;

export interface RingsLayout {
  /** Bytes of the file. */
  readonly bytes: number;
  /** Capacity of each ring in bytes (a power of two): several of the largest common frame (a page and its header). */
  readonly capacity: number;
  /** Index of CPU `cpu`'s bell in an Int32Array over the mapping (word `bell`; `sleeping` follows). */
  bellIndex(cpu: number): number;
  /** Byte offset of the ring from `from` to `to`. */
  ringOffset(from: number, to: number): number;
}

export function ringsLayout(config: Pick<DsmConfig, 'cpus' | 'pageSize'>): RingsLayout {
  const base = config.cpus * bellBytes;
  const mesh = ringMesh(config.cpus, config.pageSize, base);
  return {
    bytes: base + mesh.bytes,
    capacity: mesh.capacity,
    bellIndex: (cpu) => (cpu * bellBytes) / 4,
    ringOffset: mesh.ringOffset,
  };
}

/**
 * This CPU's rings (transport 'ring'): it writes to CPU j through `writers[j]` and reads what
 * j wrote from `readers[j]`, and wakes j by bumping j's bell and, when j sleeps, writing a
 * byte to j's FIFO (native/rings.ts says why no wake-up is lost).
 */
export class Rings {
  readonly readers: (RingReader | null)[];
  /** This CPU's FIFO, read end (the loop polls it). */
  readonly bellFd: number;
  private readonly words: Int32Array;
  private readonly writers: (RingLink | null)[];
  private readonly peerFds: number[];
  private readonly bell: number;
  private readonly layout: RingsLayout;

  constructor(private readonly addon: NativeAddon, dir: string, cpu: number, config: Pick<DsmConfig, 'cpus' | 'pageSize'>) {
    this.layout = ringsLayout(config);
    const map = addon.mapShared(ringsPath(dir), this.layout.bytes);
    this.words = new Int32Array(map);
    this.bell = this.layout.bellIndex(cpu);
    this.bellFd = addon.openBell(bellPath(dir, cpu));
    const cap = this.layout.capacity;
    const each = <T>(make: (j: number) => T): (T | null)[] => Array.from({ length: config.cpus }, (_, j) => (j === cpu ? null : make(j)));
    this.readers = each((j) => new RingReader(map, this.layout.ringOffset(j, cpu), cap));
    this.writers = each((j) => new RingLink(new RingWriter(map, this.layout.ringOffset(cpu, j), cap)));
    this.peerFds = new Array<number>(config.cpus).fill(-1);
  }

  /** Opens CPU j's FIFO at `path` (it made it before it said hello); returns what sends a payload to j. */
  connect(j: number, path: string): (payload: Uint8Array) => void {
    this.peerFds[j] = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
    const link = this.writers[j]!;
    return (payload) => {
      link.send(payload);
      this.notify(j);
    };
  }

  /** CPU j has something new in its rings: bump its bell, and if it sleeps, ring its FIFO. */
  notify(j: number): void {
    const at = this.layout.bellIndex(j);
    Atomics.add(this.words, at + bellWord.bell, 1);
    if (Atomics.load(this.words, at + bellWord.sleeping) === 1) this.addon.ring(this.peerFds[j]!);
  }

  /** Sends what waited for room in a full ring; true when something went. */
  flush(): boolean {
    let sent = false;
    this.writers.forEach((link, j) => {
      if (link === null || link.queued === 0) return;
      if (!link.flush()) return;
      sent = true;
      this.notify(j);
    });
    return sent;
  }

  /** This CPU's bell: bumped after every frame put into one of its rings. */
  seen(): number {
    return Atomics.load(this.words, this.bell + bellWord.bell);
  }

  /** About to sleep: from now on writers ring the FIFO. False (and awake) when the bell moved since `seen`. */
  sleep(seen: number): boolean {
    Atomics.store(this.words, this.bell + bellWord.sleeping, 1);
    if (Atomics.load(this.words, this.bell + bellWord.bell) === seen) return true;
    this.awake();
    return false;
  }

  awake(): void {
    Atomics.store(this.words, this.bell + bellWord.sleeping, 0);
  }
}
