/**
 * A native CPU's protocol thread: a worker thread in the CPU's process that runs the protocol
 * (the same core and CpuDriver as every runtime) while the main thread runs the program.
 *
 * Inputs:
 *  - faults: the SIGSEGV handler posts a record and wakes us through the pipe (FaultService);
 *    we hand it to the driver, and when the protocol resumes, grant it;
 *  - steps: the granted access has run; effects the driver held behind the resume run now;
 *  - sync calls (lock, unlock, barrier) posted by the main thread, which waits on a word;
 *  - frames from the other CPUs (shared-memory rings on one host, or Unix sockets, or TCP),
 *    and control frames from the cluster.
 *
 * The hot path stays off the event loop. Once this CPU is linked to every other, the thread
 * runs one blocking loop (`serve`): it takes faults, steps, the main thread's posts and ring
 * frames itself, and when none is there it spins briefly, then sleeps in poll(2) (the addon's
 * waitFds) on everything at once: the wake pipe (faults, steps, the main thread), its doorbell
 * FIFO (rings), and the sockets (control link, peers over sockets, the listening socket). A
 * socket that has something, a timeout (heartbeats are timers), or a long busy stretch hand
 * the thread back to its event loop for one turn (setImmediate), where Node reads the sockets;
 * then the loop goes on. Over rings a remote fault wakes no event loop anywhere.
 *
 * Between a grant and its step, frames from other CPUs wait in `backlog`: handling one (say,
 * a WRITE_FWD for the page just granted) would take the page away before the access that
 * faulted on it has run, which on worker threads cannot happen because one thread does both.
 *
 * Every input runs holding the pin word (pin.ts): while the program is inside an access of
 * several instructions (pinned), inputs wait in `deferred`, in order, and run when the main
 * thread says it let go ('unpinned').
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import type { DsmConfig } from '../src/core/config.js';
import type { ResumeKind } from '../src/core/effects.js';
import type { Protocol } from '../src/core/protocol.js';
import { loadProtocol } from '../src/runtime/protocol-module.js';
import type { Message } from '../src/core/wire.js';
import type { PageBatch } from '../src/memory/paged-memory.js';
import { CpuDriver, type Transport } from '../src/runtime/driver.js';
import type { TraceEventInput } from '../src/runtime/trace.js';
import { addressOf, authenticate, DsmAuthError } from './auth.js';
import { DsmPeerLostError } from '../src/runtime/errors.js';
import { startingState } from '../src/runtime/kept-state.js';
import { decodeMessage, encodeMessage, FrameReader } from '../src/transport/codec.js';
import { FaultService } from './fault-service.js';
import { loadAddon, Region } from './index.js';
import { AliasMemory } from './memory.js';
import { cpuShared, DsmPinError, PinGate, PinLatch, sharedWord } from './pin.js';
import { bellPath, controlEndpoint, describeEndpoint, socketPath, type Endpoint } from './paths.js';
import { Rings } from './rings.js';
import type { NativeAddon } from './addon.js';
import {
  decodeControl, encodeControl, nowNs, syncWord,
  type FromCpu, type FromMain, type TimedEvent, type ToCpu, type ToMain,
} from './messages.js';
import { serializeError } from '../src/runtime/error-transfer.js';

/**
 * Tests only (test/native/faults.test.ts): with TSDSM_NATIVE_CORRUPT_FRAME=n in its
 * environment, this CPU sends its n-th frame to a peer with an unknown message kind, as a
 * broken or hostile peer would. 0 (unset) in every normal run.
 */
const corruptFrame = Number(process.env['TSDSM_NATIVE_CORRUPT_FRAME'] ?? 0);

/**
 * Liveness of the links between CPUs. A link that goes down (a cable, a switch, a host that
 * freezes or is stopped) closes nothing: TCP would notice only after minutes of
 * retransmissions. So every CPU sends an empty frame on each link it has sent nothing on for
 * heartbeatMs, and a link it has heard nothing on for peerSilenceMs fails the run with a
 * DsmPeerLostError naming the peer and its address. Heartbeats are not messages: no protocol
 * sees them and no statistic counts them.
 */
export const heartbeatMs = 250;
export const peerSilenceMs = 5000;
const heartbeat = Buffer.alloc(4);

export interface ProtocolThreadData {
  /** The cluster's directory (Unix sockets), or where its control link listens on TCP: paths.ts controlArg. */
  readonly dir: string;
  readonly cpu: number;
  readonly config: DsmConfig;
  /** What the protocol is loaded by (loadProtocol): a built-in name, or `<module URL>#<name>`. */
  readonly protocol: string;
  readonly regionId: number;
  /** The words and access table shared with the main thread (pin.ts). */
  readonly shared: SharedArrayBuffer;
  /** How this CPU talks to the others (native/backend.ts). */
  readonly transport: 'ring' | 'unix' | 'tcp';
  /** The address to listen on for the other CPUs over TCP (an ephemeral port), or null. */
  readonly listen: string | null;
  /** Where the main thread's posts come (read by the loop, which the main thread wakes after each). */
  readonly fromMain: MessagePort;
  /** The cluster secret, hex (auth.ts): every connection proves it before any frame. */
  readonly secret: string;
  /** The region is the cluster's file, which it maps too (region-file.ts): pages move by memcpy, not in frames. */
  readonly sharedRegion: boolean;
}

interface Frame {
  from: number;
  payload: Buffer;
}

/** A link to another CPU: `frame` is a whole frame (codec.ts: length, then payload); an empty payload is a heartbeat. */
interface PeerLink {
  send(frame: Buffer): void;
  /** The socket its frames come on (the loop polls it), or null for a ring. */
  readonly socket: Socket | null;
}

/** Longest sleep in poll(2) before a turn of the event loop (its timers: heartbeats, link checks). */
const pollSliceMs = 50;
/** Longest busy stretch of the loop without a turn of the event loop (control frames, socket writes). */
const busySliceMs = 20;
/**
 * Longest sleep in poll(2) while a socket has bytes Node has yet to write: libuv writes them
 * only in a turn of the event loop, and poll here does not wait for a socket to be writable.
 * (A 4 MiB 'collected' sleeping 50 ms per socket-buffer's worth took about a second.)
 */
const writingSliceMs = 1;
/** How many times the loop looks at the wake counters and the bell before it sleeps (the bounded spin). */
const spins = 200;

/** The fd of a socket or server (Node keeps it in its handle on Unix), for poll(2). */
function socketFd(socket: Server | Socket): number {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('tsdsm native: a socket without a file descriptor (the protocol thread polls its sockets)');
  return fd;
}

class ProtocolThread implements Transport {
  private readonly cpu: number;
  private readonly config: DsmConfig;
  private readonly protocol: Protocol<unknown>;
  private readonly region: Region;
  private readonly memory: AliasMemory;
  private readonly sync: Int32Array;
  private readonly latch: PinLatch;
  /** Inputs that came while the program was pinned, in order (see the header). */
  private readonly deferred: Array<() => void> = [];
  private readonly faults: FaultService;
  private readonly peers: (PeerLink | null)[];
  private readonly secret: Buffer;
  /** Listens for the other CPUs over sockets; null over rings. */
  private readonly server: Server | null = null;
  private readonly rings: Rings | null = null;
  private readonly addon: NativeAddon;
  private readonly fromMain: MessagePort;
  private readonly sharedRegion: boolean;
  /** What the loop polls: the wake pipe, then the FIFO (rings), then sockets (`pollFds`). */
  private fds = new Int32Array(0);
  private ready = new Int32Array(0);
  /** How many of `fds` are ours to serve in the loop (the rest belong to the event loop). */
  private ownFds = 0;
  private control!: Socket;
  private driver: CpuDriver<unknown>;
  private tracing = false;
  private trace: TimedEvent[] = [];
  private sent = 0;
  private handled = 0;
  /** A grant whose access has not run yet (see the header). */
  private stepping = false;
  /**
   * Frames that arrived between a grant and its step. Bounded in practice by what arrives
   * while the faulting thread runs one instruction (the step follows at once).
   */
  private readonly backlog: Frame[] = [];
  /** When the pending fault or sync call started (ns), or -1. */
  private blockedSince = -1;
  /** A sync call was resumed: its held-back effects run once the current input is done. */
  private syncResumed = false;
  private phase: 'idle' | 'running' | 'finished' = 'idle';
  private failed = false;
  /** The program's args between prepare and go. */
  private pendingArgs: unknown;
  /** What the program returned, while the release at its return runs. */
  private result: unknown;
  private readySent = false;
  /** Per peer: when we last heard from it and last sent to it (ms, monotonic), and its address. */
  private readonly heard: number[];
  private readonly said: number[];
  private readonly peerAddress: string[];

  constructor(data: ProtocolThreadData, protocol: Protocol<unknown>) {
    this.cpu = data.cpu;
    this.config = data.config;
    this.secret = Buffer.from(data.secret, 'hex');
    this.protocol = protocol;
    const addon = loadAddon();
    this.addon = addon;
    this.fromMain = data.fromMain;
    this.sharedRegion = data.sharedRegion;
    this.region = new Region(addon, data.config.pages, data.config.pageSize, { id: data.regionId });
    const shared = cpuShared(data.shared);
    this.memory = new AliasMemory(data.config, data.cpu, this.region, shared.access);
    this.sync = shared.words;
    this.latch = new PinLatch(shared);
    this.driver = this.newDriver();
    this.peers = new Array<PeerLink | null>(data.config.cpus).fill(null);
    this.heard = new Array<number>(data.config.cpus).fill(0);
    this.said = new Array<number>(data.config.cpus).fill(0);
    this.peerAddress = new Array<string>(data.config.cpus).fill('');
    setInterval(() => this.guard(() => this.checkLinks()), heartbeatMs);
    this.faults = new FaultService(addon, {
      onStep: () => this.guard(() => this.onStep()),
      onFault: (_region, offset, write) => this.guard(() => this.onFault(offset, write)),
    }, { eventLoop: false });
    if (data.transport === 'ring') {
      this.rings = new Rings(addon, data.dir, data.cpu, data.config);
      this.connectControl(data.dir, { path: bellPath(data.dir, data.cpu) });
      return;
    }
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    server.once('error', (err: Error) => {
      // Nobody to tell yet (the control connection comes after listening): end with the reason.
      process.stderr.write(`tsdsm native CPU ${this.cpu}: cannot listen on ${data.listen ?? socketPath(data.dir, data.cpu)}: ${err.message}\n`);
      process.kill(process.pid, 'SIGKILL');
    });
    if (data.listen === null) {
      const path = socketPath(data.dir, data.cpu);
      server.listen(path, () => this.connectControl(data.dir, { path }));
    } else {
      const host = data.listen;
      server.listen({ host, port: 0 }, () => {
        this.connectControl(data.dir, { host, port: (server.address() as { port: number }).port });
      });
    }
  }

  /**
   * A driver with init's protocol state: made from the last run's state when there was one
   * (runtime/kept-state.ts; a failed run ends this process, so the last run succeeded).
   */
  private newDriver(last?: CpuDriver<unknown>): CpuDriver<unknown> {
    const trace = (e: TraceEventInput): void => {
      if (this.tracing) this.trace.push({ ...e, t: nowNs() } as TimedEvent);
    };
    const kept = last === undefined ? undefined : { state: last.state, pages: last.seenPages() };
    return new CpuDriver(this.protocol, startingState(this.protocol, this.config, this.cpu, kept), this.memory, this, {
      onResume: (what: ResumeKind) => this.onResume(what),
      trace,
    });
  }

  // ------------------------------------------------------------ the cluster

  /** `control`: the cluster's directory or `tcp:HOST:PORT` (paths.ts controlArg). */
  private connectControl(control: string, endpoint: Endpoint): void {
    const socket = connect(controlEndpoint(control));
    this.control = socket;
    const reader = new FrameReader(`CPU ${this.cpu} control`);
    const onData = (chunk: Buffer): void => this.guard(() => {
      for (const payload of reader.push(chunk)) this.onCluster(decodeControl<ToCpu>(payload));
    });
    socket.on('connect', () => {
      authenticate(socket, this.secret, 'connect').then(
        (rest) => {
          this.toCluster({ type: 'hello', cpu: this.cpu, endpoint, sharedRegion: this.sharedRegion });
          socket.on('data', onData);
          if (rest.length > 0) onData(rest);
        },
        (err: DsmAuthError) => {
          // Nobody to tell but the process's stderr, which the cluster shows when we die.
          process.stderr.write(`tsdsm native CPU ${this.cpu}: the cluster's control connection: ${err.message}\n`);
          process.kill(process.pid, 'SIGKILL');
        },
      );
    });
    // The cluster went away (closed, or its process died): end this whole process at once.
    // process.exit here would end only this thread, and the main thread may be blocked in a
    // fault that nobody will ever grant.
    const end = (): void => {
      process.kill(process.pid, 'SIGKILL');
    };
    socket.on('close', end);
    socket.on('error', end);
  }

  private toCluster(message: FromCpu): void {
    this.control.write(encodeControl(message));
  }

  private onCluster(m: ToCpu): void {
    switch (m.type) {
      case 'connect':
        if (this.rings !== null) {
          m.peers.forEach((endpoint, j) => {
            if (j === this.cpu) return;
            const send = this.rings!.connect(j, (endpoint as { path: string }).path);
            this.attach(j, { socket: null, send: (frame) => send(frame.subarray(4)) }, 'a shared-memory ring');
          });
          this.checkReady();
          return;
        }
        for (let j = 0; j < this.cpu; j++) this.connectPeer(j, m.peers[j]!);
        this.checkReady();
        return;
      case 'prepare':
        this.prepare(m.refresh, m.trace);
        this.toMain({ type: 'load', programUrl: m.programUrl });
        this.pendingArgs = m.args;
        return;
      case 'go':
        this.phase = 'running';
        this.toMain({ type: 'start', args: this.pendingArgs, trace: this.tracing });
        this.pendingArgs = undefined;
        return;
      case 'counters': {
        const status = this.phase === 'finished' ? 'finished' : this.blockedSince >= 0 ? 'blocked' : 'running';
        this.toCluster({ type: 'counters', sent: this.sent, handled: this.handled, ...this.currentCopies(), status });
        return;
      }
      case 'collect':
        this.toCluster({
          type: 'collected',
          // A shared region's pages the cluster reads itself (region-file.ts).
          pages: this.sharedRegion ? [] : m.pages.map((page) => ({ page, data: this.memory.bytes.slice(page * this.config.pageSize, (page + 1) * this.config.pageSize) })),
          stats: this.driver.stats,
          trace: this.trace,
        });
        return;
      case 'state':
        this.toCluster({ type: 'state', state: this.state(), locksHeld: this.driver.heldLocks() });
        return;
    }
  }

  /**
   * The region keeps what the last run left; the pages that may differ from the image come in
   * `refresh` (every page's protection goes back to read: startRun's setAccess is AliasMemory's).
   */
  private prepare(refresh: PageBatch, trace: boolean): void {
    this.memory.startRun(refresh);
    this.driver = this.newDriver(this.driver);
    this.tracing = trace;
    this.trace = [];
    this.sent = 0;
    this.handled = 0;
    this.stepping = false;
    this.backlog.length = 0;
    this.phase = 'idle';
  }

  /**
   * The pages this CPU touched and, for each: 0 when its copy is not the current one (the
   * protocol says: for IVY, any valid copy; for hlrc, the home's), else 2 for a writable copy
   * and 1 for a read copy. An untouched page holds the run's starting bytes: nothing to collect.
   */
  private currentCopies(): { touched: number[]; current: Uint8Array } {
    const touched = [...this.memory.touched()];
    const current = new Uint8Array(touched.length);
    touched.forEach((p, i) => {
      if (this.driver.holdsCurrentCopy(p)) current[i] = this.memory.access[p] === 2 ? 2 : 1;
    });
    return { touched, current };
  }

  private state(): string {
    return this.driver.describeState(this.phase !== 'finished');
  }

  // ------------------------------------------------------------ peers

  private connectPeer(j: number, endpoint: Endpoint): void {
    const socket = connect(endpoint);
    socket.setNoDelay(true);
    socket.on('connect', () => {
      authenticate(socket, this.secret, 'connect').then(
        (rest) => {
          const hello = Buffer.alloc(4);
          hello.writeUInt32LE(this.cpu, 0);
          socket.write(hello);
          this.attachSocket(j, socket, rest);
        },
        (err: DsmAuthError) => this.fail(new DsmAuthError(`CPU ${this.cpu}: connecting to CPU ${j} at ${describeEndpoint(endpoint)}: ${err.message}`, err.address)),
      );
    });
    socket.on('error', (err) => this.fail(new Error(`CPU ${this.cpu}: connection to CPU ${j} at ${describeEndpoint(endpoint)} failed: ${err.message}`)));
  }

  /**
   * A connection from a higher-numbered CPU: it authenticates, then its first 4 bytes say
   * which. One that does not authenticate is refused and reported; the run goes on.
   */
  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    socket.on('error', () => {});
    authenticate(socket, this.secret, 'accept').then(
      (rest) => this.acceptAuthenticated(socket, rest),
      (err: DsmAuthError) => this.guard(() => this.toCluster({ type: 'refused', address: err.address, message: `CPU ${this.cpu}: ${err.message}` })),
    );
  }

  private acceptAuthenticated(socket: Socket, rest: Buffer): void {
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      if (head.length < 4) return;
      socket.off('data', onData);
      const from = head.readUInt32LE(0);
      if (from <= this.cpu || from >= this.config.cpus || this.peers[from]) {
        socket.destroy();
        return;
      }
      this.attachSocket(from, socket, head.subarray(4));
    };
    socket.on('data', onData);
    if (rest.length > 0) onData(rest);
  }

  /** `first`: bytes of the peer's frames that came with the handshake. */
  private attachSocket(from: number, socket: Socket, first: Buffer): void {
    const reader = new FrameReader(`CPU ${this.cpu} from CPU ${from}`);
    const onData = (chunk: Buffer): void => this.guard(() => {
      this.heard[from] = performance.now();
      for (const payload of reader.push(chunk)) {
        if (payload.length > 0) this.onFrame({ from, payload });
      }
    });
    socket.on('data', onData);
    socket.on('error', () => {});
    this.attach(from, { socket, send: (frame) => socket.write(frame) }, addressOf(socket));
    if (first.length > 0) onData(first);
  }

  private attach(from: number, link: PeerLink, address: string): void {
    this.peers[from] = link;
    this.heard[from] = performance.now();
    this.said[from] = performance.now();
    this.peerAddress[from] = address;
    this.checkReady();
  }

  private checkReady(): void {
    if (this.peers.every((p, j) => p !== null || j === this.cpu) && !this.readySent && this.control) {
      this.readySent = true;
      this.startServing();
      this.toCluster({ type: 'ready' });
    }
  }

  send(to: number, id: number, msg: Message): void {
    const link = this.peers[to];
    if (!link) throw new Error(`CPU ${this.cpu}: no connection to CPU ${to}`);
    this.sent += 1;
    this.said[to] = performance.now();
    const frame = encodeMessage(id, msg);
    // Tests only: a peer that sends a malformed frame (the kind byte follows length and id).
    if (this.sent === corruptFrame) frame[8] = 0xfa;
    link.send(frame);
  }

  // ------------------------------------------------------------ the loop

  /** Linked to every other CPU: from now on the loop serves (see the header). */
  private startServing(): void {
    const sockets: (Server | Socket)[] = [this.control, ...(this.server ? [this.server] : [])];
    for (const link of this.peers) if (link?.socket) sockets.push(link.socket);
    const own = [this.addon.wakeFd(), ...(this.rings ? [this.rings.bellFd] : [])];
    this.ownFds = own.length;
    this.fds = Int32Array.from([...own, ...sockets.map(socketFd)]);
    this.ready = new Int32Array(this.fds.length);
    setImmediate(this.serve);
  }

  /**
   * The blocking loop: serves what is there; when nothing is, spins, then sleeps in poll(2)
   * on every input at once; gives the event loop a turn when a socket has something, after a
   * quiet slice, or after a long busy stretch.
   */
  private readonly serve = (): void => {
    const began = performance.now();
    for (;;) {
      const seenEvents = this.faults.events();
      const seenBell = this.rings?.seen() ?? 0;
      if (this.serveOnce()) {
        if (performance.now() - began > busySliceMs) break;
        continue;
      }
      if (this.spin(seenEvents, seenBell)) continue;
      if (this.rings !== null && !this.rings.sleep(seenBell)) continue;
      const writing = this.writing();
      const got = this.addon.waitFds(this.fds, this.ready, writing ? writingSliceMs : pollSliceMs);
      this.rings?.awake();
      if (got === 0 || writing) break; // a quiet slice (the event loop's timers), or writes to finish
      if (this.ready[0] !== 0) this.addon.drain(this.fds[0]!);
      if (this.rings !== null && this.ready[1] !== 0) this.addon.drain(this.fds[1]!);
      let sockets = false;
      for (let i = this.ownFds; i < this.ready.length; i++) if (this.ready[i] !== 0) sockets = true;
      if (sockets || performance.now() - began > busySliceMs) break;
    }
    setImmediate(this.serve);
  };

  /** Whether some socket holds bytes not yet written (they go out in a turn of the event loop). */
  private writing(): boolean {
    if (this.control.writableLength > 0) return true;
    for (const link of this.peers) if (link?.socket && link.socket.writableLength > 0) return true;
    return false;
  }

  /** The bounded spin: true as soon as the wake counters or the bell move. */
  private spin(seenEvents: number, seenBell: number): boolean {
    for (let i = 0; i < spins; i++) {
      if (this.faults.events() !== seenEvents) return true;
      if (this.rings !== null && this.rings.seen() !== seenBell) return true;
    }
    return false;
  }

  /** One pass over the inputs the loop owns; true when it found any. */
  private serveOnce(): boolean {
    let found = false;
    this.guard(() => {
      if (this.faults.check()) found = true;
    });
    for (let m = receiveMessageOnPort(this.fromMain); m !== undefined; m = receiveMessageOnPort(this.fromMain)) {
      found = true;
      const message = m.message as FromMain;
      this.guard(() => this.onMain(message));
    }
    if (this.rings !== null) {
      if (this.receiveRings()) found = true;
      if (this.rings.ends.flush()) found = true;
    }
    return found;
  }

  /** Every frame in this CPU's rings, fairly (RingEnds takes the peers in turn). */
  private receiveRings(): boolean {
    const ends = this.rings!.ends;
    let found = false;
    for (let got = ends.receive(); got !== null; got = ends.receive()) {
      found = true;
      const { from, frame } = got;
      this.heard[from] = performance.now();
      if (frame.byteLength > 0) {
        const payload = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
        this.guard(() => this.onFrame({ from, payload }));
      }
    }
    return found;
  }

  /** Heartbeats on quiet links; a peer silent for too long fails the run. */
  private checkLinks(): void {
    const now = performance.now();
    for (let j = 0; j < this.peers.length; j++) {
      const link = this.peers[j];
      if (!link) continue;
      if (now - this.heard[j]! > peerSilenceMs) {
        throw new DsmPeerLostError(
          `CPU ${this.cpu}: nothing from CPU ${j} (at ${this.peerAddress[j]}) for ${Math.round(now - this.heard[j]!)} ms, ` +
            `not even a heartbeat (one is due every ${heartbeatMs} ms): its link is down or it stopped answering`,
        );
      }
      if (now - this.said[j]! >= heartbeatMs) {
        this.said[j] = now;
        link.send(heartbeat);
      }
    }
  }

  private onFrame(frame: Frame): void {
    if (this.stepping || this.backlog.length > 0) {
      this.backlog.push(frame);
      return;
    }
    this.handleFrame(frame);
  }

  private handleFrame({ from, payload }: Frame): void {
    const { id, msg } = decodeMessage(payload, from, this.config);
    this.input(() => {
      this.driver.message(from, id, msg);
      this.handled += 1;
    });
  }

  private drainBacklog(): void {
    while (!this.stepping && this.backlog.length > 0) this.handleFrame(this.backlog.shift()!);
  }

  // ------------------------------------------------------------ the program

  private toMain(m: ToMain): void {
    parentPort!.postMessage(m);
  }

  private onMain(m: FromMain): void {
    switch (m.type) {
      case 'loaded':
        this.toCluster({ type: 'prepared' });
        return;
      case 'sync':
        this.blockedSince = nowNs();
        this.input(() => {
          if (m.op === 'lock') this.driver.lock(m.id);
          else if (m.op === 'unlock') this.driver.unlock(m.id);
          else this.driver.barrier();
        });
        return;
      case 'done':
        // The last access's step may still be in the pipe: take it before finishing.
        this.faults.check();
        this.input(() => this.driver.afterResume());
        this.drainBacklog();
        if (this.tracing) {
          this.trace.push(...m.accesses);
          this.trace.push({ type: 'done', cpu: this.cpu, result: traceable(m.result), t: nowNs() });
        }
        // A return is a release (Protocol.onFinish): the cluster hears 'done' once it is complete (onResume).
        this.result = m.result;
        this.blockedSince = nowNs();
        this.input(() => this.driver.finish());
        return;
      case 'failed':
        this.failed = true;
        this.toCluster({ type: 'failed', error: m.error });
        return;
      case 'unpinned':
        this.runDeferred();
        return;
    }
  }

  // ------------------------------------------------------------ faults

  private onFault(offset: number, write: boolean): void {
    const page = Math.floor(offset / this.config.pageSize);
    const access = write ? 'write' : 'read';
    if (PinGate.isPinned(this.sync)) {
      // Nothing would ever grant it (inputs wait for the release): a bug in tsdsm, say so.
      throw new DsmPinError(`CPU ${this.cpu}: ${access} fault at address 0x${offset.toString(16)} (page ${page}) inside a pinned access: the access touched a page outside the range it pinned`);
    }
    this.stepping = false;
    if (this.memory.access[page]! >= (write ? 2 : 1)) {
      // Already allowed (the access raced with a grant): let it retry.
      this.grantFault();
      return;
    }
    this.blockedSince = nowNs();
    this.input(() => this.driver.fault(page, access, offset));
  }

  private onStep(): void {
    this.stepping = false;
    this.input(() => this.driver.afterResume());
    this.drainBacklog();
  }

  private onResume(what: ResumeKind): void {
    if (this.blockedSince >= 0) {
      this.driver.stats.blockedNs += nowNs() - this.blockedSince;
      this.blockedSince = -1;
    }
    if (what === 'fault') {
      this.grantFault();
      return;
    }
    if (what === 'finish') {
      this.phase = 'finished';
      this.toCluster({ type: 'done', result: this.result });
      this.result = undefined;
      this.syncResumed = true;
      return;
    }
    Atomics.store(this.sync, sharedWord.sync, syncWord.released);
    Atomics.notify(this.sync, sharedWord.sync);
    // A sync call performs no access after its resume: its held-back effects run at once.
    this.syncResumed = true;
  }

  private grantFault(): void {
    this.stepping = true;
    this.faults.grant();
  }

  /**
   * Runs one input through the driver, then what a sync resume released, holding the pin word;
   * while the program is pinned, queues it behind the inputs already waiting.
   */
  private input(run: () => void): void {
    if (this.deferred.length > 0 || !this.latch.enter()) {
      this.deferred.push(run);
      return;
    }
    this.runHeld(run);
  }

  /** The program let go of the pin: the waiting inputs run, until it pins again. */
  private runDeferred(): void {
    while (this.deferred.length > 0 && this.latch.enter()) this.runHeld(this.deferred.shift()!);
  }

  private runHeld(run: () => void): void {
    try {
      run();
      while (this.syncResumed) {
        this.syncResumed = false;
        this.driver.afterResume();
      }
    } finally {
      this.memory.settle();
      this.latch.leave();
    }
  }

  // ------------------------------------------------------------ failures

  private guard(run: () => void): void {
    if (this.failed) return;
    try {
      run();
    } catch (err) {
      this.fail(err);
    }
  }

  private fail(err: unknown): void {
    if (this.failed) return;
    this.failed = true;
    if (this.control) this.toCluster({ type: 'failed', error: serializeError(err) });
  }
}

/** Results in trace events must survive JSON: bigints become strings. */
function traceable(result: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(result, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)));
  } catch {
    return String(result);
  }
}

// A registered protocol is loaded from its module (loadProtocol), before any input can come.
new ProtocolThread(workerData as ProtocolThreadData, await loadProtocol((workerData as ProtocolThreadData).protocol));
