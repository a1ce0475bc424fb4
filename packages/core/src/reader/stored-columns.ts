import { TYPE_ID } from '../spec/constants.js';
import { parseNumpyDType } from '../spec/dtype.js';

/**
 * Where an FFCV field (type ids 2–6) keeps its payload's pointer and size in the metadata record.
 * FFCV allocates exactly one payload per sample for each of these fields, of exactly the stored
 * size, so every (pointer, size) a record declares must be an allocation of that same sample — the
 * check that turns a moved pointer, a pointer copied from another sample, a JPEG flagged raw or a
 * widened dtype into an error instead of plausible wrong values.
 */
export interface StoredColumn {
  field: string;
  /**
   * 'pointer-size': `{ptr u64 @0, size u64 @8}` (bytes, JSON); 'array': `ptr u64 @0` of
   * `byteLength` bytes (ndarray, torch tensor; -1 when the arguments give no size); 'image':
   * `{mode u8 @0, width u16 @1, height u16 @3, ptr u64 @5}`, raw images `width × height × 3` bytes.
   */
  kind: 'pointer-size' | 'array' | 'image';
  columnOffset: number;
  byteLength: number;
  /** what the size follows from, for messages ("shape [3, 4] of <f4") */
  sizeSource: string;
}

const FFCV_COLUMN_BYTE_LENGTH: Readonly<Record<number, number>> = {
  [TYPE_ID.RGB_IMAGE]: 13,
  [TYPE_ID.BYTES]: 16,
  [TYPE_ID.JSON]: 16,
  [TYPE_ID.NDARRAY]: 8,
  [TYPE_ID.TORCH_TENSOR]: 8,
};

/** The stored columns of a file's fields; plugin fields (type id 255) define their own layout and are left out. */
export function storedColumnsOf(
  fields: ReadonlyArray<{ name: string; typeId: number; columnOffset: number; metadataByteLength: number; arguments: unknown }>,
): StoredColumn[] {
  const columns: StoredColumn[] = [];
  for (const field of fields) {
    // A codec replacing an FFCV type keeps FFCV's layout; anything else is not FFCV's to check.
    if (FFCV_COLUMN_BYTE_LENGTH[field.typeId] !== field.metadataByteLength) continue;
    const base = { field: field.name, columnOffset: field.columnOffset };
    if (field.typeId === TYPE_ID.BYTES || field.typeId === TYPE_ID.JSON) {
      columns.push({ ...base, kind: 'pointer-size', byteLength: -1, sizeSource: 'its size column' });
    } else if (field.typeId === TYPE_ID.RGB_IMAGE) {
      columns.push({ ...base, kind: 'image', byteLength: -1, sizeSource: 'width × height × 3' });
    } else {
      const { byteLength, sizeSource } = arrayByteLength(field.arguments);
      columns.push({ ...base, kind: 'array', byteLength, sizeSource });
    }
  }
  return columns;
}

function arrayByteLength(args: unknown): { byteLength: number; sizeSource: string } {
  const { dtype, shape } = (args ?? {}) as { dtype?: unknown; shape?: unknown };
  if (typeof dtype !== 'string' || !Array.isArray(shape) || !shape.every((extent) => Number.isSafeInteger(extent) && extent > 0)) {
    return { byteLength: -1, sizeSource: 'its arguments' };
  }
  const itemSize = parseNumpyDType(dtype).itemSize;
  const byteLength = shape.reduce((product: number, extent: number) => product * extent, itemSize);
  return { byteLength, sizeSource: `shape [${shape.join(', ')}] of ${dtype} (${itemSize}-byte items)` };
}
