import { Agent, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse, createServer, request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { ArgumentError } from '@tessera/core';
import { type FaultKind, type FaultPlan, FAULT_KINDS, FAULT_PLAN_OPTIONS, type RemainingFaults, createFaultSchedule, shiftContentRange } from './fault-plan.js';
import type { LoopbackServer } from './loopback-server.js';
import { LOOPBACK_HOST, checkPort, closeServer, listenOnLoopback, numberConnections } from './loopback-listen.js';
import { type RequestLogEntry, createRequestLog, headerValue } from './request-log.js';
import { checkServerOptions } from './server-options.js';
import { writeThrottled } from './throttled-write.js';

export interface FaultProxyOptions {
  /** The origin to forward to, an `http:` base URL such as a startStaticServer / startNginx `url`; a path is prefixed to every request path. */
  target: string;
  /** Added before each request is forwarded or faulted, like a network round trip; default 0. */
  latencyMs?: number;
  /** Caps the rate of every response body (a slow link); default unlimited. */
  throttleBytesPerSecond?: number;
  /** Faults pending from the start (see setFaults). */
  faults?: FaultPlan;
  /** The port to listen on, on 127.0.0.1; default 0, a free port chosen by the OS. */
  port?: number;
  /**
   * Forward the client's Host header unchanged instead of the target's: needed in front of servers
   * that check request signatures covering Host (S3's SigV4, e.g. s3rver). Default false.
   */
  preserveHost?: boolean;
}

const FAULT_PROXY_OPTIONS = ['target', 'latencyMs', 'throttleBytesPerSecond', 'faults', 'port', 'preserveHost'] as const;

/** What runFaultProxy resolves with: the in-thread proxy, with synchronous controls. */
export interface LoopbackFaultProxy extends LoopbackServer {
  /** The target base URL, as given. */
  readonly target: string;
  /** Sets the latency for requests arriving from now on. */
  setLatency(latencyMs: number): void;
  /** Sets the body rate limit for responses starting from now on (`undefined`: unlimited). */
  setThrottle(bytesPerSecond: number | undefined): void;
  /** Replaces the pending faults (kinds not named drop to 0; `onlyForRanges` back to true unless given). */
  setFaults(faults: FaultPlan): void;
  /** How many matching requests each fault kind will still hit. */
  remainingFaults(): RemainingFaults;
}

/** Request and response headers that describe one connection, not the message (RFC 9110 §7.6.1). */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

/**
 * Runs, in the CALLING thread, an HTTP reverse proxy on 127.0.0.1 in front of `target` that can be
 * slow and unreliable on demand, for testing a byte-range client's retries and checks against
 * real sockets.
 *
 * Requests are forwarded with their method, path, headers (Host rewritten to the target) and body
 * over keep-alive connections, and responses come back unchanged, except for the faults of the
 * current FaultPlan (500, 503 with Retry-After, connection reset, truncated body, shifted
 * Content-Range, stall), an optional latency before each request and an optional body rate limit.
 * An unreachable target is 502. Every request is logged with the fault it got and the latency it
 * waited (measured, so never less than the configured one).
 *
 * Internal: the public startFaultProxy runs this in a server worker (server-worker.ts), so that a
 * client blocking the calling thread still gets answers.
 */
export async function runFaultProxy(options: FaultProxyOptions): Promise<LoopbackFaultProxy> {
  checkServerOptions('startFaultProxy', options, FAULT_PROXY_OPTIONS);
  const port = checkPort(options.port);
  const target = parseTarget(options.target);
  let latencyMs = checkLatency(options.latencyMs ?? 0);
  let throttle = checkThrottle(options.throttleBytesPerSecond);
  if (options.preserveHost !== undefined && typeof options.preserveHost !== 'boolean') {
    throw new ArgumentError('preserveHost', `must be true or false, got ${JSON.stringify(options.preserveHost)}`);
  }
  const preserveHost = options.preserveHost === true;
  const schedule = createFaultSchedule(checkPlan);
  if (options.faults !== undefined) schedule.set(options.faults);

  const agent = new Agent({ keepAlive: true });
  const log = createRequestLog();
  const server = createServer({ keepAliveTimeout: 30_000 });
  const connectionOf = numberConnections(server);
  let closed = false;

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const method = request.method ?? '';
    const range = headerValue(request.headers.range);
    const ifMatch = headerValue(request.headers['if-match']);
    const fault = schedule.take(method, range !== undefined);
    const entry = log.add({
      method,
      path: request.url ?? '',
      ...(range === undefined ? {} : { range }),
      ...(ifMatch === undefined ? {} : { ifMatch }),
      bytesSent: 0,
      connection: connectionOf(request.socket),
      ...(fault === undefined ? {} : { fault }),
    });
    const context: ExchangeContext = { request, response, entry, fault, throttle, retryAfterSeconds: schedule.retryAfterSeconds() };
    const requestLatencyMs = latencyMs;
    (async () => {
      entry.latencyMs = await waitAtLeast(requestLatencyMs);
      if (closed) return;
      await exchange(context, target, agent, preserveHost);
    })().catch(() => response.destroy());
  });

  const boundPort = await listenOnLoopback(server, port);
  return {
    url: `http://${LOOPBACK_HOST}:${boundPort}`,
    port: boundPort,
    target: options.target,
    requests: log.requests,
    resetRequests: log.resetRequests,
    waitForRequests: log.waitForRequests,
    setLatency(value) {
      latencyMs = checkLatency(value);
    },
    setThrottle(value) {
      throttle = checkThrottle(value);
    },
    setFaults: (plan) => schedule.set(plan),
    remainingFaults: () => schedule.remaining(),
    async close() {
      closed = true;
      await closeServer(server);
      agent.destroy();
    },
  };
}

/**
 * Waits `durationMs` and resolves with the time actually waited, measured. Timers may fire a
 * fraction of a millisecond early, so it waits again for any remainder: the result is ≥ durationMs.
 */
async function waitAtLeast(durationMs: number): Promise<number> {
  if (durationMs === 0) return 0;
  const startedAt = performance.now();
  let waitedMs = 0;
  while (waitedMs < durationMs) {
    await delay(durationMs - waitedMs);
    waitedMs = performance.now() - startedAt;
  }
  return waitedMs;
}

interface ExchangeContext {
  request: IncomingMessage;
  response: ServerResponse;
  entry: RequestLogEntry;
  fault: FaultKind | undefined;
  throttle: number | undefined;
  retryAfterSeconds: number;
}

async function exchange(context: ExchangeContext, target: URL, agent: Agent, preserveHost: boolean): Promise<void> {
  const { request, response, entry, fault } = context;
  switch (fault) {
    case 'stall':
      return; // the socket stays open until the client leaves or close() destroys it
    case 'resetConnection':
      request.socket.resetAndDestroy();
      return;
    case 'status500':
      request.resume();
      return sendText(response, entry, 500, {}, 'fault proxy: injected status500\n');
    case 'status503WithRetryAfter':
      request.resume();
      return sendText(response, entry, 503, { 'Retry-After': String(context.retryAfterSeconds) }, 'fault proxy: injected status503WithRetryAfter\n');
  }
  const upstreamResponse = await forward(request, target, agent, preserveHost).catch((error: Error) => error);
  if (upstreamResponse instanceof Error) {
    return sendText(response, entry, 502, {}, `fault proxy: target ${target.origin} failed: ${upstreamResponse.message}\n`);
  }
  response.on('close', () => {
    if (!upstreamResponse.complete) upstreamResponse.destroy();
  });
  await relay(context, upstreamResponse);
}

function forward(request: IncomingMessage, target: URL, agent: Agent, preserveHost: boolean): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const headers = withoutHopByHop(request.headers);
    if (!preserveHost || headers.host === undefined) headers.host = target.host;
    const basePath = target.pathname.replace(/\/+$/, '');
    const upstream = httpRequest({ host: target.hostname, port: target.port, method: request.method, path: basePath + (request.url ?? '/'), headers, agent });
    upstream.once('response', resolve);
    upstream.once('error', reject);
    request.pipe(upstream);
  });
}

async function relay(context: ExchangeContext, upstreamResponse: IncomingMessage): Promise<void> {
  const { response, entry, fault, throttle } = context;
  const headers = withoutHopByHop(upstreamResponse.headers);
  const contentRange = headerValue(headers['content-range']);
  if (fault === 'wrongContentRange' && contentRange !== undefined) headers['content-range'] = shiftContentRange(contentRange);
  const status = upstreamResponse.statusCode ?? 502;
  entry.status = status;
  response.writeHead(status, upstreamResponse.statusMessage, headers as Record<string, string | string[]>);

  const contentLength = Number(headerValue(headers['content-length']));
  let limit = fault === 'truncateBody' && Number.isSafeInteger(contentLength) ? Math.floor(contentLength / 2) : undefined;
  const countBytes = (byteLength: number) => {
    entry.bytesSent += byteLength;
  };
  if (limit === 0) {
    response.flushHeaders();
    return cutConnection(response, upstreamResponse);
  }
  for await (const chunk of upstreamResponse as AsyncIterable<Buffer>) {
    if (fault === 'truncateBody') {
      limit ??= Math.floor(chunk.byteLength / 2);
      const piece = chunk.subarray(0, limit - entry.bytesSent);
      await writeThrottled(response, piece, throttle, countBytes);
      if (entry.bytesSent >= limit) return cutConnection(response, upstreamResponse);
    } else {
      await writeThrottled(response, chunk, throttle, countBytes);
    }
  }
  if (fault === 'truncateBody') return cutConnection(response, upstreamResponse);
  response.end();
}

/** Ends the connection after what was written so far is flushed: the client sees a short body. */
function cutConnection(response: ServerResponse, upstreamResponse: IncomingMessage): void {
  response.socket?.end();
  upstreamResponse.destroy();
}

function sendText(response: ServerResponse, entry: RequestLogEntry, status: number, headers: Record<string, string>, text: string): void {
  const body = Buffer.from(text);
  entry.status = status;
  response.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(body.byteLength) });
  response.end(body);
  entry.bytesSent = body.byteLength;
}

function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const copy: IncomingHttpHeaders = { ...headers };
  const listed = (headerValue(headers.connection) ?? '').split(',').map((name) => name.trim().toLowerCase());
  for (const name of [...HOP_BY_HOP, ...listed]) if (name !== '') delete copy[name];
  return copy;
}

function parseTarget(target: unknown): URL {
  let url: URL;
  try {
    url = new URL(String(target));
  } catch {
    throw new ArgumentError('target', `${JSON.stringify(target)} is not a URL; pass a base URL such as http://127.0.0.1:8080`);
  }
  if (url.protocol !== 'http:') throw new ArgumentError('target', `${target} is not an http: URL; the fault proxy forwards plain HTTP only`);
  return url;
}

function checkLatency(latencyMs: number): number {
  if (!Number.isFinite(latencyMs) || latencyMs < 0) throw new ArgumentError('latencyMs', `${latencyMs} is not a duration; pass milliseconds ≥ 0`);
  return latencyMs;
}

function checkThrottle(bytesPerSecond: number | undefined): number | undefined {
  if (bytesPerSecond !== undefined && !(Number.isFinite(bytesPerSecond) && bytesPerSecond > 0)) {
    throw new ArgumentError('throttleBytesPerSecond', `${bytesPerSecond} is not a rate; pass bytes per second > 0, or undefined for no limit`);
  }
  return bytesPerSecond;
}

function checkPlan(plan: FaultPlan): void {
  checkServerOptions('faults', plan, FAULT_PLAN_OPTIONS);
  for (const kind of FAULT_KINDS) {
    const count = plan[kind];
    if (count !== undefined && !(Number.isSafeInteger(count) && count >= 0)) {
      throw new ArgumentError(`faults.${kind}`, `${count} is not a request count; pass an integer ≥ 0`);
    }
  }
  const seconds = plan.retryAfterSeconds;
  if (seconds !== undefined && !(Number.isSafeInteger(seconds) && seconds >= 0)) {
    throw new ArgumentError('faults.retryAfterSeconds', `${seconds} is not a Retry-After; pass whole seconds ≥ 0`);
  }
  if (plan.onlyForRanges !== undefined && typeof plan.onlyForRanges !== 'boolean') {
    throw new ArgumentError('faults.onlyForRanges', `${JSON.stringify(plan.onlyForRanges)} is not a boolean; pass true (the default) or false`);
  }
}
