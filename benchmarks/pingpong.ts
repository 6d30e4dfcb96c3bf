/**
 * A transport's own floor: the round trip of a 16-byte message over a Node `net` socket,
 * what the native backend's frames ride on, without any protocol.
 *
 *   node pingpong.js server HOST|PATH      listens, echoes every chunk; prints its port (TCP) or "ready"
 *   node pingpong.js client HOST:PORT|PATH N   N timed round trips; prints them as JSON (µs)
 *
 * Run as separate processes (and, for two hosts, in two namespaces) by benchmarks/native.ts.
 */
import { connect, createServer } from 'node:net';

const [role, where, count] = process.argv.slice(2);

if (role === 'server') {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => socket.write(chunk));
  });
  if (where!.startsWith('/')) server.listen(where, () => console.log('ready'));
  else server.listen({ host: where, port: 0 }, () => console.log(String((server.address() as { port: number }).port)));
} else {
  const colon = where!.lastIndexOf(':');
  const socket = where!.startsWith('/') ? connect(where!) : connect({ host: where!.slice(0, colon), port: Number(where!.slice(colon + 1)) });
  socket.setNoDelay(true);
  const n = Number(count);
  const samples: number[] = [];
  const message = Buffer.alloc(16, 7);
  let t0 = 0;
  let got = 0;
  const send = (): void => {
    got = 0;
    t0 = performance.now();
    socket.write(message);
  };
  socket.on('data', (chunk) => {
    got += chunk.length;
    if (got < message.length) return;
    samples.push((performance.now() - t0) * 1000);
    if (samples.length === n + 100) {
      console.log(JSON.stringify(samples.slice(100))); // the first 100 warm up
      process.exit(0);
    }
    send();
  });
  socket.on('connect', send);
}
