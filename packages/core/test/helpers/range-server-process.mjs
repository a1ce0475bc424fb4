// A byte-range file server for core's remote tests, run as a child process (the remote reader
// blocks its thread while it waits for bytes, so a server in the test's own thread could never
// answer). Serves the files of argv[2] with Range, ETag and If-Match like a static origin, plus
// faults and latency set through a control route:
//   POST /__control {"latencyMs": 5, "faults": ["500", "truncate", "content-range", "reset", "no-range"]}
// takes one fault per following Range request, in order; GET /__log returns the request log.
// argv[3]: the port (default 0, a free one). Prints its port on the first line of stdout.
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, normalize } from 'node:path';

const root = process.argv[2];
let latencyMs = 0;
let faults = [];
let log = [];

const server = createServer((request, response) => {
  if (request.url === '/__control' && request.method === 'POST') {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const control = JSON.parse(body);
      if (control.latencyMs !== undefined) latencyMs = control.latencyMs;
      if (control.faults !== undefined) faults = [...control.faults];
      if (control.resetLog === true) log = [];
      response.end('{}');
    });
    return;
  }
  if (request.url === '/__log') {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(log));
    return;
  }
  const entry = { method: request.method, path: request.url, range: request.headers.range, ifMatch: request.headers['if-match'], status: 0 };
  log.push(entry);
  setTimeout(() => serve(request, response, entry), latencyMs);
});

function serve(request, response, entry) {
  const path = join(root, normalize(decodeURIComponent(request.url.split('?')[0])));
  let stats;
  try {
    stats = statSync(path);
  } catch {
    entry.status = 404;
    response.writeHead(404, { 'content-length': 0 }).end();
    return;
  }
  const size = stats.size;
  const etag = `"${size.toString(16)}-${Math.floor(stats.mtimeMs * 1000).toString(16)}"`;
  const headers = { etag, 'last-modified': stats.mtime.toUTCString(), 'accept-ranges': 'bytes' };
  const ifMatch = request.headers['if-match'];
  if (ifMatch !== undefined && ifMatch !== etag && ifMatch !== '*') {
    entry.status = 412;
    response.writeHead(412, { ...headers, 'content-length': 0 }).end();
    return;
  }
  const match = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '');
  const fault = match !== null && request.method === 'GET' ? faults.shift() : undefined;
  entry.fault = fault;
  if (fault === 'reset') {
    request.socket.destroy();
    return;
  }
  if (fault === '500' || fault === '503') {
    entry.status = Number(fault);
    response.writeHead(Number(fault), { 'content-length': 0, ...(fault === '503' ? { 'retry-after': '0' } : {}) }).end();
    return;
  }
  if (request.method === 'HEAD') {
    entry.status = 200;
    response.writeHead(200, { ...headers, 'content-length': size }).end();
    return;
  }
  if (match === null || fault === 'no-range') {
    entry.status = 200;
    response.writeHead(200, { ...headers, 'content-length': size });
    createReadStream(path).pipe(response);
    return;
  }
  const start = Number(match[1]);
  const end = Math.min(match[2] === '' ? size - 1 : Number(match[2]), size - 1);
  if (start >= size) {
    entry.status = 416;
    response.writeHead(416, { ...headers, 'content-range': `bytes */${size}`, 'content-length': 0 }).end();
    return;
  }
  const shift = fault === 'content-range' ? 1 : 0;
  entry.status = 206;
  response.writeHead(206, { ...headers, 'content-range': `bytes ${start + shift}-${end + shift}/${size}`, 'content-length': end - start + 1 });
  if (fault === 'truncate') {
    // Half the body, then the connection drops.
    const bytes = readFileSync(path).subarray(start, start + Math.floor((end - start + 1) / 2));
    response.write(bytes, () => request.socket.destroy());
    return;
  }
  createReadStream(path, { start, end }).pipe(response);
}

server.listen(Number(process.argv[3] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
