/**
 * Authentication of every connection of a native cluster (CPU to CPU, CPU to coordinator),
 * before any frame is read: a challenge-response over the cluster's secret, both ways, as
 * Python's multiprocessing connections do it.
 *
 *   acceptor  → connector   CHALLENGE: the magic "#TSDSM-CHALLENGE" and 32 random bytes
 *   connector → acceptor    HMAC-SHA256(secret, that challenge): 32 bytes
 *   acceptor  → connector   "#WELCOME" or "#FAILURE" (then it closes)
 *   then the same with the roles swapped, so that each side knows the other has the secret.
 *
 * Every step has a fixed length and the whole exchange a deadline (authTimeoutMs): a peer
 * without the secret learns nothing but FAILURE, and nothing it sends is decoded as a frame.
 * The secret never travels: only HMACs of fresh random challenges do. Bytes that arrive after
 * the exchange (the peer's first frames) are handed back to the caller.
 *
 * The secret: 32 random bytes per cluster for local runs; for several hosts the user gives
 * it (the `secret` option or TSDSM_SECRET). It reaches each CPU process on its standard input,
 * never in its arguments or environment (both visible in /proc and in logs of a launcher).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import { DsmConfigError } from '../src/core/errors.js';
import { DsmAuthError } from '../src/runtime/errors.js';

export { DsmAuthError };

export const authTimeoutMs = 5000;

const challengeMagic = Buffer.from('#TSDSM-CHALLENGE');
const challengeBytes = challengeMagic.length + 32;
const hmacBytes = 32;
const welcome = Buffer.from('#WELCOME');
const failure = Buffer.from('#FAILURE');
const verdictBytes = welcome.length;

/** A cluster secret from the user: at least 16 bytes of text (or hex), never echoed. */
export function secretFrom(text: string, where: string): Buffer {
  if (typeof text !== 'string' || text.length < 16) {
    throw new DsmConfigError(`invalid config: ${where} must be a string of at least 16 characters (the cluster secret; it is not shown here)`);
  }
  return Buffer.from(text, 'utf8');
}

export function newSecret(): Buffer {
  return randomBytes(32);
}

/** The peer's address, for errors: "host:port" over TCP, "a Unix socket" otherwise. */
export function addressOf(socket: Socket): string {
  const host = socket.remoteAddress;
  if (host === undefined) return 'a Unix socket';
  return `${host.includes(':') ? `[${host}]` : host}:${socket.remotePort}`;
}

/** Reads exact byte counts from a socket, with one deadline for the whole exchange. */
class ExactReader {
  private buffered = Buffer.alloc(0);
  private want = 0;
  private waiting: ((b: Buffer) => void) | null = null;
  private failed: ((e: Error) => void) | null = null;
  private readonly onData = (chunk: Buffer): void => {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    this.deliver();
  };
  private readonly onEnd = (): void => this.fail('closed the connection during authentication');
  private readonly onError = (err: Error): void => this.fail(`failed during authentication: ${err.message}`);

  constructor(
    private readonly socket: Socket,
    private readonly address: string,
  ) {
    socket.on('data', this.onData);
    socket.on('close', this.onEnd);
    socket.on('error', this.onError);
  }

  read(n: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.want = n;
      this.waiting = resolve;
      this.failed = reject;
      this.deliver();
    });
  }

  fail(why: string): void {
    const reject = this.failed;
    this.waiting = null;
    this.failed = null;
    reject?.(new DsmAuthError(`connection with ${this.address} refused: ${why}`, this.address));
  }

  /** Stops listening; returns what arrived past the exchange. */
  detach(): Buffer {
    this.socket.off('data', this.onData);
    this.socket.off('close', this.onEnd);
    this.socket.off('error', this.onError);
    return this.buffered;
  }

  private deliver(): void {
    if (this.waiting === null || this.buffered.length < this.want) return;
    const out = this.buffered.subarray(0, this.want);
    this.buffered = this.buffered.subarray(this.want);
    const resolve = this.waiting;
    this.waiting = null;
    this.failed = null;
    resolve(out);
  }
}

function hmac(secret: Buffer, message: Buffer): Buffer {
  return createHmac('sha256', secret).update(message).digest();
}

async function deliverChallenge(socket: Socket, reader: ExactReader, secret: Buffer): Promise<boolean> {
  const challenge = Buffer.concat([challengeMagic, randomBytes(32)]);
  socket.write(challenge);
  const reply = await reader.read(hmacBytes);
  const ok = timingSafeEqual(reply, hmac(secret, challenge));
  socket.write(ok ? welcome : failure);
  return ok;
}

async function answerChallenge(socket: Socket, reader: ExactReader, secret: Buffer): Promise<boolean> {
  const challenge = await reader.read(challengeBytes);
  if (!challenge.subarray(0, challengeMagic.length).equals(challengeMagic)) return false;
  socket.write(hmac(secret, challenge));
  return (await reader.read(verdictBytes)).equals(welcome);
}

/**
 * Proves both ways that `socket`'s peer and we hold `secret`. Resolves with the bytes that
 * came after the exchange; rejects with DsmAuthError naming the peer's address (and destroys
 * the socket) when the peer fails, refuses us, says something else, or takes too long.
 */
export async function authenticate(socket: Socket, secret: Buffer, role: 'accept' | 'connect'): Promise<Buffer> {
  const address = addressOf(socket);
  const reader = new ExactReader(socket, address);
  const timer = setTimeout(() => reader.fail(`no authentication within ${authTimeoutMs} ms`), authTimeoutMs);
  try {
    const first = role === 'accept' ? deliverChallenge : answerChallenge;
    const second = role === 'accept' ? answerChallenge : deliverChallenge;
    const refuse = (why: string): never => {
      throw new DsmAuthError(`connection with ${address} refused: ${why}`, address);
    };
    const wrong = 'wrong cluster secret (its reply to our challenge does not match)';
    const refused = 'it refused our reply (it holds another cluster secret, or is not a tsdsm peer)';
    if (!(await first(socket, reader, secret))) refuse(role === 'accept' ? wrong : refused);
    if (!(await second(socket, reader, secret))) refuse(role === 'accept' ? refused : wrong);
    return reader.detach();
  } catch (err) {
    reader.detach();
    // After our FAILURE is written: the peer learns why, then the connection ends.
    socket.destroySoon();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
