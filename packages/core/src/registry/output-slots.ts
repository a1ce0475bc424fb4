import { constants } from 'node:buffer';
import { TesseraError } from '../errors.js';
import { allocateAligned } from '../util/aligned-memory.js';
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

/** The largest buffer of slots Tessera allocates: Node's limit for one buffer (4 GiB on 64-bit Node 20). */
export const MAX_SLOT_MEMORY_BYTE_LENGTH: number = constants.MAX_LENGTH;

/** What a block of slots is for, for E_LIMIT messages: e.g. `field "image", decoder rgb`. */
export interface SlotMemoryUse {
  readonly where: string;
  readonly spec: OutputSpec;
  /** slots in the block (batch positions) */
  readonly count: number;
}

/**
 * Allocates the memory of `count` slots of `byteLength` bytes in all (page aligned, shared for
 * workers). A size beyond what one buffer can hold, or an allocation the system refuses, is E_LIMIT
 * naming the use, the per-sample size, the count and the total — never a bare RangeError.
 */
export function allocateSlotMemory(
  byteLength: number,
  shared: boolean,
  use: SlotMemoryUse,
  allocate: (byteLength: number, shared: boolean) => ArrayBuffer | SharedArrayBuffer = allocateAligned,
): ArrayBuffer | SharedArrayBuffer {
  if (!Number.isSafeInteger(byteLength) || byteLength > MAX_SLOT_MEMORY_BYTE_LENGTH) throw slotLimitError(byteLength, use, `above the limit of ${MAX_SLOT_MEMORY_BYTE_LENGTH} bytes for one buffer`);
  try {
    return allocate(byteLength, shared);
  } catch (error) {
    if (error instanceof RangeError) throw slotLimitError(byteLength, use, `which this process could not allocate (${error.message})`);
    throw error;
  }
}

function slotLimitError(byteLength: number, use: SlotMemoryUse, reason: string): TesseraError {
  const sampleByteLength = specByteLength(use.spec);
  const shape = use.spec.shape.length === 0 ? 'a scalar' : use.spec.shape.join('×');
  return new TesseraError(
    'E_LIMIT',
    `${use.where} declares ${shape} ${use.spec.dtype} = ${sampleByteLength} bytes per sample; × ${use.count} samples per batch = ${byteLength} bytes, ${reason}: lower batchSize or the decoded size (decoder options, a resize or crop), or re-create the file if its declared sizes are corrupt`,
  );
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
  const memory = allocateSlotMemory(Math.max(8, specByteLength(output)), false, { where: 'the decoder', spec: output, count: 1 }, (byteLength) => new ArrayBuffer(byteLength));
  return createSlots(output, memory, 0, 1, 0)[0]!;
}
