import type { FieldSpec, TesseraPlugin } from '../registry/plugin-contract.js';
import { PACKAGE_VERSION } from '../version.js';
import { bytesCodec } from './bytes-field.js';
import { ffcvImageStorageCodec } from './ffcv-image-storage.js';
import { jsonCodec } from './json-field.js';
import { type NdArrayArguments, ndarrayCodec, torchTensorCodec } from './ndarray-field.js';
import { float64Codec, int64Codec } from './scalar-fields.js';

let instance: TesseraPlugin | undefined;

/** The built-in codecs (FFCV's fields). Always registered first; other plugins may override type ids. */
export function corePlugin(): TesseraPlugin {
  instance ??= {
    specVersion: 1,
    name: '@tessera/core',
    version: PACKAGE_VERSION,
    origin: { module: '@tessera/core', exportName: 'corePlugin' },
    codecs: [int64Codec, float64Codec, bytesCodec, jsonCodec, ndarrayCodec, torchTensorCodec, ffcvImageStorageCodec],
  } as TesseraPlugin;
  return instance;
}

const spec = (codecId: string, args: Record<string, unknown> = {}): FieldSpec =>
  ({ plugin: corePlugin(), codecId, arguments: args }) as FieldSpec;

/** A signed 64-bit integer per sample (numbers or bigints). FFCV IntField. */
export const int64 = (): FieldSpec => spec('core/int64');
/** A float64 per sample, bit-exact (NaN, ±Infinity, -0 kept). FFCV FloatField. */
export const float64 = (): FieldSpec => spec('core/float64');
/** Variable-length bytes per sample (Uint8Array, Buffer, or a string stored as UTF-8). FFCV BytesField. */
export const bytes = (): FieldSpec => spec('core/bytes');
/** Any JSON value per sample, stored as Python's json.dumps text. FFCV JSONField. */
export const json = (): FieldSpec => spec('core/json');
/** A fixed-shape array per sample with a numpy type (`<f4`, `float32`, `>i4`, `|b1`...). FFCV NDArrayField. */
export const ndarray = (args: { dtype: string; shape: readonly number[] }): FieldSpec =>
  spec('core/ndarray', { dtype: args.dtype, shape: [...args.shape] } as NdArrayArguments);
/** FFCV's TorchTensorField layout (same bytes as ndarray, type id 6). */
export const torchTensor = (args: { dtype: string; shape: readonly number[] }): FieldSpec =>
  spec('core/torch-tensor', { dtype: args.dtype, shape: [...args.shape] } as NdArrayArguments);
/** Pre-encoded images in FFCV's RGBImageField layout (`{ mode, width, height, data }`); use @tessera/image to encode pixels. */
export const ffcvImage = (): FieldSpec => spec('core/ffcv-image');
