/**
 * The entry of a native CPU's process: `node cpu-entry.js <dir> <cpu> <cpus> <pages> <pageSize> <protocol> <transport> [<address>]`,
 * with `<transport>` 'ring', 'unix' or 'tcp' (native/backend.ts) and `<address>` the IP address to
 * listen on for the other CPUs over TCP.
 * The cluster secret (hex) comes on standard input, one line, then end of input (auth.ts).
 *
 * The main thread runs the program on the application view of the region (real page
 * protection: an access the protocol has not granted faults in the MMU and blocks in the
 * addon's SIGSEGV handler until the protocol thread grants it). The protocol thread, a worker
 * thread of this process, runs the protocol and talks to the other CPUs and the cluster.
 */
import { readFileSync, writeSync } from 'node:fs';
import { MessageChannel, Worker } from 'node:worker_threads';
import { checkCloneable } from '../src/runtime/clone.js';
import { loadProgram } from '../src/runtime/load-program.js';
import { makeCpu, type Cpu, type ProgramFunction } from '../src/runtime/program.js';
import { formatValue } from '../src/runtime/trace.js';
import { loadAddon, Region } from './index.js';
import { ViewMemory } from './memory.js';
import { NativeDsmMemory } from './typed-arrays.js';
import { nowNs, syncWord, type FromMain, type TimedEvent, type ToMain } from './messages.js';
import { createCpuShared, PinGate, sharedWord } from './pin.js';
import { clusterRegionFd } from './region-file.js';
import { serializeError } from '../src/runtime/error-transfer.js';
import type { ProtocolThreadData } from './protocol-thread.js';

const [dir, cpuArg, cpusArg, pagesArg, pageSizeArg, protocol, transport, listen] = process.argv.slice(2);
// Standard input: the cluster secret (hex), then the token of the region file (region-file.ts).
const [secret = '', token] = readFileSync(0, 'utf8').split('\n').map((line) => line.trim());
const cpu = Number(cpuArg);
const config = { cpus: Number(cpusArg), pages: Number(pagesArg), pageSize: Number(pageSizeArg) };

const addon = loadAddon();
// The region file the cluster made and passed as fd 3 when it is there (region-file.ts), else our own.
const fd = clusterRegionFd(config.pages * config.pageSize, token);
const region = new Region(addon, config.pages, config.pageSize, fd === null ? undefined : { fd });
// Tests only (test/native/split-access.test.ts): sleep after every step, see native/src.
const stepDelayUs = Number(process.env['TSDSM_NATIVE_STEP_DELAY_US'] ?? 0);
if (stepDelayUs > 0) addon.setStepDelay(stepDelayUs);
const shared = createCpuShared(config.pages);
const sync = shared.words;
// What the program thread tells the protocol thread goes on a port of its own, which the
// protocol thread's loop reads without its event loop; a post is followed by a wake-up.
const { port1: toProtocol, port2: fromMain } = new MessageChannel();
const data: ProtocolThreadData = {
  dir: dir!, cpu, config, protocol: protocol!, regionId: region.id, shared: shared.buffer,
  transport: transport as ProtocolThreadData['transport'], listen: listen ?? null, secret, fromMain,
  sharedRegion: fd !== null,
};
const worker = new Worker(new URL('./protocol-thread.js', import.meta.url), { workerData: data, transferList: [fromMain] });
worker.on('error', (err) => {
  writeSync(2, `tsdsm native CPU ${cpu}: protocol thread failed: ${err.stack ?? err.message}\n`);
  process.exit(70);
});
worker.on('exit', (code) => process.exit(code));

// cpu.float64Array(...) and the other views are real typed arrays over the guarded view;
// accesses of several instructions run pinned (pin.ts).
const viewMemory = new ViewMemory(config, cpu, region);
const gate = new PinGate(shared, viewMemory.bytes, viewMemory.pageShift, () => post({ type: 'unpinned' }));
const memory = new NativeDsmMemory(viewMemory, gate, {
  fault: () => {
    throw new Error('unreachable: on the native backend the MMU faults, not the accessor');
  },
  poll: () => {},
});

let program: ProgramFunction | undefined;
let accesses: TimedEvent[] = [];

function post(m: FromMain): void {
  toProtocol.postMessage(m);
  addon.wake();
}

/** A sync call: post it, then sleep until the protocol thread releases the word. */
function syncCall(op: 'lock' | 'unlock' | 'barrier', id: number): void {
  Atomics.store(sync, sharedWord.sync, syncWord.waiting);
  post({ type: 'sync', op, id });
  while (Atomics.load(sync, sharedWord.sync) === syncWord.waiting) Atomics.wait(sync, sharedWord.sync, syncWord.waiting, 1000);
}

function makeProgramCpu(trace: boolean): Cpu {
  return makeCpu({
    id: cpu,
    cpus: config.cpus,
    memory,
    lock: (id) => syncCall('lock', id),
    unlock: (id) => syncCall('unlock', id),
    barrier: () => syncCall('barrier', 0),
    traceAccess: trace
      ? (kind, type, address, value) => {
          accesses.push({ type: kind, cpu, address, valueType: type, value: formatValue(value), t: nowNs() } as TimedEvent);
        }
      : undefined,
  });
}

worker.on('message', (m: ToMain) => {
  if (m.type === 'load') {
    void loadProgram(m.programUrl, cpu).then(
      (p) => {
        program = p;
        post({ type: 'loaded' });
      },
      (err) => post({ type: 'failed', error: serializeError(err) }),
    );
    return;
  }
  accesses = [];
  void (async () => {
    try {
      const result = await program!(makeProgramCpu(m.trace), m.args);
      checkCloneable(result, 'result', cpu);
      post({ type: 'done', result, accesses });
    } catch (err) {
      post({ type: 'failed', error: serializeError(err) });
    }
  })();
});
