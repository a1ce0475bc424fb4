import { FormatError } from '../errors.js';
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

/** Largest value of each fully validated column: decoder setup reuses it instead of scanning again. */
const maxByteLengths = new WeakMap<FieldReader, number>();

/**
 * Columns of at least LAZY_FROM_SAMPLES samples are not scanned at open. Measured on this 2-core VM:
 * the scan of a 10M-sample column was the whole open time (~120 ms of 160 ms), and it is the first
 * touch of each freshly mapped page that costs (the same scan over the same mapping a second time
 * takes ~25 ms; populating the page tables first with MADV_POPULATE_READ, or huge pages, does not
 * help). Nothing is lost: on first data access the allocation index checks every FFCV column of
 * every sample against that sample's allocations (AllocationIndex.checkColumns: a pointer or size
 * that disagrees is E_METADATA naming the field and sample), and every read is bounds-checked
 * against the data region (FieldReader.bytes/copyBytes) whatever validateFields says.
 */
const LAZY_FROM_SAMPLES = 1 << 20;

/** True where a Uint32Array reads little-endian words (every platform Node ships for). */
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export function validatePointerSizeColumn(field: FieldReader): void {
  if (field.numSamples < LAZY_FROM_SAMPLES) maxByteLengths.set(field, scanColumn(field, 0, field.numSamples));
}

/** Checks samples [first, end) of the column; returns their largest byte length. */
function scanColumn(field: FieldReader, first: number, end: number): number {
  const { metadata, columnOffset, recordByteLength } = field;
  // Whole-word loads from a Uint32Array beat DataView.getUint32; they need the column 4-byte aligned.
  const aligned = LITTLE_ENDIAN_HOST && metadata.byteOffset % 4 === 0 && columnOffset % 4 === 0 && recordByteLength % 4 === 0;
  return aligned ? scanWords(field, first, end) : scanDataView(field, first, end);
}

function scanWords(field: FieldReader, first: number, end: number): number {
  const { metadata, dataStart, dataEnd, recordByteLength, columnOffset } = field;
  const words = new Uint32Array(metadata.buffer, metadata.byteOffset, metadata.byteLength >>> 2);
  const stride = recordByteLength >>> 2;
  let max = 0;
  for (let sampleIndex = first, word = (columnOffset + first * recordByteLength) >>> 2; sampleIndex < end; sampleIndex++, word += stride) {
    const pointerHigh = words[word + 1] as number;
    const sizeHigh = words[word + 3] as number;
    const pointer = pointerHigh * 0x1_0000_0000 + (words[word] as number);
    const byteLength = sizeHigh * 0x1_0000_0000 + (words[word + 2] as number);
    // Zero-length values may carry any pointer (FFCV gives them the bump pointer, even 0).
    if (byteLength !== 0 && (pointer < dataStart || pointer + byteLength > dataEnd || (pointerHigh | sizeHigh) > 0x1fffff)) {
      throw outsideError(sampleIndex, pointer, byteLength, dataStart, dataEnd);
    }
    if (byteLength > max) max = byteLength;
  }
  return max;
}

function scanDataView(field: FieldReader, first: number, end: number): number {
  const { metadata, dataStart, dataEnd, recordByteLength } = field;
  let max = 0;
  for (let sampleIndex = first, offset = field.columnOffset + first * recordByteLength; sampleIndex < end; sampleIndex++, offset += recordByteLength) {
    const pointerHigh = metadata.getUint32(offset + 4, true);
    const sizeHigh = metadata.getUint32(offset + 12, true);
    const pointer = pointerHigh * 0x1_0000_0000 + metadata.getUint32(offset, true);
    const byteLength = sizeHigh * 0x1_0000_0000 + metadata.getUint32(offset + 8, true);
    if (byteLength !== 0 && (pointer < dataStart || pointer + byteLength > dataEnd || (pointerHigh | sizeHigh) > 0x1fffff)) {
      throw outsideError(sampleIndex, pointer, byteLength, dataStart, dataEnd);
    }
    if (byteLength > max) max = byteLength;
  }
  return max;
}

function outsideError(sampleIndex: number, pointer: number, byteLength: number, dataStart: number, dataEnd: number): RangeError {
  return new RangeError(`sample ${sampleIndex}: value of ${byteLength} bytes at ${pointer} lies outside the data region [${dataStart}, ${dataEnd})`);
}

/** Largest stored value of the column (checked as it is scanned), once, at decoder setup. */
export function maxColumnByteLength(field: FieldReader): number {
  const known = maxByteLengths.get(field);
  if (known !== undefined) return known;
  let max: number;
  try {
    max = scanColumn(field, 0, field.numSamples);
  } catch (error) {
    throw new FormatError('E_METADATA', `field "${field.name}": ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  maxByteLengths.set(field, max);
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
