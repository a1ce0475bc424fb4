/**
 * The messages between a server worker (server-worker.ts) and the thread that started it
 * (server-host.ts). Everything here is structured-clone data.
 *
 * 1. The host starts the worker with a ServerWorkerData as `workerData`.
 * 2. The worker answers once: `started` (listening) or `start-failed` (then it exits).
 * 3. The host sends `call`s; the worker answers each with one `reply` of the same `id`, in any
 *    order (a `waitForRequests` call may be overtaken by later calls).
 */
import type { FaultProxyOptions } from './fault-proxy.js';
import type { StaticServerOptions } from './static-server.js';
import type { TransferredError } from './thread-error.js';

export type ServerWorkerData = { kind: 'static-server'; options: StaticServerOptions } | { kind: 'fault-proxy'; options: FaultProxyOptions };

export type ServerKind = ServerWorkerData['kind'];

/** The methods of the in-thread server a host may call, per kind (LoopbackServer, LoopbackFaultProxy). */
export const SERVER_METHODS: Readonly<Record<ServerKind, readonly string[]>> = {
  'static-server': ['requests', 'resetRequests', 'waitForRequests', 'close'],
  'fault-proxy': ['requests', 'resetRequests', 'waitForRequests', 'close', 'setLatency', 'setThrottle', 'setFaults', 'remainingFaults'],
};

/** Host → worker. */
export interface ServerCall {
  type: 'call';
  id: number;
  method: string;
  args: unknown[];
}

/** Worker → host. */
export type ServerWorkerMessage =
  | { type: 'started'; url: string; port: number }
  | { type: 'start-failed'; error: TransferredError }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: TransferredError };
