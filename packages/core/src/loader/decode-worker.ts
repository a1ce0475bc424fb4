/** Decode-worker entry: opens the file, rebuilds plugins and operations, decodes ranges of batches into shared memory. */
import { parentPort, workerData } from 'node:worker_threads';
import { type Dataset, type OpenOptions, openDataset, openRemoteDataset } from '../reader/open-dataset.js';
import { joinFiles } from '../reader/multi-file-dataset.js';
import type { TesseraPlugin } from '../registry/plugin-contract.js';
import { importFromOrigin } from '../util/import-origin.js';
import { serializeError } from '../util/serialize-error.js';
import { createSlots } from '../registry/output-slots.js';
import { type CompiledField, type SampleRunContext, compileField } from './compiled-pipeline.js';
import type { DecodeRequest, DecodeResponse, DecodeWorkerSetup } from './decode-protocol.js';
import { checkWorkerFile } from './file-identity.js';
import { createSampleRandom } from './orders/random.js';
import { createWindowPlanner, createWindowState } from './sample-window.js';
import type { OutputSlot, SampleOperation } from './pipeline-contract.js';

const port = parentPort!;
const setup = workerData as DecodeWorkerSetup;

interface Ready {
  dataset: Dataset;
  fields: CompiledField[];
  /** [buffer][field][position] */
  slots: OutputSlot[][][];
  sampleIndices: Uint32Array[];
  occurrences: Uint32Array[];
  claims: Int32Array[];
  contexts: SampleRunContext[];
  /** per field: its stages' accumulated wall times, in shared memory the calling thread reads */
  stageTimes: Float64Array[];
}

async function prepare(): Promise<Ready> {
  const plugins: TesseraPlugin[] = [];
  for (const origin of setup.plugins) plugins.push(await importFromOrigin<TesseraPlugin>(origin, origin.name));
  // The loader's inodes (the file's and each sidecar's), never whatever the paths name now:
  // checked before and after opening; the sidecars are joined through openDataset's own checks.
  // A remote object is checked by every request instead (its identity is the precondition).
  const files =
    setup.files !== undefined ? setup.files.pinned : setup.remote === undefined ? [{ path: setup.path, openPath: setup.openPath, identity: setup.identity }, ...setup.sidecars] : [];
  for (const file of files) checkWorkerFile(file.openPath, file.path, file.identity);
  const options = { plugins, mmap: setup.mmap, cache: setup.cache, cacheBytes: setup.cacheBytes, sharedTargets: true };
  const dataset =
    setup.files !== undefined
      ? openPinnedFiles(setup.files, options)
      : setup.remote !== undefined
        ? openRemoteDataset(setup.remote.url, { plugins, sharedTargets: true }, setup.remote)
        : openDataset(setup.openPath, setup.sidecars.length === 0 ? options : { ...options, sidecars: setup.sidecars.map((sidecar) => sidecar.openPath) });
  try {
    for (const file of files) checkWorkerFile(file.openPath, file.path, file.identity);
  } catch (error) {
    dataset.close();
    throw error;
  }
  const fields: CompiledField[] = [];
  for (const field of setup.fields) {
    const operations: SampleOperation[] = [];
    for (const origin of field.operations) operations.push(await importFromOrigin<SampleOperation>(origin, origin.name));
    fields.push(
      compileField(dataset, field.name, { decoder: field.decoder, decoderOptions: field.decoderOptions, operations }, setup.batchSize, field.stageSalt, field.source),
    );
  }
  const slots = setup.buffers.map((buffer) =>
    fields.map((field, index) => {
      const column = buffer.columns[index]!;
      return createSlots(field.output, column.data, 0, setup.batchSize, setup.fields[index]!.strideBytes, new Int32Array(column.lengths));
    }),
  );
  const contexts: SampleRunContext[] = [];
  const planner = setup.window === undefined ? undefined : createWindowPlanner(dataset, setup.window, setup.seed);
  for (let position = 0; position < setup.batchSize; position++) {
    const windowState = planner === undefined ? undefined : createWindowState(planner);
    contexts.push({ sampleIndex: 0, occurrence: 0, occurrences: setup.repeat, epoch: 0, seed: setup.seed, random: createSampleRandom(), windowState });
  }
  const stagesPerWorker = fields.reduce((sum, field) => sum + field.stageNames.length, 0);
  let stageOffset = setup.workerIndex * stagesPerWorker;
  const stageTimes = fields.map((field) => {
    const times = new Float64Array(setup.stageTimes, stageOffset * 8, field.stageNames.length);
    stageOffset += field.stageNames.length;
    return times;
  });
  return { dataset, fields, slots, sampleIndices: setup.buffers.map((buffer) => new Uint32Array(buffer.sampleIndices, 0, setup.batchSize)), occurrences: setup.buffers.map((buffer) => new Uint32Array(buffer.sampleIndices, setup.batchSize * 4, setup.batchSize)), claims: setup.buffers.map((buffer) => new Int32Array(buffer.sampleIndices, setup.batchSize * 8, 1)), contexts, stageTimes };
}

/** The loader's files, each opened through its pinned descriptor, joined as the loader joined them. */
function openPinnedFiles(files: NonNullable<DecodeWorkerSetup['files']>, options: OpenOptions): Dataset {
  const opened: Dataset[] = [];
  try {
    for (const file of files.pinned) opened.push(openDataset(file.openPath, options));
    return joinFiles(opened, { manifestPath: undefined, streams: files.streams, samplesPerEpoch: files.samplesPerEpoch });
  } catch (error) {
    for (const dataset of opened) dataset.close();
    throw error;
  }
}

const ready = prepare();
ready.then(
  () => port.postMessage({ id: -1, ready: true } satisfies DecodeResponse),
  (error: unknown) => port.postMessage({ id: -1, error: serializeError(error) } satisfies DecodeResponse),
);

port.on('message', async (request: DecodeRequest) => {
  let response: DecodeResponse;
  try {
    const state = await ready;
    // One fstat per request, before the decoders touch this worker's mapping: a file truncated
    // under the loader is E_IO, never SIGBUS (which would take the whole process down) or zeros.
    state.dataset.assertUnchanged();
    for (const context of state.contexts) context.epoch = request.epoch;
    const slots = state.slots[request.bufferIndex]!;
    const sampleIndices = state.sampleIndices[request.bufferIndex]!;
    const occurrences = state.occurrences[request.bufferIndex]!;
    // The workers share the batch: each claims the next `grain` positions until none is left.
    const claim = state.claims[request.bufferIndex]!;
    for (;;) {
      const from = Atomics.add(claim, 0, request.grain);
      if (from >= request.count) break;
      const to = Math.min(request.count, from + request.grain);
      for (let index = 0; index < state.fields.length; index++) {
        const pending = state.fields[index]!.runBatch(sampleIndices, occurrences, from, to, slots[index]!, state.contexts, state.stageTimes[index]!);
        if (pending !== undefined) await pending;
      }
    }
    response = request.id;
  } catch (error) {
    response = { id: request.id, error: serializeError(error) };
  }
  port.postMessage(response);
});
