import type { FieldReader, MetadataLayout } from '@tessera/core';

/**
 * Storage layout of a `boundingBoxes` field.
 *
 *   metadata column (12 bytes, 8-aligned)   pointer u64 @0   box count u32 @8
 *   payload (one allocation per sample)     count × 20 bytes: x, y, width, height (float32), label (int32)
 *
 * All little-endian. A sample without boxes stores count 0 and allocates nothing (pointer 0).
 */
export const METADATA_LAYOUT: MetadataLayout = { byteLength: 12, alignment: 8 };
export const POINTER_OFFSET = 0;
export const COUNT_OFFSET = 8;

export const BOX_BYTE_LENGTH = 20;
export const X_OFFSET = 0;
export const Y_OFFSET = 4;
export const WIDTH_OFFSET = 8;
export const HEIGHT_OFFSET = 12;
export const LABEL_OFFSET = 16;

/** Values per box in decoded output: x, y, width, height, label. */
export const BOX_VALUES = 5;

/** The box count of a sample, read from its metadata column. */
export function readBoxCount(field: FieldReader, sampleIndex: number): number {
  return field.metadata.getUint32(field.recordOffset(sampleIndex) + COUNT_OFFSET, true);
}

/** The file offset of a sample's box payload (meaningless when its count is 0). */
export function readBoxPointer(field: FieldReader, sampleIndex: number): number {
  return field.readUint64(field.recordOffset(sampleIndex) + POINTER_OFFSET);
}
