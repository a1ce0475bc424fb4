import { DTYPE_BYTE_LENGTH, type DType, type OutputSlot, type OutputSpec, typedView } from '@tessera/core';
import { fail } from './conformance-error.js';

/** Bytes before the slot (keeps 8-byte alignment for the typed view) and after it. */
const CANARY_BEFORE = 8;
const CANARY_AFTER = 64;
/** Largest output one sample may declare (the loader allocates batch × this). */
const MAX_OUTPUT_BYTE_LENGTH = 2 ** 31;

/** Throws unless `output` is a well-formed OutputSpec. */
export function checkOutputSpec(output: unknown, where: string): asserts output is OutputSpec {
  const spec = output as OutputSpec;
  if (spec === null || typeof spec !== 'object') fail(`${where}: the decoder's output is ${String(spec)}, not { dtype, shape }`);
  if (typeof spec.dtype !== 'string' || !Object.hasOwn(DTYPE_BYTE_LENGTH, spec.dtype)) {
    fail(`${where}: output dtype ${JSON.stringify(spec.dtype)} is not one of ${Object.keys(DTYPE_BYTE_LENGTH).join(', ')}`);
  }
  if (!Array.isArray(spec.shape) || spec.shape.some((extent) => !Number.isSafeInteger(extent) || extent < 0)) {
    fail(`${where}: output shape ${JSON.stringify(spec.shape)} must be an array of non-negative integers ([] for a scalar)`);
  }
  const byteLength = outputByteLength(spec);
  if (byteLength > MAX_OUTPUT_BYTE_LENGTH) fail(`${where}: output ${describeOutput(spec)} takes ${byteLength} bytes per sample, more than 2 GiB`);
  if (spec.variableDims !== undefined) {
    const dims = spec.variableDims;
    if (!Array.isArray(dims)) fail(`${where}: variableDims ${JSON.stringify(dims)} must be an array of dimension indices`);
    for (const dim of dims) {
      if (!Number.isInteger(dim) || dim < 0 || dim >= spec.shape.length) {
        fail(`${where}: variableDims ${JSON.stringify(dims)} names dimension ${dim}, but shape ${JSON.stringify(spec.shape)} has ${spec.shape.length}`);
      }
    }
    if (new Set(dims).size !== dims.length) fail(`${where}: variableDims ${JSON.stringify(dims)} repeats a dimension`);
  }
}

export function outputByteLength(output: OutputSpec): number {
  return output.shape.reduce((product, extent) => product * extent, 1) * DTYPE_BYTE_LENGTH[output.dtype];
}

export function describeOutput(output: OutputSpec): string {
  const variable = output.variableDims === undefined || output.variableDims.length === 0 ? '' : ` variableDims [${output.variableDims.join(', ')}]`;
  return `${output.dtype} [${output.shape.join(', ')}]${variable}`;
}

function canaryByte(position: number): number {
  return (0xa5 ^ Math.imul(position, 31)) & 0xff;
}

/**
 * A slot whose memory is a view into a larger buffer: guard bytes before and after, the slot itself
 * filled with a non-zero pattern (as a reused batch slot would be), lengths set to -1.
 */
export interface CanarySlot {
  slot: OutputSlot;
  /** Where the decoder wrote outside its slot, or undefined. */
  findOverrun(): string | undefined;
  /**
   * Refills the slot with one of two sentinel patterns (0: the canary pattern, 1: its bitwise
   * complement, so every byte differs between the two) and sets every length to -1. A byte that
   * differs between a decode into pattern 0 and one into pattern 1 was not written by the decoder.
   */
  refill(pattern: 0 | 1): void;
}

export function createCanarySlot(output: OutputSpec): CanarySlot {
  const byteLength = outputByteLength(output);
  const elementCount = byteLength / DTYPE_BYTE_LENGTH[output.dtype];
  const buffer = new ArrayBuffer(CANARY_BEFORE + byteLength + CANARY_AFTER);
  const all = new Uint8Array(buffer);
  for (let position = 0; position < all.length; position++) all[position] = canaryByte(position);
  const lengths = new Int32Array(output.variableDims?.length ?? 0).fill(-1);
  const slot: OutputSlot = {
    bytes: new Uint8Array(buffer, CANARY_BEFORE, byteLength),
    data: typedView(output.dtype as DType, buffer, CANARY_BEFORE, elementCount),
    lengths,
  };
  return {
    slot,
    refill(pattern) {
      const mask = pattern === 0 ? 0 : 0xff;
      for (let position = CANARY_BEFORE; position < CANARY_BEFORE + byteLength; position++) all[position] = canaryByte(position) ^ mask;
      lengths.fill(-1);
    },
    findOverrun() {
      for (let position = 0; position < CANARY_BEFORE; position++) {
        if (all[position] !== canaryByte(position)) {
          return `it wrote ${CANARY_BEFORE - position} byte(s) before its slot (does it ignore slot.bytes.byteOffset?)`;
        }
      }
      for (let position = all.length - 1; position >= CANARY_BEFORE + byteLength; position--) {
        if (all[position] !== canaryByte(position)) {
          return `it wrote past the ${byteLength} bytes of its declared output (${describeOutput(output)}), up to byte ${position - CANARY_BEFORE - byteLength + 1} after the slot`;
        }
      }
      return undefined;
    },
  };
}

/** The first non-zero byte in padding (elements beyond `lengths` in a variable dimension), or undefined. */
export function findDirtyPadding(output: OutputSpec, slot: OutputSlot): string | undefined {
  const dims = output.variableDims ?? [];
  if (dims.length === 0) return undefined;
  const { shape } = output;
  const itemSize = DTYPE_BYTE_LENGTH[output.dtype];
  const lengthOfDim = new Array<number>(shape.length).fill(-1);
  dims.forEach((dim, index) => {
    lengthOfDim[dim] = slot.lengths[index]!;
  });
  const elementCount = shape.reduce((product, extent) => product * extent, 1);
  const coordinates = new Array<number>(shape.length).fill(0);
  for (let element = 0; element < elementCount; element++) {
    let padding = false;
    for (let dim = 0; dim < shape.length; dim++) if (lengthOfDim[dim]! >= 0 && coordinates[dim]! >= lengthOfDim[dim]!) padding = true;
    if (padding) {
      for (let byte = element * itemSize; byte < (element + 1) * itemSize; byte++) {
        if (slot.bytes[byte] !== 0) {
          return `padding element [${coordinates.join(', ')}] (beyond lengths [${Array.from(slot.lengths).join(', ')}]) holds byte 0x${slot.bytes[byte]!.toString(16)}; decoders must zero-fill padding because the loader reuses slots across batches`;
        }
      }
    }
    for (let dim = shape.length - 1; dim >= 0; dim--) {
      coordinates[dim]! += 1;
      if (coordinates[dim]! < shape[dim]!) break;
      coordinates[dim] = 0;
    }
  }
  return undefined;
}

/** Lengths written by the decoder that are not within [0, shape[dim]]. */
export function findBadLength(output: OutputSpec, slot: OutputSlot): string | undefined {
  const dims = output.variableDims ?? [];
  for (let index = 0; index < dims.length; index++) {
    const length = slot.lengths[index]!;
    const maximum = output.shape[dims[index]!]!;
    if (length < 0 || length > maximum) {
      return `lengths[${index}] = ${length} is outside [0, ${maximum}] (dimension ${dims[index]} of shape [${output.shape.join(', ')}])`;
    }
  }
  return undefined;
}

export function firstDifferentByte(expected: Uint8Array, actual: Uint8Array): number {
  const length = Math.min(expected.byteLength, actual.byteLength);
  for (let index = 0; index < length; index++) if (expected[index] !== actual[index]) return index;
  return expected.byteLength === actual.byteLength ? -1 : length;
}

/**
 * The first element outside its dtype's range: a non-finite float (NaN, ±Infinity; skipped when
 * `allowNonFinite`) or a bool that is neither 0 nor 1. Integer dtypes cover every bit pattern.
 */
export function findOutOfRange(output: OutputSpec, slot: OutputSlot, allowNonFinite: boolean): string | undefined {
  const { dtype } = output;
  const data = slot.data;
  if (dtype === 'bool') {
    for (let index = 0; index < data.length; index++) {
      if (data[index] !== 0 && data[index] !== 1) return `element ${index} is ${data[index]}, but a bool output holds only 0 or 1`;
    }
    return undefined;
  }
  if (allowNonFinite) return undefined;
  if (dtype === 'float32' || dtype === 'float64') {
    const floats = data as Float32Array | Float64Array;
    for (let index = 0; index < floats.length; index++) {
      if (!Number.isFinite(floats[index]!)) return `element ${index} of the ${dtype} output is ${floats[index]}`;
    }
  } else if (dtype === 'float16') {
    const bits = data as Uint16Array;
    for (let index = 0; index < bits.length; index++) {
      // exponent all ones: ±Infinity (zero mantissa) or NaN
      if ((bits[index]! & 0x7c00) === 0x7c00) return `element ${index} of the float16 output is ${(bits[index]! & 0x3ff) === 0 ? 'Infinity' : 'NaN'} (bits 0x${bits[index]!.toString(16)})`;
    }
  }
  return undefined;
}
