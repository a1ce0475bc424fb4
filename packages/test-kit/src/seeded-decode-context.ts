import { type DecodeContext, type DecoderInstance, type OutputSlot, type RandomNumbers, type SampleWindow, createSampleRandom } from '@tessera/core';

/**
 * A DecodeContext like the loader's: `reseed(seed, epoch, sampleIndex)` restarts `random` at the
 * stream the loader would use for that sample, and `draws` counts what the decoder took from it.
 */
export interface SeededDecodeContext extends DecodeContext {
  sampleIndex: number;
  epoch: number;
  /** Draws from `random` since the last `reseed`. */
  draws: number;
  /** The sample's window (suites with the `window` option); left out otherwise. */
  window?: SampleWindow;
  reseed(seed: number, epoch: number, sampleIndex: number): void;
}

export function createSeededDecodeContext(): SeededDecodeContext {
  const source = createSampleRandom();
  const context: SeededDecodeContext = {
    sampleIndex: 0,
    epoch: 0,
    draws: 0,
    random: {
      nextFloat() {
        context.draws += 1;
        return source.nextFloat();
      },
      nextInt(bound: number) {
        context.draws += 1;
        return source.nextInt(bound);
      },
      nextUint32() {
        context.draws += 1;
        return source.nextUint32();
      },
    } satisfies RandomNumbers,
    reseed(seed, epoch, sampleIndex) {
      source.reseed(seed, epoch, sampleIndex);
      context.sampleIndex = sampleIndex;
      context.epoch = epoch;
      context.draws = 0;
    },
  };
  return context;
}

export interface TrackedDecode {
  /** The decode call's promise, for asynchronous decoders. */
  pending: Promise<void> | undefined;
  /** Calls of `Math.random()` during the synchronous part of the call. */
  mathRandomCalls: number;
}

/**
 * Calls `instance.decode` with `Math.random` replaced by a counting wrapper (still random), so the
 * kit can name it when a decoder's output changes between runs with the same seed. Only the
 * synchronous part of the call is observed: the continuation of an asynchronous decoder runs after
 * `Math.random` is restored.
 */
export function decodeTracked(instance: DecoderInstance, sampleIndex: number, slot: OutputSlot, context: DecodeContext | undefined): TrackedDecode {
  const original = Math.random;
  let mathRandomCalls = 0;
  Math.random = function countedRandom() {
    mathRandomCalls += 1;
    return original();
  };
  try {
    const pending = context === undefined ? instance.decode(sampleIndex, slot) : instance.decode(sampleIndex, slot, context);
    return { pending: pending === undefined ? undefined : Promise.resolve(pending), mathRandomCalls };
  } finally {
    Math.random = original;
  }
}

/** The fix to print when a decoder calls Math.random. */
export const MATH_RANDOM_FIX =
  'use DecodeContext.random (context.random.nextFloat(), nextInt(bound), nextUint32()), not Math.random, and set random: true on the decoder instance: the loader reseeds context.random for every sample, so a seed reproduces every batch';
