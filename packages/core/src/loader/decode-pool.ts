import type { Worker } from 'node:worker_threads';
import { TesseraError } from '../errors.js';
import { deserializeError } from '../util/serialize-error.js';
import { startWorker } from '../util/worker-exec-argv.js';
import { resolveWorkerUrl } from '../util/worker-url.js';
import type { DecodeRequest, DecodeResponse, DecodeWorkerSetup } from './decode-protocol.js';

/**
 * Decode worker threads. Each opens the loader's file itself (its own mapping, of the same inode)
 * and decodes ranges of batch positions straight into shared batch memory; the calling thread only
 * posts small messages.
 *
 * Threads keep the process alive only while someone waits on them (a decode in flight, `ready()`
 * awaited, `close()` terminating them): an idle or never-iterated loader never keeps a process alive,
 * and an awaited batch always completes.
 */
export interface DecodePool {
  readonly size: number;
  /** Resolves when every worker has opened the file and set up its pipelines. */
  ready(): Promise<void>;
  /** This worker's share of a batch: it claims positions from the buffer set's counter with the others (stage times accumulate in setup.stageTimes). */
  decode(worker: number, request: Omit<DecodeRequest, 'id'>): Promise<void>;

  /** Terminates the threads; pending decodes reject with E_CLOSED. Idempotent. */
  close(): Promise<void>;
}

interface WorkerState {
  worker: Worker;
  pending: Map<number, { resolve(): void; reject(error: unknown): void }>;
  ready: Promise<void>;
  isReady: boolean;
}

export function createDecodePool(setup: DecodeWorkerSetup, size: number): DecodePool {
  const url = resolveWorkerUrl('loader', 'decode-worker', import.meta.url);
  let nextId = 0;
  let failure: unknown;
  let closing: Promise<void> | undefined;
  let readyAwaited = false;
  const states: WorkerState[] = [];

  const failAll = (error: unknown) => {
    failure ??= error;
    for (const state of states) {
      for (const entry of state.pending.values()) entry.reject(failure);
      state.pending.clear();
      updateReference(state);
    }
  };

  /** Referenced while a decode is in flight or `ready()` waits for it; never after close starts (close refs it itself). */
  const updateReference = (state: WorkerState) => {
    if (closing !== undefined) return;
    if (state.pending.size > 0 || (readyAwaited && !state.isReady && failure === undefined)) state.worker.ref();
    else state.worker.unref();
  };

  for (let index = 0; index < size; index++) {
    const worker = startWorker(url, { workerData: { ...setup, workerIndex: index } satisfies DecodeWorkerSetup });
    let markReady!: () => void;
    let markFailed!: (error: unknown) => void;
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      markFailed = reject;
    });
    ready.catch(() => {});
    const state: WorkerState = { worker, pending: new Map(), ready, isReady: false };
    worker.unref();
    worker.on('message', (response: DecodeResponse) => {
      // After close() started, replies are stale; touching ref/unref here would let the process
      // exit before the threads' exit events arrive (terminate() would never settle).
      if (closing !== undefined) return;
      if (typeof response === 'number') {
        const entry = state.pending.get(response);
        if (entry === undefined) return;
        state.pending.delete(response);
        updateReference(state);
        entry.resolve();
        return;
      }
      if (response.id === -1) {
        if (response.error !== undefined) {
          const error = deserializeError(response.error);
          markFailed(error);
          failAll(error);
        } else {
          state.isReady = true;
          updateReference(state);
          markReady();
        }
        return;
      }
      const entry = state.pending.get(response.id);
      if (entry === undefined) return;
      state.pending.delete(response.id);
      updateReference(state);
      entry.reject(response.error === undefined ? new TesseraError('E_WORKER', 'unexpected decode worker response') : deserializeError(response.error));
    });
    worker.on('error', (error) => {
      const wrapped = new TesseraError('E_WORKER', `a decode worker failed: ${error.message}`, { cause: error });
      markFailed(wrapped);
      failAll(wrapped);
    });
    worker.on('exit', (code) => {
      if (closing !== undefined) return;
      const error = new TesseraError('E_WORKER', `a decode worker exited unexpectedly with code ${code}`);
      markFailed(error);
      failAll(error);
    });
    states.push(state);
  }

  return {
    size,
    async ready() {
      if (closing !== undefined) throw new TesseraError('E_CLOSED', 'the loader was closed');
      readyAwaited = true;
      for (const state of states) updateReference(state);
      await Promise.all(states.map((state) => state.ready));
    },
    decode(workerIndex, request) {
      if (closing !== undefined) return Promise.reject(new TesseraError('E_CLOSED', 'the loader was closed'));
      if (failure !== undefined) return Promise.reject(failure);
      const state = states[workerIndex]!;
      const id = nextId++;
      return new Promise<void>((resolve, reject) => {
        state.pending.set(id, { resolve, reject });
        updateReference(state);
        state.worker.postMessage({ id, ...request } satisfies DecodeRequest);
      });
    },
    close() {
      if (closing !== undefined) return closing;
      const closedError = new TesseraError('E_CLOSED', 'the loader was closed');
      failAll(closedError);
      // Referenced until they have exited, so an awaited close() always settles.
      for (const state of states) state.worker.ref();
      closing = Promise.all(states.map((state) => state.worker.terminate())).then(() => undefined);
      return closing;
    },
  };
}
