import { TesseraError } from '@tessera/core';
import { CLIP_CROPS, CLIP_SAMPLERS, type ClipOptions, END_POLICIES } from './clip-sampler.js';

/** Every option the clip decoders read (core rejects other names with the nearest one). */
export const CLIP_OPTION_NAMES = ['frames', 'clips', 'sampler', 'stride', 'fps', 'interval', 'endPolicy', 'crop', 'scale', 'ratio', 'centerRatio', 'shortSide', 'flip'] as const;
/** The frames decoder's own options, besides the clip options. */
export const FRAME_OPTION_NAMES = ['size', 'layout'] as const;

type Record_ = Record<string, unknown>;

function bad(where: string, key: string, expected: string, value: unknown): never {
  throw new TesseraError('E_ARGUMENT', `${where}: ${key} must be ${expected}, got ${JSON.stringify(value)}`);
}

function integer(record: Record_, key: string, fallback: number | undefined, min: number, max: number, where: string): number {
  const value = record[key] ?? fallback;
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) bad(where, key, `an integer from ${min} to ${max}`, record[key]);
  return value as number;
}

function positive(record: Record_, key: string, where: string): number | undefined {
  const value = record[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) bad(where, key, 'a positive number', value);
  return value;
}

function choice<T extends string>(record: Record_, key: string, choices: readonly T[], fallback: T, where: string): T {
  const value = record[key] ?? fallback;
  if (!choices.includes(value as T)) bad(where, key, `one of ${choices.map((item) => JSON.stringify(item)).join(', ')}`, record[key]);
  return value as T;
}

function range(record: Record_, key: string, fallback: [number, number], where: string): [number, number] {
  const value = record[key] ?? fallback;
  if (!Array.isArray(value) || value.length !== 2 || !value.every((item) => typeof item === 'number' && item > 0 && Number.isFinite(item)) || value[0] > value[1]) {
    bad(where, key, '[low, high] with 0 < low ≤ high', record[key]);
  }
  return [value[0], value[1]];
}

export function asRecord(options: unknown, where: string): Record_ {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) throw new TesseraError('E_ARGUMENT', `${where}: options must be an object, got ${JSON.stringify(options)}`);
  return options as Record_;
}

/**
 * Resolves the clip options (defaults: 16 frames, stride 1, one random clip, repeat_last, no crop,
 * no flip). With sampler 'window': `fps`, `interval` and `endPolicy` are rejected and `clips` is 1.
 */
export function clipOptions(record: Record_, where: string): ClipOptions {
  const sampler = choice(record, 'sampler', CLIP_SAMPLERS, 'random', where);
  if (sampler === 'window') {
    // The window sets the times: the frames presented in it, every stride-th, at most `frames`.
    for (const key of ['fps', 'interval', 'endPolicy'] as const) {
      if (record[key] !== undefined) bad(where, key, "left out with sampler 'window' (the loader's time window chooses the frames; stride and frames thin and cap them)", record[key]);
    }
    if (record.clips !== undefined && record.clips !== 1) bad(where, 'clips', "1 with sampler 'window' (one window per sample; more clips of a video: the loader's repeat)", record.clips);
  }
  const interval = positive(record, 'interval', where);
  if (interval !== undefined && sampler !== 'regular') bad(where, 'interval', "given only with sampler 'regular'", interval);
  const fps = positive(record, 'fps', where);
  if (fps !== undefined && record.stride !== undefined) bad(where, 'stride', 'left out when fps is set (fps samples by time)', record.stride);
  const crop = choice(record, 'crop', CLIP_CROPS, 'none', where);
  const flip = record.flip ?? 0;
  if (typeof flip !== 'number' || !(flip >= 0 && flip <= 1)) bad(where, 'flip', 'a probability from 0 to 1', flip);
  const shortSide = record.shortSide;
  if (shortSide !== undefined && (!Number.isSafeInteger(shortSide) || (shortSide as number) < 1 || (shortSide as number) > 16384)) bad(where, 'shortSide', 'an integer from 1 to 16384 (pixels)', shortSide);
  if (shortSide !== undefined && crop !== 'center' && crop !== 'random') bad(where, 'shortSide', "given with crop 'center' or 'random'", shortSide);
  const centerRatio = record.centerRatio ?? 224 / 256;
  if (typeof centerRatio !== 'number' || !(centerRatio > 0 && centerRatio <= 1)) bad(where, 'centerRatio', 'a number in (0, 1]', centerRatio);
  return {
    frames: integer(record, 'frames', 16, 1, 4096, where),
    clips: integer(record, 'clips', 1, 1, 256, where),
    sampler,
    stride: integer(record, 'stride', 1, 1, 1 << 20, where),
    fps,
    interval,
    endPolicy: choice(record, 'endPolicy', END_POLICIES, 'repeat_last', where),
    crop,
    scale: range(record, 'scale', [0.08, 1], where),
    ratio: range(record, 'ratio', [3 / 4, 4 / 3], where),
    centerRatio,
    shortSide: shortSide as number | undefined,
    flip,
  };
}

export type ClipLayout = 'THWC' | 'CTHW';

/** The output size [height, width] (required unless every video has one size) and layout. */
export function frameOptions(record: Record_, where: string): { size: [number, number] | undefined; layout: ClipLayout } {
  const size = record.size;
  if (size !== undefined && (!Array.isArray(size) || size.length !== 2 || !size.every((item) => Number.isSafeInteger(item) && item >= 1 && item <= 16384))) {
    bad(where, 'size', '[height, width] in pixels (1 to 16384)', size);
  }
  return { size: size as [number, number] | undefined, layout: choice(record, 'layout', ['THWC', 'CTHW'] as const, 'THWC', where) };
}
