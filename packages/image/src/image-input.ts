import { readFileSync } from 'node:fs';
import { TesseraError } from '@tessera/core';
import { ioError } from '@tessera/core/internals';
import { jpegOrientation } from './exif-orientation.js';
import type { ResolvedImageArguments } from './image-arguments.js';
import { MAX_JPEG_PIXELS, jpegBackend } from './jpeg-backend.js';
import { loadSharp } from './sharp-binding.js';

/**
 * Raw pixels: `height × width × channels` bytes, row-major (HWC), channels 1 (gray), 3 (RGB) or 4
 * (RGBA; alpha dropped or composited per the field's `alpha` option). `channels` defaults to
 * `data.length / (width × height)`.
 */
export interface RawImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  channels?: number;
}

/**
 * What an image field accepts: a file path, the bytes of an encoded image in any format sharp
 * reads (JPEG, PNG, WebP, AVIF, TIFF, GIF — first frame — …), or raw pixels.
 */
export type ImageInput = string | Uint8Array | ArrayBuffer | RawImage;

export interface Pixels {
  data: Uint8Array;
  width: number;
  height: number;
}

/** The stored size of a width × height image under `maxResolution` (FFCV's rule: sides scaled, then truncated). */
export function targetSize(width: number, height: number, maxResolution: number | undefined): [number, number] {
  const longest = Math.max(width, height);
  if (maxResolution === undefined || longest <= maxResolution) return [width, height];
  const ratio = maxResolution / longest;
  return [Math.max(1, Math.trunc(ratio * width)), Math.max(1, Math.trunc(ratio * height))];
}

/** A short name of the input for error messages. */
export function describeInput(input: unknown): string {
  if (typeof input === 'string') return input;
  if (input instanceof Uint8Array || input instanceof ArrayBuffer) return `a ${input.byteLength}-byte ${formatOf(asBytes(input))} buffer`;
  if (isRawImage(input)) return `raw pixels ${input.width}x${input.height}`;
  return input === null ? 'null' : typeof input;
}

export function isRawImage(input: unknown): input is RawImage {
  return typeof input === 'object' && input !== null && !(input instanceof Uint8Array) && 'data' in input && 'width' in input && 'height' in input;
}

function asBytes(input: Uint8Array | ArrayBuffer): Uint8Array {
  return input instanceof Uint8Array ? input : new Uint8Array(input);
}

function formatOf(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'JPEG';
  if (bytes[0] === 0x89 && bytes[1] === 0x50) return 'PNG';
  if (bytes[0] === 0x47 && bytes[1] === 0x49) return 'GIF';
  if (bytes[0] === 0x52 && bytes[1] === 0x49 && bytes[8] === 0x57) return 'WebP';
  if ((bytes[0] === 0x49 && bytes[1] === 0x49) || (bytes[0] === 0x4d && bytes[1] === 0x4d)) return 'TIFF';
  if (bytes[4] === 0x66 && bytes[5] === 0x74 && bytes[6] === 0x79 && bytes[7] === 0x70) return 'HEIF/AVIF';
  return 'unknown-format';
}

/**
 * Decodes `input` to `channels` (1 or 3) and shrinks it to `maxResolution`. Synchronous (returns
 * Pixels) for raw pixels and for plain JPEGs when the native backend is active; otherwise a promise
 * (sharp). `scratch` may be used for the result when the call is synchronous.
 */
export function decodeInput(input: ImageInput, channels: 1 | 3, args: ResolvedImageArguments): Pixels | Promise<Pixels> {
  if (isRawImage(input)) return shrink(fromRaw(input, channels, args), channels, args.maxResolution);
  let bytes: Uint8Array;
  if (typeof input === 'string') {
    try {
      bytes = readFileSync(input);
    } catch (error) {
      throw ioError(error, 'read the image', input);
    }
  } else if (input instanceof Uint8Array || input instanceof ArrayBuffer) {
    bytes = asBytes(input);
  } else {
    throw new TypeError(`expected a file path, the bytes of an encoded image or { data, width, height } raw pixels, got ${describeInput(input)}`);
  }
  if (bytes.byteLength === 0) throw new TesseraError('E_ENCODE', `${typeof input === 'string' ? input : 'the buffer'} is empty (0 bytes)`);
  const fast = decodeJpegFast(bytes, channels, args.maxResolution);
  if (fast !== undefined) return fast;
  return decodeWithSharp(bytes, typeof input === 'string' ? input : undefined, channels, args);
}

/** Plain 8-bit JPEGs without EXIF rotation decode natively (crop-free, DCT-scaled when ≥ 2× too large). */
function decodeJpegFast(bytes: Uint8Array, channels: 1 | 3, maxResolution: number | undefined): Pixels | undefined {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  const backend = jpegBackend();
  if (backend.name !== 'native') return undefined;
  const header = backend.readHeader(bytes);
  // anything unusual (12-bit, CMYK, huge) goes through sharp, which applies its own pixel limit
  if (header === undefined || header.precision !== 8 || header.colorspace > 2 || header.width < 1 || header.height < 1 || header.width * header.height > MAX_JPEG_PIXELS) return undefined;
  if (jpegOrientation(bytes) !== 1) return undefined;
  const [width, height] = targetSize(header.width, header.height, maxResolution);
  const data = new Uint8Array(width * height * channels);
  backend.decode(bytes, channels, 0, 0, header.width, header.height, data, width, height, 2);
  return { data, width, height };
}

async function decodeWithSharp(bytes: Uint8Array, path: string | undefined, channels: 1 | 3, args: ResolvedImageArguments): Promise<Pixels> {
  const sharp = await loadSharp();
  let decoded: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    let pipeline = sharp(bytes, { pages: 1, failOn: 'warning' }).rotate();
    if (args.alpha === 'composite') {
      const [r, g, b] = args.background;
      pipeline = pipeline.flatten({ background: { r, g, b } });
    } else {
      pipeline = pipeline.removeAlpha();
    }
    pipeline = pipeline.toColourspace(channels === 1 ? 'b-w' : 'srgb');
    decoded = await pipeline.raw().toBuffer({ resolveWithObject: true });
  } catch (error) {
    const message = (error as Error).message?.split('\n')[0] ?? String(error);
    throw new TesseraError('E_ENCODE', `cannot decode ${path ?? `a ${bytes.byteLength}-byte ${formatOf(bytes)} buffer`}: ${message}`);
  }
  const { width, height } = decoded.info;
  const pixels = fromRaw({ data: decoded.data, width, height, channels: decoded.info.channels }, channels, args);
  return shrink(pixels, channels, args.maxResolution);
}

function shrink(pixels: Pixels, channels: 1 | 3, maxResolution: number | undefined): Pixels {
  const [width, height] = targetSize(pixels.width, pixels.height, maxResolution);
  if (width === pixels.width && height === pixels.height) return pixels;
  const data = new Uint8Array(width * height * channels);
  jpegBackend().resize(pixels.data, pixels.width, pixels.height, channels, 0, 0, pixels.width, pixels.height, data, width, height);
  return { data, width, height };
}

/** Converts raw pixels with 1–4 channels (gray, gray+alpha, RGB, RGBA) to `channels`. */
export function fromRaw(raw: RawImage, channels: 1 | 3, args: Pick<ResolvedImageArguments, 'alpha' | 'background'>): Pixels {
  const { width, height } = raw;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`raw image size ${String(width)}x${String(height)} must be positive integers`);
  }
  const data = raw.data;
  if (!(data instanceof Uint8Array || data instanceof Uint8ClampedArray)) throw new TypeError('raw image data must be a Uint8Array');
  const pixelCount = width * height;
  const sourceChannels = raw.channels ?? data.length / pixelCount;
  if (![1, 2, 3, 4].includes(sourceChannels)) {
    throw new RangeError(`raw image ${width}x${height} has ${data.length} bytes: expected ${pixelCount} (gray), ${pixelCount * 3} (RGB) or ${pixelCount * 4} (RGBA)`);
  }
  if (data.length !== pixelCount * sourceChannels) {
    throw new RangeError(`raw image ${width}x${height}x${sourceChannels} needs ${pixelCount * sourceChannels} bytes, got ${data.length}`);
  }
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (sourceChannels === channels) return { data: bytes, width, height };
  const out = new Uint8Array(pixelCount * channels);
  const composite = args.alpha === 'composite';
  const [backgroundR, backgroundG, backgroundB] = args.background;
  for (let pixel = 0; pixel < pixelCount; pixel++) {
    const source = pixel * sourceChannels;
    let r: number;
    let g: number;
    let b: number;
    if (sourceChannels <= 2) r = g = b = bytes[source]!;
    else {
      r = bytes[source]!;
      g = bytes[source + 1]!;
      b = bytes[source + 2]!;
    }
    if (composite && (sourceChannels === 2 || sourceChannels === 4)) {
      const alpha = bytes[source + sourceChannels - 1]!;
      r = Math.round((r * alpha + backgroundR * (255 - alpha)) / 255);
      g = Math.round((g * alpha + backgroundG * (255 - alpha)) / 255);
      b = Math.round((b * alpha + backgroundB * (255 - alpha)) / 255);
    }
    if (channels === 3) {
      out[pixel * 3] = r;
      out[pixel * 3 + 1] = g;
      out[pixel * 3 + 2] = b;
    } else {
      out[pixel] = sourceChannels <= 2 && !composite ? r : (r * 19595 + g * 38470 + b * 7471 + 32768) >> 16;
    }
  }
  return { data: out, width, height };
}
