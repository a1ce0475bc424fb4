/**
 * Worker-thread entry of the kit: rebuilds the plugin from its origin (as a loader worker would),
 * opens the file with it and decodes every sample; posts the bytes back once.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDataset } from '@tessera/core';
import { type DecodedSamples, decodeSamples } from './decode-samples.js';
import type { DecodeWorkerRequest, DecodeWorkerResponse } from './decode-worker-protocol.js';
import { rebuildPlugin } from './rebuild-plugin.js';

const request = workerData as DecodeWorkerRequest;
let response: DecodeWorkerResponse;
const transfer: ArrayBuffer[] = [];
try {
  const plugin = await rebuildPlugin(request.origin, request.pluginName);
  const uses = [];
  for (const used of request.uses) uses.push(await rebuildPlugin(used.origin, used.name));
  const dataset = openDataset(request.path, { plugins: [plugin, ...uses] });
  try {
    const results: DecodedSamples[] = [];
    for (const [name, options] of request.decoders) {
      for (const seed of request.seeds) results.push(await decodeSamples(dataset, request.fieldName, name, options, seed, request.window));
    }
    for (const result of results) transfer.push(result.bytes.buffer as ArrayBuffer, result.lengths.buffer as ArrayBuffer, result.windows.buffer as ArrayBuffer);
    response = { ok: true, plugin: { name: plugin.name, version: plugin.version, codecIds: plugin.codecs.map((codec) => codec.id) }, results };
  } finally {
    dataset.close();
  }
} catch (error) {
  const { name = 'Error', message = String(error), stack } = error instanceof Error ? error : {};
  const code = (error as { code?: unknown } | null)?.code;
  response = { ok: false, error: { name, message, stack, ...(typeof code === 'string' ? { code } : {}) } };
}
parentPort!.postMessage(response, transfer);
