/**
 * Write options of an image field. They steer `encode` only: FFCV's RGB image descriptor (type
 * id 2) stores no options (its 1024 argument bytes are zero), so a reader of an `rgbImage` field
 * gets `{}` back whatever was written; decoders need none of them (each sample's metadata says
 * whether it is JPEG or raw, and its size). `grayImage` fields (type 255) keep them in the
 * descriptor's JSON. The canonical form omits options equal to their defaults, so `rgbImage()`
 * round-trips exactly.
 */
export type ImageWriteMode = 'jpg' | 'raw' | 'smart' | 'proportion';

export type ImageFieldArguments = {
  /** 'jpg' (default), 'raw', 'smart' (raw up to `smartThreshold` bytes, JPEG above), 'proportion' (JPEG for a `compressProbability` share of samples). */
  mode?: ImageWriteMode;
  /** Longest side in pixels: larger images are shrunk (area filter, sides truncated as FFCV does). Default: no limit. */
  maxResolution?: number;
  /** JPEG quality 1–100. Default 90 (FFCV's). */
  quality?: number;
  /** 'smart' mode: stored pixel bytes (height × width × channels) above which the image is compressed. Required for 'smart'. */
  smartThreshold?: number;
  /** 'proportion' mode: the share of samples stored as JPEG, chosen by a hash of the sample index (deterministic). Default 0.5. */
  compressProbability?: number;
  /** Inputs with alpha: 'drop' the channel (default, as PIL's convert('RGB')) or 'composite' it over `background`. */
  alpha?: 'drop' | 'composite';
  /** Background for `alpha: 'composite'`, RGB 0–255. Default white. */
  background?: [number, number, number];
};

export interface ResolvedImageArguments {
  mode: ImageWriteMode;
  maxResolution: number | undefined;
  quality: number;
  smartThreshold: number | undefined;
  compressProbability: number;
  alpha: 'drop' | 'composite';
  background: [number, number, number];
}

export const DEFAULT_QUALITY = 90;
export const DEFAULT_COMPRESS_PROBABILITY = 0.5;
const MODES: readonly ImageWriteMode[] = ['jpg', 'raw', 'smart', 'proportion'];
const KEYS = ['mode', 'maxResolution', 'quality', 'smartThreshold', 'compressProbability', 'alpha', 'background'];
/** FFCV's metadata stores sizes as u16. */
export const MAX_IMAGE_SIDE = 65_535;

/** Validates write options and returns their canonical form (defaults omitted). Idempotent. */
export function normalizeImageArguments(args: ImageFieldArguments | undefined): ImageFieldArguments {
  if (args === undefined || args === null) return {};
  if (typeof args !== 'object' || Array.isArray(args)) throw new TypeError(`image field options must be an object, got ${JSON.stringify(args)}`);
  for (const key of Object.keys(args)) {
    if (!KEYS.includes(key)) throw new TypeError(`unknown image field option "${key}"; the options are ${KEYS.join(', ')}`);
  }
  const result: ImageFieldArguments = {};
  const { mode, maxResolution, quality, smartThreshold, compressProbability, alpha, background } = args;
  if (mode !== undefined) {
    if (!MODES.includes(mode)) throw new TypeError(`mode must be one of ${MODES.map((value) => `'${value}'`).join(', ')}, got ${JSON.stringify(mode)}`);
    if (mode !== 'jpg') result.mode = mode;
  }
  if (maxResolution !== undefined) {
    if (!Number.isInteger(maxResolution) || maxResolution < 1 || maxResolution > MAX_IMAGE_SIDE) {
      throw new RangeError(`maxResolution must be an integer from 1 to ${MAX_IMAGE_SIDE}, got ${JSON.stringify(maxResolution)}`);
    }
    result.maxResolution = maxResolution;
  }
  if (quality !== undefined) {
    if (!Number.isInteger(quality) || quality < 1 || quality > 100) throw new RangeError(`quality must be an integer from 1 to 100, got ${JSON.stringify(quality)}`);
    if (quality !== DEFAULT_QUALITY) result.quality = quality;
  }
  if (smartThreshold !== undefined) {
    if (!Number.isSafeInteger(smartThreshold) || smartThreshold < 0) throw new RangeError(`smartThreshold must be a non-negative integer (bytes), got ${JSON.stringify(smartThreshold)}`);
    result.smartThreshold = smartThreshold;
  }
  if (mode === 'smart' && smartThreshold === undefined) {
    throw new TypeError("mode 'smart' needs smartThreshold: the stored pixel bytes (height × width × channels) above which an image is compressed");
  }
  if (compressProbability !== undefined) {
    if (typeof compressProbability !== 'number' || !(compressProbability >= 0 && compressProbability <= 1)) {
      throw new RangeError(`compressProbability must be a number from 0 to 1, got ${JSON.stringify(compressProbability)}`);
    }
    if (compressProbability !== DEFAULT_COMPRESS_PROBABILITY) result.compressProbability = compressProbability;
  }
  if (alpha !== undefined) {
    if (alpha !== 'drop' && alpha !== 'composite') throw new TypeError(`alpha must be 'drop' or 'composite', got ${JSON.stringify(alpha)}`);
    if (alpha !== 'drop') result.alpha = alpha;
  }
  if (background !== undefined) {
    if (!Array.isArray(background) || background.length !== 3 || !background.every((value) => Number.isInteger(value) && value >= 0 && value <= 255)) {
      throw new TypeError(`background must be [r, g, b] with integers 0–255, got ${JSON.stringify(background)}`);
    }
    if (!(background[0] === 255 && background[1] === 255 && background[2] === 255)) result.background = [background[0], background[1], background[2]];
  }
  return result;
}

export function resolveImageArguments(args: ImageFieldArguments): ResolvedImageArguments {
  return {
    mode: args.mode ?? 'jpg',
    maxResolution: args.maxResolution,
    quality: args.quality ?? DEFAULT_QUALITY,
    smartThreshold: args.smartThreshold,
    compressProbability: args.compressProbability ?? DEFAULT_COMPRESS_PROBABILITY,
    alpha: args.alpha ?? 'drop',
    background: args.background ?? [255, 255, 255],
  };
}
