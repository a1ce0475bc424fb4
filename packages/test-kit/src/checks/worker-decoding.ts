import { type ConformanceContext, FIELD } from '../conformance-context.js';
import { fail } from '../conformance-error.js';
import { decodeInWorker } from '../decode-in-worker.js';
import { type DecodedSamples, decodeSamples } from '../decode-samples.js';
import { describeDifference } from '../deep-equal.js';
import { firstDifferentByte, outputByteLength } from '../output-probe.js';

/** The seed of the DecodeContext both sides pass in the seeded pass. */
const WORKER_SEED = 7;
const SEEDS: Array<number | undefined> = [undefined, WORKER_SEED];
/** With the `window` option every decode has a context: the fixed choice (seed 0), then the seeded pass. */
const WINDOW_SEEDS: Array<number | undefined> = [0, WORKER_SEED];

/**
 * A worker thread rebuilds the plugin from `plugin().origin`, opens the file with it and decodes
 * every sample, without a DecodeContext and with one seeded like the loader's; its output spec,
 * bytes and lengths equal the main thread's in both passes. With the `window` option each side
 * places the window on its own `dataset.timeline()` (both windows must agree) and both passes carry it.
 */
export async function checkWorkerDecoding(context: ConformanceContext): Promise<void> {
  const plugin = context.plugin();
  if (plugin.origin === undefined) {
    fail(`plugin ${plugin.name} has no origin, so a worker thread cannot rebuild it; set origin: { module: import.meta.url, exportName: '<factory>' }`);
  }
  const path = await context.reference();
  const decoders = context.decoders();
  const { window } = context.options;
  const seeds = window === undefined ? SEEDS : WINDOW_SEEDS;
  const local = await context.withDataset(path, async (dataset) => {
    const results: DecodedSamples[] = [];
    for (const [name, options] of decoders) {
      for (const seed of seeds) results.push(await decodeSamples(dataset, FIELD, name, options, seed, window));
    }
    return results;
  });
  const uses = context.plugins().slice(1).map((used) => {
    if (used.origin === undefined) fail(`plugin ${used.name} (in the field's uses) has no origin, so a worker thread cannot rebuild it`);
    return { name: used.name, origin: used.origin };
  });
  const response = await decodeInWorker({ path, fieldName: FIELD, pluginName: plugin.name, origin: plugin.origin, uses, decoders, seeds, window }, context.timeoutMs);

  if (response.plugin.name !== plugin.name || response.plugin.version !== plugin.version) {
    fail(`the worker rebuilt ${response.plugin.name}@${response.plugin.version} from the origin, expected ${plugin.name}@${plugin.version}`);
  }
  for (let index = 0; index < local.length; index++) {
    const mine = local[index]!;
    const theirs = response.results[index]!;
    const label = `decoder "${mine.decoder}"${mine.seed === undefined ? '' : ` with a DecodeContext seeded by ${mine.seed}`}${window === undefined ? '' : ' and the window option'}`;
    for (let position = 0; position < mine.windows.length; position++) {
      if (!Object.is(mine.windows[position], theirs.windows[position])) {
        const sample = position >> 1;
        fail(
          `${label}: sample ${sample} gets a different window in the worker (from ${theirs.windows[sample * 2]} s for ${theirs.windows[sample * 2 + 1]} s, on the main thread from ${mine.windows[sample * 2]} s for ${mine.windows[sample * 2 + 1]} s): the codec's timeline() differs between threads`,
        );
      }
    }
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
