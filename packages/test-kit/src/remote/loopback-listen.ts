import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { ArgumentError, TesseraError } from '@tessera/core';

/** The loopback address every test server binds to. */
export const LOOPBACK_HOST = '127.0.0.1';

/** Checks a `port` option: an integer 0–65535 (0: a free port chosen by the OS). */
export function checkPort(port: unknown): number {
  if (port === undefined) return 0;
  if (!(Number.isSafeInteger(port) && (port as number) >= 0 && (port as number) <= 65_535)) {
    throw new ArgumentError('port', `${String(port)} is not a TCP port; pass an integer 0–65535, or 0 (the default) for a free port`);
  }
  return port as number;
}

/**
 * Listens on 127.0.0.1 (`port` 0: a free port chosen by the OS) and resolves with the port. A port
 * that is taken or refused is an E_IO TesseraError naming it.
 */
export function listenOnLoopback(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const fix = error.code === 'EADDRINUSE' ? 'the port is in use: pass another port, or 0 for a free one' : 'pass another port, or 0 for a free one';
      reject(new TesseraError('E_IO', `cannot listen on ${LOOPBACK_HOST}:${port}: ${error.message} (${fix})`, { cause: error }));
    };
    server.once('error', onError);
    server.listen(port, LOOPBACK_HOST, () => {
      server.off('error', onError);
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new TesseraError('E_INTERNAL', `unexpected server address ${String(address)}`));
      else resolve(address.port);
    });
  });
}

/** Numbers the server's TCP connections 1, 2, … in accept order (RequestLogEntry.connection). */
export function numberConnections(server: Server): (socket: Socket) => number {
  const numbers = new WeakMap<Socket, number>();
  let last = 0;
  server.on('connection', (socket: Socket) => {
    numbers.set(socket, ++last);
  });
  return (socket) => numbers.get(socket) ?? 0;
}

/** Stops the server and destroys every open connection, idle keep-alive ones included. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
