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
import { closeSync, constants, ftruncateSync, openSync } from 'node:fs';
import type { DsmConfig } from '../src/core/config.js';
import { RingEnds, ringMesh, type RingMesh } from '../src/transport/ring.js';
import type { NativeAddon } from './addon.js';
import { bellPath, ringsPath } from './paths.js';

const bellBytes = 64;
export const bellWord = { bell: 0, sleeping: 1 } as const;

export interface RingsLayout {
  /** Bytes of the file. */
  readonly bytes: number;
  /** Index of CPU `cpu`'s bell in an Int32Array over the mapping (word `bell`; `sleeping` follows). */
  bellIndex(cpu: number): number;
  /** The rings, after the bells. */
  readonly mesh: RingMesh;
}

export function ringsLayout(config: Pick<DsmConfig, 'cpus' | 'pageSize'>): RingsLayout {
  const base = config.cpus * bellBytes;
  const mesh = ringMesh(config.cpus, config.pageSize, base);
  return { bytes: base + mesh.bytes, bellIndex: (cpu) => (cpu * bellBytes) / 4, mesh };
}

/** Makes the mapping's file in `dir`: zeros, so every ring is empty and every bell quiet. */
export function createRingsFile(dir: string, config: Pick<DsmConfig, 'cpus' | 'pageSize'>): void {
  const fd = openSync(ringsPath(dir), 'w', 0o600);
  try {
    ftruncateSync(fd, ringsLayout(config).bytes);
  } finally {
    closeSync(fd);
  }
}

/**
 * This CPU's rings (transport 'ring'): its ends of the mesh (`ends`: a writer to every other
 * CPU, a reader from every other), and the bells: it wakes j by bumping j's bell and, when j
 * sleeps, writing a byte to j's FIFO (the header says why no wake-up is lost).
 */
export class Rings {
  readonly ends: RingEnds;
  /** This CPU's FIFO, read end (the loop polls it). */
  readonly bellFd: number;
  private readonly words: Int32Array;
  private readonly peerFds: number[];
  private readonly bell: number;
  private readonly layout: RingsLayout;

  constructor(private readonly addon: NativeAddon, dir: string, cpu: number, config: Pick<DsmConfig, 'cpus' | 'pageSize'>) {
    this.layout = ringsLayout(config);
    const map = addon.mapShared(ringsPath(dir), this.layout.bytes);
    this.words = new Int32Array(map);
    this.bell = this.layout.bellIndex(cpu);
    this.bellFd = addon.openBell(bellPath(dir, cpu));
    this.ends = new RingEnds(map, this.layout.mesh, cpu, config.cpus, (j) => this.notify(j));
    this.peerFds = new Array<number>(config.cpus).fill(-1);
  }

  /** Opens CPU j's FIFO at `path` (it made it before it said hello); returns what sends a payload to j. */
  connect(j: number, path: string): (payload: Uint8Array) => void {
    this.peerFds[j] = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
    return (payload) => {
      this.ends.post(j, payload);
      this.notify(j);
    };
  }

  /** CPU j has something new in its rings: bump its bell, and if it sleeps, ring its FIFO. */
  notify(j: number): void {
    const at = this.layout.bellIndex(j);
    Atomics.add(this.words, at + bellWord.bell, 1);
    if (Atomics.load(this.words, at + bellWord.sleeping) === 1) this.addon.ring(this.peerFds[j]!);
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
