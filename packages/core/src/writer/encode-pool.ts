import type { Worker } from 'node:worker_threads';
import { TesseraError } from '../errors.js';
import { type SerializedError, deserializeError } from '../util/serialize-error.js';
import { startWorker } from '../util/worker-exec-argv.js';
import { resolveWorkerUrl } from '../util/worker-url.js';
import type { SerializedSchema } from './field-plan.js';
import type { EncodedChunk, SampleRecord } from './sample-encoder.js';

export interface EncodeRequest {
  id: number;
  firstSampleIndex: number;
  samples: readonly SampleRecord[];
}

export type EncodeResponse = { id: number; chunk: EncodedChunk; error?: undefined } | { id: number; error: SerializedError; chunk?: undefined };

export interface EncodePool {
  readonly size: number;
  encode(samples: readonly SampleRecord[], firstSampleIndex: number): Promise<EncodedChunk>;
  close(): Promise<void>;
}

interface WorkerState {
  worker: Worker;
  inFlight: number;
}

/** How long close() waits for a worker to finish its sample before terminating it. */
const CLOSE_GRACE_MS = 30_000;

/** Worker threads that encode chunks; the caller orders the results. */
export function createEncodePool(schema: SerializedSchema, size: number): EncodePool {
  const workerUrl = resolveWorkerUrl('writer', 'encode-worker', import.meta.url);
  const pending = new Map<number, { resolve(chunk: EncodedChunk): void; reject(error: unknown): void }>();
  let nextId = 0;
  let failure: unknown;
  const states: WorkerState[] = [];
  const stop = new SharedArrayBuffer(4);

  const failAll = (error: unknown) => {
    failure ??= error;
    for (const entry of pending.values()) entry.reject(failure);
    pending.clear();
  };

  for (let index = 0; index < size; index++) {
    const worker = startWorker(workerUrl, { workerData: { schema, stop } });
    const state: WorkerState = { worker, inFlight: 0 };
    worker.on('message', (response: EncodeResponse) => {
      state.inFlight -= 1;
      const entry = pending.get(response.id);
      if (entry === undefined) return;
      pending.delete(response.id);
      if (response.error !== undefined) entry.reject(deserializeError(response.error));
      else entry.resolve(response.chunk);
    });
    worker.on('error', (error) => failAll(new TesseraError('E_WORKER', `an encoder worker failed: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => {
      if (pending.size > 0) failAll(new TesseraError('E_WORKER', `an encoder worker exited with code ${code} while encoding`));
    });
    states.push(state);
  }

  return {
    size,
    encode(samples, firstSampleIndex) {
      if (failure !== undefined) return Promise.reject(failure);
      let state = states[0]!;
      for (const candidate of states) if (candidate.inFlight < state.inFlight) state = candidate;
      const id = nextId++;
      state.inFlight += 1;
      return new Promise<EncodedChunk>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        try {
          state.worker.postMessage({ id, firstSampleIndex, samples } satisfies EncodeRequest);
        } catch (cause) {
          pending.delete(id);
          reject(
            new TesseraError(
              'E_FIELD_VALUE',
              `samples ${firstSampleIndex}..${firstSampleIndex + samples.length - 1} cannot be sent to a worker thread (${String(cause)}); give the codec a toTransferable() or write with workers: 0`,
              { cause },
            ),
          );
        }
      });
    },
    /**
     * Stops the workers between samples: the chunk each is encoding ends at its next sample, queued
     * chunks are refused, then each thread closes its port and exits. A worker still busy after
     * CLOSE_GRACE_MS (a plugin stuck in one sample) is terminated.
     */
    async close() {
      Atomics.store(new Int32Array(stop), 0, 1);
      await Promise.all(
        states.map(async (state) => {
          if (state.worker.threadId === -1) return; // already exited
          const exited = new Promise<void>((resolve) => state.worker.once('exit', () => resolve()));
          try {
            state.worker.postMessage('close');
          } catch {
            // already gone
          }
          let timer: NodeJS.Timeout | undefined;
          const late = new Promise<'late'>((resolve) => {
            timer = setTimeout(() => resolve('late'), CLOSE_GRACE_MS);
          });
          const outcome = await Promise.race([exited, late]);
          clearTimeout(timer);
          if (outcome === 'late') await state.worker.terminate();
        }),
      );
    },
  };
}
