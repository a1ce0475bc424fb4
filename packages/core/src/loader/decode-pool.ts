import { Worker } from 'node:worker_threads';
import { TesseraError } from '../errors.js';
import { deserializeError } from '../util/serialize-error.js';
import { resolveWorkerUrl } from '../util/worker-url.js';
import type { DecodeRequest, DecodeResponse, DecodeWorkerSetup } from './decode-protocol.js';

/**
 * Decode worker threads. Each opens the file itself (its own mapping) and decodes ranges of batch
 * positions straight into shared batch memory; the calling thread only posts small messages.
 * Threads are referenced only while they have work, so an idle loader never keeps a process alive.
 */
export interface DecodePool {
  readonly size: number;
  /** Resolves when every worker has opened the file and set up its pipelines. */
  ready(): Promise<void>;
  /** Decodes positions [from, to) of a buffer set (stage times accumulate in setup.stageTimes). */
  decode(worker: number, request: Omit<DecodeRequest, 'id'>): Promise<void>;
  close(): Promise<void>;
}

interface WorkerState {
  worker: Worker;
  pending: Map<number, { resolve(): void; reject(error: unknown): void }>;
  ready: Promise<void>;
}

export function createDecodePool(setup: DecodeWorkerSetup, size: number): DecodePool {
  const url = resolveWorkerUrl('loader', 'decode-worker', import.meta.url);
  let nextId = 0;
  let failure: unknown;
  let closed = false;
  const states: WorkerState[] = [];

  const failAll = (error: unknown) => {
    failure ??= error;
    for (const state of states) {
      for (const entry of state.pending.values()) entry.reject(failure);
      state.pending.clear();
    }
  };

  for (let index = 0; index < size; index++) {
    const worker = new Worker(url, { workerData: { ...setup, workerIndex: index } satisfies DecodeWorkerSetup });
    let markReady!: () => void;
    let markFailed!: (error: unknown) => void;
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      markFailed = reject;
    });
    ready.catch(() => {});
    const state: WorkerState = { worker, pending: new Map(), ready };
    worker.on('message', (response: DecodeResponse) => {
      if (typeof response === 'number') {
        const entry = state.pending.get(response);
        if (entry === undefined) return;
        state.pending.delete(response);
        if (state.pending.size === 0) worker.unref();
        entry.resolve();
        return;
      }
      if (response.id === -1) {
        if (response.error !== undefined) {
          const error = deserializeError(response.error);
          markFailed(error);
          failAll(error);
        } else markReady();
        return;
      }
      const entry = state.pending.get(response.id);
      if (entry === undefined) return;
      state.pending.delete(response.id);
      if (state.pending.size === 0) worker.unref();
      entry.reject(response.error === undefined ? new TesseraError('E_WORKER', 'unexpected decode worker response') : deserializeError(response.error));
    });
    worker.on('error', (error) => {
      const wrapped = new TesseraError('E_WORKER', `a decode worker failed: ${error.message}`, { cause: error });
      markFailed(wrapped);
      failAll(wrapped);
    });
    worker.on('exit', (code) => {
      if (closed) return;
      const error = new TesseraError('E_WORKER', `a decode worker exited unexpectedly with code ${code}`);
      markFailed(error);
      failAll(error);
    });
    states.push(state);
  }

  return {
    size,
    async ready() {
      await Promise.all(states.map((state) => state.ready));
      for (const state of states) if (state.pending.size === 0) state.worker.unref();
    },
    decode(workerIndex, request) {
      if (failure !== undefined) return Promise.reject(failure);
      const state = states[workerIndex]!;
      const id = nextId++;
      return new Promise<void>((resolve, reject) => {
        state.pending.set(id, { resolve, reject });
        state.worker.ref();
        state.worker.postMessage({ id, ...request } satisfies DecodeRequest);
      });
    },
    async close() {
      closed = true;
      await Promise.all(states.map((state) => state.worker.terminate()));
      failAll(new TesseraError('E_CLOSED', 'the loader was closed'));
    },
  };
}
