import type { RequestLog } from './request-log.js';

/**
 * An HTTP server on 127.0.0.1 running in the CALLING thread, as runStaticServer and runFaultProxy
 * return it; its log methods are synchronous. Internal: the public startStaticServer /
 * startFaultProxy run it inside a server worker and hand out a TestServer (test-server.ts) instead.
 */
export interface LoopbackServer extends RequestLog {
  /** The base URL without a trailing slash: `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** The TCP port the server listens on. */
  readonly port: number;
  /** Stops listening, drops every connection (also in-flight and stalled ones) and frees what the server holds. */
  close(): Promise<void>;
}
