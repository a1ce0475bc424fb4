import type { FieldReader, MetadataLayout } from '@tessera/core';

/**
 * Storage layout of image fields: FFCV's RGBImageField column, also used by `image/gray`.
 *
 *   metadata column (13 bytes, packed)   mode u8 @0 (0 JPEG, 1 raw)   width u16 @1   height u16 @3   data pointer u64 @5
 *   payload (one allocation per sample)  the JPEG stream, or height × width × channels raw bytes (HWC)
 *
 * A JPEG's byte length is only in the allocation table.
 */
export const IMAGE_LAYOUT: MetadataLayout = { byteLength: 13, alignment: 1 };
export const MODE_OFFSET = 0;
export const WIDTH_OFFSET = 1;
export const HEIGHT_OFFSET = 3;
export const POINTER_OFFSET = 5;
export const MODE_JPEG = 0;
export const MODE_RAW = 1;

export function readMode(field: FieldReader, sampleIndex: number): number {
  return field.metadata.getUint8(field.recordOffset(sampleIndex) + MODE_OFFSET);
}

export function readWidth(field: FieldReader, sampleIndex: number): number {
  return field.metadata.getUint16(field.recordOffset(sampleIndex) + WIDTH_OFFSET, true);
}

export function readHeight(field: FieldReader, sampleIndex: number): number {
  return field.metadata.getUint16(field.recordOffset(sampleIndex) + HEIGHT_OFFSET, true);
}

export function readPointer(field: FieldReader, sampleIndex: number): number {
  return field.readUint64(field.recordOffset(sampleIndex) + POINTER_OFFSET);
}

/** Stored byte length: width × height × channels for raw images, the allocation's size for JPEG. */
export function storedByteLength(field: FieldReader, sampleIndex: number, channels: number): number {
  const offset = field.recordOffset(sampleIndex);
  if (field.metadata.getUint8(offset) === MODE_RAW) {
    return field.metadata.getUint16(offset + WIDTH_OFFSET, true) * field.metadata.getUint16(offset + HEIGHT_OFFSET, true) * channels;
  }
  return field.allocationByteLength(field.readUint64(offset + POINTER_OFFSET), sampleIndex);
}

/** The stored bytes of a sample: a zero-copy view, valid until the dataset is closed. */
export function storedBytes(field: FieldReader, sampleIndex: number, channels: number): Uint8Array {
  return field.bytes(readPointer(field, sampleIndex), storedByteLength(field, sampleIndex, channels));
}
