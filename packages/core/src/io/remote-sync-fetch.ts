/**
 * Synchronous remote requests for the reader's synchronous API: the request goes to a fetch
 * worker (remote-fetch-worker.ts) and this thread sleeps on a shared flag until the answer is on
 * a message port (`receiveMessageOnPort`). The worker starts on the first request and stays for the
 * source's lifetime; it does not keep the process alive.
 */
import { MessageChannel, type MessagePort, Worker, receiveMessageOnPort } from 'node:worker_threads';
import { RemoteError, TesseraError } from '../errors.js';
import { type SerializedError, deserializeError } from '../util/serialize-error.js';
import { resolveWorkerUrl } from '../util/worker-url.js';
import type { RemoteObjectIdentity } from './byte-source.js';
import type { FetchRequest, FetchWorkerSetup, StoreRequest } from './remote-fetch-worker.js';
import type { ProviderReference } from './remote-provider.js';
import type { RetryCounters, RetryPolicy } from './remote-retry.js';

export class SyncFetcher {
  private worker: Worker | undefined;
  private port: MessagePort | undefined;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private workerError: unknown;

  constructor(
    private readonly url: string,
    private readonly provider: ProviderReference,
    private readonly retry: RetryPolicy,
    private readonly counters: RetryCounters,
  ) {}

  stat(): RemoteObjectIdentity {
    return this.call({ kind: 'stat' }) as RemoteObjectIdentity;
  }

  read(offset: number, byteLength: number, identity: RemoteObjectIdentity): Uint8Array {
    return this.call({ kind: 'read', offset, byteLength, identity }) as Uint8Array;
  }

  /** Several ranges in one wait, `concurrency` requests at a time (answers in the order asked). */
  readMany(ranges: Array<[offset: number, byteLength: number]>, identity: RemoteObjectIdentity, concurrency: number): Uint8Array[] {
    return this.call({ kind: 'readMany', ranges, identity, concurrency }) as Uint8Array[];
  }

  /** Hands blocks to the fetch worker for the disk cache (asynchronous, no answer; see StoreRequest). */
  store(request: Omit<StoreRequest, 'kind'>): void {
    const port = this.start();
    const owned = request.bytes.byteOffset === 0 && request.bytes.byteLength === request.bytes.buffer.byteLength && request.bytes.buffer instanceof ArrayBuffer;
    const bytes = owned ? request.bytes : request.bytes.slice();
    port.postMessage({ kind: 'store', ...request, bytes } satisfies StoreRequest, [bytes.buffer as ArrayBuffer]);
  }

  /**
   * Lets the fetch worker finish the disk-cache writes it was handed, then exit (no request is in
   * flight: reads wait for their answers). A killed writer would leave half-written block files.
   */
  close(): Promise<void> {
    const worker = this.worker;
    const port = this.port;
    this.worker = undefined;
    this.port = undefined;
    if (worker === undefined || port === undefined) return Promise.resolve();
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    // The worker closes the port and exits once the writes before this message are done; until
    // then it keeps the process alive (the writes finish even if nothing else runs).
    worker.ref();
    port.postMessage({ kind: 'close' } satisfies FetchRequest);
    return exited;
  }

  private call(request: FetchRequest): unknown {
    const port = this.start();
    Atomics.store(this.flag, 0, 0);
    port.postMessage(request);
    // The worker's own retries and timeouts bound the wait; this deadline only catches a worker
    // that died without answering.
    const deadline = Date.now() + (this.retry.retries + 1) * (this.retry.timeoutMs + this.retry.maxDelayMs) + 30_000;
    let message = receiveMessageOnPort(port);
    while (message === undefined) {
      Atomics.wait(this.flag, 0, 0, 200);
      message = receiveMessageOnPort(port);
      if (message === undefined && Date.now() > deadline) {
        // A worker that stopped answering is ended, not waited for.
        void this.worker?.terminate();
        this.worker = undefined;
        this.port = undefined;
        throw new RemoteError('E_REMOTE', `the fetch worker for ${this.url} did not answer${this.workerError === undefined ? '' : `: ${String(this.workerError)}`}`, { url: this.url });
      }
    }
    const answer = message.message as { ok: boolean; value?: unknown; error?: SerializedError; requests: number; retries: number };
    this.counters.requests += answer.requests;
    this.counters.retries += answer.retries;
    if (!answer.ok) throw deserializeError(answer.error!);
    return answer.value;
  }

  private start(): MessagePort {
    if (this.port !== undefined) return this.port;
    const channel = new MessageChannel();
    const setup: FetchWorkerSetup = { url: this.url, provider: this.provider, retry: this.retry, port: channel.port2, flag: this.flag.buffer as SharedArrayBuffer };
    let worker: Worker;
    try {
      worker = new Worker(resolveWorkerUrl('io', 'remote-fetch-worker', import.meta.url), { workerData: setup, transferList: [channel.port2] });
    } catch (error) {
      throw new TesseraError('E_WORKER', `cannot start the fetch worker for ${this.url}: ${String(error)}`, { cause: error });
    }
    worker.unref();
    worker.on('error', (error) => {
      this.workerError = error;
    });
    this.worker = worker;
    this.port = channel.port1;
    this.port.unref();
    return this.port;
  }
}
