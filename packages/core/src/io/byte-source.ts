/**
 * The byte-source contract: where the bytes of a `.beton` file come from when it is not a local
 * file (`https://…`, `s3://…`, or any scheme a third party adds).
 *
 * A byte source answers two questions, both asynchronous: what the object is (`stat`: its size and
 * a validator that changes when the object changes) and what bytes it holds in a range (`read`).
 * Everything else — retries with backoff, the shared disk cache, read-ahead, the synchronous reads
 * the reader needs — is core's, on top of these two calls (see remote-file-source.ts).
 *
 * Providers are made by factories and passed explicitly (`openDataset(url, { byteSources: [s3()] })`);
 * core's own `http:`/`https:` provider is always available. A worker thread rebuilds a provider
 * from its `origin` (module specifier, export name, JSON options), like a plugin, so options must
 * be JSON: credentials come from the provider's own standard chain (environment, profile files),
 * not from functions.
 *
 * Contract for `read`:
 * - resolve with exactly `byteLength` bytes, the object's bytes [offset, offset + byteLength); a
 *   short body, a body of the wrong length or a response for another range is a
 *   `ByteSourceError` 'E_REMOTE_PROTOCOL', never fewer or other bytes;
 * - send the validator of `identity` as a precondition (HTTP If-Match / If-Unmodified-Since, S3
 *   IfMatch) and reject with 'E_REMOTE_CHANGED' when the object is no longer that one;
 * - reject with `retryable: true` for failures worth another attempt (5xx, 429, timeouts,
 *   connection resets, truncated bodies) and `retryable: false` otherwise (403, 404, 412);
 * - honour `signal` (reject promptly once aborted).
 */
import type { JsonValue } from '../util/json-value.js';

/** The version of this contract. */
export const BYTE_SOURCE_SPEC_VERSION = 1;

/** What a remote object is: checked on every read, the key of everything cached for it. */
export interface RemoteObjectIdentity {
  /** Size in bytes. */
  byteLength: number;
  /** Strong validator as the server sent it (HTTP ETag, S3 ETag), when it sends one. */
  etag?: string;
  /** Last-Modified as the server sent it (HTTP date), used when there is no ETag. */
  lastModified?: string;
}

export interface ByteSourceReadOptions {
  /** The identity `stat` returned: sent as a precondition, so a changed object is E_REMOTE_CHANGED. */
  identity: RemoteObjectIdentity;
  signal?: AbortSignal;
}

export interface ByteSource {
  /** The location without credentials, for messages and cache keys (e.g. `s3://bucket/key`). */
  readonly url: string;
  /** One request: the object's size and validator. */
  stat(options?: { signal?: AbortSignal }): Promise<RemoteObjectIdentity>;
  /** One request: exactly the bytes [offset, offset + byteLength) of the object (see the file comment). */
  read(offset: number, byteLength: number, options: ByteSourceReadOptions): Promise<Uint8Array>;
  /** Releases connections; optional. */
  close?(): void | Promise<void>;
}

export interface ByteSourceOrigin {
  module: string;
  exportName: string;
  options?: JsonValue;
}

export interface ByteSourceProvider {
  /** Always 1 for this contract. */
  readonly specVersion: 1;
  /** npm package name, e.g. `@tessera/s3`; shown in errors. */
  readonly name: string;
  /** URL schemes with the colon, lower case, e.g. `['s3:']`. */
  readonly protocols: readonly string[];
  /**
   * How a worker thread rebuilds this provider: `(await import(module))[exportName](options)`.
   * Required for use with loader workers (decode workers read through their own source).
   */
  readonly origin?: ByteSourceOrigin;
  /** A source for one object. Synchronous and cheap: no request until `stat` or `read`. */
  open(url: string): ByteSource;
}

export type ByteSourceErrorCode = 'E_REMOTE' | 'E_REMOTE_CHANGED' | 'E_REMOTE_PROTOCOL' | 'E_ARGUMENT';

export interface ByteSourceErrorDetails {
  url?: string;
  /** HTTP status of the failing response, when there was one. */
  status?: number;
  offset?: number;
  byteLength?: number;
  /** Whether another attempt may succeed (see the file comment). Default false. */
  retryable?: boolean;
  /** The server asked to wait this long before another attempt (HTTP Retry-After, in milliseconds). */
  retryAfterMs?: number;
  cause?: unknown;
}

/** What byte sources reject with; the reader turns it into a TesseraError with the same code. */
export class ByteSourceError extends Error {
  readonly code: ByteSourceErrorCode;
  readonly url?: string;
  readonly status?: number;
  readonly offset?: number;
  readonly byteLength?: number;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;

  constructor(code: ByteSourceErrorCode, message: string, details: ByteSourceErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ByteSourceError';
    this.code = code;
    this.retryable = details.retryable === true;
    if (details.url !== undefined) this.url = details.url;
    if (details.status !== undefined) this.status = details.status;
    if (details.offset !== undefined) this.offset = details.offset;
    if (details.byteLength !== undefined) this.byteLength = details.byteLength;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }
}

/** True for `scheme://…` strings whose scheme is not `file:` (a Windows drive letter is not a scheme). */
export function isRemoteLocation(location: string): boolean {
  const match = /^([a-z][a-z0-9+.-]+):\/\//i.exec(location);
  return match !== null && match[1]!.toLowerCase() !== 'file';
}

/** The validator a request sends, e.g. for messages: the ETag, else Last-Modified, else the size. */
export function describeIdentity(identity: RemoteObjectIdentity): string {
  if (identity.etag !== undefined) return `ETag ${identity.etag}, ${identity.byteLength} bytes`;
  if (identity.lastModified !== undefined) return `Last-Modified ${identity.lastModified}, ${identity.byteLength} bytes`;
  return `${identity.byteLength} bytes (no validator)`;
}
