import { TesseraError } from '../errors.js';
import { DTYPE_BYTE_LENGTH, typedView } from '../spec/dtype.js';
import type { OutputSlot, OutputSpec } from './plugin-contract.js';

/** Memory for decoder and operation outputs: shared by the reader, the pipelines and the loader. */

export function specByteLength(spec: OutputSpec): number {
  return spec.shape.reduce((product, extent) => product * extent, 1) * DTYPE_BYTE_LENGTH[spec.dtype];
}

export function checkOutputSpec(spec: OutputSpec, where: string): void {
  const valid =
    spec !== null &&
    typeof spec === 'object' &&
    typeof spec.dtype === 'string' &&
    DTYPE_BYTE_LENGTH[spec.dtype] !== undefined &&
    Array.isArray(spec.shape) &&
    spec.shape.every((extent) => Number.isSafeInteger(extent) && extent >= 0) &&
    (spec.variableDims === undefined || spec.variableDims.every((dim) => Number.isInteger(dim) && dim >= 0 && dim < spec.shape.length));
  if (!valid) throw new TesseraError('E_PLUGIN', `${where} declares an invalid output ${JSON.stringify(spec)}`);
}

/** Slots over one buffer: `count` consecutive samples of `spec`, `strideBytes` apart. */
export function createSlots(spec: OutputSpec, buffer: ArrayBufferLike, byteOffset: number, count: number, strideBytes: number, lengths?: Int32Array): OutputSlot[] {
  const elementCount = spec.shape.reduce((product, extent) => product * extent, 1);
  const byteLength = elementCount * DTYPE_BYTE_LENGTH[spec.dtype];
  const variableCount = spec.variableDims?.length ?? 0;
  const slots: OutputSlot[] = [];
  for (let position = 0; position < count; position++) {
    const start = byteOffset + position * strideBytes;
    slots.push({
      bytes: new Uint8Array(buffer, start, byteLength),
      data: typedView(spec.dtype, buffer, start, elementCount),
      lengths: lengths === undefined ? new Int32Array(variableCount) : lengths.subarray(position * variableCount, (position + 1) * variableCount),
    });
  }
  return slots;
}

/** Allocates memory for one output (standalone use of a decoder, outside the loader). */
export function createOutputSlot(output: OutputSpec): OutputSlot {
  return createSlots(output, new ArrayBuffer(Math.max(8, specByteLength(output))), 0, 1, 0)[0]!;
}
