import { TesseraError } from '../errors.js';
import type { FieldCodec, FieldReader, OutputSlot, TypedArray } from '../registry/plugin-contract.js';
import { checkKnownOptions } from '../util/check-options.js';
import { arrayPreviewValues } from '../reader/field-preview.js';
import { TYPE_ID } from '../spec/constants.js';
import { type NumpyDType, parseNumpyDType, typedView } from '../spec/dtype.js';
import { float16BitsToNumber, numberToFloat16Bits } from '../util/float16.js';
import { describe } from './scalar-fields.js';

/** Arguments of an ndarray field: a numpy scalar type (`<f4`, `>i4`, `|b1`...) and a fixed shape. */
export interface NdArrayArguments {
  [key: string]: string | number[];
  dtype: string;
  shape: number[];
}

/** A stored array, in the host's (little-endian) byte order. float16 data is raw bits. */
export interface NdArray {
  dtype: string;
  shape: number[];
  data: TypedArray;
}

const MAX_DIMENSIONS = 32;
const ARGUMENT_NAMES = ['dtype', 'shape'];
/** Marks values already converted to stored bytes by toTransferable. */
const PRESTORED = '\u0000tessera:stored';
const SHAPE_BYTE_LENGTH = MAX_DIMENSIONS * 8;

interface Resolved {
  numpy: NumpyDType;
  elementCount: number;
  byteLength: number;
}
const resolvedCache = new WeakMap<object, Resolved>();

function resolve(args: NdArrayArguments): Resolved {
  let resolved = resolvedCache.get(args);
  if (resolved === undefined) {
    const numpy = parseNumpyDType(args.dtype);
    const elementCount = args.shape.reduce((product, extent) => product * extent, 1);
    resolved = { numpy, elementCount, byteLength: elementCount * numpy.itemSize };
    resolvedCache.set(args, resolved);
  }
  return resolved;
}

function normalizeArguments(args: NdArrayArguments): NdArrayArguments {
  if (args === null || typeof args !== 'object') throw new TypeError('ndarray arguments must be { dtype, shape }');
  checkKnownOptions('ndarray', args, ARGUMENT_NAMES, { dtypes: 'dtype', size: 'shape', dims: 'shape' });
  const numpy = parseNumpyDType(String(args.dtype));
  const shape = args.shape;
  if (!Array.isArray(shape) || shape.length === 0 || shape.length > MAX_DIMENSIONS) {
    throw new RangeError(`shape must list 1 to ${MAX_DIMENSIONS} dimensions, got ${JSON.stringify(shape)}`);
  }
  for (const extent of shape) {
    if (!Number.isSafeInteger(extent) || extent < 1) {
      throw new RangeError(`shape ${JSON.stringify(shape)}: every dimension must be a positive integer (FFCV cannot store 0)`);
    }
  }
  return { dtype: numpy.descr, shape: [...shape] };
}

function makeCodec(id: string, typeId: number): FieldCodec<ArrayLike<number | bigint | boolean> | NdArray, NdArrayArguments> {
  const codec: FieldCodec<ArrayLike<number | bigint | boolean> | NdArray, NdArrayArguments> = {
    id,
    typeId,
    normalizeArguments,
    encodeFfcvArguments(args) {
      const bytes = new Uint8Array(1024);
      const view = new DataView(bytes.buffer);
      for (const [index, extent] of args.shape.entries()) view.setBigUint64(index * 8, BigInt(extent), true);
      const text = new TextEncoder().encode(`[["", "${resolve(args).numpy.descr}"]]`);
      view.setBigUint64(SHAPE_BYTE_LENGTH, BigInt(text.byteLength), true);
      bytes.set(text, SHAPE_BYTE_LENGTH + 8);
      return bytes;
    },
    decodeFfcvArguments(bytes) {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const shape: number[] = [];
      for (let index = 0; index < MAX_DIMENSIONS; index++) shape.push(Number(view.getBigUint64(index * 8, true)));
      while (shape.length > 0 && shape[shape.length - 1] === 0) shape.pop();
      const textLength = Number(view.getBigUint64(SHAPE_BYTE_LENGTH, true));
      if (textLength > bytes.byteLength - SHAPE_BYTE_LENGTH - 8) throw new RangeError(`dtype text length ${textLength} overflows the arguments`);
      const text = new TextDecoder().decode(bytes.subarray(SHAPE_BYTE_LENGTH + 8, SHAPE_BYTE_LENGTH + 8 + textLength));
      let descr: unknown;
      try {
        descr = JSON.parse(text);
      } catch {
        throw new RangeError(`dtype text ${JSON.stringify(text)} is not JSON`);
      }
      if (!Array.isArray(descr) || descr.length !== 1 || !Array.isArray(descr[0]) || typeof descr[0][1] !== 'string') {
        throw new RangeError(`dtype ${text} is a structured numpy type; only scalar types are supported`);
      }
      return normalizeArguments({ dtype: descr[0][1], shape });
    },
    metadataLayout: () => ({ byteLength: 8, alignment: 8 }),
    // Plain arrays are converted on the calling thread (toTransferable): encode copies bytes.
    encodeCopiesOnly: true,
    // Plain arrays cross to workers as the stored bytes, so NaN payloads and int64 precision survive.
    toTransferable(value, args) {
      if (!Array.isArray(value) || args === undefined) return value;
      const { numpy, elementCount, byteLength } = resolve(args);
      if (value.length !== elementCount) return value;
      const stored = new Uint8Array(byteLength);
      fillTyped(numpy, value, stored);
      return { dtype: PRESTORED, shape: args.shape, data: stored } as NdArray;
    },
    encode(value, args, target) {
      if (isNdArray(value) && value.dtype === PRESTORED) {
        target.allocate(value.data as Uint8Array, 0);
        return;
      }
      const { numpy, elementCount, byteLength } = resolve(args);
      if (isNdArray(value)) checkNdArrayLabels(value, numpy, args.shape);
      const source = isNdArray(value) ? value.data : value;
      if (source === null || typeof source !== 'object' || typeof (source as ArrayLike<unknown>).length !== 'number') {
        throw new TesseraError('E_FIELD_VALUE', `expected an array of ${elementCount} ${numpy.descr} values, got ${describe(value)}`);
      }
      if (source.length !== elementCount) {
        throw new TesseraError('E_FIELD_VALUE', `expected ${elementCount} elements for shape [${args.shape.join(', ')}], got ${source.length}`);
      }
      const stored = new Uint8Array(byteLength);
      fillTyped(numpy, source, stored);
      target.allocate(stored, 0);
    },
    validate(field) {
      const { byteLength } = resolve(field.arguments);
      for (let sampleIndex = 0; sampleIndex < field.numSamples; sampleIndex++) {
        const pointer = field.readUint64(field.recordOffset(sampleIndex));
        if (pointer < field.dataStart || pointer + byteLength > field.dataEnd) {
          throw new RangeError(
            `sample ${sampleIndex}: array of ${byteLength} bytes at ${pointer} lies outside the data region [${field.dataStart}, ${field.dataEnd})`,
          );
        }
      }
    },
    read(field, sampleIndex): NdArray {
      const { numpy, elementCount, byteLength } = resolve(field.arguments);
      const copy = new Uint8Array(byteLength);
      field.copyBytes(field.readUint64(field.recordOffset(sampleIndex)), byteLength, copy, 0);
      if (numpy.byteOrder === 'big') swapBytes(copy, numpy.itemSize);
      return { dtype: numpy.descr, shape: [...field.arguments.shape], data: typedView(numpy.dtype, copy.buffer, 0, elementCount) };
    },
    toJSON(field, sampleIndex) {
      const array = codec.read(field, sampleIndex) as NdArray;
      const { numpy } = resolve(field.arguments);
      const values: Array<number | bigint | boolean> = [];
      for (let index = 0; index < array.data.length; index++) {
        const item = array.data[index]!;
        values.push(
          numpy.dtype === 'float16'
            ? shortestFloat(float16BitsToNumber(item as number), (value) => float16BitsToNumber(numberToFloat16Bits(value)))
            : numpy.dtype === 'float32'
              ? shortestFloat(item as number, Math.fround)
              : numpy.dtype === 'bool'
                ? item !== 0
                : item,
        );
      }
      return { dtype: array.dtype, shape: array.shape, data: values };
    },
    preview(field, sampleIndex) {
      const array = codec.read(field, sampleIndex) as NdArray;
      const { numpy } = resolve(field.arguments);
      const data = numpy.dtype === 'float16' ? Array.from(array.data as ArrayLike<number>, float16BitsToNumber) : (array.data as ArrayLike<number | bigint>);
      return { kind: 'array', dtype: array.dtype, shape: array.shape, values: arrayPreviewValues(data) };
    },
    decoders: {
      ndarray: {
        options: [],
        setup(field: FieldReader<NdArrayArguments>) {
          const { numpy, byteLength } = resolve(field.arguments);
          const swap = numpy.byteOrder === 'big';
          return {
            output: { dtype: numpy.dtype, shape: field.arguments.shape },
            decode(sampleIndex: number, slot: OutputSlot) {
              field.copyBytes(field.readUint64(field.recordOffset(sampleIndex)), byteLength, slot.bytes, 0);
              if (swap) swapBytes(slot.bytes, numpy.itemSize);
            },
          };
        },
      },
    },
    defaultDecoder: 'ndarray',
  };
  return codec;
}

/** A fixed-shape numpy-typed array per sample (FFCV NDArrayField, type id 4). */
export const ndarrayCodec = makeCodec('core/ndarray', TYPE_ID.NDARRAY);
/** FFCV's TorchTensorField (type id 6): stored exactly like an ndarray. */
export const torchTensorCodec = makeCodec('core/torch-tensor', TYPE_ID.TORCH_TENSOR);

/** The shortest decimal that rounds back to the same narrow float (0.1, not 0.10000000149011612). */
function shortestFloat(value: number, round: (value: number) => number): number {
  if (!Number.isFinite(value) || Number.isInteger(value)) return value;
  for (let precision = 1; precision < 17; precision++) {
    const candidate = Number(value.toPrecision(precision));
    if (round(candidate) === value) return candidate;
  }
  return value;
}

function isNdArray(value: unknown): value is NdArray {
  return value !== null && typeof value === 'object' && 'data' in value && 'shape' in value && !ArrayBuffer.isView(value);
}

function fillTyped(numpy: NumpyDType, source: ArrayLike<number | bigint | boolean>, stored: Uint8Array): void {
  const length = source.length;
  const matching = ArrayBuffer.isView(source) && (source as unknown as TypedArray).byteLength === stored.byteLength;
  const sameKind =
    matching &&
    ((numpy.dtype === 'float32' && source instanceof Float32Array) ||
      (numpy.dtype === 'float64' && source instanceof Float64Array) ||
      (numpy.dtype === 'uint8' && source instanceof Uint8Array) ||
      (numpy.dtype === 'int8' && source instanceof Int8Array) ||
      (numpy.dtype === 'int16' && source instanceof Int16Array) ||
      (numpy.dtype === 'uint16' && source instanceof Uint16Array) ||
      (numpy.dtype === 'float16' && source instanceof Uint16Array) ||
      (numpy.dtype === 'int32' && source instanceof Int32Array) ||
      (numpy.dtype === 'uint32' && source instanceof Uint32Array) ||
      (numpy.dtype === 'int64' && source instanceof BigInt64Array) ||
      (numpy.dtype === 'uint64' && source instanceof BigUint64Array));
  if (sameKind) {
    const view = source as unknown as TypedArray;
    stored.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  } else {
    const target = typedView(numpy.dtype, stored.buffer, 0, length);
    const bigints = numpy.dtype === 'int64' || numpy.dtype === 'uint64';
    const range = INTEGER_RANGES[numpy.dtype];
    for (let index = 0; index < length; index++) {
      const item = source[index]!;
      if (bigints) {
        (target as BigInt64Array)[index] = checkBigInteger(item, index, numpy);
      } else if (range !== undefined) {
        (target as Int32Array)[index] = checkInteger(item, index, numpy, range);
      } else if (numpy.dtype === 'bool') {
        if (item !== true && item !== false && item !== 0 && item !== 1) throw elementError(item, index, numpy, 'true, false, 0 or 1');
        (target as Uint8Array)[index] = item ? 1 : 0;
      } else {
        // Floats take any number (NaN and ±Infinity included) and round to the stored precision.
        if (typeof item !== 'number') throw elementError(item, index, numpy, 'a number');
        if (numpy.dtype === 'float16') (target as Uint16Array)[index] = numberToFloat16Bits(item);
        else (target as Float64Array)[index] = item;
      }
    }
  }
  if (numpy.byteOrder === 'big') swapBytes(stored, numpy.itemSize);
}

/** Inclusive bounds of the integer types up to 32 bits (64-bit ones are checked as bigints). */
const INTEGER_RANGES: Partial<Record<string, readonly [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};
const BIG_RANGES: Partial<Record<string, readonly [bigint, bigint]>> = {
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
};

function checkInteger(item: unknown, index: number, numpy: NumpyDType, range: readonly [number, number]): number {
  const value = typeof item === 'boolean' ? Number(item) : typeof item === 'bigint' && item >= range[0] && item <= range[1] ? Number(item) : item;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < range[0] || value > range[1]) {
    throw elementError(item, index, numpy, `an integer from ${range[0]} to ${range[1]}`);
  }
  return value;
}

function checkBigInteger(item: unknown, index: number, numpy: NumpyDType): bigint {
  const range = BIG_RANGES[numpy.dtype]!;
  const value = typeof item === 'bigint' ? item : typeof item === 'boolean' ? BigInt(item) : Number.isSafeInteger(item) ? BigInt(item as number) : undefined;
  if (value === undefined || value < range[0] || value > range[1]) {
    throw elementError(item, index, numpy, `a bigint from ${range[0]} to ${range[1]} or a safe-integer number`);
  }
  return value;
}

function elementError(item: unknown, index: number, numpy: NumpyDType, expected: string): TesseraError {
  const shown = typeof item === 'bigint' ? `${item}n` : typeof item === 'string' ? JSON.stringify(item) : String(item);
  return new TesseraError('E_FIELD_VALUE', `element ${index} is ${shown}, but a ${numpy.descr} element must be ${expected}`);
}

/** An { dtype, shape, data } value must describe the field's type and shape, not just hold enough elements. */
function checkNdArrayLabels(value: NdArray, numpy: NumpyDType, shape: readonly number[]): void {
  if (value.dtype !== undefined) {
    let given: NumpyDType | undefined;
    try {
      given = parseNumpyDType(String(value.dtype));
    } catch {}
    if (given === undefined || given.dtype !== numpy.dtype) {
      throw new TesseraError('E_FIELD_VALUE', `the array has dtype ${JSON.stringify(value.dtype)}, but the field stores ${numpy.descr}; convert the data first`);
    }
  }
  if (value.shape !== undefined) {
    const given = value.shape;
    if (!Array.isArray(given) || given.length !== shape.length || given.some((extent, axis) => extent !== shape[axis])) {
      throw new TesseraError(
        'E_FIELD_VALUE',
        `the array has shape ${JSON.stringify(given)}, but the field stores shape [${shape.join(', ')}]; reshape it first (same elements, C order)`,
      );
    }
  }
}

function swapBytes(bytes: Uint8Array, itemSize: number): void {
  for (let start = 0; start + itemSize <= bytes.byteLength; start += itemSize) {
    for (let low = start, high = start + itemSize - 1; low < high; low++, high--) {
      const swap = bytes[low]!;
      bytes[low] = bytes[high]!;
      bytes[high] = swap;
    }
  }
}
