/**
 * The server worker: runs one in-thread test server (runStaticServer or runFaultProxy) and answers
 * the host's calls on its behalf (protocol in server-worker-protocol.ts). Its own entry in the
 * build (dist/server-worker.js), loaded by file URL from server-host.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TesseraError } from '@tessera/core';
import { runFaultProxy } from './fault-proxy.js';
import type { LoopbackServer } from './loopback-server.js';
import { SERVER_METHODS, type ServerCall, type ServerWorkerData, type ServerWorkerMessage } from './server-worker-protocol.js';
import { runStaticServer } from './static-server.js';
import { transferError } from './thread-error.js';

const port = parentPort;
if (port === null) throw new TesseraError('E_WORKER', 'server-worker.js is a worker thread entry; start servers with startStaticServer() / startFaultProxy()');
const post = (message: ServerWorkerMessage) => port.postMessage(message);

async function run(data: ServerWorkerData): Promise<void> {
  let server: LoopbackServer;
  try {
    if (data.kind === 'static-server') server = await runStaticServer(data.options);
    else if (data.kind === 'fault-proxy') server = await runFaultProxy(data.options);
    else throw new TesseraError('E_INTERNAL', `unknown server kind ${JSON.stringify((data as { kind: unknown }).kind)}`);
  } catch (error) {
    post({ type: 'start-failed', error: transferError(error) });
    port!.close();
    return;
  }
  const methods = SERVER_METHODS[data.kind];
  port!.on('message', async (call: ServerCall) => {
    try {
      if (!methods.includes(call.method)) throw new TesseraError('E_INTERNAL', `the ${data.kind} has no method ${call.method}`);
      const method = (server as unknown as Record<string, (...args: unknown[]) => unknown>)[call.method]!;
      const value = await method(...call.args);
      post({ type: 'reply', id: call.id, ok: true, value });
    } catch (error) {
      post({ type: 'reply', id: call.id, ok: false, error: transferError(error) });
    }
  });
  post({ type: 'started', url: server.url, port: server.port });
}

void run(workerData as ServerWorkerData);
