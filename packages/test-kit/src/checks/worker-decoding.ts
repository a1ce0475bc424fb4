import { type ConformanceContext, FIELD } from '../conformance-context.js';
import { fail } from '../conformance-error.js';
import { decodeInWorker } from '../decode-in-worker.js';
import { type DecodedSamples, decodeSamples } from '../decode-samples.js';
import { describeDifference } from '../deep-equal.js';
import { firstDifferentByte, outputByteLength } from '../output-probe.js';

/** The seed of the DecodeContext both sides pass in the seeded pass. */
const WORKER_SEED = 7;
const SEEDS: Array<number | undefined> = [undefined, WORKER_SEED];

/**
 * A worker thread rebuilds the plugin from `plugin().origin`, opens the file with it and decodes
 * every sample, without a DecodeContext and with one seeded like the loader's; its output spec,
 * bytes and lengths equal the main thread's in both passes.
 */
export async function checkWorkerDecoding(context: ConformanceContext): Promise<void> {
  const plugin = context.plugin();
  if (plugin.origin === undefined) {
    fail(`plugin ${plugin.name} has no origin, so a worker thread cannot rebuild it; set origin: { module: import.meta.url, exportName: '<factory>' }`);
  }
  const path = await context.reference();
  const decoders = context.decoders();
  const local = await context.withDataset(path, async (dataset) => {
    const results: DecodedSamples[] = [];
    for (const [name, options] of decoders) {
      for (const seed of SEEDS) results.push(await decodeSamples(dataset, FIELD, name, options, seed));
    }
    return results;
  });
  const response = await decodeInWorker({ path, fieldName: FIELD, pluginName: plugin.name, origin: plugin.origin, decoders, seeds: SEEDS }, context.timeoutMs);

  if (response.plugin.name !== plugin.name || response.plugin.version !== plugin.version) {
    fail(`the worker rebuilt ${response.plugin.name}@${response.plugin.version} from the origin, expected ${plugin.name}@${plugin.version}`);
  }
  for (let index = 0; index < local.length; index++) {
    const mine = local[index]!;
    const theirs = response.results[index]!;
    const label = `decoder "${mine.decoder}"${mine.seed === undefined ? '' : ` with a DecodeContext seeded by ${mine.seed}`}`;
    const outputDifference = describeDifference(mine.output, theirs.output);
    if (outputDifference !== undefined) fail(`${label}: the worker's decoder declares a different output: ${outputDifference}`);
    const slotByteLength = outputByteLength(mine.output);
    const byte = firstDifferentByte(mine.bytes, theirs.bytes);
    if (byte >= 0) {
      const sample = slotByteLength === 0 ? 0 : Math.floor(byte / slotByteLength);
      fail(`${label}: sample ${sample} decodes differently in the worker (first at byte ${byte - sample * slotByteLength} of the slot: 0x${mine.bytes[byte]?.toString(16)} on the main thread, 0x${theirs.bytes[byte]?.toString(16)} in the worker)`);
    }
    const lengths = describeDifference(mine.lengths, theirs.lengths);
    if (lengths !== undefined) fail(`${label}: the worker reports different variable lengths: ${lengths}`);
  }
}
