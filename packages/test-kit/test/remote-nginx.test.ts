/**
 * startNginx: a real nginx in a child process, checked for the byte-range behaviour a remote
 * reader relies on (206 exact bytes, suffix, 416, HEAD, ETag + If-Match 412) and for the request
 * log parsed from its JSON access log. Skipped where nginx is not installed.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, get as httpGet } from 'node:http';
import { type Server, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NginxServer, nginxAvailable, startFaultProxy, startNginx } from '../src/servers.js';

const FILE_BYTES = 100_000;
const NGINX = nginxAvailable();

/** `byteLength` bytes of a pattern that differs at every offset within 251 bytes. */
function patternBytes(byteLength: number, seed: number): Buffer {
  const bytes = Buffer.alloc(byteLength);
  for (let offset = 0; offset < byteLength; offset++) bytes[offset] = (offset * 7 + seed) % 251;
  return bytes;
}

const file = patternBytes(FILE_BYTES, 11);

it('nginxAvailable() returns an existing executable path or undefined', () => {
  if (NGINX !== undefined) expect(existsSync(NGINX)).toBe(true);
  else expect(NGINX).toBeUndefined();
});

describe.skipIf(NGINX === undefined)(`startNginx (${NGINX ?? 'skipped: nginx is not installed (Debian: apt-get install nginx-light)'})`, () => {
  let folder: string;
  let server: NginxServer;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'tessera-nginx-test-'));
    writeFileSync(join(folder, 'data.bin'), file);
    server = await startNginx({ root: folder });
  });

  afterAll(async () => {
    await server?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  async function get(path: string, headers: Record<string, string> = {}, method = 'GET') {
    const response = await fetch(`${server.url}${path}`, { method, headers });
    return { status: response.status, headers: response.headers, body: new Uint8Array(await response.arrayBuffer()) };
  }

  it('listens on 127.0.0.1 at a port it picked', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
  });

  it('answers ranges with 206 and exactly those bytes: a-b, suffix, open-ended; 416 past the end', async () => {
    const partial = await get('/data.bin', { range: 'bytes=1000-1999' });
    expect(partial.status).toBe(206);
    expect(partial.headers.get('content-range')).toBe(`bytes 1000-1999/${FILE_BYTES}`);
    expect(Buffer.compare(partial.body, file.subarray(1000, 2000))).toBe(0);
    const suffix = await get('/data.bin', { range: 'bytes=-300' });
    expect(Buffer.compare(suffix.body, file.subarray(FILE_BYTES - 300))).toBe(0);
    const open = await get('/data.bin', { range: `bytes=${FILE_BYTES - 40}-` });
    expect(open.headers.get('content-range')).toBe(`bytes ${FILE_BYTES - 40}-${FILE_BYTES - 1}/${FILE_BYTES}`);
    expect(Buffer.compare(open.body, file.subarray(FILE_BYTES - 40))).toBe(0);
    const past = await get('/data.bin', { range: `bytes=${FILE_BYTES}-` });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${FILE_BYTES}`);
  });

  it('answers a list of ranges with the whole file (max_ranges 1), HEAD with the size, a missing file with 404', async () => {
    const list = await get('/data.bin', { range: 'bytes=0-1,5-6' });
    expect(list.status).toBe(200);
    expect(list.body.byteLength).toBe(FILE_BYTES);
    const head = await get('/data.bin', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(FILE_BYTES));
    expect(head.body.byteLength).toBe(0);
    expect((await get('/missing.bin')).status).toBe(404);
  });

  it('sends a strong ETag and answers If-Match with another one with 412', async () => {
    const etag = (await get('/data.bin', {}, 'HEAD')).headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect((await get('/data.bin', { range: 'bytes=0-9', 'if-match': etag })).status).toBe(206);
    expect((await get('/data.bin', { range: 'bytes=0-9', 'if-match': '"0-0"' })).status).toBe(412);
  });

  it('logs each request from its access log: method, raw path, Range, If-Match, status, body bytes, connection', async () => {
    await server.resetRequests();
    const etag = (await get('/data.bin', {}, 'HEAD')).headers.get('etag')!;
    await get('/data.bin?x=1', { range: 'bytes=10-29' });
    const refused = await get('/data.bin', { range: 'bytes=0-9', 'if-match': '"stale"' });
    await get('/data.bin', { range: 'bytes=0-9', 'if-match': etag });
    const entries = await server.waitForRequests(4);
    expect(entries.map(({ connection, ...entry }) => entry)).toEqual([
      { method: 'HEAD', path: '/data.bin', status: 200, bytesSent: 0 },
      { method: 'GET', path: '/data.bin?x=1', range: 'bytes=10-29', status: 206, bytesSent: 20 },
      // nginx answers 412 with its HTML error page; the log counts exactly what the client got
      { method: 'GET', path: '/data.bin', range: 'bytes=0-9', ifMatch: '"stale"', status: 412, bytesSent: refused.body.byteLength },
      { method: 'GET', path: '/data.bin', range: 'bytes=0-9', ifMatch: etag, status: 206, bytesSent: 10 },
    ]);
    for (const entry of entries) expect(entry.connection).toBeGreaterThanOrEqual(1);
    await server.resetRequests();
    expect(await server.requests()).toEqual([]);
  });

  it('numbers connections: requests sharing a keep-alive connection share a number, a new connection gets the next', async () => {
    const fetchOver = (agent: Agent) =>
      new Promise<void>((resolve, reject) => {
        httpGet(`${server.url}/data.bin`, { agent, headers: { range: 'bytes=0-0' } }, (response) => response.resume().on('end', resolve)).on('error', reject);
      });
    const first = new Agent({ keepAlive: true, maxSockets: 1 });
    const second = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      await server.resetRequests();
      await fetchOver(first);
      await fetchOver(first);
      await fetchOver(second);
    } finally {
      first.destroy();
      second.destroy();
    }
    const connections = (await server.waitForRequests(3)).map((entry) => entry.connection);
    expect(connections[1]).toBe(connections[0]);
    expect(connections[2]).toBe(connections[0]! + 1);
  });

  it('works as the target of startFaultProxy', async () => {
    const proxy = await startFaultProxy({ target: server.url, faults: { wrongContentRange: 1 } });
    try {
      const response = await fetch(`${proxy.url}/data.bin`, { headers: { range: 'bytes=100-199' } });
      expect(response.headers.get('content-range')).toBe(`bytes 101-200/${FILE_BYTES}`);
      expect(Buffer.compare(new Uint8Array(await response.arrayBuffer()), file.subarray(100, 200))).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it('rejects a missing root, and a port in use with E_IO, leaving no nginx behind', async () => {
    await expect(startNginx({ root: join(folder, 'no-such-folder') })).rejects.toMatchObject({ code: 'E_ARGUMENT', argument: 'root' });
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startNginx({ root: folder, port })).rejects.toMatchObject({ code: 'E_IO', message: expect.stringContaining(`port ${port} is in use`) });
    } finally {
      blocker.close();
    }
  });

  it('stops nginx and removes its temporary folder on close(); closing twice is fine, calls afterwards are E_CLOSED', async () => {
    const second = await startNginx({ root: folder });
    expect((await fetch(`${second.url}/data.bin`, { method: 'HEAD' })).status).toBe(200);
    await second.close();
    await second.close();
    await expect(fetch(`${second.url}/data.bin`)).rejects.toThrow(TypeError);
    await expect(second.requests()).rejects.toMatchObject({ code: 'E_CLOSED' });
  });
});
