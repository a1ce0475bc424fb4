import { ArgumentError } from '@tessera/core';
import type { FaultKind } from './fault-plan.js';

/**
 * What a test server (startStaticServer, startFaultProxy, startNginx) records about one request,
 * for tests to assert on. Entries are plain data (they cross threads) and snapshots: a later
 * `requests()` call shows a response that was still in flight further along.
 */
export interface RequestLogEntry {
  /** HTTP method as sent, e.g. `GET`, `HEAD`. */
  method: string;
  /** The request target as sent: raw path plus query, not decoded (`/train.beton`, `/a%20b?x=1`). */
  path: string;
  /** The `Range` request header, when there was one (`bytes=0-99`). */
  range?: string;
  /** The `If-Match` request header, when there was one. */
  ifMatch?: string;
  /**
   * The response status; `undefined` while no response head has been sent (an in-flight request
   * of startStaticServer / startFaultProxy, a stalled or reset request of startFaultProxy). nginx
   * logs a request only once it is over, with nginx's own 499 when the client left first.
   */
  status?: number;
  /**
   * Response body bytes handed to the connection so far: 0 for HEAD and 304, and for 412 and 416
   * of startStaticServer (nginx sends its HTML error page with those).
   */
  bytesSent: number;
  /**
   * A serial number of the TCP connection the request arrived on: two requests with the same
   * number shared a keep-alive connection. Numbers are per server, starting at 1, in the order
   * the server first logged each connection; `resetRequests()` does not restart them.
   */
  connection: number;
  /** startFaultProxy only: the fault applied to this request, if any. */
  fault?: FaultKind;
  /**
   * startFaultProxy only: how long the proxy held this request before forwarding or faulting it,
   * measured in the proxy, so at least the latency configured when the request arrived (0 without
   * latency); absent while that wait is still going on.
   */
  latencyMs?: number;
}

/** The request log of an in-thread server (synchronous; the public TestServer has the async twin). */
export interface RequestLog {
  /** A snapshot of the entries since start or the last `resetRequests()`, oldest first. */
  requests(): RequestLogEntry[];
  /** Forgets every entry logged so far. */
  resetRequests(): void;
  /**
   * Resolves with `requests()` once it holds at least `count` entries, or with what it holds after
   * `timeoutMs` (default 10 000): the caller asserts on the result. Needed where a server logs a
   * request only after its last byte went out (nginx), so a client may see the response first.
   */
  waitForRequests(count: number, options?: { timeoutMs?: number }): Promise<RequestLogEntry[]>;
}

const POLL_INTERVAL_MS = 5;
export const DEFAULT_WAIT_TIMEOUT_MS = 10_000;

/** Polls `read` until it returns `count` entries or the time is up (see RequestLog.waitForRequests). */
export async function waitForEntries(
  read: () => RequestLogEntry[] | Promise<RequestLogEntry[]>,
  count: number,
  timeoutMs = DEFAULT_WAIT_TIMEOUT_MS,
): Promise<RequestLogEntry[]> {
  if (!(Number.isSafeInteger(count) && count >= 0)) throw new ArgumentError('count', `${count} is not a request count; pass an integer ≥ 0`);
  if (!(Number.isFinite(timeoutMs) && timeoutMs >= 0)) throw new ArgumentError('timeoutMs', `${timeoutMs} is not a duration; pass milliseconds ≥ 0`);
  const deadline = Date.now() + timeoutMs;
  let entries = await read();
  while (entries.length < count && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    entries = await read();
  }
  return entries;
}

/** An in-memory log whose entries are updated in place while their responses are sent. */
export function createRequestLog(): RequestLog & { add(entry: RequestLogEntry): RequestLogEntry } {
  let entries: RequestLogEntry[] = [];
  const requests = () => entries.map((entry) => ({ ...entry }));
  return {
    add(entry) {
      entries.push(entry);
      return entry;
    },
    requests,
    resetRequests() {
      entries = [];
    },
    waitForRequests(count, options) {
      return waitForEntries(requests, count, options?.timeoutMs);
    },
  };
}

/** The request header as one string (`undefined` when absent; repeated headers joined by `, `). */
export function headerValue(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : value;
}
