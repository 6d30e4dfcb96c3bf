/**
 * The native backend, cluster side: importing this module registers it as 'native'.
 *
 * Each CPU is an OS process (native/cpu-entry.ts) with its region and its protocol thread.
 * The CPUs of one host talk through rings in a mapping they share (transport 'ring', the
 * default: native/rings.ts); with `transport: 'unix'` through a Unix socket to every other
 * CPU, and with `transport: 'tcp'` a TCP connection (the same frames), between the addresses
 * of `hosts` (each CPU listens on its host's address only, on
 * an ephemeral port it reports to the cluster, which tells every CPU where the others are);
 * a host's `launch` command starts its processes (`ip netns exec NS`, say). The cluster talks
 * to each protocol thread over a Unix socket in its temporary directory (frames of
 * v8-serialized objects, native/messages.ts), so every host must see the cluster's
 * filesystem: hosts are network namespaces or containers of one machine, or machines that
 * share /tmp. The processes stay up between runs. A run:
 *
 *   1. prepare: every CPU brings its region back to the image (every page readable; the
 *      region keeps what the last run left, and only the pages some CPU touched in it travel,
 *      runtime/starting-pages.ts), makes a fresh protocol state and loads the program; once
 *      all are prepared, go (so no CPU can receive a message of the run before its state is
 *      fresh);
 *   2. every program returns and the release at its return is done (done), then the cluster
 *      waits for quiescence: two waves of counters in a row with the same totals and as many
 *      messages handled as sent (after every program has returned, only the tail of the
 *      protocol is in flight). Until every CPU is done, the cluster polls for a deadlock:
 *      two waves in a row in which each CPU reports the same counters and the same status,
 *      every CPU blocked or finished, some blocked, and as many messages handled as sent.
 *      Each CPU's two reports bracket a moment between the waves; at that moment it was in
 *      that status (nothing it sent or handled changed in between, and a blocked CPU moves
 *      only by handling a message) and no message was in flight, so nothing could move;
 *   3. collect: each page some CPU touched, from one CPU whose copy the protocol calls current
 *      (for IVY any valid copy, a writer first; for hlrc the home's). An untouched page holds
 *      the bytes the run started with everywhere.
 *
 * A failure (a program throws, a process dies, a protocol error, a deadlock, a timeout, the
 * run's AbortSignal: close() or the caller's) kills every
 * process, since a main thread blocked in a fault cannot be unwound; the next run starts
 * new ones. close() kills them too. Nothing waits without a bound.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { isIP } from 'node:net';
import { closeSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DsmConfig } from '../src/core/config.js';
import { DsmConfigError, DsmError } from '../src/core/errors.js';
import { registerBackend, type BackendInstance, type BackendRunRequest, type BackendRunResult, type ClusterOptions } from '../src/runtime/cluster.js';
import {
  DsmDeadlockError, DsmProcessExitError, DsmRunAbortedError, DsmTimeoutError, type CpuDeadlockState, type RunAbortCause,
} from '../src/runtime/errors.js';
import type { CpuStats } from '../src/runtime/stats.js';
import type { TraceEvent } from '../src/runtime/trace.js';
import { authenticate, DsmAuthError, newSecret, secretFrom } from './auth.js';
import { FrameReader } from '../src/transport/codec.js';
import { decodeControl, encodeControl, type FromCpu, type TimedEvent, type ToCpu } from './messages.js';
import { reviveError } from '../src/runtime/error-transfer.js';
import { StartingPages } from '../src/runtime/starting-pages.js';
import { controlArg, controlPath, type Endpoint } from './paths.js';
import { createRingsFile } from './rings.js';
import { loadAddon } from './index.js';
import { createRegionFile, regionFd } from './region-file.js';
import type { PageBatch } from '../src/memory/paged-memory.js';

/** Where the CPUs run and how they talk: validated from the cluster's options. */
export interface NativeNetwork {
  readonly transport: 'ring' | 'unix' | 'tcp';
  /** CPU i runs on hosts[i % hosts.length]. */
  readonly hosts: ReadonlyArray<{ readonly address: string | null; readonly launch: readonly string[] }>;
  /** The address the coordinator's control link listens on over TCP, or null: a Unix socket (every host shares this machine's filesystem). */
  readonly coordinator: string | null;
  /** The cluster secret every connection proves it holds (auth.ts). */
  readonly secret: Buffer;
  /** Told of every connection refused for want of the secret (default: a process warning). */
  readonly onRefused: (error: DsmAuthError) => void;
}

function defaultOnRefused(error: DsmAuthError): void {
  process.emitWarning(error.message, 'DsmAuthError');
}

/** The user's secret (option, else TSDSM_SECRET), or a new random one for this cluster. */
function clusterSecret(options: Pick<ClusterOptions, 'secret'>): Buffer {
  if (options.secret !== undefined) return secretFrom(options.secret, 'secret');
  const fromEnv = process.env['TSDSM_SECRET'];
  if (fromEnv !== undefined && fromEnv !== '') return secretFrom(fromEnv, 'TSDSM_SECRET');
  return newSecret();
}

/** The cluster's `transport` and `hosts`, checked; DsmConfigError says what is wrong and what is allowed. */
export function nativeNetwork(options: Pick<ClusterOptions, 'transport' | 'hosts' | 'secret' | 'onRefused' | 'coordinator'>): NativeNetwork {
  const transport = options.transport ?? 'ring';
  if (options.onRefused !== undefined && typeof options.onRefused !== 'function') {
    throw new DsmConfigError(`invalid config: onRefused must be a function (error: DsmAuthError) => void`);
  }
  const security = { secret: clusterSecret(options), onRefused: options.onRefused ?? defaultOnRefused };
  if (transport !== 'ring' && transport !== 'unix' && transport !== 'tcp') {
    throw new DsmConfigError(`invalid config: transport = ${JSON.stringify(transport)} on backend 'native'; allowed: 'ring' (default: shared-memory rings, one host), 'unix', 'tcp'`);
  }
  if (transport === 'ring' || transport === 'unix') {
    const what = transport === 'ring' ? 'shared-memory rings' : 'Unix sockets';
    if (options.hosts !== undefined) throw new DsmConfigError(`invalid config: hosts needs transport: 'tcp' on backend 'native' (${what} reach one host)`);
    if (options.coordinator !== undefined) throw new DsmConfigError(`invalid config: coordinator needs transport: 'tcp' on backend 'native'`);
    return { transport, hosts: [{ address: null, launch: [] }], coordinator: null, ...security };
  }
  const hosts = options.hosts ?? [{ address: '127.0.0.1' }];
  if (!Array.isArray(hosts) || hosts.length === 0) {
    throw new DsmConfigError(`invalid config: hosts = ${JSON.stringify(hosts)}; allowed: a non-empty array of { address, launch? }`);
  }
  const coordinator = options.coordinator ?? null;
  if (coordinator !== null && (typeof coordinator !== 'string' || isIP(coordinator) === 0)) {
    throw new DsmConfigError(`invalid config: coordinator = ${JSON.stringify(coordinator)}; allowed: an IPv4 or IPv6 address of this machine that every host can reach`);
  }
  return {
    transport,
    coordinator,
    ...security,
    hosts: hosts.map((h: unknown, i) => {
      const host = h as { address?: unknown; launch?: unknown } | null;
      if (host === null || typeof host !== 'object' || typeof host.address !== 'string' || isIP(host.address) === 0) {
        throw new DsmConfigError(`invalid config: hosts[${i}].address = ${JSON.stringify(host?.address)}; allowed: an IPv4 or IPv6 address (the CPUs listen on it and on nothing else)`);
      }
      const launch = host.launch ?? [];
      if (!Array.isArray(launch) || launch.some((a) => typeof a !== 'string' || a === '')) {
        throw new DsmConfigError(`invalid config: hosts[${i}].launch = ${JSON.stringify(launch)}; allowed: an array of non-empty strings, the command put before \`node ...\``);
      }
      return { address: host.address, launch: launch as string[] };
    }),
  };
}

/** How long the processes get to start, load the addon and connect to each other. */
export const startTimeoutMs = 30000;
/** How long a CPU gets to say what it was doing when a run times out. */
const stateTimeoutMs = 500;
/** How long close() waits for killed processes to be reaped. */
const endTimeoutMs = 5000;
/** Bytes of a process's stderr kept for the error when it dies. */
const stderrTailBytes = 4000;
/**
 * The pauses between deadlock polls while programs run: from the first, doubling up to the
 * last (a wave is one small control frame to and from each CPU). They decide how soon a
 * deadlock is reported, never whether.
 */
const deadlockPollMsMin = 2;
const deadlockPollMsMax = 100;

const entry = fileURLToPath(new URL('./cpu-entry.js', import.meta.url));

type Waiter = { type: FromCpu['type']; resolve: (m: FromCpu) => void };

class CpuProcess {
  socket: Socket | null = null;
  /**
   * The CPU's region as the cluster maps it (region-file.ts), once its hello says it took the
   * file; null when it did not (its pages travel in frames) or after the generation ended.
   */
  memory: Uint8Array | null = null;
  stderr = '';
  exited: string | null = null;
  private readonly inbox: FromCpu[] = [];
  private readonly waiters: Waiter[] = [];

  constructor(
    readonly cpu: number,
    readonly child: ChildProcess,
    private readonly onFailure: (cpu: number, error: Error) => void,
    private readonly onRefused: (error: DsmAuthError) => void,
    /** Its host's address when the cluster has several hosts, for errors; else null. */
    host: string | null,
  ) {
    child.stderr!.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-stderrTailBytes);
    });
    // A launch command that does not exist: 'error' (then 'close', which adds nothing).
    child.on('error', (err) => this.onFailure(cpu, new DsmProcessExitError(cpu, `cannot start it: ${err.message}`, host)));
    // 'close', not 'exit': it comes once stderr is drained, so the error carries all of it.
    child.on('close', (code, signal) => {
      this.exited = signal ? `killed by ${signal}` : `exit code ${String(code)}`;
      this.closed();
      const tail = this.stderr.trim();
      this.onFailure(cpu, new DsmProcessExitError(cpu, `${this.exited}${tail ? `; stderr: ${tail.split('\n').slice(-8).join('\n')}` : ''}`, host));
    });
  }

  attach(socket: Socket, reader: FrameReader, first: Buffer[]): void {
    this.socket = socket;
    const deliver = (payloads: Buffer[]): void => {
      for (const p of payloads) this.deliver(decodeControl<FromCpu>(p));
    };
    deliver(first);
    socket.on('data', (chunk) => deliver(reader.push(chunk)));
  }

  private deliver(m: FromCpu): void {
    if (m.type === 'refused') {
      this.onRefused(new DsmAuthError(m.message, m.address));
      return;
    }
    if (m.type === 'failed') {
      this.onFailure(this.cpu, reviveError(m.error, this.cpu));
      return;
    }
    const i = this.waiters.findIndex((w) => w.type === m.type);
    if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(m);
    else this.inbox.push(m);
  }

  send(m: ToCpu): void {
    this.socket?.write(encodeControl(m));
  }

  /** The next message of `type` from this CPU. */
  next<T extends FromCpu['type']>(type: T): Promise<Extract<FromCpu, { type: T }>> {
    const i = this.inbox.findIndex((m) => m.type === type);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0] as Extract<FromCpu, { type: T }>);
    return new Promise((resolve) => this.waiters.push({ type, resolve: resolve as (m: FromCpu) => void }));
  }

  private closed: () => void = () => {};
  /** Resolves once the process has ended and its stderr is drained. */
  readonly ended = new Promise<void>((resolve) => {
    this.closed = resolve;
  });

  kill(): void {
    if (this.exited === null) this.child.kill('SIGKILL');
  }
}

/** The processes of one cluster generation: started together, killed together. */
class Generation {
  readonly cpus: CpuProcess[] = [];
  readonly dir: string;
  private readonly server: Server;
  /** The first failure of the current phase; every wait races against it. */
  private failure: Error | null = null;
  private failureListeners: Array<(e: Error) => void> = [];
  dead = false;
  private readonly addon = loadAddon();

  constructor(
    readonly config: DsmConfig,
    readonly protocol: string,
    readonly network: NativeNetwork,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'tsdsm-'));
    this.server = createServer((socket) => this.accept(socket));
  }

  /** Kills the processes if the cluster's process exits without close(). */
  private readonly onExit = (): void => this.kill();

  async start(): Promise<void> {
    process.once('exit', this.onExit);
    if (this.network.transport === 'ring') {
      // A file of its own per start.
      createRingsFile(this.dir, this.config);
    }
    const control = await new Promise<string>((resolve, reject) => {
      this.server.once('error', reject);
      const host = this.network.coordinator;
      if (host === null) this.server.listen(controlPath(this.dir), () => resolve(controlArg(this.dir)));
      else this.server.listen({ host, port: 0 }, () => resolve(controlArg({ host, port: (this.server.address() as { port: number }).port })));
    });
    for (let cpu = 0; cpu < this.config.cpus; cpu++) {
      const host = this.network.hosts[cpu % this.network.hosts.length]!;
      const args = [entry, control, String(cpu), String(this.config.cpus), String(this.config.pages), String(this.config.pageSize), this.protocol, this.network.transport];
      if (host.address !== null) args.push(host.address);
      const argv = [...host.launch, process.execPath, '--no-warnings', ...args];
      // The region's file goes to the process as its fd 3 (region-file.ts); our fd closes once it has it.
      const file = createRegionFile(this.addon, this.config.pages * this.config.pageSize);
      const stdio: ('pipe' | 'inherit' | number)[] = ['pipe', 'inherit', 'pipe'];
      stdio[regionFd] = file.fd;
      let child: ChildProcess;
      try {
        child = spawn(argv[0]!, argv.slice(1), { stdio });
      } finally {
        closeSync(file.fd);
      }
      // The secret goes on standard input (through a launcher such as ssh too), never in argv or the environment.
      child.stdin!.on('error', () => {}); // a process that died at once: its 'close' says why
      child.stdin!.end(`${this.network.secret.toString('hex')}\n${file.token}\n`);
      const c = new CpuProcess(cpu, child, (n, e) => this.fail(n, e), this.network.onRefused, this.network.hosts.length > 1 ? host.address : null);
      c.memory = new Uint8Array(file.memory);
      this.cpus.push(c);
    }
    await this.within(startTimeoutMs, undefined, 'start', async () => {
      const hellos = await this.all('hello');
      // A CPU that did not take the region file (its launcher did not pass fd 3 on) gets its pages in frames.
      hellos.forEach((h, cpu) => {
        if (!h.sharedRegion) this.unmapRegion(this.cpus[cpu]!);
      });
      const peers: Endpoint[] = hellos.map((h) => h.endpoint);
      this.broadcast({ type: 'connect', peers });
      await this.all('ready');
    });
  }

  private accept(socket: Socket): void {
    socket.on('error', () => {});
    authenticate(socket, this.network.secret, 'accept').then(
      (rest) => this.acceptAuthenticated(socket, rest),
      (err: DsmAuthError) => this.network.onRefused(err),
    );
  }

  private acceptAuthenticated(socket: Socket, rest: Buffer): void {
    const reader = new FrameReader('cluster control');
    const onData = (chunk: Buffer): void => {
      const payloads = reader.push(chunk);
      if (payloads.length === 0) return;
      socket.off('data', onData);
      const hello = decodeControl<FromCpu>(payloads[0]!);
      const cpu = hello.type === 'hello' ? this.cpus[hello.cpu] : undefined;
      if (!cpu || cpu.socket) {
        socket.destroy();
        return;
      }
      cpu.attach(socket, reader, payloads);
    };
    socket.on('data', onData);
    if (rest.length > 0) onData(rest);
  }

  fail(cpu: number, error: Error): void {
    if (this.failure !== null || this.dead) return;
    this.failure = error;
    (error as { cpu?: number }).cpu ??= cpu;
    for (const l of this.failureListeners) l(error);
  }

  broadcast(m: ToCpu): void {
    for (const c of this.cpus) c.send(m);
  }

  all<T extends FromCpu['type']>(type: T): Promise<Extract<FromCpu, { type: T }>[]> {
    return this.guarded(Promise.all(this.cpus.map((c) => c.next(type))));
  }

  /** `p`, or the first failure of the generation, whichever comes first. */
  guarded<T>(p: Promise<T>): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      const onFail = (e: Error): void => reject(e);
      this.failureListeners.push(onFail);
      p.then(resolve, reject).finally(() => {
        this.failureListeners = this.failureListeners.filter((l) => l !== onFail);
      });
    });
  }

  /**
   * Runs `body`; past `timeoutMs` rejects with a DsmTimeoutError, on `signal` with a
   * DsmRunAbortedError, each saying what each CPU was doing.
   */
  async within<T>(timeoutMs: number | undefined, signal: AbortSignal | undefined, what: string, body: () => Promise<T>): Promise<T> {
    if (timeoutMs === undefined && signal === undefined) return body();
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<never>((_, reject) => {
      const lines = (): Promise<string[]> => this.states().then((l) => (what === 'start' ? l.map((x) => `${x} (starting)`) : l));
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => void lines().then((l) => reject(new DsmTimeoutError(timeoutMs, l))), timeoutMs);
      }
      if (signal !== undefined) {
        onAbort = () => void lines().then((l) => reject(new DsmRunAbortedError(signal.reason as RunAbortCause, l)));
        signal.addEventListener('abort', onAbort, { once: true });
        if (signal.aborted) onAbort();
      }
    });
    try {
      return await Promise.race([body(), stopped]);
    } finally {
      clearTimeout(timer);
      if (onAbort) signal!.removeEventListener('abort', onAbort);
    }
  }

  private async states(): Promise<string[]> {
    return (await this.reports()).map((r) => `CPU ${r.cpu}: ${r.state}`);
  }

  /** What each CPU is doing and the locks it holds (a process that ended or does not answer says so). */
  async reports(): Promise<CpuDeadlockState[]> {
    this.broadcast({ type: 'state' });
    return Promise.all(this.cpus.map(async (c) => {
      if (c.exited) return { cpu: c.cpu, state: `its process ended (${c.exited})`, locksHeld: [] };
      let timer: NodeJS.Timeout | undefined;
      const answer = await Promise.race([c.next('state'), new Promise<null>((r) => {
        timer = setTimeout(() => r(null), stateTimeoutMs);
      })]);
      clearTimeout(timer);
      return { cpu: c.cpu, state: answer ? answer.state : 'no answer', locksHeld: answer ? answer.locksHeld : [] };
    }));
  }

  kill(): void {
    process.off('exit', this.onExit);
    if (this.dead) return;
    this.dead = true;
    for (const c of this.cpus) {
      c.kill();
      this.unmapRegion(c);
    }
    this.server.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Lets go of the cluster's mapping of a CPU's region file, if it holds one. */
  private unmapRegion(c: CpuProcess): void {
    if (c.memory === null) return;
    this.addon.unmap(c.memory.buffer as ArrayBuffer);
    c.memory = null;
  }

  /** Resolves once every process has ended (SIGKILL cannot be refused; the bound is for safety). */
  async ended(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.cpus.map((c) => c.ended)),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, endTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }
}

export class NativeBackend implements BackendInstance {
  private generation: Generation | null = null;
  private readonly starting: StartingPages;

  constructor(
    readonly config: DsmConfig,
    readonly protocol: string,
    readonly network: NativeNetwork = nativeNetwork({}),
  ) {
    this.starting = new StartingPages(config.pages, config.pageSize);
  }

  /** Starts the processes (again, after a failed run killed them). */
  async ensureStarted(): Promise<Generation> {
    if (this.generation && !this.generation.dead) return this.generation;
    const g = new Generation(this.config, this.protocol, this.network);
    this.generation = g;
    // New processes: their regions are zero-filled.
    this.starting.lost();
    try {
      await g.start();
    } catch (err) {
      g.kill();
      throw err;
    }
    return g;
  }

  async run(req: BackendRunRequest): Promise<BackendRunResult> {
    const g = await this.ensureStarted();
    try {
      return await g.within(req.timeoutMs, req.signal, 'run', () => this.runOn(g, req));
    } catch (err) {
      g.kill();
      throw err;
    }
  }

  private async runOn(g: Generation, req: BackendRunRequest): Promise<BackendRunResult> {
    // The pages that may differ from the image: written straight into a shared region, sent to any other.
    const install = this.starting.pagesToInstall();
    const size = this.config.pageSize;
    const none: PageBatch = { pages: [], data: new Uint8Array(0) };
    let batch: PageBatch | null = null;
    for (const c of g.cpus) {
      const memory = c.memory;
      if (memory !== null) for (const page of install) memory.set(req.image.subarray(page * size, (page + 1) * size), page * size);
      else batch ??= this.starting.batch(req.image);
    }
    // Until this run succeeds, the regions hold nothing the next run can start from.
    this.starting.lost();
    for (const c of g.cpus) c.send({ type: 'prepare', programUrl: req.programUrl, args: req.args, refresh: c.memory !== null ? none : batch!, trace: req.trace });
    await g.all('prepared');
    g.broadcast({ type: 'go' });
    const done = await this.untilDone(g);
    const wave = await this.quiescent(g);
    // Each touched page from one CPU whose copy the protocol calls current: a writer, else the
    // first holder (at quiescence every current copy holds the same bytes). Pages nobody holds stay.
    const holder = new Map<number, { cpu: number; writable: boolean }>();
    wave.forEach(({ touched, current }, cpu) => {
      touched.forEach((page, i) => {
        const now = holder.get(page);
        if (current[i] === 2 && !now?.writable) holder.set(page, { cpu, writable: true });
        else if (current[i] === 1 && now === undefined) holder.set(page, { cpu, writable: false });
      });
    });
    const toCollect: number[][] = g.cpus.map(() => []);
    for (const [page, h] of holder) toCollect[h.cpu]!.push(page);
    g.cpus.forEach((c) => c.send({ type: 'collect', pages: toCollect[c.cpu]! }));
    const collected = await g.all('collected');
    const perCpu: CpuStats[] = collected.map((c) => c.stats);
    const trace = req.trace ? orderTrace(collected.flatMap((c) => c.trace)) : undefined;
    // From a shared region the pages are read here (views of it: the cluster copies them into its image at once).
    const pages = collected.flatMap((c, cpu) => {
      const memory = g.cpus[cpu]!.memory;
      return memory === null ? c.pages : toCollect[cpu]!.map((page) => ({ page, data: memory.subarray(page * size, (page + 1) * size) }));
    });
    this.starting.succeeded(wave.map((c) => c.touched), pages.map((p) => p.page));
    return { results: done.map((d) => d.result), perCpu, trace, pages };
  }

  /** Every CPU's 'done', polling for a deadlock until then (see the file header). */
  private async untilDone(g: Generation): Promise<Extract<FromCpu, { type: 'done' }>[]> {
    const done = g.all('done');
    let finished = false;
    done.then(() => (finished = true), () => (finished = true));
    let pauseMs = deadlockPollMsMin;
    let last = '';
    for (;;) {
      if (last === '') {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([done, new Promise((r) => {
          timer = setTimeout(r, pauseMs);
        })]);
        clearTimeout(timer);
        pauseMs = Math.min(2 * pauseMs, deadlockPollMsMax);
      }
      if (finished || g.dead) return done;
      g.broadcast({ type: 'counters' });
      const wave = await g.all('counters');
      const sent = wave.reduce((n, c) => n + c.sent, 0);
      const handled = wave.reduce((n, c) => n + c.handled, 0);
      const stuck = sent === handled && wave.every((c) => c.status !== 'running') && wave.some((c) => c.status === 'blocked');
      // A stuck wave is confirmed by the next one at once; any other sends us back to sleep.
      const key = stuck ? wave.map((c) => `${c.sent}/${c.handled}/${c.status}`).join(' ') : '';
      if (stuck && key === last) throw new DsmDeadlockError(await g.reports());
      last = stuck && last === '' ? key : '';
    }
  }

  /** Waits until two waves of counters agree and every message sent was handled; returns that wave (each CPU's touched pages and current copies). */
  private async quiescent(g: Generation): Promise<Extract<FromCpu, { type: 'counters' }>[]> {
    let last = '';
    for (;;) {
      g.broadcast({ type: 'counters' });
      const wave = await g.all('counters');
      const sent = wave.reduce((s, c) => s + c.sent, 0);
      const handled = wave.reduce((s, c) => s + c.handled, 0);
      const key = `${sent}/${handled}`;
      if (sent === handled && key === last) return wave;
      last = key;
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Kills the processes and waits for them to end. */
  async close(): Promise<void> {
    const g = this.generation;
    this.generation = null;
    if (!g) return;
    g.kill();
    await g.ended();
  }
}

/** Events of every CPU by the time they happened (the same monotonic clock on one host), numbered. */
function orderTrace(events: TimedEvent[]): TraceEvent[] {
  return events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.t - b.e.t || a.i - b.i)
    .map(({ e }, seq) => {
      const { t: _t, ...rest } = e;
      return { seq, ...rest } as TraceEvent;
    });
}

registerBackend('native', {
  accepts: ['transport', 'hosts', 'secret', 'onRefused', 'coordinator'],
  async start(config: DsmConfig, protocol: string, options: ClusterOptions): Promise<BackendInstance> {
    const network = nativeNetwork(options);
    if (config.pageSize < 4096) {
      throw new DsmConfigError(`invalid config: pageSize = ${config.pageSize} on backend 'native'; allowed: a power of two of at least 4096 (the MMU's page)`);
    }
    if (process.platform !== 'linux' || process.arch !== 'x64') {
      throw new DsmError(`backend 'native' runs on Linux x86-64 only (this is ${process.platform} ${process.arch})`);
    }
    const backend = new NativeBackend(config, protocol, network);
    await backend.ensureStarted();
    return backend;
  },
});
