import type { DecodeContext, DecoderDefinition, DecoderInstance, FieldReader, JsonValue, OutputSlot } from '@tessera/core';
import { type CropWindow, DEFAULT_CROP_RATIO, centerCrop, fallbackCrop, randomResizedCrop } from './crop-geometry.js';
import type { ImageFieldArguments } from './image-arguments.js';
import { MODE_RAW, readHeight, readMode, readPointer, readWidth, storedByteLength } from './image-layout.js';
import { JPEG_DCT_SCALING, JPEG_FAST_DCT, jpegBackend } from './jpeg-backend.js';

/** Output size of crop decoders: one number for a square, or [height, width]. */
export type OutputSize = number | [height: number, width: number];

export type SimpleDecoderOptions = Record<string, never>;

export type CenterCropDecoderOptions = {
  outputSize: OutputSize;
  /** Decode at 1/2, 1/4 or 1/8 scale in the DCT domain when the crop is that many times the output (default true; false: FFCV's full-resolution crop). */
  dctScaling?: boolean;
  /** Side of the square crop relative to the shorter image side. Default 224/256 (FFCV's). */
  ratio?: number;
};

export type RandomResizedCropDecoderOptions = {
  outputSize: OutputSize;
  /** As for center-crop (default true). */
  dctScaling?: boolean;
  /** Range of the crop's share of the image area. Default [0.08, 1]. */
  scale?: [number, number];
  /** Range of the crop's aspect ratio (width / height), drawn log-uniformly. Default [3/4, 4/3]. */
  ratio?: [number, number];
};

function parseOutputSize(options: { outputSize?: OutputSize } | undefined, decoder: string): [height: number, width: number] {
  const size = options?.outputSize;
  const [height, width] = typeof size === 'number' ? [size, size] : Array.isArray(size) && size.length === 2 ? size : [Number.NaN, Number.NaN];
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1 || height > 65_535 || width > 65_535) {
    throw new RangeError(`decoder ${decoder} needs outputSize: a positive integer or [height, width], got ${JSON.stringify(size)}`);
  }
  return [height, width];
}

function checkRange(value: unknown, name: string, fallback: [number, number], positive: boolean): [number, number] {
  if (value === undefined) return fallback;
  if (!Array.isArray(value) || value.length !== 2 || !value.every((entry) => typeof entry === 'number' && Number.isFinite(entry)) || value[0] > value[1]) {
    throw new RangeError(`${name} must be [low, high] with low ≤ high, got ${JSON.stringify(value)}`);
  }
  if (positive ? value[0] <= 0 : value[0] < 0) throw new RangeError(`${name} must be ${positive ? 'positive' : 'non-negative'}, got ${JSON.stringify(value)}`);
  return [value[0], value[1]];
}

/**
 * Decodes a crop of each sample into the slot, resized. `chooseCrop` fills the window; JPEG samples
 * decode only the crop (DCT-scaled when it is at least twice the output), raw ones are resized.
 */
function cropInstance(
  field: FieldReader,
  channels: 1 | 3,
  outHeight: number,
  outWidth: number,
  dctScaling: unknown,
  random: boolean,
  chooseCrop: (width: number, height: number, window: CropWindow, context: DecodeContext | undefined) => void,
): DecoderInstance {
  if (dctScaling !== undefined && typeof dctScaling !== 'boolean') throw new TypeError(`dctScaling must be true or false, got ${JSON.stringify(dctScaling)}`);
  const flags = dctScaling === false ? JPEG_FAST_DCT : JPEG_FAST_DCT | JPEG_DCT_SCALING;
  const backend = jpegBackend();
  const window: CropWindow = [0, 0, 0, 0];
  return {
    output: { dtype: 'uint8', shape: [outHeight, outWidth, channels] },
    random,
    decode(sampleIndex: number, slot: OutputSlot, context?: DecodeContext) {
      const width = readWidth(field, sampleIndex);
      const height = readHeight(field, sampleIndex);
      chooseCrop(width, height, window, context);
      const bytes = field.bytes(readPointer(field, sampleIndex), storedByteLength(field, sampleIndex, channels));
      if (readMode(field, sampleIndex) === MODE_RAW) {
        backend.resize(bytes, width, height, channels, window[0], window[1], window[2], window[3], slot.bytes, outWidth, outHeight);
      } else {
        backend.decode(bytes, channels, window[0], window[1], window[2], window[3], slot.bytes, outWidth, outHeight, flags);
      }
    },
  };
}

export function imageDecoders(channels: 1 | 3): Record<string, DecoderDefinition<ImageFieldArguments, JsonValue>> {
  /** FFCV's SimpleRGBImageDecoder: every image must have the same size; decoded whole, as stored. */
  const simple: DecoderDefinition<ImageFieldArguments, JsonValue> = {
    options: [],
    setup(field) {
      let width = 0;
      let height = 0;
      for (let sampleIndex = 0; sampleIndex < field.numSamples; sampleIndex++) {
        const sampleWidth = readWidth(field, sampleIndex);
        const sampleHeight = readHeight(field, sampleIndex);
        if (sampleIndex === 0) {
          width = sampleWidth;
          height = sampleHeight;
        } else if (sampleWidth !== width || sampleHeight !== height) {
          throw new RangeError(
            `decoder simple needs images of one size, but sample 0 is ${width}x${height} and sample ${sampleIndex} is ${sampleWidth}x${sampleHeight}; use 'center-crop' or 'random-resized-crop' with an outputSize`,
          );
        }
      }
      const backend = jpegBackend();
      return {
        output: { dtype: 'uint8', shape: [height, width, channels] },
        decode(sampleIndex: number, slot: OutputSlot) {
          const pointer = readPointer(field, sampleIndex);
          const byteLength = storedByteLength(field, sampleIndex, channels);
          if (readMode(field, sampleIndex) === MODE_RAW) field.copyBytes(pointer, byteLength, slot.bytes, 0);
          else backend.decode(field.bytes(pointer, byteLength), channels, 0, 0, width, height, slot.bytes, width, height, JPEG_FAST_DCT);
        },
      };
    },
  };

  /** FFCV's CenterCropRGBImageDecoder: a centered square of side ratio × shorter side, resized (area). */
  const centerCropDecoder: DecoderDefinition<ImageFieldArguments, JsonValue> = {
    options: ['outputSize', 'dctScaling', 'ratio'],
    setup(field, options) {
      const typed = options as CenterCropDecoderOptions | undefined;
      const [outHeight, outWidth] = parseOutputSize(typed, 'center-crop');
      const ratio = typed?.ratio ?? DEFAULT_CROP_RATIO;
      if (typeof ratio !== 'number' || !(ratio > 0 && ratio <= 1)) throw new RangeError(`center-crop ratio must be in (0, 1], got ${JSON.stringify(ratio)}`);
      return cropInstance(field, channels, outHeight, outWidth, typed?.dctScaling, false, (width, height, window) => centerCrop(width, height, ratio, window));
    },
  };

  /** FFCV's RandomResizedCropRGBImageDecoder (torchvision semantics), random from the loader's seeded source. */
  const randomResizedCropDecoder: DecoderDefinition<ImageFieldArguments, JsonValue> = {
    options: ['outputSize', 'dctScaling', 'scale', 'ratio'],
    setup(field, options) {
      const typed = options as RandomResizedCropDecoderOptions | undefined;
      const [outHeight, outWidth] = parseOutputSize(typed, 'random-resized-crop');
      const scale = checkRange(typed?.scale, 'random-resized-crop scale', [0.08, 1], false);
      const ratio = checkRange(typed?.ratio, 'random-resized-crop ratio', [3 / 4, 4 / 3], true);
      return cropInstance(field, channels, outHeight, outWidth, typed?.dctScaling, true, (width, height, window, context) => {
        // Standalone use (no loader context): no random source, so torchvision's deterministic fallback.
        if (context === undefined) fallbackCrop(width, height, ratio, window);
        else randomResizedCrop(width, height, scale, ratio, context.random, window);
      });
    },
  };

  /** The stored bytes (JPEG stream or raw pixels), padded to the largest; `lengths[0]` is the byte count. */
  const stored: DecoderDefinition<ImageFieldArguments, JsonValue> = {
    options: [],
    setup(field) {
      let maxByteLength = 0;
      for (let sampleIndex = 0; sampleIndex < field.numSamples; sampleIndex++) maxByteLength = Math.max(maxByteLength, storedByteLength(field, sampleIndex, channels));
      return {
        output: { dtype: 'uint8', shape: [maxByteLength], variableDims: [0] },
        decode(sampleIndex: number, slot: OutputSlot) {
          const byteLength = storedByteLength(field, sampleIndex, channels);
          field.copyBytes(readPointer(field, sampleIndex), byteLength, slot.bytes, 0);
          slot.bytes.fill(0, byteLength);
          slot.lengths[0] = byteLength;
        },
      };
    },
  };

  return { simple, 'center-crop': centerCropDecoder, 'random-resized-crop': randomResizedCropDecoder, stored };
}
