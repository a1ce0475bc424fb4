import type { FaultPlan, RemainingFaults } from './fault-plan.js';
import type { RequestLogEntry } from './request-log.js';

/**
 * A running HTTP test server on 127.0.0.1, as startStaticServer, startNginx and startFaultProxy
 * resolve with it.
 *
 * The server never runs in the calling thread (a worker thread, or an nginx child process), so a
 * client that blocks this thread — Tessera's synchronous remote reader waits in `Atomics.wait` —
 * still gets its answers. That is why every method is asynchronous: it asks the server's thread
 * or reads nginx's access log.
 *
 * `close()` must be awaited (typically in `afterAll`): until then the server keeps the process
 * alive, like any listening server. Closing twice is fine; any other call after `close()` rejects
 * with E_CLOSED.
 */
export interface TestServer {
  /** The base URL without a trailing slash: `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** The TCP port the server listens on. */
  readonly port: number;
  /** A snapshot of the requests since start or the last `resetRequests()`, oldest first. */
  requests(): Promise<RequestLogEntry[]>;
  /** Forgets every request logged so far. */
  resetRequests(): Promise<void>;
  /**
   * Resolves with `requests()` once it holds at least `count` entries, or with what it holds after
   * `timeoutMs` (default 10 000): the caller asserts on the result. Use it where a response can
   * reach the client before the server logged it (nginx logs after the last byte went out).
   */
  waitForRequests(count: number, options?: { timeoutMs?: number }): Promise<RequestLogEntry[]>;
  /** Stops listening, drops every connection (in-flight and stalled ones too) and ends the server's thread or process. */
  close(): Promise<void>;
}

/** What startStaticServer resolves with. */
export type StaticServer = TestServer;

/** What startNginx resolves with. */
export type NginxServer = TestServer;

/** What startFaultProxy resolves with: a TestServer whose faults, latency and rate can change between requests. */
export interface FaultProxy extends TestServer {
  /** The target base URL, as given. */
  readonly target: string;
  /** Sets the latency for requests arriving from now on, in milliseconds ≥ 0. */
  setLatency(latencyMs: number): Promise<void>;
  /** Sets the body rate limit for responses starting from now on (`undefined`: unlimited). */
  setThrottle(bytesPerSecond: number | undefined): Promise<void>;
  /** Replaces the pending faults (kinds not named drop to 0; `onlyForRanges` back to true unless given). */
  setFaults(faults: FaultPlan): Promise<void>;
  /** How many matching requests each fault kind will still hit. */
  remainingFaults(): Promise<RemainingFaults>;
}
