import { type Dataset, type JsonValue, type OutputSpec, createOutputSlot } from '@tessera/core';
import { createWindowPlacer } from './conformance-window.js';
import type { ConformanceWindow } from './field-conformance-options.js';
import { outputByteLength } from './output-probe.js';
import { createSeededDecodeContext } from './seeded-decode-context.js';

/** Every sample of a field decoded with one decoder, each into a fresh `createOutputSlot()` slot. */
export interface DecodedSamples {
  decoder: string;
  /** The seed of the DecodeContext passed to every call (reseeded per sample), or undefined for none. */
  seed: number | undefined;
  output: OutputSpec;
  /** numSamples × the slot's byte length */
  bytes: Uint8Array;
  /** numSamples × the number of variable dimensions */
  lengths: Int32Array;
  /** With a window: numSamples × [startSeconds, durationSeconds] of the window each decode got; empty otherwise. */
  windows: Float64Array;
}

/**
 * Runs on the main thread and in the decode worker, so both sides decode exactly the same way.
 * With a `seed`, every call gets a DecodeContext whose `random` is reseeded from (seed, 0, sample)
 * as the loader does; without one, no context (standalone use). With a `window` (the suite's
 * option), every call gets a context (seed 0 when none is given) carrying the sample's window,
 * placed on this thread's own `dataset.timeline()`.
 */
export async function decodeSamples(
  dataset: Dataset,
  fieldName: string,
  decoder: string,
  options: JsonValue | undefined,
  seed: number | undefined,
  window?: ConformanceWindow,
): Promise<DecodedSamples> {
  const instance = dataset.createDecoder(fieldName, decoder, options);
  const output: OutputSpec = {
    dtype: instance.output.dtype,
    shape: [...instance.output.shape],
    ...(instance.output.variableDims === undefined ? {} : { variableDims: [...instance.output.variableDims] }),
  };
  const slotByteLength = outputByteLength(output);
  const dimCount = output.variableDims?.length ?? 0;
  const bytes = new Uint8Array(dataset.numSamples * slotByteLength);
  const lengths = new Int32Array(dataset.numSamples * dimCount);
  const placer = window === undefined ? undefined : createWindowPlacer(dataset, fieldName, window);
  const windows = new Float64Array(placer === undefined ? 0 : dataset.numSamples * 2);
  const context = seed === undefined && placer === undefined ? undefined : createSeededDecodeContext();
  for (let sampleIndex = 0; sampleIndex < dataset.numSamples; sampleIndex++) {
    const slot = createOutputSlot(output);
    context?.reseed(seed ?? 0, 0, sampleIndex);
    if (placer !== undefined) {
      const placed = placer.place(sampleIndex);
      context!.window = placed;
      windows[sampleIndex * 2] = placed.startSeconds;
      windows[sampleIndex * 2 + 1] = placed.durationSeconds;
    }
    const pending = context === undefined ? instance.decode(sampleIndex, slot) : instance.decode(sampleIndex, slot, context);
    if (pending !== undefined) await pending;
    bytes.set(slot.bytes, sampleIndex * slotByteLength);
    lengths.set(slot.lengths, sampleIndex * dimCount);
  }
  return { decoder, seed, output, bytes, lengths, windows };
}
