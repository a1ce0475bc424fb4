/** Worker-thread entry: rebuilds the schema from plugin origins, then encodes chunks on request. */
import { parentPort, workerData } from 'node:worker_threads';
import { serializeError } from '../util/serialize-error.js';
import { type SchemaPlan, type SerializedSchema, deserializeSchema } from './field-plan.js';
import { encodeChunk } from './sample-encoder.js';
import type { EncodeRequest, EncodeResponse } from './encode-pool.js';

const port = parentPort!;
let plan: SchemaPlan | undefined;
let planError: unknown;
const { schema, stop } = workerData as { schema: SerializedSchema; stop: SharedArrayBuffer };
// Set by the pool when the write is abandoned: the chunk in hand stops at the next sample.
const stopFlag = new Int32Array(stop);
const stopped = (): boolean => Atomics.load(stopFlag, 0) !== 0;
const ready = deserializeSchema(schema).then(
  (value) => {
    plan = value;
  },
  (error: unknown) => {
    planError = error;
  },
);

port.on('message', async (request: EncodeRequest | 'close') => {
  // Closing from a message (between samples, never inside a plugin's native call): terminating a
  // thread that is inside a native addon can abort the whole process.
  if (request === 'close') {
    process.exit(0);
  }
  await ready;
  let response: EncodeResponse;
  const transfer: ArrayBuffer[] = [];
  try {
    if (plan === undefined) throw planError;
    const chunk = await encodeChunk(plan, request.samples, request.firstSampleIndex, stopped);
    response = { id: request.id, chunk };
    transfer.push(chunk.metadata.buffer as ArrayBuffer, chunk.allocations.buffer as ArrayBuffer);
    // Each payload is a private copy made by allocate(): its buffer can move without copying.
    for (const payload of chunk.payloads) if (payload.byteLength > 0) transfer.push(payload.buffer as ArrayBuffer);
  } catch (error) {
    response = { id: request.id, error: serializeError(error) };
  }
  port.postMessage(response, transfer);
});
