import { type EncodeTarget, type FieldCodec, type FieldReader, TesseraError } from '@tessera/core';
import { type ImageFieldArguments, MAX_IMAGE_SIDE, type ResolvedImageArguments, normalizeImageArguments, resolveImageArguments } from './image-arguments.js';
import { imageDecoders } from './image-decoders.js';
import { type ImageInput, type Pixels, type RawImage, decodeInput, describeInput } from './image-input.js';
import {
  HEIGHT_OFFSET,
  IMAGE_LAYOUT,
  MODE_JPEG,
  MODE_OFFSET,
  MODE_RAW,
  POINTER_OFFSET,
  WIDTH_OFFSET,
  readHeight,
  readMode,
  readPointer,
  readWidth,
  storedByteLength,
  storedBytes,
} from './image-layout.js';
import { jpegBackend } from './jpeg-backend.js';
import { loadSharp } from './sharp-binding.js';

/** What `read()` returns: the decoded pixels (HWC), which `encode` also accepts. */
export interface DecodedImage extends RawImage {
  data: Uint8Array;
  channels: 1 | 3;
  /** How the sample is stored. */
  mode: 'jpg' | 'raw';
}

const FFCV_ZERO_ARGUMENTS = new Uint8Array(0);

/**
 * The codec of an image field with `channels` 3 (`image/rgb`, FFCV type id 2: FFCV's RGBImageField,
 * byte for byte) or 1 (`image/gray`, a plugin field: FFCV has no single-channel image type).
 */
export function createImageCodec(channels: 1 | 3): FieldCodec<ImageInput, ImageFieldArguments> {
  const rgb = channels === 3;
  return {
    id: rgb ? 'image/rgb' : 'image/gray',
    ...(rgb
      ? {
          typeId: 2,
          // FFCV stores no image options: the argument bytes are zero, and readers get `{}`.
          encodeFfcvArguments: () => FFCV_ZERO_ARGUMENTS,
          decodeFfcvArguments: () => ({}),
        }
      : {}),
    normalizeArguments: normalizeImageArguments,
    metadataLayout: () => IMAGE_LAYOUT,

    encode(value, args, target) {
      const resolved = resolveImageArguments(args);
      let pixels: Pixels | Promise<Pixels>;
      try {
        pixels = decodeInput(value, channels, resolved);
      } catch (error) {
        throw decodeError(error, value);
      }
      if (pixels instanceof Promise) return pixels.then((decoded) => store(decoded, channels, resolved, target));
      return store(pixels, channels, resolved, target);
    },

    validate(field: FieldReader<ImageFieldArguments>) {
      for (let sampleIndex = 0; sampleIndex < field.numSamples; sampleIndex++) {
        const mode = readMode(field, sampleIndex);
        if (mode !== MODE_JPEG && mode !== MODE_RAW) throw new RangeError(`sample ${sampleIndex}: image mode ${mode} is neither 0 (jpg) nor 1 (raw)`);
        const width = readWidth(field, sampleIndex);
        const height = readHeight(field, sampleIndex);
        if (width === 0 || height === 0) throw new RangeError(`sample ${sampleIndex}: image size ${width}x${height} is empty`);
        const pointer = readPointer(field, sampleIndex);
        const byteLength = storedByteLength(field, sampleIndex, channels);
        if (pointer < field.dataStart || pointer + byteLength > field.dataEnd) {
          throw new RangeError(`sample ${sampleIndex}: image of ${byteLength} bytes at ${pointer} lies outside the data region [${field.dataStart}, ${field.dataEnd})`);
        }
      }
    },

    read(field, sampleIndex): DecodedImage {
      const width = readWidth(field, sampleIndex);
      const height = readHeight(field, sampleIndex);
      const stored = storedBytes(field, sampleIndex, channels);
      const raw = readMode(field, sampleIndex) === MODE_RAW;
      const data = new Uint8Array(width * height * channels);
      if (raw) data.set(stored);
      else jpegBackend().decode(stored, channels, 0, 0, width, height, data, width, height, 1);
      return { data, width, height, channels, mode: raw ? 'raw' : 'jpg' };
    },

    toJSON(field, sampleIndex) {
      const pointer = readPointer(field, sampleIndex);
      return {
        mode: readMode(field, sampleIndex) === MODE_RAW ? 'raw' : 'jpg',
        width: readWidth(field, sampleIndex),
        height: readHeight(field, sampleIndex),
        ...field.describeBytes(pointer, storedByteLength(field, sampleIndex, channels)),
      };
    },

    /** A JPEG as stored (any size: the page scales it); raw pixels as a lossless PNG through sharp. */
    preview(field, sampleIndex) {
      const width = readWidth(field, sampleIndex);
      const height = readHeight(field, sampleIndex);
      const stored = storedBytes(field, sampleIndex, channels);
      if (readMode(field, sampleIndex) === MODE_JPEG) return { kind: 'image', mimeType: 'image/jpeg', bytes: stored, width, height };
      return loadSharp().then(async (sharp) => {
        const image = sharp(stored, { raw: { width, height, channels } });
        // without b-w sharp writes one-channel pixels as an RGB PNG, three times the bytes
        const png = await (channels === 1 ? image.toColourspace('b-w') : image).png().toBuffer();
        return { kind: 'image', mimeType: 'image/png', bytes: new Uint8Array(png.buffer, png.byteOffset, png.byteLength), width, height };
      });
    },

    /** Width and height from the record; `byteLength`, the stored size (a JPEG's from the allocation table, raw pixels' from the size). */
    statistics: (field, sampleIndex) => ({ width: readWidth(field, sampleIndex), height: readHeight(field, sampleIndex), byteLength: storedByteLength(field, sampleIndex, channels) }),

    decoders: imageDecoders(channels),
    defaultDecoder: 'simple',
  };
}

function decodeError(error: unknown, value: unknown): Error {
  if (error instanceof TypeError || error instanceof RangeError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (message.startsWith('cannot ')) return error as Error;
  return new TesseraError('E_ENCODE', `cannot decode ${describeInput(value)}: ${message}`);
}

function store(pixels: Pixels, channels: 1 | 3, args: ResolvedImageArguments, target: EncodeTarget): void | Promise<void> {
  const { width, height, data } = pixels;
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE) {
    throw new RangeError(`image ${width}x${height} is larger than ${MAX_IMAGE_SIDE} pixels on a side (FFCV stores sizes as u16); set maxResolution`);
  }
  const jpeg = chooseJpeg(args, width * height * channels, target.sampleIndex);
  target.metadata.setUint16(WIDTH_OFFSET, width, true);
  target.metadata.setUint16(HEIGHT_OFFSET, height, true);
  if (!jpeg) {
    target.metadata.setUint8(MODE_OFFSET, MODE_RAW);
    target.allocate(data, POINTER_OFFSET);
    return;
  }
  target.metadata.setUint8(MODE_OFFSET, MODE_JPEG);
  const encode = jpegBackend().encode;
  if (encode !== undefined) {
    target.allocate(encode(data, width, height, channels, args.quality), POINTER_OFFSET);
    return;
  }
  return loadSharp().then(async (sharp) => {
    const jpegBytes = await sharp(data, { raw: { width, height, channels } })
      .jpeg({ quality: args.quality, chromaSubsampling: '4:2:0', optimiseCoding: false })
      .toBuffer();
    target.allocate(jpegBytes, POINTER_OFFSET);
  });
}

/** FFCV's write modes; 'proportion' draws from a hash of the sample index, so files are reproducible. */
function chooseJpeg(args: ResolvedImageArguments, byteLength: number, sampleIndex: number): boolean {
  switch (args.mode) {
    case 'jpg':
      return true;
    case 'raw':
      return false;
    case 'smart':
      return byteLength > (args.smartThreshold ?? Number.POSITIVE_INFINITY);
    case 'proportion':
      return hashUnit(sampleIndex) < args.compressProbability;
  }
}

/** A uniform number in [0, 1) from an integer (murmur3's finalizer). */
function hashUnit(value: number): number {
  let hash = (value ^ 0x9e3779b9) >>> 0;
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 2 ** 32;
}
