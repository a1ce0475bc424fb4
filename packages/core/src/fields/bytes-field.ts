import type { FieldCodec } from '../registry/plugin-contract.js';
import { headOf } from '../reader/field-preview.js';
import { TesseraError } from '../errors.js';
import { TYPE_ID } from '../spec/constants.js';
import { describe } from './scalar-fields.js';
import { POINTER_SIZE_LAYOUT, paddedBytesDecoder, readPointerAndSize, validatePointerSizeColumn } from './variable-bytes.js';

export type BytesInput = Uint8Array | ArrayBuffer | string;

/** Variable-length bytes (FFCV BytesField, type id 3). Strings are stored as UTF-8. */
export const bytesCodec: FieldCodec<BytesInput, Record<string, never>> = {
  id: 'core/bytes',
  encodeCopiesOnly: true,
  typeId: TYPE_ID.BYTES,
  encodeFfcvArguments: () => new Uint8Array(0),
  decodeFfcvArguments: () => ({}),
  metadataLayout: () => POINTER_SIZE_LAYOUT,
  encode(value, _args, target) {
    const bytes = toBytes(value);
    target.metadata.setBigUint64(8, BigInt(bytes.byteLength), true);
    target.allocate(bytes, 0);
  },
  validate: validatePointerSizeColumn,
  /** A zero-copy view into the file (valid until the dataset is closed). */
  read(field, sampleIndex) {
    const [pointer, byteLength] = readPointerAndSize(field, sampleIndex);
    return byteLength === 0 ? new Uint8Array(0) : field.bytes(pointer, byteLength);
  },
  toJSON(field, sampleIndex) {
    const [pointer, byteLength] = readPointerAndSize(field, sampleIndex);
    return byteLength === 0 ? field.describeBytes(0, 0) : field.describeBytes(pointer, byteLength);
  },
  preview(field, sampleIndex) {
    const [pointer, byteLength] = readPointerAndSize(field, sampleIndex);
    return { kind: 'bytes', byteLength, head: headOf(byteLength === 0 ? new Uint8Array(0) : field.bytes(pointer, Math.min(byteLength, 256))) };
  },
  statistics: (field, sampleIndex) => ({ byteLength: readPointerAndSize(field, sampleIndex)[1] }),
  decoders: { bytes: paddedBytesDecoder },
  defaultDecoder: 'bytes',
};

export function toBytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return new TextEncoder().encode(value);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new TesseraError('E_FIELD_VALUE', `expected a Uint8Array, Buffer, ArrayBuffer, typed array or string, got ${describe(value)}`);
}
