import type { RandomNumbers } from '@tessera/core';
import { MAX_OUTPUT_ELEMENTS, choiceValue, integerValue, numberValue } from './option-values.js';

/**
 * Which part of a clip a decoder outputs. Every waveform decoder of this package takes the same
 * options:
 *   seconds | maxSamples   the output length (default: the longest clip of the file)
 *   crop                   'start' (default) | 'center' | 'random': which window of a longer clip
 * A shorter clip is zero-padded; `lengths[0]` is the number of real samples, so the mask of a row
 * is `position < length`. Random windows draw one `nextInt` from the loader's seeded source.
 */
export type CropMode = 'start' | 'center' | 'random';
export const CROP_MODES: readonly CropMode[] = ['start', 'center', 'random'];
export const CLIP_WINDOW_OPTIONS = ['seconds', 'maxSamples', 'crop'] as const;

export interface ClipWindow {
  /** Output samples per channel. */
  outputLength: number;
  crop: CropMode;
}

export function clipWindow(options: Record<string, unknown>, sampleRate: number, channels: number, longest: () => number, where: string): ClipWindow {
  const maxPerChannel = Math.floor(MAX_OUTPUT_ELEMENTS / channels);
  if (options.seconds !== undefined && options.maxSamples !== undefined) throw new TypeError(`${where}: give seconds or maxSamples, not both`);
  let outputLength: number;
  if (options.seconds !== undefined) {
    const seconds = numberValue(options, 'seconds', undefined, 1 / sampleRate, maxPerChannel / sampleRate, where);
    outputLength = Math.round(seconds * sampleRate);
  } else if (options.maxSamples !== undefined) {
    outputLength = integerValue(options, 'maxSamples', undefined, 1, maxPerChannel, where);
  } else {
    outputLength = Math.max(1, longest());
    if (outputLength > maxPerChannel) {
      throw new RangeError(`${where}: the longest clip has ${outputLength} samples per channel, more than a decoded output may hold (${maxPerChannel}); give seconds or maxSamples`);
    }
  }
  return { outputLength, crop: choiceValue(options, 'crop', CROP_MODES, 'start', where) };
}

/** First sample of the window of a clip of `length` samples. */
export function windowStart(window: ClipWindow, length: number, random: RandomNumbers | undefined): number {
  const spare = length - window.outputLength;
  if (spare <= 0) return 0;
  if (window.crop === 'start') return 0;
  if (window.crop === 'center') return spare >> 1;
  // Standalone use (no loader context): the centre, a fixed choice.
  return random === undefined ? spare >> 1 : random.nextInt(spare + 1);
}
