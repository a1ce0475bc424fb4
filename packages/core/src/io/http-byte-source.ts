/**
 * Core's byte source for `http:` and `https:`: Node's own fetch (undici, keep-alive), one single-range
 * GET per read, HEAD for the identity. Checked on every response: the status, Content-Range against
 * the range asked and the size opened, the body length, and the ETag against the one opened (the
 * precondition If-Match, or If-Unmodified-Since without an ETag, makes the server refuse with 412
 * once the file changed; the comparison catches servers that ignore preconditions).
 */
import { ByteSourceError, type ByteSource, type ByteSourceProvider, type ByteSourceReadOptions, type RemoteObjectIdentity } from './byte-source.js';

export interface HttpSourceOptions {
  /** Headers sent with every request (e.g. `{ authorization: 'Bearer …' }`). */
  headers?: Record<string, string>;
}

export const HTTP_SOURCE_NAME = '@tessera/core';

/** The `http:`/`https:` provider; always available to openDataset, pass it to set headers. */
export function httpSource(options: HttpSourceOptions = {}): ByteSourceProvider {
  const headers = options.headers ?? {};
  if (headers === null || typeof headers !== 'object' || Object.values(headers).some((value) => typeof value !== 'string')) {
    throw new ByteSourceError('E_ARGUMENT', `httpSource: headers must map names to strings, got ${JSON.stringify(options.headers)}`);
  }
  return {
    specVersion: 1,
    name: HTTP_SOURCE_NAME,
    protocols: ['http:', 'https:'],
    origin: { module: '@tessera/core', exportName: 'httpSource', options: { headers } },
    open: (url) => new HttpByteSource(url, headers),
  };
}

class HttpByteSource implements ByteSource {
  readonly url: string;
  private readonly headers: Record<string, string>;

  constructor(url: string, headers: Record<string, string>) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ByteSourceError('E_ARGUMENT', `not a URL: ${JSON.stringify(url)}`, { url });
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ByteSourceError('E_ARGUMENT', `not an http(s) URL: ${url}`, { url });
    this.headers = { ...headers };
    if (parsed.username !== '' || parsed.password !== '') {
      // Credentials in the URL become a header and stay out of messages and cache keys.
      const user = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
      this.headers.authorization ??= `Basic ${Buffer.from(user).toString('base64')}`;
      parsed.username = '';
      parsed.password = '';
    }
    this.url = parsed.href;
  }

  async stat(options: { signal?: AbortSignal } = {}): Promise<RemoteObjectIdentity> {
    const response = await this.request('HEAD', { ...this.headers }, options.signal);
    if (response.status === 405 || response.status === 501) return this.statByRange(options.signal);
    if (response.status !== 200) throw statusError(this.url, response, 'HEAD');
    const byteLength = Number(response.headers.get('content-length'));
    if (!Number.isSafeInteger(byteLength) || byteLength < 0) return this.statByRange(options.signal);
    return identityOf(response, byteLength);
  }

  /** For servers without HEAD: a one-byte range tells the size (Content-Range) and the validator. */
  private async statByRange(signal: AbortSignal | undefined): Promise<RemoteObjectIdentity> {
    const response = await this.request('GET', { ...this.headers, range: 'bytes=0-0' }, signal);
    await response.body?.cancel();
    if (response.status !== 206) throw statusError(this.url, response, 'GET (range bytes=0-0)');
    const range = parseContentRange(response.headers.get('content-range'));
    if (range === undefined) throw new ByteSourceError('E_REMOTE_PROTOCOL', `answered bytes=0-0 without a usable Content-Range (${response.headers.get('content-range')})`, { url: this.url });
    return identityOf(response, range.total);
  }

  async read(offset: number, byteLength: number, options: ByteSourceReadOptions): Promise<Uint8Array> {
    if (byteLength === 0) return new Uint8Array(0);
    const { identity } = options;
    const last = offset + byteLength - 1;
    const headers: Record<string, string> = { ...this.headers, range: `bytes=${offset}-${last}` };
    const strongEtag = identity.etag !== undefined && !identity.etag.startsWith('W/');
    if (strongEtag) headers['if-match'] = identity.etag!;
    else if (identity.lastModified !== undefined) headers['if-unmodified-since'] = identity.lastModified;
    const response = await this.request('GET', headers, options.signal);
    const where = { url: this.url, offset, byteLength, status: response.status };
    if (response.status === 412) {
      await response.body?.cancel();
      throw new ByteSourceError('E_REMOTE_CHANGED', `the object changed since it was opened (${describe(identity)}; the server refused the precondition with 412)`, where);
    }
    if (response.status === 200) {
      // The whole object for a range request: fine only when the range is the whole object.
      if (offset === 0 && byteLength === identity.byteLength) return readBody(response, byteLength, where);
      await response.body?.cancel();
      throw new ByteSourceError('E_REMOTE_PROTOCOL', `the server ignored the Range header (200 with the whole file for bytes=${offset}-${last}): serve the file with byte-range support`, where);
    }
    if (response.status !== 206) throw statusError(this.url, response, `GET bytes=${offset}-${last}`);
    const etag = response.headers.get('etag') ?? undefined;
    if (identity.etag !== undefined && etag !== undefined && etag !== identity.etag) {
      await response.body?.cancel();
      throw new ByteSourceError('E_REMOTE_CHANGED', `the object changed since it was opened (ETag ${identity.etag}, now ${etag})`, where);
    }
    const range = parseContentRange(response.headers.get('content-range'));
    if (range !== undefined && range.total !== identity.byteLength) {
      await response.body?.cancel();
      throw new ByteSourceError('E_REMOTE_CHANGED', `the object changed since it was opened (${identity.byteLength} bytes, now ${range.total})`, where);
    }
    if (range === undefined || range.first !== offset || range.last !== last) {
      await response.body?.cancel();
      throw new ByteSourceError(
        'E_REMOTE_PROTOCOL',
        `asked for bytes ${offset}-${last}, the server answered Content-Range ${JSON.stringify(response.headers.get('content-range'))}`,
        where,
      );
    }
    return readBody(response, byteLength, where);
  }

  private async request(method: 'GET' | 'HEAD', headers: Record<string, string>, signal: AbortSignal | undefined): Promise<Response> {
    try {
      return await fetch(this.url, { method, headers, signal, redirect: 'follow' });
    } catch (error) {
      throw new ByteSourceError('E_REMOTE', `${method} failed: ${networkMessage(error)}`, { url: this.url, retryable: !(signal?.aborted ?? false), cause: error });
    }
  }
}

/** The body into one buffer of exactly `byteLength` bytes; short is retryable, long is not. */
async function readBody(response: Response, byteLength: number, where: { url: string; offset: number; byteLength: number; status: number }): Promise<Uint8Array> {
  const target = new Uint8Array(byteLength);
  let filled = 0;
  const reader = response.body!.getReader();
  try {
    for (;;) {
      let chunk: { done: boolean; value?: Uint8Array };
      try {
        chunk = await reader.read();
      } catch (error) {
        throw new ByteSourceError('E_REMOTE', `the connection failed after ${filled} of ${byteLength} bytes: ${networkMessage(error)}`, { ...where, retryable: true, cause: error });
      }
      if (chunk.done || chunk.value === undefined) break;
      const bytes = chunk.value;
      if (filled + bytes.length > byteLength) {
        throw new ByteSourceError('E_REMOTE_PROTOCOL', `the body is longer than the ${byteLength} bytes of its Content-Range`, where);
      }
      target.set(bytes, filled);
      filled += bytes.length;
    }
  } finally {
    reader.releaseLock();
  }
  if (filled !== byteLength) {
    throw new ByteSourceError('E_REMOTE_PROTOCOL', `the body ended after ${filled} of ${byteLength} bytes (truncated)`, { ...where, retryable: true });
  }
  return target;
}

function identityOf(response: Response, byteLength: number): RemoteObjectIdentity {
  const identity: RemoteObjectIdentity = { byteLength };
  const etag = response.headers.get('etag');
  const lastModified = response.headers.get('last-modified');
  if (etag !== null) identity.etag = etag;
  if (lastModified !== null) identity.lastModified = lastModified;
  return identity;
}

function parseContentRange(header: string | null): { first: number; last: number; total: number } | undefined {
  const match = header === null ? null : /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header.trim());
  if (match === null) return undefined;
  return { first: Number(match[1]), last: Number(match[2]), total: Number(match[3]) };
}

function statusError(url: string, response: Response, what: string): ByteSourceError {
  void response.body?.cancel();
  const status = response.status;
  const retryable = status >= 500 || status === 429 || status === 408;
  const hint =
    status === 404 ? ': no file at this URL' : status === 401 || status === 403 ? ': access denied (pass credentials with httpSource({ headers }))' : status === 416 ? ': the range lies past the end of the file' : '';
  const retryAfterMs = retryable ? parseRetryAfter(response.headers.get('retry-after')) : undefined;
  return new ByteSourceError('E_REMOTE', `${what} answered HTTP ${status} ${response.statusText}${hint}`, { url, status, retryable, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
}

/** Retry-After as milliseconds from now: delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
function parseRetryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function networkMessage(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  const message = error instanceof Error ? error.message : String(error);
  return cause?.code !== undefined ? `${message} (${cause.code}${cause.message === undefined ? '' : `: ${cause.message}`})` : message;
}

function describe(identity: RemoteObjectIdentity): string {
  return identity.etag !== undefined ? `ETag ${identity.etag}` : identity.lastModified !== undefined ? `Last-Modified ${identity.lastModified}` : `${identity.byteLength} bytes`;
}
