/**
 * The worker CPU's receive path, driven on the main thread: a WorkerCpu is an ordinary
 * object over its links (MessagePorts or rings) and a control buffer, so we can post it
 * malformed messages and a real one, and check what it does without starting workers.
 */
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, test } from '@jest/globals';
import { DsmWireError } from '../../src/core/errors.js';
import { validateConfig } from '../../src/core/config.js';
import { DsmAbortedError } from '../../src/runtime/errors.js';
import { controlWords, abortWord, doorbellBase, ring, sentWord, handledWord } from '../../workers/control.js';
import { WorkerCpu } from '../../workers/cpu.js';
import { PortLinks, RingLinks, ringBufferBytes } from '../../workers/links.js';
import { decodePacket, PageAllocator } from '../../workers/packet.js';
import { decodeMessage, encodeMessage } from '../../src/transport/codec.js';
import { RingReader, RingWriter, ringMesh } from '../../src/transport/ring.js';

const config = validateConfig({ cpus: 2, pages: 2, pageSize: 64 });

function setUp() {
  const { port1, port2 } = new MessageChannel();
  const control = new Int32Array(new SharedArrayBuffer(4 * controlWords(2, 2)));
  // CPU 0 under test; port2 plays CPU 1.
  const cpu0 = new WorkerCpu(config, 0, 'ivy', new PortLinks(config, 0, [null, port1]), control, undefined, { pages: [], data: new Uint8Array(0) }, false);
  const post = (message: unknown): void => {
    Atomics.add(control, sentWord, 1);
    port2.postMessage(message);
    ring(control, 0);
  };
  const close = (): void => {
    port1.close();
    port2.close();
  };
  return { cpu0, control, post, close, peer: port2 };
}

describe('WorkerCpu receive path', () => {
  test('a message of unknown kind is a DsmWireError naming the sender', () => {
    const { cpu0, post, close } = setUp();
    post({ id: 0, msg: { kind: 'GIVE_ME_EVERYTHING', page: 0 } });
    expect(() => cpu0.poll()).toThrow(DsmWireError);
    post({ id: 1, msg: { kind: 'READ_REQ', page: 9 } });
    expect(() => cpu0.poll()).toThrow('malformed message from CPU 1: page 9 >= pages 2');
    close();
  });

  test('a packet of unknown kind code or wrong length is a DsmWireError naming the sender', () => {
    const { cpu0, post, close } = setUp();
    post([0, 99, 0]);
    expect(() => cpu0.poll()).toThrow('CPU 0: malformed packet from CPU 1: expected [id, kind, ...fields]');
    post([1, 0]);
    expect(() => cpu0.poll()).toThrow(DsmWireError);
    post([2, 2, 0, 'too short']); // READ_DATA whose page is not pageSize bytes
    expect(() => cpu0.poll()).toThrow('malformed message from CPU 1: data must be a Uint8Array of 64 bytes');
    close();
  });

  test('an envelope without an id is a DsmWireError naming the sender', () => {
    const { cpu0, post, close } = setUp();
    post({ msg: { kind: 'READ_REQ', page: 0 } });
    expect(() => cpu0.poll()).toThrow('CPU 0: malformed envelope from CPU 1: expected { id, msg }');
    close();
  });

  test('a valid READ_REQ for a page CPU 0 manages and owns is served: READ_DATA goes back with the bytes', () => {
    const { cpu0, post, close, control, peer } = setUp();
    cpu0.paged.bytes[3] = 77;
    post({ id: 0, msg: { kind: 'READ_REQ', page: 0 } });
    cpu0.poll();
    expect(Atomics.load(control, handledWord)).toBe(1);
    expect(Atomics.load(control, doorbellBase + 1)).toBe(1);
    // Read what CPU 0 sent to CPU 1 straight off the port.
    return new Promise<void>((resolve) => {
      peer.once('message', (packet: unknown) => {
        const env = decodePacket(packet, 1, 0, new PageAllocator(64)) as { id: number; msg: { kind: string; page: number; data: Uint8Array } };
        expect(env.msg.kind).toBe('READ_DATA');
        expect(env.msg.page).toBe(0);
        expect(env.msg.data.length).toBe(64);
        expect(env.msg.data[3]).toBe(77);
        close();
        resolve();
      });
    });
  });

  test('the abort word stops a CPU at its next poll, saying what it was doing', () => {
    const { cpu0, control, close } = setUp();
    Atomics.store(control, abortWord, 1);
    expect(() => cpu0.poll()).toThrow(DsmAbortedError);
    expect(() => cpu0.poll()).toThrow('CPU 0: stopped by abort while running its program');
    close();
  });
});

describe('WorkerCpu receive path over rings', () => {
  function setUpRings() {
    const control = new Int32Array(new SharedArrayBuffer(4 * controlWords(2, 2)));
    const buffer = new SharedArrayBuffer(ringBufferBytes(config));
    const cpu0 = new WorkerCpu(config, 0, 'ivy', new RingLinks(config, 0, buffer, (j) => ring(control, j)), control, undefined, { pages: [], data: new Uint8Array(0) }, false);
    // The test plays CPU 1: it writes the ring 1 -> 0 and reads the ring 0 -> 1.
    const mesh = ringMesh(2, config.pageSize);
    const toCpu0 = new RingWriter(buffer, mesh.ringOffset(1, 0), mesh.capacity);
    const fromCpu0 = new RingReader(buffer, mesh.ringOffset(0, 1), mesh.capacity);
    const post = (payload: Uint8Array): void => {
      Atomics.add(control, sentWord, 1);
      expect(toCpu0.trySend(payload)).toBe(true);
      ring(control, 0);
    };
    return { cpu0, control, post, fromCpu0 };
  }

  test('a frame of unknown kind or cut short is a DsmWireError naming the sender', () => {
    const { cpu0, post } = setUpRings();
    post(Uint8Array.of(0, 0, 0, 0, 250));
    expect(() => cpu0.poll()).toThrow('malformed frame from CPU 1: unknown kind index 250');
    post(Uint8Array.of(0, 0, 0));
    expect(() => cpu0.poll()).toThrow('malformed frame from CPU 1: cut short at byte 0 of 3');
    post(encodeMessage(0, { kind: 'READ_REQ', page: 9 }).subarray(4));
    expect(() => cpu0.poll()).toThrow('malformed message from CPU 1: page 9 >= pages 2');
  });

  test('a valid READ_REQ is served: READ_DATA goes back in the other ring with the bytes, and CPU 1 is rung', () => {
    const { cpu0, control, post, fromCpu0 } = setUpRings();
    cpu0.paged.bytes[3] = 77;
    post(encodeMessage(0, { kind: 'READ_REQ', page: 0 }).subarray(4));
    cpu0.poll();
    expect(Atomics.load(control, handledWord)).toBe(1);
    expect(Atomics.load(control, doorbellBase + 1)).toBe(1);
    const frame = fromCpu0.receive();
    expect(frame).not.toBeNull();
    const { msg } = decodeMessage(Buffer.from(frame!), 0, config) as { msg: { kind: string; page: number; data: Uint8Array } };
    expect(msg.kind).toBe('READ_DATA');
    expect(msg.page).toBe(0);
    expect(msg.data.length).toBe(64);
    expect(msg.data[3]).toBe(77);
    expect(fromCpu0.receive()).toBeNull();
  });

  test('a rings buffer of the wrong size is refused by name', () => {
    const control = new Int32Array(new SharedArrayBuffer(4 * controlWords(2, 2)));
    expect(() => new RingLinks(config, 0, new SharedArrayBuffer(1024), (j) => ring(control, j))).toThrow(
      `CPU 0: the rings buffer has 1024 bytes, ${ringBufferBytes(config)} expected for 2 CPUs`,
    );
  });
});
