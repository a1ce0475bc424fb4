import type { DecoderDefinition, FieldReader, OutputSlot } from '../registry/plugin-contract.js';

/**
 * Shared by fields whose metadata column is FFCV's packed `{ptr u64 @0, size u64 @8}` struct
 * (BytesField, JSONField): encode, validate, read and a padded-bytes decoder.
 */
export const POINTER_SIZE_LAYOUT = { byteLength: 16, alignment: 1 } as const;

export function readPointerAndSize(field: FieldReader, sampleIndex: number): [pointer: number, byteLength: number] {
  const offset = field.recordOffset(sampleIndex);
  return [field.readUint64(offset), field.readUint64(offset + 8)];
}

/** Largest value of each validated column: decoder setup reuses it instead of scanning again. */
const maxByteLengths = new WeakMap<FieldReader, number>();

export function validatePointerSizeColumn(field: FieldReader): void {
  const { metadata, dataStart, dataEnd, numSamples, recordByteLength } = field;
  let max = 0;
  // Runs over every sample at open: offsets stepped, not recomputed, and one branch for all checks.
  for (let sampleIndex = 0, offset = field.columnOffset; sampleIndex < numSamples; sampleIndex++, offset += recordByteLength) {
    const pointerHigh = metadata.getUint32(offset + 4, true);
    const sizeHigh = metadata.getUint32(offset + 12, true);
    const pointer = pointerHigh * 0x1_0000_0000 + metadata.getUint32(offset, true);
    const byteLength = sizeHigh * 0x1_0000_0000 + metadata.getUint32(offset + 8, true);
    // Zero-length values may carry any pointer (FFCV gives them the bump pointer, even 0).
    if (byteLength !== 0 && (pointer < dataStart || pointer + byteLength > dataEnd || (pointerHigh | sizeHigh) > 0x1fffff)) {
      throw outsideError(sampleIndex, pointer, byteLength, dataStart, dataEnd);
    }
    if (byteLength > max) max = byteLength;
  }
  maxByteLengths.set(field, max);
}

function outsideError(sampleIndex: number, pointer: number, byteLength: number, dataStart: number, dataEnd: number): RangeError {
  return new RangeError(`sample ${sampleIndex}: value of ${byteLength} bytes at ${pointer} lies outside the data region [${dataStart}, ${dataEnd})`);
}

/** Largest stored value of the column, scanned once at decoder setup. */
export function maxColumnByteLength(field: FieldReader): number {
  const known = maxByteLengths.get(field);
  if (known !== undefined) return known;
  let max = 0;
  for (let sampleIndex = 0; sampleIndex < field.numSamples; sampleIndex++) {
    const size = field.readUint64(field.recordOffset(sampleIndex) + 8);
    if (size > max) max = size;
  }
  return max;
}

/** Out of decode() so that its bytecode stays small enough to inline into the loader's loop. */
function tooLongError(sampleIndex: number, size: number, maxByteLength: number): RangeError {
  return new RangeError(`sample ${sampleIndex} holds ${size} bytes, more than maxByteLength ${maxByteLength}`);
}

/** Output uint8[maxByteLength] with the actual length in `lengths[0]`; the tail is zero-filled. */
export const paddedBytesDecoder: DecoderDefinition<never, { maxByteLength?: number } | null> = {
  options: ['maxByteLength'],
  setup(field, options) {
    const maxByteLength = options?.maxByteLength ?? maxColumnByteLength(field);
    return {
      output: { dtype: 'uint8', shape: [maxByteLength], variableDims: [0] },
      decode(sampleIndex: number, slot: OutputSlot) {
        const offset = field.recordOffset(sampleIndex);
        const pointer = field.readUint64(offset);
        const size = field.readUint64(offset + 8);
        if (size > maxByteLength) throw tooLongError(sampleIndex, size, maxByteLength);
        const bytes = slot.bytes;
        if (size > 0) field.copyBytes(pointer, size, bytes, 0);
        // fill() is a C++ builtin: skip the call when there is no tail (fixed-size samples).
        if (size < bytes.length) bytes.fill(0, size);
        slot.lengths[0] = size;
      },
    };
  },
};
