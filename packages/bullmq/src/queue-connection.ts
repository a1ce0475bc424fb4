import { TesseraError } from '@tessera/core';
import type { ConnectionOptions } from 'bullmq';

/** How long a producer, waiter or worker waits for Redis before failing (BullMQ alone would wait forever). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** Where `connection` points, for messages: a URL without its password, host:port, or "the given Redis client". */
export function describeConnection(connection: ConnectionOptions): string {
  const options = connection as Record<string, unknown>;
  if (typeof options.url === 'string') {
    try {
      const url = new URL(options.url);
      url.password = '';
      url.username = '';
      return url.href;
    } catch {
      return 'the Redis URL given (not a valid URL)';
    }
  }
  if (typeof options.defineCommand === 'function' || typeof options.sendCommand === 'function') return 'the given Redis client';
  return `redis://${typeof options.host === 'string' ? options.host : '127.0.0.1'}:${typeof options.port === 'number' ? options.port : 6379}`;
}

/**
 * Resolves when a BullMQ Queue, QueueEvents, FlowProducer or Worker has connected; E_WORKER after
 * `timeoutMs`, with the connection's last error, instead of BullMQ's endless reconnecting.
 */
export async function connectWithin(
  instance: { waitUntilReady(): Promise<unknown>; on(event: 'error', listener: (error: Error) => void): unknown; off(event: 'error', listener: (error: Error) => void): unknown },
  connection: ConnectionOptions,
  timeoutMs: number,
): Promise<void> {
  let lastError: Error | undefined;
  const onError = (error: Error) => {
    lastError = error;
  };
  instance.on('error', onError);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      instance.waitUntilReady(),
      new Promise((_, reject) => {
        timer = setTimeout(() => {
          const last = lastError === undefined ? '' : ` (last error: ${lastError.message})`;
          reject(new TesseraError('E_WORKER', `cannot reach Redis at ${describeConnection(connection)} within ${timeoutMs} ms${last}: start redis-server there, or fix the connection (--redis URL)`));
        }, timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    instance.off('error', onError);
  }
}
