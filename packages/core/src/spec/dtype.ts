import { ArgumentError } from '../errors.js';

/** Element types of decoded outputs and of ndarray fields. */
export type DType =
  | 'bool'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'float16'
  | 'float32'
  | 'float64';

export type TypedArray =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

export const DTYPE_BYTE_LENGTH: Readonly<Record<DType, number>> = {
  bool: 1,
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
  float16: 2,
  float32: 4,
  float64: 8,
};

/** A typed-array view of `byteLength / itemSize` elements over `bytes` (float16 and bool as raw integers). */
export function typedView(dtype: DType, buffer: ArrayBufferLike, byteOffset: number, length: number): TypedArray {
  switch (dtype) {
    case 'bool':
    case 'uint8':
      return new Uint8Array(buffer, byteOffset, length);
    case 'int8':
      return new Int8Array(buffer, byteOffset, length);
    case 'int16':
      return new Int16Array(buffer, byteOffset, length);
    case 'uint16':
    case 'float16':
      return new Uint16Array(buffer, byteOffset, length);
    case 'int32':
      return new Int32Array(buffer, byteOffset, length);
    case 'uint32':
      return new Uint32Array(buffer, byteOffset, length);
    case 'int64':
      return new BigInt64Array(buffer, byteOffset, length);
    case 'uint64':
      return new BigUint64Array(buffer, byteOffset, length);
    case 'float32':
      return new Float32Array(buffer, byteOffset, length);
    case 'float64':
      return new Float64Array(buffer, byteOffset, length);
  }
}

/** A numpy scalar type string such as `<f4`, `>i4`, `|b1`, parsed. */
export interface NumpyDType {
  /** normalised numpy string: byte order character + kind + item size (`<f4`, `|u1`) */
  descr: string;
  dtype: DType;
  itemSize: number;
  /** 'big' only when the file stores big-endian values; single-byte types are 'none' */
  byteOrder: 'little' | 'big' | 'none';
}

const KIND_TO_DTYPE: Record<string, DType> = {
  b1: 'bool',
  i1: 'int8',
  u1: 'uint8',
  i2: 'int16',
  u2: 'uint16',
  i4: 'int32',
  u4: 'uint32',
  i8: 'int64',
  u8: 'uint64',
  f2: 'float16',
  f4: 'float32',
  f8: 'float64',
};

const DTYPE_TO_KIND: Record<DType, string> = Object.fromEntries(
  Object.entries(KIND_TO_DTYPE).map(([kind, dtype]) => [dtype, kind]),
) as Record<DType, string>;

/** Accepts a numpy string (`<f4`, `float32`-style names too) and returns the parsed type. */
export function parseNumpyDType(text: string): NumpyDType {
  const named = (DTYPE_TO_KIND as Record<string, string | undefined>)[text];
  const source = named === undefined ? text : `<${named}`;
  const match = /^([<>|=]?)([biuf])(\d+)$/.exec(source);
  const kind = match === null ? undefined : `${match[2]}${match[3]}`;
  const dtype = kind === undefined ? undefined : KIND_TO_DTYPE[kind];
  if (match === null || dtype === undefined || kind === undefined) {
    throw new ArgumentError(
      'dtype',
      `${JSON.stringify(text)} is not a supported numpy scalar type; use one of ${Object.keys(KIND_TO_DTYPE)
        .map((k) => `<${k}`)
        .join(', ')} (or >, | byte orders)`,
      'E_FIELD_ARGUMENTS',
    );
  }
  const itemSize = Number(match[3]);
  let order = match[1] === '' || match[1] === '=' ? '<' : match[1]!;
  if (itemSize === 1) order = '|';
  else if (order === '|') order = '<';
  return {
    descr: `${order}${kind}`,
    dtype,
    itemSize,
    byteOrder: order === '|' ? 'none' : order === '>' ? 'big' : 'little',
  };
}
