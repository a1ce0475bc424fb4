import { type DecodeContext, type RandomNumbers, TesseraError } from '@tessera/core';
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
/**
 * Waveform decoders also take crop 'window': the loader's time window (`context.window`, loader
 * option `window`) cut from the stream's place on the sample's time axis; `seconds` is required and
 * must be the window's duration. See `windowFirstSample`.
 */
export type ClipCrop = CropMode | 'window';
const CLIP_CROPS: readonly ClipCrop[] = [...CROP_MODES, 'window'];
export const CLIP_WINDOW_OPTIONS = ['seconds', 'maxSamples', 'crop'] as const;
export const FRAME_WINDOW_OPTIONS = ['seconds', 'maxFrames', 'crop'] as const;

export interface ClipWindow {
  /** Output samples per channel. */
  outputLength: number;
  crop: ClipCrop;
  /** The `seconds` option (crop 'window': the loader window's duration), NaN when not given. */
  seconds: number;
}

/** `timeWindows`: crop 'window' is accepted (decoders of streams with a start on the time axis). */
export function clipWindow(options: Record<string, unknown>, sampleRate: number, channels: number, longest: () => number, where: string, timeWindows = false): ClipWindow {
  if (timeWindows && options.crop === 'window' && options.seconds === undefined) {
    throw new TesseraError('E_ARGUMENT', `${where}: crop 'window' needs seconds, the duration of the loader's window (its window.seconds)${options.maxSamples === undefined ? '' : '; maxSamples does not apply'}`);
  }
  return windowOf(options, { lengthKey: 'maxSamples', unitsPerSecond: sampleRate, rows: channels, unit: 'samples per channel', longest, where, crops: timeWindows ? CLIP_CROPS : CROP_MODES });
}

/**
 * Crop 'window': the index on the time axis (samples at `sampleRate`) of the window's first sample,
 * round(context.window.startSeconds × rate). E_ARGUMENT without a window (the loader option `window`
 * is missing, or a standalone decode), or when its duration is not the decoder's `seconds` (to half
 * a sample). No allocation unless it throws.
 */
export function windowFirstSample(window: ClipWindow, context: DecodeContext | undefined, sampleRate: number, where: string): number {
  const sampleWindow = context?.window;
  if (sampleWindow === undefined) {
    throw new TesseraError('E_ARGUMENT', `${where}: crop 'window' cuts the loader's time window, and this decode has none; give the loader a window option ({ window: { timeline, seconds: ${window.seconds} } }), or choose another crop for standalone decodes`);
  }
  const { startSeconds, durationSeconds } = sampleWindow;
  if (!Number.isFinite(startSeconds) || !(Math.abs(durationSeconds - window.seconds) <= 0.5 / sampleRate)) {
    throw new TesseraError('E_ARGUMENT', `${where}: the loader's window is ${durationSeconds} s from ${startSeconds} s, the decoder's seconds is ${window.seconds}; give the decoder the window's duration (seconds: ${durationSeconds})`);
  }
  return Math.round(startSeconds * sampleRate);
}

/** The same window over frames (spectrogram frames, codec-token frames): `seconds | maxFrames`, `crop`. */
export function frameWindow(options: Record<string, unknown>, framesPerSecond: number, rows: number, longest: () => number, where: string): ClipWindow {
  return windowOf(options, { lengthKey: 'maxFrames', unitsPerSecond: framesPerSecond, rows, unit: 'frames', longest, where });
}

interface WindowUnits {
  lengthKey: 'maxSamples' | 'maxFrames';
  unitsPerSecond: number;
  /** Rows of the output (channels, bins, codebooks): the length limit is per row. */
  rows: number;
  unit: string;
  longest: () => number;
  where: string;
  crops?: readonly ClipCrop[];
}

function windowOf(options: Record<string, unknown>, units: WindowUnits): ClipWindow {
  const { lengthKey, unitsPerSecond, where } = units;
  const maxPerRow = Math.floor(MAX_OUTPUT_ELEMENTS / units.rows);
  if (options.seconds !== undefined && options[lengthKey] !== undefined) throw new TypeError(`${where}: give seconds or ${lengthKey}, not both`);
  let outputLength: number;
  let seconds = Number.NaN;
  if (options.seconds !== undefined) {
    seconds = numberValue(options, 'seconds', undefined, 1 / unitsPerSecond, maxPerRow / unitsPerSecond, where);
    outputLength = Math.max(1, Math.round(seconds * unitsPerSecond));
  } else if (options[lengthKey] !== undefined) {
    outputLength = integerValue(options, lengthKey, undefined, 1, maxPerRow, where);
  } else {
    outputLength = Math.max(1, units.longest());
    if (outputLength > maxPerRow) {
      throw new RangeError(`${where}: the longest sample has ${outputLength} ${units.unit}, more than a decoded output may hold (${maxPerRow}); give seconds or ${lengthKey}`);
    }
  }
  return { outputLength, crop: choiceValue(options, 'crop', units.crops ?? CROP_MODES, 'start', where), seconds };
}

/** First sample of the window of a clip of `length` samples. */
export function windowStart(window: ClipWindow, length: number, random: RandomNumbers | undefined): number {
  const spare = length - window.outputLength;
  if (spare <= 0) return 0;
  if (window.crop === 'start' || window.crop === 'window') return 0;
  if (window.crop === 'center') return spare >> 1;
  // Standalone use (no loader context): the centre, a fixed choice.
  return random === undefined ? spare >> 1 : random.nextInt(spare + 1);
}
