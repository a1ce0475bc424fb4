import type { FieldCodec, FieldReader, OutputSlot } from '../registry/plugin-contract.js';
import { TYPE_ID } from '../spec/constants.js';
import { encodeBmp } from '../util/bmp-image.js';

/**
 * The storage side of FFCV's RGBImageField (type id 2): metadata `{mode u8 @0, width u16 @1,
 * height u16 @3, data_ptr u64 @5}` (13 bytes, packed), payload = JPEG bytes (mode 0) or
 * height*width*3 raw RGB bytes (mode 1). Core reads and writes the stored bytes only; pixel
 * coding is `@tessera/image`'s, which registers a codec with type id 2 that replaces this one.
 */
export interface StoredImage {
  mode: 'jpg' | 'raw';
  width: number;
  height: number;
  /** Stored bytes (JPEG stream or raw HWC RGB); zero-copy view when read from a file. */
  data: Uint8Array;
}

export const FFCV_IMAGE_MODE = { jpg: 0, raw: 1 } as const;

export const IMAGE_METADATA_LAYOUT = { byteLength: 13, alignment: 1 } as const;

export function readImageHeader(field: FieldReader, sampleIndex: number): { mode: number; width: number; height: number; pointer: number } {
  const offset = field.recordOffset(sampleIndex);
  const { metadata } = field;
  return {
    mode: metadata.getUint8(offset),
    width: metadata.getUint16(offset + 1, true),
    height: metadata.getUint16(offset + 3, true),
    pointer: field.readUint64(offset + 5),
  };
}

/** Stored byte length: width*height*3 for raw images, the allocation's size for JPEG. */
export function storedImageByteLength(field: FieldReader, sampleIndex: number, header = readImageHeader(field, sampleIndex)): number {
  return header.mode === FFCV_IMAGE_MODE.raw
    ? header.width * header.height * 3
    : field.allocationByteLength(header.pointer, sampleIndex);
}

/** Mode, size and where the stored bytes are: what `read` and `toJSON` share. */
function storedImage(field: FieldReader, sampleIndex: number) {
  const header = readImageHeader(field, sampleIndex);
  return {
    mode: header.mode === FFCV_IMAGE_MODE.raw ? ('raw' as const) : ('jpg' as const),
    width: header.width,
    height: header.height,
    data: { pointer: header.pointer, byteLength: storedImageByteLength(field, sampleIndex, header) },
  };
}

export const ffcvImageStorageCodec: FieldCodec<StoredImage, Record<string, never>> = {
  id: 'core/ffcv-image',
  typeId: TYPE_ID.RGB_IMAGE,
  encodeFfcvArguments: () => new Uint8Array(0),
  decodeFfcvArguments: () => ({}),
  metadataLayout: () => IMAGE_METADATA_LAYOUT,
  encode(value, _args, target) {
    const mode = FFCV_IMAGE_MODE[value?.mode];
    if (mode === undefined) throw new TypeError(`expected { mode: 'jpg' | 'raw', width, height, data }`);
    if (!Number.isInteger(value.width) || !Number.isInteger(value.height) || value.width < 1 || value.height < 1 || value.width > 65535 || value.height > 65535) {
      throw new RangeError(`image size ${value.width}x${value.height} is outside 1..65535`);
    }
    if (mode === FFCV_IMAGE_MODE.raw && value.data.byteLength !== value.width * value.height * 3) {
      throw new RangeError(`raw image ${value.width}x${value.height} needs ${value.width * value.height * 3} bytes, got ${value.data.byteLength}`);
    }
    target.metadata.setUint8(0, mode);
    target.metadata.setUint16(1, value.width, true);
    target.metadata.setUint16(3, value.height, true);
    target.allocate(value.data, 5);
  },
  validate(field) {
    for (let sampleIndex = 0; sampleIndex < field.numSamples; sampleIndex++) {
      const header = readImageHeader(field, sampleIndex);
      if (header.mode !== FFCV_IMAGE_MODE.jpg && header.mode !== FFCV_IMAGE_MODE.raw) {
        throw new RangeError(`sample ${sampleIndex}: image mode ${header.mode} is neither 0 (jpg) nor 1 (raw)`);
      }
      const byteLength = storedImageByteLength(field, sampleIndex, header);
      if (header.pointer < field.dataStart || header.pointer + byteLength > field.dataEnd) {
        throw new RangeError(`sample ${sampleIndex}: image of ${byteLength} bytes at ${header.pointer} lies outside the data region`);
      }
    }
  },
  read(field, sampleIndex) {
    const { data, ...image } = storedImage(field, sampleIndex);
    return { ...image, data: field.bytes(data.pointer, data.byteLength) };
  },
  toJSON(field, sampleIndex) {
    const { data, ...image } = storedImage(field, sampleIndex);
    return { ...image, ...field.describeBytes(data.pointer, data.byteLength) };
  },
  /** A JPEG as stored; raw pixels as a BMP. */
  preview(field, sampleIndex) {
    const { data, mode, width, height } = storedImage(field, sampleIndex);
    const bytes = field.bytes(data.pointer, data.byteLength);
    return mode === 'jpg' ? { kind: 'image', mimeType: 'image/jpeg', bytes, width, height } : { kind: 'image', mimeType: 'image/bmp', bytes: encodeBmp(bytes, width, height), width, height };
  },
  statistics(field, sampleIndex) {
    const header = readImageHeader(field, sampleIndex);
    return { width: header.width, height: header.height, byteLength: storedImageByteLength(field, sampleIndex, header) };
  },
  decoders: {
    /** The stored bytes, padded to the largest stored image (install @tessera/image for pixels). */
    stored: {
      options: [],
      setup(field) {
        let maxByteLength = 0;
        for (let sampleIndex = 0; sampleIndex < field.numSamples; sampleIndex++) {
          maxByteLength = Math.max(maxByteLength, storedImageByteLength(field, sampleIndex));
        }
        return {
          output: { dtype: 'uint8', shape: [maxByteLength], variableDims: [0] },
          decode(sampleIndex: number, slot: OutputSlot) {
            const header = readImageHeader(field, sampleIndex);
            const byteLength = storedImageByteLength(field, sampleIndex, header);
            field.copyBytes(header.pointer, byteLength, slot.bytes, 0);
            slot.bytes.fill(0, byteLength);
            slot.lengths[0] = byteLength;
          },
        };
      },
    },
  },
  defaultDecoder: 'stored',
};
