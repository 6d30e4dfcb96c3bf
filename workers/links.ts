/**
 * How one worker CPU's messages reach the others: a MessagePort per peer (transport 'ports',
 * the default) or a shared-memory ring per ordered pair (transport 'ring': src/transport/ring.ts
 * over one SharedArrayBuffer per run, the frames of src/transport/codec.ts). Either way the
 * sender rings the receiver's doorbell after posting (workers/cpu.ts) and the receiver
 * takes one message at a time, fairly: a scan starts after the peer served last.
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { DsmConfig } from '../src/core/config.js';
import { DsmWireError } from '../src/core/errors.js';
import { checkMessage, type Message } from '../src/core/wire.js';
import { decodeMessage, encodeMessage } from '../src/transport/codec.js';
import { RingEnds, ringMesh } from '../src/transport/ring.js';
import { decodePacket, encodePacket, PageAllocator } from './packet.js';

export type WorkersTransport = 'ports' | 'ring';

export interface Received {
  readonly from: number;
  readonly id: number;
  /** Checked against the wire format (checkMessage). */
  readonly msg: Message;
}

export interface Links {
  /** Puts message `id` on its way to CPU `to`; never blocks. The caller rings `to`'s doorbell. */
  post(to: number, id: number, msg: Message): void;
  /** The next message from any peer, or null when none has arrived; sends on what waited for room first. */
  receive(): Received | null;
  close(): void;
}

/** The bytes of a run's rings for `config` (workers/backend.ts allocates them). */
export function ringBufferBytes(config: Pick<DsmConfig, 'cpus' | 'pageSize'>): number {
  return ringMesh(config.cpus, config.pageSize).bytes;
}

export class PortLinks implements Links {
  private readonly pages: PageAllocator;
  private next = 0;

  constructor(
    private readonly config: DsmConfig,
    private readonly cpu: number,
    private readonly ports: readonly (MessagePort | null)[],
  ) {
    this.pages = new PageAllocator(config.pageSize);
  }

  post(to: number, id: number, msg: Message): void {
    const port = this.ports[to];
    if (!port) throw new DsmWireError(`CPU ${this.cpu}: no port to CPU ${to} (cluster of ${this.config.cpus})`);
    port.postMessage(encodePacket(id, msg));
  }

  receive(): Received | null {
    const n = this.ports.length;
    for (let k = 0; k < n; k++) {
      const from = (this.next + k) % n;
      const port = this.ports[from];
      if (!port) continue;
      const got = receiveMessageOnPort(port);
      if (got === undefined) continue;
      this.next = (from + 1) % n;
      const env = decodePacket(got.message, this.cpu, from, this.pages);
      return { from, id: env.id, msg: checkMessage(env.msg, from, this.config) };
    }
    return null;
  }

  close(): void {
    for (const port of this.ports) port?.close();
  }
}

export class RingLinks implements Links {
  private readonly ends: RingEnds;

  constructor(
    private readonly config: DsmConfig,
    private readonly cpu: number,
    buffer: SharedArrayBuffer,
    /** Rings CPU j's doorbell: a frame for it, or room it asked for. */
    wake: (j: number) => void,
  ) {
    const mesh = ringMesh(config.cpus, config.pageSize);
    if (buffer.byteLength !== mesh.bytes) {
      throw new DsmWireError(`CPU ${cpu}: the rings buffer has ${buffer.byteLength} bytes, ${mesh.bytes} expected for ${config.cpus} CPUs`);
    }
    this.ends = new RingEnds(buffer, mesh, cpu, config.cpus, wake);
  }

  post(to: number, id: number, msg: Message): void {
    // The payload without its length prefix: a ring record carries its own length.
    if (!this.ends.post(to, encodeMessage(id, msg).subarray(4))) {
      throw new DsmWireError(`CPU ${this.cpu}: no ring to CPU ${to} (cluster of ${this.config.cpus})`);
    }
  }

  receive(): Received | null {
    this.ends.flush();
    const got = this.ends.receive();
    if (got === null) return null;
    const { frame, from } = got;
    const { id, msg } = decodeMessage(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength), from, this.config);
    return { from, id, msg };
  }

  close(): void {
    // Nothing to release: the buffer is the run's, and goes with it.
  }
}
