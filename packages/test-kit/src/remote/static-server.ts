import { open, realpath } from 'node:fs/promises';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseByteRange } from './byte-range.js';
import { fileEntityTag, httpDateSeconds, ifMatchPasses, ifNoneMatchMatches } from './entity-tag.js';
import type { LoopbackServer } from './loopback-server.js';
import { LOOPBACK_HOST, checkPort, closeServer, listenOnLoopback, numberConnections } from './loopback-listen.js';
import { type RequestLogEntry, createRequestLog, headerValue } from './request-log.js';
import { checkServerOptions } from './server-options.js';
import { resolveServingRoot } from './serving-root.js';

export interface StaticServerOptions {
  /** The folder served at `/`: `GET /a/b.beton` reads `<root>/a/b.beton`. Must exist; never written to. */
  root: string;
  /** The port to listen on, on 127.0.0.1; default 0, a free port chosen by the OS. */
  port?: number;
}

const STATIC_SERVER_OPTIONS = ['root', 'port'] as const;

/**
 * Runs, in the CALLING thread, an HTTP/1.1 file server on 127.0.0.1 behaving like a careful
 * static origin (S3, nginx, a CDN) towards a byte-range client:
 *
 * - GET and HEAD of regular files under `root` (anything else is 405); a path leaving `root`
 *   (`..`, also percent-encoded, or a symbolic link pointing outside) is 403, a missing file or a
 *   folder 404; no folder listings.
 * - `Accept-Ranges: bytes`; one `Range: bytes=a-b` / `bytes=a-` / `bytes=-n` on GET is 206 with
 *   `Content-Range: bytes a-b/size` and exactly those bytes; a range starting at or past the end is
 *   416 with `Content-Range: bytes *\/size`; a malformed header or a list of ranges is ignored (200).
 * - A strong `ETag` from size and modification time (nanoseconds) and `Last-Modified`; `If-Match`
 *   without a matching strong tag is 412, as is `If-Unmodified-Since` older than the file (checked
 *   only without If-Match); `If-None-Match` / `If-Modified-Since` give 304; `If-Range` that does not
 *   match turns a Range request into 200.
 * - Keep-alive connections; bodies are streamed from one open file handle (the headers and the
 *   bytes describe the same file even if it is replaced meanwhile), never read whole.
 *
 * Every request is logged with method, raw path, Range and If-Match headers, status, body bytes
 * and connection number (`requests()`).
 *
 * Internal: a client that blocks this thread (Tessera's synchronous remote reader) would never get
 * an answer, so the public startStaticServer runs this in a server worker (server-worker.ts).
 */
export async function runStaticServer(options: StaticServerOptions): Promise<LoopbackServer> {
  checkServerOptions('startStaticServer', options, STATIC_SERVER_OPTIONS);
  const port = checkPort(options.port);
  const root = await resolveServingRoot(options.root);
  const log = createRequestLog();
  const server = createServer({ keepAliveTimeout: 30_000 });
  const connectionOf = numberConnections(server);
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const entry = log.add({
      method: request.method ?? '',
      path: request.url ?? '',
      ...optionalHeader('range', headerValue(request.headers.range)),
      ...optionalHeader('ifMatch', headerValue(request.headers['if-match'])),
      bytesSent: 0,
      connection: connectionOf(request.socket),
    });
    serveFile(root, request, response, entry).catch(() => response.destroy());
  });
  const boundPort = await listenOnLoopback(server, port);
  return {
    url: `http://${LOOPBACK_HOST}:${boundPort}`,
    port: boundPort,
    requests: log.requests,
    resetRequests: log.resetRequests,
    waitForRequests: log.waitForRequests,
    close: () => closeServer(server),
  };
}

function optionalHeader<K extends 'range' | 'ifMatch'>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

function isInside(root: string, path: string): boolean {
  const fromRoot = relative(root, path);
  return fromRoot === '' || (!fromRoot.startsWith(`..${sep}`) && fromRoot !== '..' && !isAbsolute(fromRoot));
}

type Resolution = { path: string } | { status: 400 | 403 | 404 };

/** Maps the raw request target to a file under root, or to the status refusing it. */
async function resolveTarget(root: string, target: string): Promise<Resolution> {
  const rawPath = target.split(/[?#]/, 1)[0]!;
  if (!rawPath.startsWith('/')) return { status: 400 };
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { status: 400 };
  }
  if (decoded.includes('\0')) return { status: 400 };
  if (decoded.split(/[/\\]/).includes('..')) return { status: 403 };
  const path = resolve(join(root, decoded));
  if (!isInside(root, path)) return { status: 403 };
  let real: string;
  try {
    real = await realpath(path);
  } catch (error) {
    return { status: (error as NodeJS.ErrnoException).code === 'EACCES' ? 403 : 404 };
  }
  return isInside(root, real) ? { path: real } : { status: 403 };
}

function sendEmpty(response: ServerResponse, entry: RequestLogEntry, status: number, headers: Record<string, string> = {}): void {
  entry.status = status;
  response.writeHead(status, { 'Content-Length': '0', ...headers });
  response.end();
}

async function serveFile(root: string, request: IncomingMessage, response: ServerResponse, entry: RequestLogEntry): Promise<void> {
  const method = request.method ?? '';
  request.resume();
  if (method !== 'GET' && method !== 'HEAD') return sendEmpty(response, entry, 405, { Allow: 'GET, HEAD' });
  const resolution = await resolveTarget(root, request.url ?? '');
  if ('status' in resolution) return sendEmpty(response, entry, resolution.status);

  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(resolution.path, 'r');
  } catch (error) {
    return sendEmpty(response, entry, (error as NodeJS.ErrnoException).code === 'EACCES' ? 403 : 404);
  }
  let handedOver = false;
  try {
    const stats = await handle.stat({ bigint: true });
    if (!stats.isFile()) return sendEmpty(response, entry, 404);
    const size = Number(stats.size);
    const etag = fileEntityTag(stats.size, stats.mtimeNs);
    const modifiedSeconds = Number(stats.mtimeMs / 1000n);
    const lastModified = new Date(modifiedSeconds * 1000).toUTCString();
    const validators = { ETag: etag, 'Last-Modified': lastModified, 'Accept-Ranges': 'bytes' };
    const headers = request.headers;

    const ifMatch = headerValue(headers['if-match']);
    const ifUnmodifiedSince = headerValue(headers['if-unmodified-since']);
    if (ifMatch !== undefined) {
      if (!ifMatchPasses(ifMatch, etag)) return sendEmpty(response, entry, 412, validators);
    } else if (ifUnmodifiedSince !== undefined) {
      const since = httpDateSeconds(ifUnmodifiedSince);
      if (since !== undefined && modifiedSeconds > since) return sendEmpty(response, entry, 412, validators);
    }
    const ifNoneMatch = headerValue(headers['if-none-match']);
    const ifModifiedSince = headerValue(headers['if-modified-since']);
    if (ifNoneMatch !== undefined) {
      if (ifNoneMatchMatches(ifNoneMatch, etag)) return sendNotModified(response, entry, validators);
    } else if (ifModifiedSince !== undefined) {
      const since = httpDateSeconds(ifModifiedSince);
      if (since !== undefined && modifiedSeconds <= since) return sendNotModified(response, entry, validators);
    }

    let rangeHeader = method === 'GET' ? headerValue(headers.range) : undefined;
    const ifRange = headerValue(headers['if-range']);
    if (rangeHeader !== undefined && ifRange !== undefined && !ifRangeMatches(ifRange, etag, modifiedSeconds)) rangeHeader = undefined;
    const range = parseByteRange(rangeHeader, size);
    if (range.kind === 'unsatisfiable') {
      return sendEmpty(response, entry, 416, { ...validators, 'Content-Range': `bytes */${size}` });
    }
    const start = range.kind === 'range' ? range.start : 0;
    const end = range.kind === 'range' ? range.end : size - 1;
    const status = range.kind === 'range' ? 206 : 200;
    entry.status = status;
    response.writeHead(status, {
      ...validators,
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(end - start + 1),
      ...(range.kind === 'range' ? { 'Content-Range': `bytes ${start}-${end}/${size}` } : {}),
    });
    if (method === 'HEAD' || end < start) {
      response.end();
      return;
    }
    const body = handle.createReadStream({ start, end, autoClose: true });
    handedOver = true;
    await pipeline(
      body,
      async function* countBytes(chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          entry.bytesSent += chunk.byteLength;
          yield chunk;
        }
      },
      response,
    );
  } finally {
    if (!handedOver) await handle.close();
  }
}

function sendNotModified(response: ServerResponse, entry: RequestLogEntry, validators: Record<string, string>): void {
  entry.status = 304;
  response.writeHead(304, validators);
  response.end();
}

function ifRangeMatches(header: string, etag: string, modifiedSeconds: number): boolean {
  const value = header.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return value === etag;
  return httpDateSeconds(value) === modifiedSeconds;
}
