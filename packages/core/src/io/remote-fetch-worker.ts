/**
 * The thread behind synchronous remote reads: it owns a byte source and answers one request at a
 * time (with retries); the asking thread sleeps on a shared flag meanwhile (remote-sync-fetch.ts).
 */
import { type MessagePort, workerData } from 'node:worker_threads';
import { serializeError } from '../util/serialize-error.js';
import type { ByteSource, RemoteObjectIdentity } from './byte-source.js';
import { type ProviderReference, openFromReference } from './remote-provider.js';
import { type RetryPolicy, withRetries } from './remote-retry.js';
import { RemoteDiskCache } from './remote-disk-cache.js';

export interface FetchWorkerSetup {
  url: string;
  provider: ProviderReference;
  retry: RetryPolicy;
  port: MessagePort;
  /** Int32 [0]: 0 while a request runs, 1 once its answer is on the port */
  flag: SharedArrayBuffer;
}

export type FetchRequest =
  | { kind: 'stat' }
  | { kind: 'read'; offset: number; byteLength: number; identity: RemoteObjectIdentity }
  /** Several ranges at once, `concurrency` requests in flight: one wait for a large read (a cold open's tables). */
  | { kind: 'readMany'; ranges: Array<[offset: number, byteLength: number]>; identity: RemoteObjectIdentity; concurrency: number }
  | StoreRequest
  | { kind: 'close' };

/**
 * Write blocks fetched ahead into the disk cache, here rather than on the loader's thread (a slow
 * disk must not hold it up). No answer: `pending` (Int32 [0], bytes) is decreased once written.
 */
export interface StoreRequest {
  kind: 'store';
  cacheDirectory: string;
  cacheBytes: number;
  key: string;
  first: number;
  blockBytes: number;
  bytes: Uint8Array;
  pending: SharedArrayBuffer;
}

const setup = workerData as FetchWorkerSetup;
const flag = new Int32Array(setup.flag);
const counters = { requests: 0, retries: 0 };
const source = openFromReference(setup.provider, setup.url);
source.catch(() => {});

let disk: RemoteDiskCache | undefined;

/** One range with retries, as a Uint8Array owning its whole buffer (so it can be transferred). */
async function readRange(opened: ByteSource, offset: number, byteLength: number, identity: RemoteObjectIdentity): Promise<Uint8Array> {
  const bytes = await withRetries(setup.url, `GET bytes ${offset}-${offset + byteLength - 1} of`, setup.retry, counters, (signal) => opened.read(offset, byteLength, { identity, signal }));
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer ? bytes : bytes.slice();
}

function store(request: StoreRequest): void {
  try {
    disk ??= new RemoteDiskCache(request.cacheDirectory, request.cacheBytes);
    const pieces: Uint8Array[] = [];
    for (let start = 0; start < request.bytes.length; start += request.blockBytes) pieces.push(request.bytes.subarray(start, start + request.blockBytes));
    disk.writeRun(request.key, request.first, pieces);
  } catch {
    // A cache: a block that could not be stored is fetched again when needed.
  } finally {
    Atomics.sub(new Int32Array(request.pending), 0, request.bytes.length);
  }
}

setup.port.on('message', async (request: FetchRequest) => {
  if (request.kind === 'store') return store(request);
  if (request.kind === 'close') {
    // After the stores queued before it (handled synchronously, in order): the thread ends now,
    // not when idle keep-alive connections time out.
    setup.port.close();
    process.exit(0);
  }
  let answer: { ok: true; value: unknown; requests: number; retries: number } | { ok: false; error: unknown; requests: number; retries: number };
  const transfer: ArrayBuffer[] = [];
  const before = { ...counters };
  try {
    const opened = await source;
    if (request.kind === 'stat') {
      const identity = await withRetries(setup.url, 'HEAD', setup.retry, counters, (signal) => opened.stat({ signal }));
      answer = { ok: true, value: identity, requests: counters.requests - before.requests, retries: counters.retries - before.retries };
    } else if (request.kind === 'read') {
      const owned = await readRange(opened, request.offset, request.byteLength, request.identity);
      transfer.push(owned.buffer as ArrayBuffer);
      answer = { ok: true, value: owned, requests: counters.requests - before.requests, retries: counters.retries - before.retries };
    } else {
      const results: Uint8Array[] = new Array(request.ranges.length);
      let next = 0;
      const lane = async () => {
        while (next < request.ranges.length) {
          const index = next++;
          const [offset, byteLength] = request.ranges[index]!;
          results[index] = await readRange(opened, offset, byteLength, request.identity);
        }
      };
      await Promise.all(Array.from({ length: Math.min(request.concurrency, request.ranges.length) }, lane));
      for (const bytes of results) transfer.push(bytes.buffer as ArrayBuffer);
      answer = { ok: true, value: results, requests: counters.requests - before.requests, retries: counters.retries - before.retries };
    }
  } catch (error) {
    answer = { ok: false, error: serializeError(error), requests: counters.requests - before.requests, retries: counters.retries - before.retries };
  }
  setup.port.postMessage(answer, transfer);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
