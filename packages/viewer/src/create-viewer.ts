import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Dataset, type FieldPreview, type OpenOptions, TesseraError, type TesseraPlugin, openDataset } from '@tessera/core';
import { parseByteRange } from './byte-range.js';
import { buildDatasetSummary } from './dataset-summary.js';
import { type FieldStatistics, computeFieldStatistics } from './field-statistics.js';
import { createDecodedOutputs, decoderNamesOf } from './decoded-output.js';
import { HttpError, toHttpError } from './http-error.js';
import { stringifyForPage } from './json-encoding.js';
import { previewToJson } from './preview-json.js';
import { type RowMatches, findMatchingRows, findSearchFields, parseStatisticFilter } from './row-query.js';
import { DEFAULT_DRIFT_TOLERANCE_SECONDS, buildSampleTimeline } from './sample-timeline.js';
import { loadStaticAssets } from './static-assets.js';
import { createVerifyJob } from './verify-job.js';

export interface ViewerOptions {
  /** the .beton file to show */
  path: string;
  /** plugins for the file's fields, as for openDataset */
  plugins?: readonly TesseraPlugin[];
  /** sidecar files joined by sample index (openDataset's `sidecars`) */
  sidecars?: readonly string[];
  /** byte-source providers for a remote `path` (openDataset's `byteSources`, e.g. `[s3()]`) */
  byteSources?: OpenOptions['byteSources'];
  /** cache and retry settings for a remote `path` (openDataset's `remote`) */
  remote?: OpenOptions['remote'];
  /** the address to listen on; default 127.0.0.1 (this machine only: use an SSH tunnel from elsewhere) */
  host?: string;
  /** default 0: a free port */
  port?: number;
}

export interface Viewer {
  /** the page's address, e.g. http://127.0.0.1:41234/ */
  readonly url: string;
  readonly port: number;
  /** stops the server, the verify worker, and closes the file */
  close(): Promise<void>;
}

export const DEFAULT_ROW_LIMIT = 50;
export const MAX_ROW_LIMIT = 100;
export const DEFAULT_MAX_SIDE = 256;
export const MAX_MAX_SIDE = 4096;
const MAX_SEARCH_LENGTH = 200;
/** Largest drift tolerance a request may ask for (seconds): an hour tolerates any real clip. */
const MAX_DRIFT_TOLERANCE_SECONDS = 3600;
/** Recent media responses kept (copies of the bytes): a player's range requests ask for the same file again and again. */
const MEDIA_CACHE_ENTRIES = 32;
const MATCH_CACHE_ENTRIES = 16;

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
} as const;
const PAGE_POLICY = "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * Serves a read-only page for one `.beton` file (and its sidecars) with Node's http module: the
 * header, paged previews, statistics, filters and verify (see README.md for the routes). Every
 * request is bounded and checked; no request can make the server crash or write to the file.
 */
export async function createViewer(options: ViewerOptions): Promise<Viewer> {
  const host = options.host ?? '127.0.0.1';
  const plugins = options.plugins ?? [];
  // 'lazy': no pass over every record at open (the page shows a few rows of possibly millions);
  // reads stay bounds-checked, and "verify" on the page checks everything.
  const remote = { byteSources: options.byteSources, remote: options.remote };
  const dataset = openDataset(options.path, { plugins, validateFields: 'lazy', ...remote, ...(options.sidecars === undefined ? {} : { sidecars: options.sidecars }) });
  let server: ReturnType<typeof createServer> | undefined;
  try {
    const assets = loadStaticAssets();
    const handler = createRequestHandler(dataset, plugins, assets, remote);
    const hostnames = allowedHostnames(host);
    server = createServer((request, response) => void handler.handle(request, response, hostnames));
    const listening = server;
    const requestedPort = options.port ?? 0;
    await new Promise<void>((resolve, reject) => {
      // A port in use or an address this machine lacks is the user's to fix: a typed error saying how.
      const fail = (error: NodeJS.ErrnoException) =>
        reject(new TesseraError('E_IO', `cannot listen on ${host}:${requestedPort} (${error.code ?? error.message}): choose another port (--port) or host (--host)`, { cause: error }));
      listening.once('error', fail);
      listening.listen(requestedPort, host, () => {
        listening.off('error', fail);
        resolve();
      });
    });
    const { port } = listening.address() as AddressInfo;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
    let closed: Promise<void> | undefined;
    return {
      url,
      port,
      close() {
        closed ??= (async () => {
          await new Promise<void>((resolve) => {
            listening.close(() => resolve());
            listening.closeAllConnections();
          });
          await handler.close();
          dataset.close();
        })();
        return closed;
      },
    };
  } catch (error) {
    server?.close();
    dataset.close();
    throw error;
  }
}

/**
 * Host names a request may name (a defence against DNS rebinding: a web page on another name that
 * resolves to 127.0.0.1 must not read the data). A server bound to every interface accepts any.
 */
function allowedHostnames(host: string): Set<string> | undefined {
  if (host === '0.0.0.0' || host === '::') return undefined;
  return new Set(['127.0.0.1', 'localhost', '[::1]', host.includes(':') ? `[${host}]` : host]);
}

function createRequestHandler(dataset: Dataset, plugins: readonly TesseraPlugin[], assets: ReturnType<typeof loadStaticAssets>, remote: Pick<OpenOptions, 'byteSources' | 'remote'>) {
  const summary = buildDatasetSummary(dataset);
  const statisticsCache = new Map<string, FieldStatistics>();
  const matchCache = new Map<string, Promise<RowMatches>>();
  const mediaCache = new Map<string, { contentType: string; body: Buffer }>();
  const decoded = createDecodedOutputs(dataset);
  const verifyJob = createVerifyJob(dataset, plugins, remote);
  let searchFields: Promise<string[]> | undefined;

  const getSearchFields = () => {
    searchFields ??= findSearchFields(dataset);
    // A failure (the file changed) is not kept: the next request tries again.
    searchFields.catch(() => (searchFields = undefined));
    return searchFields;
  };

  function checkField(encoded: string): string {
    const name = decodeSegment(encoded);
    if (!dataset.hasField(name)) throw new HttpError(404, 'E_UNKNOWN_FIELD', `no field ${JSON.stringify(name)}; the fields are ${dataset.fields.map((field) => field.name).join(', ')}`);
    return name;
  }

  function checkRow(text: string): number {
    if (!/^-?\d{1,16}$/.test(text)) throw new HttpError(400, 'E_ARGUMENT', `a row index is a whole number; got ${JSON.stringify(text)}`);
    const row = Number(text);
    if (row < 0 || row >= dataset.numSamples) {
      throw new HttpError(404, 'E_INDEX', `row ${row} is out of range: the file has ${dataset.numSamples} samples (rows 0 to ${dataset.numSamples - 1})`);
    }
    return row;
  }

  async function rows(query: URLSearchParams) {
    const offset = integerParameter(query, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = integerParameter(query, 'limit', DEFAULT_ROW_LIMIT, 1, MAX_ROW_LIMIT);
    const maxSide = integerParameter(query, 'maxSide', DEFAULT_MAX_SIDE, 1, MAX_MAX_SIDE);
    const filterText = query.get('filter') ?? '';
    const search = query.get('search') ?? '';
    if (search.length > MAX_SEARCH_LENGTH) throw new HttpError(400, 'E_ARGUMENT', `search is at most ${MAX_SEARCH_LENGTH} characters; got ${search.length}`);
    const filter = filterText === '' ? undefined : parseStatisticFilter(filterText, dataset);
    dataset.assertUnchanged();
    let matches: RowMatches | undefined;
    if (filter !== undefined || search !== '') {
      const key = JSON.stringify([filterText, search]);
      let pending = matchCache.get(key);
      if (pending === undefined) {
        pending = (async () => findMatchingRows(dataset, { filter, ...(search === '' ? {} : { search }) }, search === '' ? [] : await getSearchFields()))();
        remember(matchCache, key, pending, MATCH_CACHE_ENTRIES);
        pending.catch(() => matchCache.delete(key));
      }
      matches = await pending;
    }
    const total = matches === undefined ? dataset.numSamples : matches.rows.length;
    if (offset > 0 && offset >= total) throw new HttpError(404, 'E_INDEX', `offset ${offset} is out of range: there are ${total} rows${matches === undefined ? '' : ' matching'}`);
    const end = Math.min(total, offset + limit);
    const indices = matches === undefined ? Array.from({ length: end - offset }, (_, position) => offset + position) : matches.rows.slice(offset, end);
    const result = [];
    for (const index of indices) {
      const fields: Record<string, unknown> = {};
      for (const field of dataset.fields) fields[field.name] = await previewOrError(dataset, field.name, index, maxSide);
      result.push({ index, fields });
    }
    return {
      offset,
      limit,
      total,
      numSamples: dataset.numSamples,
      filter: filter ?? null,
      search: search === '' ? null : search,
      partial: matches?.partial ?? false,
      scannedRows: matches?.scannedRows ?? null,
      rows: result,
    };
  }

  async function media(fieldName: string, row: number, query: URLSearchParams) {
    const maxSide = integerParameter(query, 'maxSide', DEFAULT_MAX_SIDE, 1, MAX_MAX_SIDE);
    const poster = query.get('poster') === '1';
    const key = JSON.stringify([fieldName, row, maxSide, poster]);
    dataset.assertUnchanged();
    const cached = mediaCache.get(key);
    if (cached !== undefined) return cached;
    const preview = await dataset.preview(fieldName, row, { maxSide });
    const bytes = mediaBytes(preview, poster, fieldName, row);
    // A copy: the preview's bytes may be a view of the mapped file, which must not be read after the file changes.
    const entry = { contentType: bytes.mimeType, body: Buffer.from(bytes.bytes) };
    remember(mediaCache, key, entry, MEDIA_CACHE_ENTRIES);
    return entry;
  }

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    const target = request.url ?? '/';
    const queryStart = target.indexOf('?');
    // The raw path, not a normalised URL: "/../x" and "%2e%2e" match no route rather than being resolved.
    const path = queryStart < 0 ? target : target.slice(0, queryStart);
    const query = new URLSearchParams(queryStart < 0 ? '' : target.slice(queryStart + 1));
    const isRead = method === 'GET' || method === 'HEAD';
    const asset = assets.get(path);
    if (asset !== undefined) {
      requireMethod(isRead, method, 'GET');
      send(response, method, 200, { 'Content-Type': asset.contentType, 'Cache-Control': 'no-cache', ...(path.endsWith('.css') || path.endsWith('.js') ? {} : { 'Content-Security-Policy': PAGE_POLICY }) }, asset.body);
      return;
    }
    const segments = path.split('/');
    if (segments[1] !== 'api') throw new HttpError(404, 'E_NOT_FOUND', `no page at ${JSON.stringify(path)}; open / for the viewer`);
    const [, , name, ...rest] = segments;
    if (name === 'summary' && rest.length === 0) {
      requireMethod(isRead, method, 'GET');
      let fileChanged: string | null = null;
      try {
        dataset.assertUnchanged();
      } catch (error) {
        fileChanged = error instanceof Error ? error.message : String(error);
      }
      const fields = fileChanged === null ? await getSearchFields() : [];
      sendJson(response, method, 200, { ...summary, fileChanged, searchFields: fields });
      return;
    }
    if (name === 'rows' && rest.length === 0) {
      requireMethod(isRead, method, 'GET');
      sendJson(response, method, 200, await rows(query));
      return;
    }
    if (name === 'media' && rest.length === 2) {
      requireMethod(isRead, method, 'GET');
      const fieldName = checkField(rest[0]!);
      const row = checkRow(rest[1]!);
      const { contentType, body } = await media(fieldName, row, query);
      sendMedia(request, response, method, contentType, body);
      return;
    }
    if (name === 'statistics' && rest.length === 1) {
      requireMethod(isRead, method, 'GET');
      const fieldName = checkField(rest[0]!);
      if (!dataset.hasStatistics(fieldName)) throw new HttpError(404, 'E_NO_STATISTICS', `field "${fieldName}" has no statistics: its plugin has no statistics hook`);
      let statistics = statisticsCache.get(fieldName);
      if (statistics === undefined) {
        statistics = computeFieldStatistics(dataset, fieldName);
        statisticsCache.set(fieldName, statistics);
      }
      sendJson(response, method, 200, statistics);
      return;
    }
    if (name === 'timeline' && rest.length === 1) {
      requireMethod(isRead, method, 'GET');
      const row = checkRow(rest[0]!);
      if (summary.timeline === null) {
        const streams = dataset.fields.filter((field) => dataset.hasTimeline(field.name)).map((field) => field.name);
        throw new HttpError(404, 'E_NO_TIMELINE', `this file has no time-aligned view: it needs two fields with a time axis, or one and a field of labelled spans; fields with a time axis: ${streams.length === 0 ? 'none' : streams.join(', ')}`);
      }
      const toleranceSeconds = secondsParameter(query, 'toleranceSeconds', DEFAULT_DRIFT_TOLERANCE_SECONDS, MAX_DRIFT_TOLERANCE_SECONDS);
      dataset.assertUnchanged();
      sendJson(response, method, 200, buildSampleTimeline(dataset, summary.timeline, row, toleranceSeconds));
      return;
    }
    if (name === 'decoded' && rest.length === 2) {
      requireMethod(isRead, method, 'GET');
      const fieldName = checkField(rest[0]!);
      const row = checkRow(rest[1]!);
      const decoderName = query.get('decoder');
      if (decoderName === null || decoderName === '') throw new HttpError(400, 'E_ARGUMENT', `name the decoder: ?decoder=<name>&options=<JSON>; field "${fieldName}" has ${decoderNamesOf(dataset, fieldName).join(', ') || 'no known decoders'}`);
      const output = await decoded(fieldName, row, decoderName, query.get('options'));
      if (output.kind === 'image') sendMedia(request, response, method, output.contentType, output.body);
      else sendJson(response, method, 200, output.value);
      return;
    }
    if (name === 'verify' && rest.length === 0) {
      if (method === 'POST') {
        sendJson(response, method, 202, verifyJob.start());
        return;
      }
      requireMethod(isRead, method, 'GET, POST');
      sendJson(response, method, 200, verifyJob.snapshot());
      return;
    }
    throw new HttpError(404, 'E_NOT_FOUND', `no API route ${JSON.stringify(path)}; the routes are /api/summary, /api/rows, /api/media/<field>/<row>, /api/statistics/<field>, /api/timeline/<row>, /api/decoded/<field>/<row>?decoder=, /api/verify`);
  }

  return {
    async handle(request: IncomingMessage, response: ServerResponse, hostnames: Set<string> | undefined): Promise<void> {
      try {
        checkHost(request, hostnames);
        await route(request, response);
      } catch (error) {
        const failure = toHttpError(error);
        if (response.headersSent) {
          response.destroy();
          return;
        }
        try {
          sendJson(response, request.method ?? 'GET', failure.status, { error: { code: failure.code, message: failure.message } });
        } catch {
          response.destroy();
        }
      }
    },
    close: () => verifyJob.close(),
  };
}

async function previewOrError(dataset: Dataset, fieldName: string, row: number, maxSide: number): Promise<unknown> {
  try {
    return previewToJson(await dataset.preview(fieldName, row, { maxSide }), fieldName, row, maxSide);
  } catch (error) {
    // A changed file fails the whole request (409); one value a plugin cannot show fails only its cell.
    if (error instanceof TesseraError && error.code === 'E_IO') throw error;
    const code = error instanceof TesseraError ? error.code : 'E_INTERNAL';
    return { kind: 'error', code, message: error instanceof Error ? error.message : String(error) };
  }
}

function mediaBytes(preview: FieldPreview, poster: boolean, fieldName: string, row: number): { mimeType: string; bytes: Uint8Array } {
  if (poster) {
    if (preview.kind === 'video' && preview.poster !== undefined) return preview.poster;
    throw new HttpError(404, 'E_NO_MEDIA', `field "${fieldName}" row ${row} has no poster (only video previews may have one)`);
  }
  if (preview.kind === 'image' || preview.kind === 'audio' || preview.kind === 'video') return preview;
  throw new HttpError(404, 'E_NO_MEDIA', `field "${fieldName}" row ${row} has no media: its preview is ${preview.kind}, shown inline by /api/rows`);
}

function checkHost(request: IncomingMessage, hostnames: Set<string> | undefined): void {
  if (hostnames === undefined) return;
  const hostHeader = request.headers.host ?? '';
  const hostname = hostHeader.replace(/:\d+$/, '').toLowerCase();
  if (!hostnames.has(hostname)) {
    throw new HttpError(403, 'E_HOST', `requests must name this machine (${[...hostnames].join(', ')}) in their Host header; got ${JSON.stringify(hostHeader)}`);
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, 'E_ARGUMENT', `bad percent-encoding in ${JSON.stringify(segment)}`);
  }
}

function requireMethod(allowed: boolean, method: string, expected: string): void {
  if (!allowed) throw new HttpError(405, 'E_METHOD', `${method} is not allowed here; use ${expected}`);
}

function integerParameter(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const text = query.get(name);
  if (text === null || text === '') return fallback;
  if (!/^\d{1,16}$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new HttpError(400, 'E_ARGUMENT', `${name} must be a whole number from ${min} to ${max}; got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

function secondsParameter(query: URLSearchParams, name: string, fallback: number, max: number): number {
  const text = query.get(name);
  if (text === null || text === '') return fallback;
  const value = Number(text);
  if (!/^\d{1,6}(\.\d{1,6})?$/.test(text) || value > max) throw new HttpError(400, 'E_ARGUMENT', `${name} must be a number of seconds from 0 to ${max}; got ${JSON.stringify(text)}`);
  return value;
}

function remember<T>(cache: Map<string, T>, key: string, value: T, maxEntries: number): void {
  cache.set(key, value);
  if (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
}

function send(response: ServerResponse, method: string, status: number, headers: Record<string, string | number>, body: Buffer | string): void {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  response.writeHead(status, { ...SECURITY_HEADERS, ...headers, 'Content-Length': bytes.byteLength });
  response.end(method === 'HEAD' ? undefined : bytes);
}

function sendJson(response: ServerResponse, method: string, status: number, value: unknown): void {
  send(response, method, status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' }, stringifyForPage(value));
}

/** The bytes with `Accept-Ranges`, or the one range asked for (206), or 416 for a range past the end. */
function sendMedia(request: IncomingMessage, response: ServerResponse, method: string, contentType: string, body: Buffer): void {
  const common = { 'Content-Type': contentType, 'Accept-Ranges': 'bytes', 'Cache-Control': 'no-cache' };
  const range = parseByteRange(request.headers.range, body.byteLength);
  if (range === 'unsatisfiable') {
    const message = stringifyForPage({ error: { code: 'E_RANGE', message: `the range ${request.headers.range} lies outside the ${body.byteLength} bytes` } });
    send(response, method, 416, { ...common, 'Content-Type': 'application/json; charset=utf-8', 'Content-Range': `bytes */${body.byteLength}` }, message);
    return;
  }
  if (range === undefined) {
    send(response, method, 200, common, body);
    return;
  }
  send(response, method, 206, { ...common, 'Content-Range': `bytes ${range.start}-${range.end}/${body.byteLength}` }, body.subarray(range.start, range.end + 1));
}
