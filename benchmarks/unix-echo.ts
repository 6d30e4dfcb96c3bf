/**
 * The Unix-socket floor's far end, a process of its own as a native CPU is: listens on the
 * path in argv[2], says "ready" on stdout, and sends back every chunk it receives.
 */
import { createServer } from 'node:net';

const path = process.argv[2]!;
const server = createServer((socket) => {
  socket.setNoDelay(true);
  socket.on('data', (chunk) => socket.write(chunk));
  socket.on('close', () => server.close());
});
server.listen(path, () => process.stdout.write('ready\n'));
