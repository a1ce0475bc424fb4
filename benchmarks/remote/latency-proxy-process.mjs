// A TCP proxy adding a one-way delay to what clients send (so each HTTP request waits `latencyMs`
// more for its answer, as over a longer link), in a process of its own; answers stream back
// untouched. Bytes are never parsed: signed requests (S3 SigV4 covers Host) pass as they are.
// argv = target port, latency in ms. Prints its port.
import { connect, createServer } from 'node:net';

const targetPort = Number(process.argv[2]);
const latencyMs = Number(process.argv[3]);
const server = createServer((client) => {
  const upstream = connect(targetPort, '127.0.0.1');
  client.setNoDelay(true);
  upstream.setNoDelay(true);
  // Timers of one duration fire in the order they were set: the bytes keep their order.
  client.on('data', (chunk) => (latencyMs === 0 ? upstream.write(chunk) : setTimeout(() => upstream.write(chunk), latencyMs)));
  upstream.pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close);
  upstream.on('error', close);
  client.on('end', () => setTimeout(() => upstream.end(), latencyMs));
  upstream.on('close', () => client.destroy());
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => process.exit(0));
