/**
 * Every connection of a native cluster authenticates with the cluster secret before any frame
 * is read (native/auth.ts). A stranger who connects to a CPU's port, without the secret, with a
 * wrong one, or speaking frames at once, is refused and reported (DsmAuthError naming the
 * address that tried) and nothing it sends is decoded; the cluster goes on working.
 */
import { execFileSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { Cluster, DsmAuthError, DsmConfigError } from '../../index.js';
import { authenticate } from '../../native/auth.js';
import { encodeMessage } from '../../src/transport/codec.js';
import { cpuProcesses } from './fixtures/processes.js';
import { until } from './fixtures/until.js';

const example = (name: string): URL => new URL(`../../examples/${name}.js`, import.meta.url);
const timeoutMs = 20000;
const refused: DsmAuthError[] = [];
let cluster: Cluster;

beforeAll(async () => {
  cluster = await Cluster.start({
    cpus: 3, pages: 16, timeoutMs, backend: 'native', transport: 'tcp', secret: 'the right secret, sixteen+', onRefused: (e) => refused.push(e as DsmAuthError),
  });
});

afterAll(async () => {
  await cluster.close();
});

/** The TCP port CPU `cpu` listens on (from ss). */
function portOf(cpu: number): number {
  const pid = cpuProcesses().find((p) => p.cpu === cpu)!.pid;
  const line = execFileSync('ss', ['-Hltnp'], { encoding: 'utf8' }).split('\n').find((l) => l.includes(`pid=${pid},`))!;
  return Number(line.split(/\s+/)[3]!.split(':').pop());
}

function dial(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.on('error', reject);
  });
}

/** Waits (bounded) for `n` refusals to be reported. */
async function refusals(n: number): Promise<DsmAuthError[]> {
  await until(() => refused.length >= n, () => `${n} refusals (${refused.length} reported)`);
  return refused.splice(0, n);
}

describe('native authentication', () => {
  test('a peer with a wrong secret is refused, learns only that, and is reported with its address', async () => {
    const socket = await dial(portOf(0));
    const local = `127.0.0.1:${socket.localPort}`;
    const err = await authenticate(socket, Buffer.from('a wrong secret, sixteen+'), 'connect').then(() => null, (e: unknown) => e as DsmAuthError);
    expect(err).toBeInstanceOf(DsmAuthError);
    expect(err!.message).toMatch(/refused: it refused our reply/);
    const [report] = await refusals(1);
    expect(report).toBeInstanceOf(DsmAuthError);
    expect(report!.address).toBe(local);
    expect(report!.message).toBe(`CPU 0: connection with ${local} refused: wrong cluster secret (its reply to our challenge does not match)`);
  });

  test('a peer that sends frames without authenticating has nothing decoded, and is refused', async () => {
    const socket = await dial(portOf(1));
    // A hello as from CPU 2, then a READ_REQ: what an unauthenticated peer might try.
    const hello = Buffer.alloc(4);
    hello.writeUInt32LE(2, 0);
    socket.write(Buffer.concat([hello, encodeMessage(1, { kind: 'READ_REQ', page: 3 }), Buffer.alloc(64, 0xff)]));
    const [report] = await refusals(1);
    expect(report!.message).toMatch(/^CPU 1: connection with 127\.0\.0\.1:\d+ refused: wrong cluster secret/);
    socket.destroy();
  });

  test('the cluster goes on: the counter still counts every increment', async () => {
    const { results } = await cluster.run(example('counter'), { increments: 20, address: 0x5100 });
    expect(results).toEqual([60, 60, 60]);
    expect(refused).toEqual([]);
  });

  test('a secret shorter than 16 characters is a DsmConfigError that does not show it', async () => {
    const err = await Cluster.start({ cpus: 2, pages: 2, backend: 'native', secret: 'short!' }).then(() => null, (e: unknown) => e as Error);
    expect(err).toBeInstanceOf(DsmConfigError);
    expect(err!.message).toBe('invalid config: secret must be a string of at least 16 characters (the cluster secret; it is not shown here)');
    expect(err!.message).not.toContain('short!');
  });
});
