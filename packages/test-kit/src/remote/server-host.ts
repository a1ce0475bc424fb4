import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { ArgumentError, TesseraError } from '@tessera/core';
import { startWorker } from '@tessera/core/internals';
import type { ServerCall, ServerWorkerData, ServerWorkerMessage } from './server-worker-protocol.js';
import { reviveError } from './thread-error.js';

/** The host side of one server worker: RPC to the in-thread server it runs. */
export interface ServerWorker {
  readonly url: string;
  readonly port: number;
  /** The worker's thread id; -1 once the thread has exited (as after close()). */
  readonly threadId: number;
  /** Calls a method of the worker's server (see SERVER_METHODS) and resolves with its result. */
  call<T>(method: string, ...args: unknown[]): Promise<T>;
  /** Closes the server, then terminates the worker (so it cannot keep the process alive). Idempotent. */
  close(): Promise<void>;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * Starts a server worker running the server `data` describes and resolves once it listens. A
 * failure to start (a bad option, a port in use) rejects with the error the worker threw: same
 * class, code and message.
 */
export function startServerWorker(data: ServerWorkerData, label: string): Promise<ServerWorker> {
  let worker: Worker;
  try {
    worker = startWorker(resolveServerWorkerUrl(), { workerData: data });
  } catch (error) {
    if ((error as Error).name === 'DataCloneError') throw notPlainData('options', error);
    throw error;
  }
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let failure: Error | undefined;
  let closed = false;
  let closing: Promise<void> | undefined;

  const fail = (error: Error) => {
    failure ??= error;
    for (const call of pending.values()) call.reject(failure);
    pending.clear();
  };

  const send = <T>(method: string, args: unknown[]): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (failure !== undefined) return reject(failure);
      const id = nextId++;
      try {
        worker.postMessage({ type: 'call', id, method, args } satisfies ServerCall);
      } catch (error) {
        return reject((error as Error).name === 'DataCloneError' ? notPlainData(method, error) : error);
      }
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
    });

  return new Promise<ServerWorker>((resolve, reject) => {
    worker.on('message', (message: ServerWorkerMessage) => {
      if (message.type === 'started') {
        const url = message.url;
        resolve({
          url,
          port: message.port,
          get threadId() {
            return worker.threadId;
          },
          call: (method, ...args) => (closed ? Promise.reject(closedError(label, url, method)) : send(method, args)),
          close() {
            closing ??= (async () => {
              closed = true;
              await send('close', []).catch(() => undefined);
              await worker.terminate();
            })();
            return closing;
          },
        });
      } else if (message.type === 'start-failed') {
        reject(reviveError(message.error));
        closed = true;
        void worker.terminate();
      } else {
        const call = pending.get(message.id);
        if (call === undefined) return;
        pending.delete(message.id);
        if (message.ok) call.resolve(message.value);
        else call.reject(reviveError(message.error));
      }
    });
    worker.on('error', (error) => {
      const wrapped = new TesseraError('E_WORKER', `the ${label} worker failed: ${error.message}`, { cause: error });
      fail(wrapped);
      reject(wrapped);
    });
    worker.on('exit', (code) => {
      const wrapped = new TesseraError('E_WORKER', `the ${label} worker exited with code ${code}${closed ? ' after close()' : ' unexpectedly'}`);
      fail(wrapped);
      reject(wrapped);
    });
  });
}

function resolveServerWorkerUrl(): URL {
  const candidates = [
    // built: dist/index.js (or a chunk next to it) beside dist/server-worker.js
    new URL('./server-worker.js', import.meta.url),
    // running from the TypeScript sources (src/remote/*.ts, this package's own tests): the built worker
    new URL('../../dist/server-worker.js', import.meta.url),
  ];
  for (const candidate of candidates) if (existsSync(fileURLToPath(candidate))) return candidate;
  throw new TesseraError(
    'E_WORKER',
    `the server worker script is missing (looked for ${candidates.map((url) => fileURLToPath(url)).join(', ')}); build @tessera/test-kit first (pnpm --filter @tessera/test-kit build)`,
  );
}

function notPlainData(what: string, error: unknown): ArgumentError {
  return new ArgumentError(what, `must be plain data (strings, numbers, booleans, arrays, objects): it is posted to the server's worker thread (${(error as Error).message})`);
}

function closedError(label: string, url: string, method: string): TesseraError {
  return new TesseraError('E_CLOSED', `${method}(): the ${label} at ${url} was closed; start a new one`);
}
