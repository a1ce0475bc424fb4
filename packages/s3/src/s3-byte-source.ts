/**
 * The byte source of one S3 object: HeadObject for its identity, one ranged GetObject per read with
 * the identity as precondition (IfMatch with the ETag, else IfUnmodifiedSince). Every response is
 * checked: the ETag and total size against the identity (stores that ignore IfMatch still report a
 * change), the Content-Range against the range asked, the body length against the bytes asked.
 * Each request is bounded by `requestTimeoutMs` (through the end of its body) and the caller's signal.
 */
import { GetObjectCommand, type GetObjectCommandOutput, HeadObjectCommand, type HeadObjectCommandOutput } from '@aws-sdk/client-s3';
import { ByteSourceError, type ByteSource, type ByteSourceReadOptions, type RemoteObjectIdentity } from '@tessera/core';
import type { SharedS3Client } from './s3-client.js';
import { s3ChangedError, s3ProtocolError, s3RequestError, type S3RequestContext } from './s3-errors.js';
import type { S3Location } from './s3-location.js';
import { BodyReadError, readExactBody } from './s3-response-body.js';

export interface S3ByteSourceSettings {
  requestTimeoutMs: number;
  /** describeTarget(options), for messages. */
  target: string;
}

export class S3ByteSource implements ByteSource {
  readonly url: string;
  private closed = false;

  constructor(
    private readonly location: S3Location,
    private readonly client: SharedS3Client,
    private readonly settings: S3ByteSourceSettings,
  ) {
    this.url = location.url;
    client.retain();
  }

  async stat(options: { signal?: AbortSignal } = {}): Promise<RemoteObjectIdentity> {
    const context = this.contextOf('HeadObject', options.signal);
    this.checkOpen(context);
    const signal = requestSignal(context);
    let output: HeadObjectCommandOutput;
    try {
      output = await this.client.get().send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.location.key }), { abortSignal: signal });
    } catch (error) {
      throw s3RequestError(error, context);
    }
    const byteLength = output.ContentLength;
    if (typeof byteLength !== 'number' || !Number.isSafeInteger(byteLength) || byteLength < 0) {
      throw s3ProtocolError(`HeadObject answered no usable ContentLength (${String(byteLength)})`, context, false);
    }
    const identity: RemoteObjectIdentity = { byteLength };
    if (typeof output.ETag === 'string' && output.ETag !== '') identity.etag = output.ETag;
    if (output.LastModified instanceof Date && !Number.isNaN(output.LastModified.getTime())) identity.lastModified = output.LastModified.toUTCString();
    return identity;
  }

  async read(offset: number, byteLength: number, options: ByteSourceReadOptions): Promise<Uint8Array> {
    const last = offset + byteLength - 1;
    const context: S3RequestContext = { ...this.contextOf(`GetObject bytes=${offset}-${last}`, options?.signal), offset, byteLength, identity: options?.identity };
    this.checkOpen(context);
    const identity = options?.identity;
    checkRange(offset, byteLength, identity, context);
    if (byteLength === 0) return new Uint8Array(0);
    const signal = requestSignal(context);
    const strongEtag = identity.etag !== undefined && !identity.etag.startsWith('W/');
    const unmodifiedSince = !strongEtag && identity.lastModified !== undefined ? new Date(identity.lastModified) : undefined;
    const command = new GetObjectCommand({
      Bucket: this.location.bucket,
      Key: this.location.key,
      Range: `bytes=${offset}-${last}`,
      ...(strongEtag ? { IfMatch: identity.etag } : {}),
      ...(unmodifiedSince !== undefined && !Number.isNaN(unmodifiedSince.getTime()) ? { IfUnmodifiedSince: unmodifiedSince } : {}),
    });
    let output: GetObjectCommandOutput;
    try {
      output = await this.client.get().send(command, { abortSignal: signal });
    } catch (error) {
      throw s3RequestError(error, context);
    }
    try {
      checkResponse(output, offset, byteLength, identity, context);
      return await readExactBody(output.Body, byteLength, signal, context);
    } catch (error) {
      destroyBody(output.Body);
      if (error instanceof BodyReadError) throw s3RequestError(error.cause, { ...context, bytesReceived: error.bytesReceived });
      throw error;
    }
  }

  /** Gives the provider's client back; the last source to close destroys it. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.release();
  }

  private contextOf(operation: string, signal: AbortSignal | undefined): S3RequestContext {
    return {
      location: this.location,
      operation,
      target: this.settings.target,
      ...(signal === undefined ? {} : { signal }),
      timeout: AbortSignal.timeout(this.settings.requestTimeoutMs),
      timeoutMs: this.settings.requestTimeoutMs,
    };
  }

  private checkOpen(context: S3RequestContext): void {
    if (this.closed) throw new ByteSourceError('E_ARGUMENT', `${context.operation} ${this.url}: the byte source is closed`, { url: this.url });
  }
}

/** The caller's signal and the request's deadline as one signal for the SDK and the body. */
function requestSignal(context: S3RequestContext): AbortSignal {
  return context.signal === undefined ? context.timeout : AbortSignal.any([context.signal, context.timeout]);
}

function checkRange(offset: number, byteLength: number, identity: RemoteObjectIdentity | undefined, context: S3RequestContext): asserts identity is RemoteObjectIdentity {
  if (identity === undefined || typeof identity !== 'object' || !Number.isSafeInteger(identity.byteLength)) {
    throw new ByteSourceError('E_ARGUMENT', `${context.operation} ${context.location.url}: read needs the identity stat() returned`, { url: context.location.url });
  }
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(byteLength) || byteLength < 0 || offset + byteLength > identity.byteLength) {
    throw new ByteSourceError('E_ARGUMENT', `${context.operation} ${context.location.url}: the range [${offset}, ${offset + byteLength}) is not inside the object's ${identity.byteLength} bytes`, {
      url: context.location.url,
      offset,
      byteLength,
    });
  }
}

/** The response is for this object and exactly this range, before any byte of its body is used. */
function checkResponse(
  output: GetObjectCommandOutput,
  offset: number,
  byteLength: number,
  identity: RemoteObjectIdentity,
  context: S3RequestContext,
): void {
  const status = output.$metadata.httpStatusCode;
  if (identity.etag !== undefined && output.ETag !== undefined && output.ETag !== identity.etag) {
    throw s3ChangedError(`ETag ${identity.etag}, now ${output.ETag}`, context, status);
  }
  const range = parseContentRange(output.ContentRange);
  if (range === undefined) {
    // A store that ignores Range answers 200 with the whole object: fine only when that is what was asked.
    const whole = status === 200 && offset === 0 && byteLength === identity.byteLength && output.ContentLength === byteLength;
    if (!whole) {
      throw s3ProtocolError(`asked for bytes ${offset}-${offset + byteLength - 1}, the store answered ${status ?? 'without a status'} with Content-Range ${JSON.stringify(output.ContentRange ?? null)}: it must support range requests`, context, false, status);
    }
    return;
  }
  if (range.total !== identity.byteLength) throw s3ChangedError(`${identity.byteLength} bytes, now ${range.total}`, context, status);
  if (range.first !== offset || range.last !== offset + byteLength - 1) {
    throw s3ProtocolError(`asked for bytes ${offset}-${offset + byteLength - 1}, the store answered Content-Range ${JSON.stringify(output.ContentRange)}`, context, false, status);
  }
  if (output.ContentLength !== undefined && output.ContentLength !== byteLength) {
    throw s3ProtocolError(`Content-Length ${output.ContentLength} does not match the ${byteLength} bytes of Content-Range ${output.ContentRange}`, context, true, status);
  }
}

function parseContentRange(header: string | undefined): { first: number; last: number; total: number } | undefined {
  const match = header === undefined ? null : /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header.trim());
  if (match === null) return undefined;
  return { first: Number(match[1]), last: Number(match[2]), total: Number(match[3]) };
}

function destroyBody(body: unknown): void {
  (body as { destroy?: () => void } | undefined)?.destroy?.();
}
