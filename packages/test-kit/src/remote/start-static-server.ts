import type { RequestLogEntry } from './request-log.js';
import { startServerWorker } from './server-host.js';
import type { StaticServerOptions } from './static-server.js';
import type { StaticServer } from './test-server.js';

/**
 * Starts an HTTP/1.1 file server for `root` on 127.0.0.1, in a worker thread of its own, and
 * resolves once it listens. It behaves like a careful static origin towards a byte-range client:
 * GET/HEAD, single ranges (206, 416), a strong ETag with If-Match (412) and the other
 * preconditions, 403 for paths leaving `root`, 404 for missing files; every request is logged.
 * The full behaviour is described at runStaticServer (static-server.ts).
 *
 * A bad option (a missing `root`, a port in use) rejects with a typed error (E_ARGUMENT, E_IO).
 *
 * ```ts
 * const server = await startStaticServer({ root: folder });
 * const dataset = openDataset(`${server.url}/train.beton`); // blocks this thread: the server answers from its own
 * expect((await server.requests()).every((entry) => entry.status === 206 || entry.method === 'HEAD')).toBe(true);
 * await server.close();
 * ```
 */
export async function startStaticServer(options: StaticServerOptions): Promise<StaticServer> {
  const worker = await startServerWorker({ kind: 'static-server', options }, 'static server');
  return {
    url: worker.url,
    port: worker.port,
    requests: () => worker.call<RequestLogEntry[]>('requests'),
    resetRequests: () => worker.call<void>('resetRequests'),
    waitForRequests: (count, waitOptions) => worker.call<RequestLogEntry[]>('waitForRequests', count, waitOptions),
    close: () => worker.close(),
  };
}
