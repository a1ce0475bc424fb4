import type { EncodeTarget, FieldCodec, FieldReader } from '@tessera/core';
import { type BoundingBoxesArguments, normalizeBoundingBoxesArguments } from './bounding-boxes-arguments.js';
import { boxCountDecoder, paddedBoxesDecoder, randomBoxDecoder } from './bounding-boxes-decoders.js';
import {
  BOX_BYTE_LENGTH,
  COUNT_OFFSET,
  HEIGHT_OFFSET,
  LABEL_OFFSET,
  METADATA_LAYOUT,
  POINTER_OFFSET,
  WIDTH_OFFSET,
  X_OFFSET,
  Y_OFFSET,
  readBoxCount,
  readBoxPointer,
} from './box-layout.js';

/** One box: top-left corner, size (float32 when stored) and a class label (int32). */
export interface BoundingBox {
  x: number;
  y: number;
  width: number;
  height: number;
  label: number;
}

const FLOAT32_MAX = 3.4028234663852886e38;
const COORDINATES = ['x', 'y', 'width', 'height'] as const;

// encode() runs synchronously and allocate() copies, so one growing scratch buffer serves every sample.
let scratch = new Uint8Array(BOX_BYTE_LENGTH * 16);

export const boundingBoxesCodec: FieldCodec<readonly BoundingBox[], BoundingBoxesArguments> = {
  id: 'boxes/bounding-boxes',
  normalizeArguments: normalizeBoundingBoxesArguments,
  metadataLayout: () => METADATA_LAYOUT,

  encode(boxes, args, target: EncodeTarget) {
    if (!Array.isArray(boxes)) throw new TypeError(`expected an array of boxes, got ${boxes === null ? 'null' : typeof boxes}`);
    if (boxes.length > args.maxBoxes) throw new RangeError(`${boxes.length} boxes, more than maxBoxes ${args.maxBoxes}`);
    const byteLength = boxes.length * BOX_BYTE_LENGTH;
    if (scratch.byteLength < byteLength) scratch = new Uint8Array(Math.max(byteLength, scratch.byteLength * 2));
    const view = new DataView(scratch.buffer, 0, byteLength);
    boxes.forEach((box: BoundingBox, index) => {
      if (box === null || typeof box !== 'object') throw new TypeError(`box ${index} is ${box === null ? 'null' : typeof box}, expected { x, y, width, height, label }`);
      for (const key of COORDINATES) {
        const value = box[key];
        if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > FLOAT32_MAX) {
          throw new TypeError(`box ${index}: ${key} is ${JSON.stringify(value) ?? String(value)}, expected a finite float32 number`);
        }
      }
      if (box.width < 0 || box.height < 0) throw new RangeError(`box ${index}: negative size ${box.width}×${box.height}`);
      if (!Number.isInteger(box.label) || box.label < -(2 ** 31) || box.label >= 2 ** 31) {
        throw new TypeError(`box ${index}: label is ${JSON.stringify(box.label) ?? String(box.label)}, expected an int32`);
      }
      const start = index * BOX_BYTE_LENGTH;
      view.setFloat32(start + X_OFFSET, box.x, true);
      view.setFloat32(start + Y_OFFSET, box.y, true);
      view.setFloat32(start + WIDTH_OFFSET, box.width, true);
      view.setFloat32(start + HEIGHT_OFFSET, box.height, true);
      view.setInt32(start + LABEL_OFFSET, box.label, true);
    });
    target.metadata.setUint32(COUNT_OFFSET, boxes.length, true);
    // One allocation per sample; its file offset lands in the pointer slot of the metadata column.
    if (boxes.length > 0) target.allocate(scratch.subarray(0, byteLength), POINTER_OFFSET);
  },

  validate(field: FieldReader<BoundingBoxesArguments>) {
    const { maxBoxes } = field.arguments;
    for (let sampleIndex = 0; sampleIndex < field.numSamples; sampleIndex++) {
      const count = readBoxCount(field, sampleIndex);
      if (count > maxBoxes) throw new RangeError(`sample ${sampleIndex} stores ${count} boxes, more than maxBoxes ${maxBoxes}`);
      if (count === 0) continue;
      const pointer = readBoxPointer(field, sampleIndex);
      if (pointer < field.dataStart || pointer + count * BOX_BYTE_LENGTH > field.dataEnd) {
        throw new RangeError(`sample ${sampleIndex}: ${count} boxes at ${pointer} lie outside the data region [${field.dataStart}, ${field.dataEnd})`);
      }
    }
  },

  /** The stored boxes (coordinates rounded to float32). */
  read(field, sampleIndex) {
    const count = readBoxCount(field, sampleIndex);
    if (count === 0) return [];
    const bytes = field.bytes(readBoxPointer(field, sampleIndex), count * BOX_BYTE_LENGTH);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const boxes: BoundingBox[] = [];
    for (let start = 0; start < bytes.byteLength; start += BOX_BYTE_LENGTH) {
      boxes.push({
        x: view.getFloat32(start + X_OFFSET, true),
        y: view.getFloat32(start + Y_OFFSET, true),
        width: view.getFloat32(start + WIDTH_OFFSET, true),
        height: view.getFloat32(start + HEIGHT_OFFSET, true),
        label: view.getInt32(start + LABEL_OFFSET, true),
      });
    }
    return boxes;
  },

  /** What `tessera view` shows: the boxes as JSON (a viewer without this hook would show the same from `read`). */
  preview(field, sampleIndex) {
    return { kind: 'json', value: { boxes: boundingBoxesCodec.read(field, sampleIndex) } };
  },
  /** The box count, from the metadata column alone: the viewer plots its histogram. */
  statistics: (field, sampleIndex) => ({ boxes: readBoxCount(field, sampleIndex) }),

  decoders: { padded: paddedBoxesDecoder, count: boxCountDecoder, 'random-box': randomBoxDecoder },
  defaultDecoder: 'padded',
};
