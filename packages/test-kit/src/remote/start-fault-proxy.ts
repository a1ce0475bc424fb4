import type { RemainingFaults } from './fault-plan.js';
import type { FaultProxyOptions } from './fault-proxy.js';
import type { RequestLogEntry } from './request-log.js';
import { startServerWorker } from './server-host.js';
import type { FaultProxy } from './test-server.js';

/**
 * Starts an HTTP reverse proxy on 127.0.0.1 in front of `target` (a startStaticServer or
 * startNginx `url`), in a worker thread of its own, that is slow and unreliable on demand: the
 * faults of a FaultPlan (500, 503 with Retry-After, connection reset, truncated body, shifted
 * Content-Range, stall), a latency before each request and a body rate limit. Every request is
 * logged with the fault it got and the latency it waited. The full behaviour is described at
 * runFaultProxy (fault-proxy.ts).
 *
 * A bad option (a target that is not an http: URL, a negative latency, a typo in the plan) rejects
 * with an ArgumentError (E_ARGUMENT) naming it.
 *
 * ```ts
 * const origin = await startStaticServer({ root: folder });
 * const proxy = await startFaultProxy({ target: origin.url, latencyMs: 20 });
 * await proxy.setFaults({ status503WithRetryAfter: 2 }); // the next two Range GETs fail, then it heals
 * ```
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const worker = await startServerWorker({ kind: 'fault-proxy', options }, 'fault proxy');
  return {
    url: worker.url,
    port: worker.port,
    target: options.target,
    requests: () => worker.call<RequestLogEntry[]>('requests'),
    resetRequests: () => worker.call<void>('resetRequests'),
    waitForRequests: (count, waitOptions) => worker.call<RequestLogEntry[]>('waitForRequests', count, waitOptions),
    setLatency: (latencyMs) => worker.call<void>('setLatency', latencyMs),
    setThrottle: (bytesPerSecond) => worker.call<void>('setThrottle', bytesPerSecond),
    setFaults: (faults) => worker.call<void>('setFaults', faults),
    remainingFaults: () => worker.call<RemainingFaults>('remainingFaults'),
    close: () => worker.close(),
  };
}
