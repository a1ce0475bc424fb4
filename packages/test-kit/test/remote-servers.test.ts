/**
 * startStaticServer and startFaultProxy over real sockets and `fetch`: byte ranges, preconditions,
 * refused paths, every fault kind as a client sees it, latency and rate limits, the request log,
 * typed start errors, and the reason both run in worker threads — a client that blocks the
 * calling thread in Atomics.wait still gets its bytes.
 *
 * The servers run the built server worker (dist/server-worker.js): build the package first.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { type Agent, request as httpRequest } from 'node:http';
import { type Server, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ArgumentError, TesseraError, int64, openDataset, writeDataset } from '@tessera/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FAULT_KINDS, type FaultProxy, type StaticServer, startFaultProxy, startStaticServer } from '../src/servers.js';
import { startServerWorker } from '../src/remote/server-host.js';
import { runStaticServer } from '../src/remote/static-server.js';

/** `byteLength` bytes of a pattern that differs at every offset within 251 bytes, so a shifted range shows. */
function patternBytes(byteLength: number, seed: number): Buffer {
  const bytes = Buffer.alloc(byteLength);
  for (let offset = 0; offset < byteLength; offset++) bytes[offset] = (offset * 7 + seed) % 251;
  return bytes;
}

/** One request with node:http, which sends the path exactly as given (fetch would normalize `..`). */
function rawRequest(
  baseUrl: string,
  path: string,
  headers: Record<string, string> = {},
  options: { agent?: Agent; method?: string } = {},
): Promise<{ status: number; body: Buffer }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ hostname, port, path, headers, method: options.method ?? 'GET', agent: options.agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

const FILE_BYTES = 200_000;
const file = patternBytes(FILE_BYTES, 3);

let folder: string;
let root: string;
let server: StaticServer;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'tessera-static-server-'));
  root = join(folder, 'root');
  mkdirSync(join(root, 'nested'), { recursive: true });
  writeFileSync(join(root, 'data.bin'), file);
  writeFileSync(join(root, 'empty.bin'), new Uint8Array(0));
  writeFileSync(join(root, 'nested', 'a b.bin'), patternBytes(100, 5));
  writeFileSync(join(folder, 'outside.bin'), 'secret outside the root');
  symlinkSync(join(folder, 'outside.bin'), join(root, 'link-out.bin'));
  symlinkSync(join(root, 'data.bin'), join(root, 'link-in.bin'));
  await writeDataset(join(root, 'train.beton'), { y: int64() }, { length: 50, get: (index: number) => ({ y: index * 3 }) });
  server = await startStaticServer({ root });
});

afterAll(async () => {
  await server?.close();
  rmSync(folder, { recursive: true, force: true });
});

async function get(path: string, headers: Record<string, string> = {}, method = 'GET') {
  const response = await fetch(`${server.url}${path}`, { method, headers });
  return { status: response.status, headers: response.headers, body: new Uint8Array(await response.arrayBuffer()) };
}

describe('startStaticServer: ranges', () => {
  it('answers a whole GET with 200, every byte, Accept-Ranges and a strong ETag', async () => {
    const response = await get('/data.bin');
    expect(response.status).toBe(200);
    expect(response.headers.get('accept-ranges')).toBe('bytes');
    expect(response.headers.get('content-length')).toBe(String(FILE_BYTES));
    expect(response.headers.get('etag')).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(Buffer.compare(response.body, file)).toBe(0);
  });

  it('answers bytes=a-b with 206 and exactly those bytes', async () => {
    const response = await get('/data.bin', { range: 'bytes=1000-1999' });
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(`bytes 1000-1999/${FILE_BYTES}`);
    expect(response.headers.get('content-length')).toBe('1000');
    expect(Buffer.compare(response.body, file.subarray(1000, 2000))).toBe(0);
  });

  it('answers a suffix range bytes=-n with the last n bytes', async () => {
    const response = await get('/data.bin', { range: 'bytes=-500' });
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(`bytes ${FILE_BYTES - 500}-${FILE_BYTES - 1}/${FILE_BYTES}`);
    expect(Buffer.compare(response.body, file.subarray(FILE_BYTES - 500))).toBe(0);
  });

  it('answers an open-ended range bytes=a- up to the end, and clips an end past it', async () => {
    const open = await get('/data.bin', { range: `bytes=${FILE_BYTES - 300}-` });
    expect(open.status).toBe(206);
    expect(Buffer.compare(open.body, file.subarray(FILE_BYTES - 300))).toBe(0);
    const clipped = await get('/data.bin', { range: `bytes=${FILE_BYTES - 10}-${FILE_BYTES + 1000}` });
    expect(clipped.headers.get('content-range')).toBe(`bytes ${FILE_BYTES - 10}-${FILE_BYTES - 1}/${FILE_BYTES}`);
    expect(clipped.body.byteLength).toBe(10);
  });

  it('answers 416 with bytes */size for a range at or past the end, also on an empty file', async () => {
    const past = await get('/data.bin', { range: `bytes=${FILE_BYTES}-` });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${FILE_BYTES}`);
    expect(past.body.byteLength).toBe(0);
    const empty = await get('/empty.bin', { range: 'bytes=0-0' });
    expect(empty.status).toBe(416);
    expect(empty.headers.get('content-range')).toBe('bytes */0');
  });

  it('ignores a list of ranges and a malformed header (200 with the whole file)', async () => {
    for (const range of ['bytes=0-1,5-6', 'bytes=9-3', 'items=0-1']) {
      const response = await get('/data.bin', { range });
      expect(response.status, range).toBe(200);
      expect(response.body.byteLength, range).toBe(FILE_BYTES);
    }
  });

  it('answers HEAD with the size and no body, ignoring Range', async () => {
    const response = await get('/data.bin', { range: 'bytes=0-9' }, 'HEAD');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe(String(FILE_BYTES));
    expect(response.body.byteLength).toBe(0);
  });
});

describe('startStaticServer: preconditions', () => {
  it('serves a range under If-Match with the current ETag or *, and refuses another or a weak one with 412', async () => {
    const etag = (await get('/data.bin', {}, 'HEAD')).headers.get('etag')!;
    expect((await get('/data.bin', { range: 'bytes=0-9', 'if-match': etag })).status).toBe(206);
    expect((await get('/data.bin', { range: 'bytes=0-9', 'if-match': `"other", ${etag}` })).status).toBe(206);
    expect((await get('/data.bin', { range: 'bytes=0-9', 'if-match': '*' })).status).toBe(206);
    const refused = await get('/data.bin', { range: 'bytes=0-9', 'if-match': '"0-0"' });
    expect(refused.status).toBe(412);
    expect(refused.body.byteLength).toBe(0);
    expect(refused.headers.get('etag')).toBe(etag);
    expect((await get('/data.bin', { range: 'bytes=0-9', 'if-match': `W/${etag}` })).status).toBe(412);
  });

  it('gives a rewritten file a new ETag, so the old one is 412 (the object changed)', async () => {
    const path = join(root, 'changing.bin');
    writeFileSync(path, patternBytes(1000, 1));
    const before = (await get('/changing.bin', {}, 'HEAD')).headers.get('etag')!;
    writeFileSync(path, patternBytes(1001, 1));
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    const after = (await get('/changing.bin', {}, 'HEAD')).headers.get('etag')!;
    expect(after).not.toBe(before);
    expect((await get('/changing.bin', { range: 'bytes=0-9', 'if-match': before })).status).toBe(412);
    expect((await get('/changing.bin', { range: 'bytes=0-9', 'if-match': after })).status).toBe(206);
  });

  it('answers If-None-Match with the current ETag with 304', async () => {
    const etag = (await get('/data.bin', {}, 'HEAD')).headers.get('etag')!;
    expect((await get('/data.bin', { 'if-none-match': etag })).status).toBe(304);
  });
});

describe('startStaticServer: paths', () => {
  it('refuses paths leaving the root with 403: .., percent-encoded .., a symbolic link pointing outside', async () => {
    expect((await rawRequest(server.url, '/../outside.bin')).status).toBe(403);
    expect((await rawRequest(server.url, '/nested/../../outside.bin')).status).toBe(403);
    const encoded = await get('/..%2foutside.bin');
    expect(encoded.status).toBe(403);
    expect(Buffer.from(encoded.body).toString()).not.toContain('secret');
    expect((await get('/link-out.bin')).status).toBe(403);
  });

  it('serves a symbolic link to a file inside the root, and percent-encoded names', async () => {
    const linked = await get('/link-in.bin', { range: 'bytes=5-9' });
    expect(linked.status).toBe(206);
    expect(Buffer.compare(linked.body, file.subarray(5, 10))).toBe(0);
    expect((await get('/nested/a%20b.bin')).body.byteLength).toBe(100);
  });

  it('answers 404 for a missing file and a folder, 405 for other methods', async () => {
    expect((await get('/missing.bin')).status).toBe(404);
    expect((await get('/nested')).status).toBe(404);
    expect((await get('/')).status).toBe(404);
    const post = await fetch(`${server.url}/data.bin`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('startStaticServer: request log', () => {
  it('logs method, raw path, Range, If-Match, status, body bytes and the keep-alive connection', async () => {
    await server.resetRequests();
    const { Agent } = await import('node:http');
    const first = new Agent({ keepAlive: true, maxSockets: 1 });
    const second = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      await rawRequest(server.url, '/data.bin', { range: 'bytes=10-29' }, { agent: first });
      await rawRequest(server.url, '/nested/a%20b.bin?x=1', { 'if-match': '"nope"' }, { agent: first });
      await rawRequest(server.url, '/data.bin', {}, { agent: second, method: 'HEAD' });
      await rawRequest(server.url, '/missing.bin', {}, { agent: second });
    } finally {
      first.destroy();
      second.destroy();
    }
    const entries = await server.requests();
    expect(entries).toEqual([
      { method: 'GET', path: '/data.bin', range: 'bytes=10-29', status: 206, bytesSent: 20, connection: entries[0]!.connection },
      { method: 'GET', path: '/nested/a%20b.bin?x=1', ifMatch: '"nope"', status: 412, bytesSent: 0, connection: entries[0]!.connection },
      { method: 'HEAD', path: '/data.bin', status: 200, bytesSent: 0, connection: entries[2]!.connection },
      { method: 'GET', path: '/missing.bin', status: 404, bytesSent: 0, connection: entries[2]!.connection },
    ]);
    expect(entries[2]!.connection).toBeGreaterThan(entries[0]!.connection);
    await server.resetRequests();
    expect(await server.requests()).toEqual([]);
  });

  it('waitForRequests resolves once enough requests are logged, or with what there is after its timeout', async () => {
    await server.resetRequests();
    await Promise.all([get('/data.bin', { range: 'bytes=0-0' }), get('/data.bin', { range: 'bytes=1-1' })]);
    expect(await server.waitForRequests(2)).toHaveLength(2);
    expect(await server.waitForRequests(3, { timeoutMs: 50 })).toHaveLength(2);
    await expect(server.waitForRequests(-1)).rejects.toMatchObject({ code: 'E_ARGUMENT' });
  });
});

describe('startStaticServer: starting and closing', () => {
  it('rejects a missing root, a file as root and a mistyped option with the ArgumentError the worker threw', async () => {
    const missing = await startStaticServer({ root: join(folder, 'no-such-folder') }).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(ArgumentError);
    expect(missing).toMatchObject({ code: 'E_ARGUMENT', argument: 'root' });
    expect((missing as Error).message).toMatch(/^root: .*no-such-folder does not exist/);
    await expect(startStaticServer({ root: join(root, 'data.bin') })).rejects.toMatchObject({ code: 'E_ARGUMENT', message: expect.stringContaining('is not a folder') });
    await expect(startStaticServer({ root, prt: 8080 } as never)).rejects.toMatchObject({ code: 'E_ARGUMENT', message: expect.stringContaining('unknown option "prt"; did you mean port?') });
    await expect(startStaticServer({ root, port: 70_000 })).rejects.toMatchObject({ code: 'E_ARGUMENT', argument: 'port' });
    await expect(startStaticServer({ root: () => root } as never)).rejects.toMatchObject({ code: 'E_ARGUMENT', message: expect.stringContaining('must be plain data') });
  });

  it('rejects a port in use with E_IO naming it', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const error = await startStaticServer({ root, port }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TesseraError);
      expect(error).toMatchObject({ code: 'E_IO', message: expect.stringContaining(`127.0.0.1:${port}`) });
    } finally {
      blocker.close();
    }
  });

  it('listens on a given free port', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    const fixed = await startStaticServer({ root, port });
    try {
      expect(fixed.port).toBe(port);
      expect(fixed.url).toBe(`http://127.0.0.1:${port}`);
      expect((await fetch(`${fixed.url}/empty.bin`)).status).toBe(200);
    } finally {
      await fixed.close();
    }
  });

  it('ends its worker thread on close(), closes twice without error and refuses calls afterwards (E_CLOSED)', async () => {
    const worker = await startServerWorker({ kind: 'static-server', options: { root } }, 'static server');
    expect(worker.threadId).toBeGreaterThan(0);
    await worker.close();
    expect(worker.threadId).toBe(-1);

    const closing = await startStaticServer({ root });
    await closing.close();
    await closing.close();
    await expect(closing.requests()).rejects.toMatchObject({ code: 'E_CLOSED' });
    await expect(fetch(`${closing.url}/data.bin`)).rejects.toThrow();
  });
});

/**
 * A thread that fetches `urls` in turn while this thread blocks in Atomics.wait until it signals
 * (or `timeoutMs` pass). Resolves with how the wait ended and what the fetches got.
 */
function fetchWhileBlocked(urls: string[], timeoutMs: number) {
  const shared = new SharedArrayBuffer(8 + 64 * urls.length);
  const signal = new Int32Array(shared, 0, 2);
  const worker = new Worker(
    `const { workerData } = require('node:worker_threads');
     const signal = new Int32Array(workerData.shared, 0, 2);
     (async () => {
       for (const [index, url] of workerData.urls.entries()) {
         const response = await fetch(url, { headers: { range: 'bytes=100-163' } });
         new Uint8Array(workerData.shared, 8 + 64 * index, 64).set(new Uint8Array(await response.arrayBuffer()).subarray(0, 64));
         signal[1] += response.status === 206 ? 1 : 0;
       }
     })().catch(() => {}).finally(() => { Atomics.store(signal, 0, 1); Atomics.notify(signal, 0); });`,
    { eval: true, workerData: { shared, urls } },
  );
  const outcome = Atomics.wait(signal, 0, 0, timeoutMs); // this thread is blocked until here
  const bodies = urls.map((_, index) => new Uint8Array(shared, 8 + 64 * index, 64));
  return { outcome, partialContent: Atomics.load(signal, 1), bodies, worker };
}

describe('startStaticServer: thread isolation', () => {
  it('answers a client while the calling thread is blocked in Atomics.wait', async () => {
    const { outcome, partialContent, bodies, worker } = fetchWhileBlocked([`${server.url}/data.bin`], 20_000);
    await worker.terminate();
    expect(outcome).toBe('ok');
    expect(partialContent).toBe(1);
    expect(Buffer.compare(bodies[0]!, file.subarray(100, 164))).toBe(0);
  });

  it('control: the same server run in the calling thread cannot answer until the thread is free', async () => {
    const inThread = await runStaticServer({ root });
    try {
      const { outcome, partialContent, worker } = fetchWhileBlocked([`${inThread.url}/data.bin`], 300);
      expect(outcome).toBe('timed-out');
      expect(partialContent).toBe(0);
      await new Promise((resolve) => worker.once('exit', resolve)); // the thread is free again: the fetch completes
    } finally {
      await inThread.close();
    }
  });

  it("serves Tessera's synchronous remote reader (openDataset over http blocks this thread on every read)", async () => {
    await server.resetRequests();
    const dataset = openDataset(`${server.url}/train.beton`, { remote: { cacheDirectory: mkdtempSync(join(folder, 'cache-')), blockBytes: 4096 } });
    try {
      expect(dataset.numSamples).toBe(50);
      expect((dataset.get(49) as { y: number }).y).toBe(147);
    } finally {
      dataset.close();
    }
    const entries = await server.requests();
    expect(entries.some((entry) => entry.method === 'GET' && entry.status === 206 && entry.path === '/train.beton')).toBe(true);
  });
});

describe('startFaultProxy', () => {
  let proxy: FaultProxy;
  const range = (first: number, last: number) => ({ range: `bytes=${first}-${last}` });
  const viaProxy = async (path: string, headers: Record<string, string> = {}, method = 'GET') => {
    const response = await fetch(`${proxy.url}${path}`, { method, headers });
    return { status: response.status, headers: response.headers, body: new Uint8Array(await response.arrayBuffer()) };
  };
  /** Reads a body chunk by chunk: the bytes that arrived before it broke off, and how it ended. */
  const readUntilBroken = async (response: Response) => {
    let byteLength = 0;
    const reader = response.body!.getReader();
    try {
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) byteLength += chunk.value.byteLength;
      return { byteLength, broken: false };
    } catch {
      return { byteLength, broken: true };
    }
  };

  beforeAll(async () => {
    proxy = await startFaultProxy({ target: server.url, latencyMs: 25 });
  });
  afterAll(async () => {
    await proxy?.close();
  });
  beforeEach(async () => {
    await proxy.setFaults({});
    await proxy.setLatency(0);
    await proxy.setThrottle(undefined);
    await proxy.resetRequests();
  });

  it('forwards requests unchanged: ranges, HEAD, 416 and If-Match 412 come from the origin', async () => {
    const partial = await viaProxy('/data.bin', range(5000, 5999));
    expect(partial.status).toBe(206);
    expect(partial.headers.get('content-range')).toBe(`bytes 5000-5999/${FILE_BYTES}`);
    expect(Buffer.compare(partial.body, file.subarray(5000, 6000))).toBe(0);
    const head = await viaProxy('/data.bin', {}, 'HEAD');
    expect(head.headers.get('content-length')).toBe(String(FILE_BYTES));
    expect((await viaProxy('/data.bin', { range: `bytes=${FILE_BYTES}-` })).status).toBe(416);
    expect((await viaProxy('/data.bin', { ...range(0, 9), 'if-match': '"stale"' })).status).toBe(412);
    expect((await viaProxy('/data.bin', { ...range(0, 9), 'if-match': head.headers.get('etag')! })).status).toBe(206);
  });

  it('injects status500, then heals', async () => {
    await proxy.setFaults({ status500: 1 });
    const failed = await viaProxy('/data.bin', range(0, 99));
    expect(failed.status).toBe(500);
    expect((await viaProxy('/data.bin', range(0, 99))).status).toBe(206);
    const entries = await proxy.requests();
    expect(entries.map((entry) => [entry.status, entry.fault])).toEqual([
      [500, 'status500'],
      [206, undefined],
    ]);
  });

  it('injects 503 with the Retry-After of the plan', async () => {
    await proxy.setFaults({ status503WithRetryAfter: 2, retryAfterSeconds: 7 });
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await viaProxy('/data.bin', range(0, 99));
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('7');
    }
    expect((await viaProxy('/data.bin', range(0, 99))).status).toBe(206);
  });

  it('resets the connection: fetch rejects, and the log shows the fault without a status', async () => {
    await proxy.setFaults({ resetConnection: 1 });
    await expect(fetch(`${proxy.url}/data.bin`, { headers: range(0, 99) })).rejects.toThrow(TypeError);
    const [entry] = await proxy.requests();
    expect(entry).toMatchObject({ method: 'GET', path: '/data.bin', range: 'bytes=0-99', fault: 'resetConnection', bytesSent: 0 });
    expect(entry!.status).toBeUndefined();
  });

  it('truncates the body to half of its Content-Length, then ends the connection', async () => {
    await proxy.setFaults({ truncateBody: 1 });
    const response = await fetch(`${proxy.url}/data.bin`, { headers: range(0, 65_535) });
    expect(response.status).toBe(206);
    expect(response.headers.get('content-length')).toBe('65536');
    expect(await readUntilBroken(response)).toEqual({ byteLength: 32_768, broken: true });
    const [entry] = await proxy.requests();
    expect(entry).toMatchObject({ status: 206, fault: 'truncateBody', bytesSent: 32_768 });
  });

  it('shifts Content-Range by one byte, forward or (at the last byte) back, leaving the body alone', async () => {
    await proxy.setFaults({ wrongContentRange: 2 });
    const forward = await viaProxy('/data.bin', range(100, 199));
    expect(forward.headers.get('content-range')).toBe(`bytes 101-200/${FILE_BYTES}`);
    expect(Buffer.compare(forward.body, file.subarray(100, 200))).toBe(0);
    const back = await viaProxy('/data.bin', { range: 'bytes=-100' });
    expect(back.headers.get('content-range')).toBe(`bytes ${FILE_BYTES - 101}-${FILE_BYTES - 2}/${FILE_BYTES}`);
    expect(Buffer.compare(back.body, file.subarray(FILE_BYTES - 100))).toBe(0);
  });

  it('stalls until the client gives up with its AbortSignal', async () => {
    await proxy.setFaults({ stall: 1 });
    const controller = new AbortController();
    const pending = fetch(`${proxy.url}/data.bin`, { headers: range(0, 99), signal: controller.signal });
    const [entry] = await proxy.waitForRequests(1);
    expect(entry).toMatchObject({ fault: 'stall', bytesSent: 0 });
    expect(entry!.status).toBeUndefined();
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect((await viaProxy('/data.bin', range(0, 99))).status).toBe(206);
  });

  it('takes pending faults in FAULT_KINDS order, one request each, and counts them down', async () => {
    expect(FAULT_KINDS).toEqual(['stall', 'resetConnection', 'status500', 'status503WithRetryAfter', 'truncateBody', 'wrongContentRange']);
    await proxy.setFaults({ truncateBody: 1, status500: 1 });
    expect(await proxy.remainingFaults()).toEqual({ stall: 0, resetConnection: 0, status500: 1, status503WithRetryAfter: 0, truncateBody: 1, wrongContentRange: 0 });
    expect((await viaProxy('/data.bin', range(0, 99))).status).toBe(500);
    expect(await readUntilBroken(await fetch(`${proxy.url}/data.bin`, { headers: range(0, 99) }))).toEqual({ byteLength: 50, broken: true });
    expect(Object.values(await proxy.remainingFaults()).every((count) => count === 0)).toBe(true);
  });

  it('lets HEAD and whole-file GETs through unless onlyForRanges is false', async () => {
    await proxy.setFaults({ status500: 1 });
    expect((await viaProxy('/data.bin', {}, 'HEAD')).status).toBe(200);
    expect((await viaProxy('/empty.bin')).status).toBe(200);
    expect((await proxy.remainingFaults()).status500).toBe(1);
    await proxy.setFaults({ status500: 1, onlyForRanges: false });
    expect((await viaProxy('/data.bin', {}, 'HEAD')).status).toBe(500);
  });

  it('holds each request at least the configured latency, as the log measures it', async () => {
    await proxy.setLatency(40);
    await viaProxy('/data.bin', range(0, 9));
    await viaProxy('/data.bin', {}, 'HEAD');
    await proxy.setLatency(0);
    await viaProxy('/data.bin', range(0, 9));
    const latencies = (await proxy.requests()).map((entry) => entry.latencyMs!);
    expect(latencies[0]).toBeGreaterThanOrEqual(40);
    expect(latencies[1]).toBeGreaterThanOrEqual(40);
    expect(latencies[2]).toBe(0);
  });

  it('applies the latencyMs option from the start', async () => {
    const slow = await startFaultProxy({ target: server.url, latencyMs: 25 });
    try {
      await fetch(`${slow.url}/empty.bin`).then((response) => response.arrayBuffer());
      const [entry] = await slow.requests();
      expect(entry!.latencyMs).toBeGreaterThanOrEqual(25);
    } finally {
      await slow.close();
    }
  });

  it('delivers every byte of a throttled body', async () => {
    await proxy.setThrottle(400_000);
    const response = await viaProxy('/data.bin', range(0, 39_999));
    expect(Buffer.compare(response.body, file.subarray(0, 40_000))).toBe(0);
    expect((await proxy.requests())[0]).toMatchObject({ status: 206, bytesSent: 40_000 });
  });

  it('logs method, path, headers, status, body bytes and connection of every request', async () => {
    await fetch(`${proxy.url}/data.bin?v=1`, { headers: { ...range(10, 19), 'if-match': '*' } }).then((response) => response.arrayBuffer());
    const [entry] = await proxy.requests();
    expect(entry).toEqual({ method: 'GET', path: '/data.bin?v=1', range: 'bytes=10-19', ifMatch: '*', status: 206, bytesSent: 10, connection: entry!.connection, latencyMs: 0 });
    expect(entry!.connection).toBeGreaterThan(0);
  });

  it('answers 502 when the target is unreachable', async () => {
    const gone = await startStaticServer({ root });
    await gone.close();
    const orphan = await startFaultProxy({ target: gone.url });
    try {
      expect((await fetch(`${orphan.url}/data.bin`)).status).toBe(502);
    } finally {
      await orphan.close();
    }
  });

  it('serves openDataset through injected failures, which the remote reader retries', async () => {
    await proxy.setFaults({ status500: 1, truncateBody: 1 });
    const dataset = openDataset(`${proxy.url}/train.beton`, { remote: { cacheDirectory: mkdtempSync(join(folder, 'cache-')), blockBytes: 4096 } });
    try {
      expect((dataset.get(17) as { y: number }).y).toBe(51);
    } finally {
      dataset.close();
    }
    const faults = (await proxy.requests()).map((entry) => entry.fault).filter((fault) => fault !== undefined);
    expect(faults).toEqual(['status500', 'truncateBody']);
  });

  it('rejects bad options and plans with an ArgumentError naming them', async () => {
    await expect(startFaultProxy({ target: 'ftp://127.0.0.1/' })).rejects.toMatchObject({ code: 'E_ARGUMENT', argument: 'target' });
    await expect(startFaultProxy({ target: server.url, latencyMs: -1 })).rejects.toMatchObject({ code: 'E_ARGUMENT', argument: 'latencyMs' });
    await expect(startFaultProxy({ target: server.url, latency: 5 } as never)).rejects.toMatchObject({ code: 'E_ARGUMENT', message: expect.stringContaining('did you mean latencyMs?') });
    const typo = await proxy.setFaults({ status501: 1 } as never).catch((error: unknown) => error);
    expect(typo).toBeInstanceOf(ArgumentError);
    expect(typo).toMatchObject({ code: 'E_ARGUMENT', message: expect.stringContaining('faults.status501') });
    await expect(proxy.setFaults({ stall: 1.5 })).rejects.toMatchObject({ code: 'E_ARGUMENT', argument: 'faults.stall' });
    await expect(proxy.setThrottle(0)).rejects.toMatchObject({ code: 'E_ARGUMENT', argument: 'throttleBytesPerSecond' });
    await expect(proxy.setFaults({ onlyForRanges: () => true } as never)).rejects.toMatchObject({ code: 'E_ARGUMENT' });
  });
});

describe('startFaultProxy: Host', () => {
  it('sends the target its own Host, or the client’s with preserveHost (for signed requests such as S3 SigV4)', async () => {
    // The target runs in this thread: only this test's fetch waits on it, asynchronously.
    const echo = (await import('node:http')).createServer((request, response) => response.end(request.headers.host ?? ''));
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const target = `http://127.0.0.1:${(echo.address() as { port: number }).port}`;
    const rewriting = await startFaultProxy({ target });
    const preserving = await startFaultProxy({ target, preserveHost: true });
    try {
      expect(await (await fetch(`${rewriting.url}/x`)).text()).toBe(new URL(target).host);
      expect(await (await fetch(`${preserving.url}/x`)).text()).toBe(new URL(preserving.url).host);
      await expect(startFaultProxy({ target, preserveHost: 'yes' as never })).rejects.toMatchObject({ code: 'E_ARGUMENT' });
    } finally {
      await rewriting.close();
      await preserving.close();
      echo.closeAllConnections();
      await new Promise((resolve) => echo.close(resolve));
    }
  });
});
