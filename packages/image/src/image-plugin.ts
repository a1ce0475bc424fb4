import { createRequire } from 'node:module';
import type { FieldSpec, TesseraPlugin } from '@tessera/core';
import { type ImageFieldArguments, normalizeImageArguments } from './image-arguments.js';
import { createImageCodec } from './image-codec.js';

// The plugin's identity is the package's: read from package.json (one level up from src/ and from dist/).
const packageJson = createRequire(import.meta.url)('../package.json') as { name: string; version: string };

export const rgbImageCodec = createImageCodec(3);
export const grayImageCodec = createImageCodec(1);

let instance: TesseraPlugin | undefined;

/**
 * The image plugin. Pass it to readers (`openDataset(path, { plugins: [imagePlugin()] })`,
 * `createLoader(path, { plugins: [imagePlugin()], ... })`) to decode pixels: its `image/rgb` codec
 * takes FFCV type id 2 over core's storage-only codec, so FFCV's own files decode too. Writers find
 * it through the field specs of `rgbImage()` and `grayImage()`.
 */
export function imagePlugin(): TesseraPlugin {
  instance ??= {
    specVersion: 1,
    name: packageJson.name,
    version: packageJson.version,
    origin: { module: import.meta.url, exportName: 'imagePlugin' },
    codecs: [rgbImageCodec, grayImageCodec],
  };
  return instance;
}

/**
 * An RGB image field, byte-compatible with FFCV's RGBImageField (type id 2): FFCV reads what this
 * writes, and Tessera reads FFCV's files. The options steer writing only (FFCV's descriptor stores
 * none); see `ImageFieldArguments`.
 */
export function rgbImage(options: ImageFieldArguments = {}): FieldSpec<ImageFieldArguments> {
  return { plugin: imagePlugin(), codecId: rgbImageCodec.id, arguments: normalizeImageArguments(options) };
}

/**
 * A single-channel (grayscale) image field: stored and decoded with one channel ([height, width, 1]),
 * never expanded to three. FFCV's RGB layout has no room for it, so it is a plugin field (type id
 * 255, codec `image/gray`) with the same 13-byte metadata column and JPEG/raw payloads.
 */
export function grayImage(options: ImageFieldArguments = {}): FieldSpec<ImageFieldArguments> {
  return { plugin: imagePlugin(), codecId: grayImageCodec.id, arguments: normalizeImageArguments(options) };
}
