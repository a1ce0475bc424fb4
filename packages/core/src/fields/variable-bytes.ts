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

export function validatePointerSizeColumn(field: FieldReader): void {
  const { metadata, dataStart, dataEnd } = field;
  for (let sampleIndex = 0; sampleIndex < field.numSamples; sampleIndex++) {
    const offset = field.recordOffset(sampleIndex);
    const pointerHigh = metadata.getUint32(offset + 4, true);
    const sizeHigh = metadata.getUint32(offset + 12, true);
    const pointer = pointerHigh * 0x1_0000_0000 + metadata.getUint32(offset, true);
    const byteLength = sizeHigh * 0x1_0000_0000 + metadata.getUint32(offset + 8, true);
    // Zero-length values may carry any pointer (FFCV gives them the bump pointer, even 0).
    if (byteLength === 0) continue;
    if (pointer < dataStart || pointer + byteLength > dataEnd || pointerHigh > 0x1fffff || sizeHigh > 0x1fffff) {
      throw new RangeError(
        `sample ${sampleIndex}: value of ${byteLength} bytes at ${pointer} lies outside the data region [${dataStart}, ${dataEnd})`,
      );
    }
  }
}

/** Largest stored value of the column, scanned once at decoder setup. */
export function maxColumnByteLength(field: FieldReader): number {
  let max = 0;
  for (let sampleIndex = 0; sampleIndex < field.numSamples; sampleIndex++) {
    const size = field.readUint64(field.recordOffset(sampleIndex) + 8);
    if (size > max) max = size;
  }
  return max;
}

/** Output uint8[maxByteLength] with the actual length in `lengths[0]`; the tail is zero-filled. */
export const paddedBytesDecoder: DecoderDefinition<never, { maxByteLength?: number } | null> = {
  setup(field, options) {
    const maxByteLength = options?.maxByteLength ?? maxColumnByteLength(field);
    return {
      output: { dtype: 'uint8', shape: [maxByteLength], variableDims: [0] },
      decode(sampleIndex: number, slot: OutputSlot) {
        const offset = field.recordOffset(sampleIndex);
        const pointer = field.readUint64(offset);
        const size = field.readUint64(offset + 8);
        if (size > maxByteLength) {
          throw new RangeError(`sample ${sampleIndex} holds ${size} bytes, more than maxByteLength ${maxByteLength}`);
        }
        if (size > 0) field.copyBytes(pointer, size, slot.bytes, 0);
        slot.bytes.fill(0, size);
        slot.lengths[0] = size;
      },
    };
  },
};
