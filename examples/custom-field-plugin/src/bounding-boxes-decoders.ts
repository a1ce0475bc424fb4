import type { DecodeContext, DecoderDefinition, FieldReader, OutputSlot } from '@tessera/core';
import type { BoundingBoxesArguments } from './bounding-boxes-arguments.js';
import {
  BOX_BYTE_LENGTH,
  BOX_VALUES,
  HEIGHT_OFFSET,
  LABEL_OFFSET,
  WIDTH_OFFSET,
  X_OFFSET,
  Y_OFFSET,
  readBoxCount,
  readBoxPointer,
} from './box-layout.js';

/**
 * float32 [maxBoxes, 5] per sample (x, y, width, height, label), variable in dimension 0:
 * `lengths[0]` is the box count; rows past it are zero.
 */
export const paddedBoxesDecoder: DecoderDefinition<BoundingBoxesArguments> = {
  setup(field: FieldReader<BoundingBoxesArguments>) {
    const { maxBoxes } = field.arguments;
    // Scratch for one sample's payload, allocated once per worker: decode() allocates nothing.
    const scratch = new Uint8Array(maxBoxes * BOX_BYTE_LENGTH);
    const view = new DataView(scratch.buffer);
    return {
      output: { dtype: 'float32', shape: [maxBoxes, BOX_VALUES], variableDims: [0] },
      decode(sampleIndex: number, slot: OutputSlot) {
        const count = readBoxCount(field, sampleIndex);
        if (count > maxBoxes) throw new RangeError(`sample ${sampleIndex} stores ${count} boxes, more than maxBoxes ${maxBoxes}`);
        const out = slot.data as Float32Array;
        if (count > 0) field.copyBytes(readBoxPointer(field, sampleIndex), count * BOX_BYTE_LENGTH, scratch, 0);
        for (let box = 0; box < count; box++) {
          const start = box * BOX_BYTE_LENGTH;
          const row = box * BOX_VALUES;
          out[row] = view.getFloat32(start + X_OFFSET, true);
          out[row + 1] = view.getFloat32(start + Y_OFFSET, true);
          out[row + 2] = view.getFloat32(start + WIDTH_OFFSET, true);
          out[row + 3] = view.getFloat32(start + HEIGHT_OFFSET, true);
          out[row + 4] = view.getInt32(start + LABEL_OFFSET, true);
        }
        // The slot is reused across batches: zero the padding rows.
        out.fill(0, count * BOX_VALUES);
        slot.lengths[0] = count;
      },
    };
  },
};

/** int32 scalar per sample: the number of boxes. */
export const boxCountDecoder: DecoderDefinition<BoundingBoxesArguments> = {
  setup(field: FieldReader<BoundingBoxesArguments>) {
    return {
      output: { dtype: 'int32', shape: [] },
      decode(sampleIndex: number, slot: OutputSlot) {
        (slot.data as Int32Array)[0] = readBoxCount(field, sampleIndex);
      },
    };
  },
};

/**
 * float32 [5] per sample: one box drawn at random (x, y, width, height, label), e.g. the box a
 * crop is centred on; zeros when the sample has none. The draw comes from the loader's seeded
 * `context.random` (`random: true` makes the loader reseed it for every sample), so a seed
 * reproduces every epoch; without a context (standalone use) it takes the first box.
 */
export const randomBoxDecoder: DecoderDefinition<BoundingBoxesArguments> = {
  options: [],
  setup(field: FieldReader<BoundingBoxesArguments>) {
    const scratch = new Uint8Array(BOX_BYTE_LENGTH);
    const view = new DataView(scratch.buffer);
    return {
      output: { dtype: 'float32', shape: [BOX_VALUES] },
      random: true,
      decode(sampleIndex: number, slot: OutputSlot, context?: DecodeContext) {
        const count = readBoxCount(field, sampleIndex);
        const out = slot.data as Float32Array;
        if (count === 0) {
          out.fill(0);
          return;
        }
        // nextInt(count) is in [0, count): never a box past the stored ones
        const box = context === undefined ? 0 : context.random.nextInt(count);
        field.copyBytes(readBoxPointer(field, sampleIndex) + box * BOX_BYTE_LENGTH, BOX_BYTE_LENGTH, scratch, 0);
        out[0] = view.getFloat32(X_OFFSET, true);
        out[1] = view.getFloat32(Y_OFFSET, true);
        out[2] = view.getFloat32(WIDTH_OFFSET, true);
        out[3] = view.getFloat32(HEIGHT_OFFSET, true);
        out[4] = view.getInt32(LABEL_OFFSET, true);
      },
    };
  },
};
