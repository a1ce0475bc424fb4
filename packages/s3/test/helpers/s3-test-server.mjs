/**
 * A local S3 for the tests, run as its own process (`node s3-test-server.mjs <folder>`): s3rver over
 * a folder, listening on 127.0.0.1 (an ephemeral port), with what s3rver lacks and the tests need.
 * It prints one JSON line `{"port":…,"plainPort":…}` once both ports listen, and exits when its
 * stdin closes (so it never outlives the test process).
 *
 * It must be another process: the dataset reader blocks its thread in Atomics.wait while a fetch
 * worker makes the requests, so a server in the reading thread could never answer.
 *
 * - `port`: s3rver behind a front that honours If-Match and If-Unmodified-Since on GET and HEAD with
 *   412 PreconditionFailed, as S3 does (s3rver ignores both), and injects faults by key prefix:
 *   `stall/…` never answers (for timeouts and aborts), `short-body/…` answers a GET with the right
 *   Content-Range and one byte less of body, `wrong-range/…` answers a GET with the range one byte off.
 * - `plainPort`: s3rver itself, preconditions ignored (a store that does not support them).
 * Both serve the same folder; credentials S3RVER / S3RVER are checked (signatures included).
 */
import { createServer } from 'node:http';
import S3rver from 's3rver';

const directory = process.argv[2];
if (directory === undefined) {
  process.stderr.write('usage: node s3-test-server.mjs <folder>\n');
  process.exit(2);
}

const s3rver = new S3rver({ directory, silent: true, vhostBuckets: false });
const handle = s3rver.callback();

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

/** Path-style `/bucket/key` (the tests use forcePathStyle), or undefined for other requests. */
function objectOf(request) {
  const path = new URL(request.url, 'http://localhost').pathname;
  const match = /^\/([^/]+)\/(.+)$/.exec(path);
  return match === null ? undefined : { bucket: decodeURIComponent(match[1]), key: decodeURIComponent(match[2]) };
}

function sendError(response, status, code, message) {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  response.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

async function metadataOf(object) {
  try {
    return await s3rver.store.getMetadata(object.bucket, object.key);
  } catch {
    return undefined;
  }
}

/**
 * A GET answered by the front itself from the stored bytes: `short` sends one byte less than its
 * Content-Range (chunked, so the body ends cleanly), `shifted` sends the range one byte off.
 */
async function sendFaultyRange(request, response, object, fault) {
  const metadata = await metadataOf(object);
  if (metadata === undefined) return handle(request, response);
  const size = Number(metadata['content-length']);
  const match = /^bytes=(\d+)-(\d+)$/.exec(request.headers.range ?? '');
  let first = match === null ? 0 : Number(match[1]);
  let last = match === null ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (fault === 'shifted') {
    const shift = first > 0 ? -1 : 1;
    first += shift;
    last += shift;
  }
  const stored = await s3rver.store.getObject(object.bucket, object.key, { start: first, end: last });
  const chunks = [];
  for await (const chunk of stored.content) chunks.push(chunk);
  const bytes = Buffer.concat(chunks);
  const headers = { 'content-range': `bytes ${first}-${last}/${size}`, etag: metadata.etag, 'last-modified': metadata['last-modified'] };
  response.writeHead(206, fault === 'short' ? headers : { ...headers, 'content-length': bytes.length });
  response.end(fault === 'short' ? bytes.subarray(0, bytes.length - 1) : bytes);
}

const front = createServer(async (request, response) => {
  const object = objectOf(request);
  if (object === undefined || (request.method !== 'GET' && request.method !== 'HEAD')) return handle(request, response);
  if (object.key.startsWith('stall/')) return; // never answered; the socket closes when the client gives up
  const ifMatch = request.headers['if-match'];
  const ifUnmodifiedSince = request.headers['if-unmodified-since'];
  if (ifMatch !== undefined || ifUnmodifiedSince !== undefined) {
    const metadata = await metadataOf(object);
    if (metadata !== undefined) {
      const changed =
        ifMatch !== undefined ? ifMatch !== metadata.etag : new Date(metadata['last-modified']).getTime() > new Date(ifUnmodifiedSince).getTime();
      if (changed) return sendError(response, 412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
    }
  }
  if (request.method === 'GET' && object.key.startsWith('short-body/')) return sendFaultyRange(request, response, object, 'short');
  if (request.method === 'GET' && object.key.startsWith('wrong-range/')) return sendFaultyRange(request, response, object, 'shifted');
  return handle(request, response);
});
const plain = createServer(handle);

const [port, plainPort] = await Promise.all([listen(front), listen(plain)]);
process.stdout.write(`${JSON.stringify({ port, plainPort })}\n`);
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
