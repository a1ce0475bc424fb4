import type { FieldSpec, TesseraPlugin } from '../registry/plugin-contract.js';
import { checkKnownOptions } from '../util/check-options.js';
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

/** Field constructors without arguments still reject an options object with keys (a typo or a wrong field). */
const withoutOptions = (where: string, codecId: string, options: object | undefined): FieldSpec => {
  checkKnownOptions(where, options, []);
  return spec(codecId);
};
const ARRAY_ARGUMENTS = ['dtype', 'shape'];
const arrayArguments = (where: string, args: { dtype: string; shape: readonly number[] }): NdArrayArguments => {
  checkKnownOptions(where, args, ARRAY_ARGUMENTS, { dtypes: 'dtype', size: 'shape', dims: 'shape' });
  return { dtype: args.dtype, shape: [...args.shape] } as NdArrayArguments;
};

/** A signed 64-bit integer per sample (numbers or bigints). FFCV IntField. */
export const int64 = (options?: Record<string, never>): FieldSpec => withoutOptions('int64', 'core/int64', options);
/** A float64 per sample, bit-exact (NaN, ±Infinity, -0 kept). FFCV FloatField. */
export const float64 = (options?: Record<string, never>): FieldSpec => withoutOptions('float64', 'core/float64', options);
/** Variable-length bytes per sample (Uint8Array, Buffer, or a string stored as UTF-8). FFCV BytesField. */
export const bytes = (options?: Record<string, never>): FieldSpec => withoutOptions('bytes', 'core/bytes', options);
/** Any JSON value per sample, stored as Python's json.dumps text. FFCV JSONField. */
export const json = (options?: Record<string, never>): FieldSpec => withoutOptions('json', 'core/json', options);
/** A fixed-shape array per sample with a numpy type (`<f4`, `float32`, `>i4`, `|b1`...). FFCV NDArrayField. */
export const ndarray = (args: { dtype: string; shape: readonly number[] }): FieldSpec => spec('core/ndarray', arrayArguments('ndarray', args));
/** FFCV's TorchTensorField layout (same bytes as ndarray, type id 6). */
export const torchTensor = (args: { dtype: string; shape: readonly number[] }): FieldSpec =>
  spec('core/torch-tensor', arrayArguments('torchTensor', args));
/** Pre-encoded images in FFCV's RGBImageField layout (`{ mode, width, height, data }`); use @tessera/image to encode pixels. */
export const ffcvImage = (options?: Record<string, never>): FieldSpec => withoutOptions('ffcvImage', 'core/ffcv-image', options);
