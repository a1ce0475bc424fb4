/**
 * A GetObject body read into one buffer of exactly the bytes asked: a body that ends early or runs
 * long is E_REMOTE_PROTOCOL (retryable: the next attempt usually gets the whole body); a connection
 * that fails midway rejects with the stream's error (mapped by the caller, with the bytes received).
 */
import type { GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { s3ProtocolError, type S3RequestContext } from './s3-errors.js';

type Body = NonNullable<GetObjectCommandOutput['Body']>;

export class BodyReadError extends Error {
  constructor(
    readonly bytesReceived: number,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'BodyReadError';
  }
}

/**
 * Exactly `byteLength` bytes of `body`. Once `signal` aborts (the caller's signal or the request
 * timeout) the stream is destroyed, so a stalled body cannot outlive the request.
 */
export async function readExactBody(body: Body | undefined, byteLength: number, signal: AbortSignal, context: Pick<S3RequestContext, 'location' | 'operation' | 'offset' | 'byteLength'>): Promise<Uint8Array> {
  if (body === undefined) throw s3ProtocolError(`the response has no body (expected ${byteLength} bytes)`, context, true);
  const target = new Uint8Array(byteLength);
  let filled = 0;
  const stream = body as unknown as AsyncIterable<Uint8Array> & { destroy?: (error?: Error) => void };
  const destroy = () => stream.destroy?.(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  if (signal.aborted) {
    destroy();
    throw new BodyReadError(0, signal.reason);
  }
  signal.addEventListener('abort', destroy, { once: true });
  try {
    for await (const chunk of stream) {
      if (filled + chunk.byteLength > byteLength) {
        throw s3ProtocolError(`the body is longer than the ${byteLength} bytes asked (and its Content-Range)`, context, true);
      }
      target.set(chunk, filled);
      filled += chunk.byteLength;
    }
  } catch (error) {
    if (error instanceof Error && error.name === 'ByteSourceError') throw error;
    throw new BodyReadError(filled, error);
  } finally {
    signal.removeEventListener('abort', destroy);
  }
  if (filled !== byteLength) {
    throw s3ProtocolError(`the body ended after ${filled} of ${byteLength} bytes (truncated)`, context, true);
  }
  return target;
}
