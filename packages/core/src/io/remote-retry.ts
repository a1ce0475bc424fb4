/**
 * Retries of byte-source requests: every attempt gets its own timeout, transient failures
 * (`retryable`) are retried with exponential backoff and full jitter (or after the server's
 * Retry-After, when it sends one), anything else fails at once.
 * The result is always a `RemoteError` with the source's code, the URL, the last status and the
 * number of attempts.
 */
import { RemoteError, TesseraError } from '../errors.js';
import { ByteSourceError } from './byte-source.js';

export interface RetryPolicy {
  /** Attempts after the first for retryable failures. Default 5. */
  retries: number;
  /** Timeout of each attempt in milliseconds. Default 30,000. */
  timeoutMs: number;
  /** First backoff ceiling; doubles per retry up to `maxDelayMs`. Default 100. */
  initialDelayMs: number;
  /** Default 5,000. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 5, timeoutMs: 30_000, initialDelayMs: 100, maxDelayMs: 5_000 };

export interface RetryCounters {
  requests: number;
  retries: number;
}

/** Runs `attempt` until it succeeds, fails for good, or the budget is spent. */
export async function withRetries<T>(
  url: string,
  what: string,
  policy: RetryPolicy,
  counters: RetryCounters,
  attempt: (signal: AbortSignal) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  let last: unknown;
  for (let attemptIndex = 0; attemptIndex <= policy.retries; attemptIndex++) {
    if (attemptIndex > 0) {
      counters.retries++;
      const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attemptIndex - 1));
      // A server's Retry-After is honoured, up to the timeout of one attempt.
      const asked = last instanceof ByteSourceError && last.retryAfterMs !== undefined ? Math.min(last.retryAfterMs, policy.timeoutMs) : 0;
      await delay(Math.max(asked, Math.random() * ceiling), signal);
    }
    if (signal?.aborted) throw abortedError(url, what, attemptIndex, signal.reason);
    const timeout = AbortSignal.timeout(policy.timeoutMs);
    const attemptSignal = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
    counters.requests++;
    try {
      return await attempt(attemptSignal);
    } catch (error) {
      if (signal?.aborted) throw abortedError(url, what, attemptIndex + 1, signal.reason);
      last = timeout.aborted ? new ByteSourceError('E_REMOTE', `no answer within ${policy.timeoutMs} ms (remote.timeoutMs)`, { url, retryable: true, cause: error }) : error;
      if (!isRetryable(last)) throw toRemoteError(last, url, what, attemptIndex + 1);
    }
  }
  throw toRemoteError(last, url, what, policy.retries + 1, true);
}

function isRetryable(error: unknown): boolean {
  if (error instanceof ByteSourceError) return error.retryable;
  // A provider that lets a network error through: fetch's TypeError, a socket error.
  if (error instanceof TesseraError) return false;
  const code = (error as { code?: unknown; cause?: { code?: unknown } } | null)?.code ?? (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  return error instanceof TypeError || (typeof code === 'string' && /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|EAI_AGAIN|UND_ERR)/.test(code));
}

/** The typed error for a failed request (exported for the synchronous path, which rethrows it). */
export function toRemoteError(error: unknown, url: string, what: string, attempts: number, exhausted = false): TesseraError {
  if (error instanceof RemoteError) return error;
  if (error instanceof TesseraError) return error;
  const source = error instanceof ByteSourceError ? error : undefined;
  const code = source?.code === 'E_REMOTE_CHANGED' || source?.code === 'E_REMOTE_PROTOCOL' ? source.code : source?.code === 'E_ARGUMENT' ? 'E_ARGUMENT' : 'E_REMOTE';
  const message = error instanceof Error ? error.message : String(error);
  const budget = exhausted ? ` after ${attempts} attempts (raise remote.retries or remote.timeoutMs for a slow or flaky link)` : '';
  return new RemoteError(code, `${what} ${url} failed${budget}: ${message}`, { url, status: source?.status, attempts, cause: error });
}

function abortedError(url: string, what: string, attempts: number, reason: unknown): RemoteError {
  return new RemoteError('E_REMOTE', `${what} ${url} was aborted${reason instanceof Error ? `: ${reason.message}` : ''}`, { url, attempts, cause: reason });
}

function delay(milliseconds: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, milliseconds);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
