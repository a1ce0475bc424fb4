/**
 * The per-sample metadata record follows numpy's `align=True` rule for a struct of the
 * fields' metadata types: each column starts at the next multiple of its alignment, and the
 * record is padded to a multiple of the largest alignment.
 */
export interface ColumnLayout {
  byteLength: number;
  /** 1, 2, 4 or 8 */
  alignment: number;
}

export interface RecordLayout {
  /** byte offset of each column inside the record */
  offsets: number[];
  byteLength: number;
}

export function computeRecordLayout(columns: readonly ColumnLayout[]): RecordLayout {
  const offsets: number[] = [];
  let position = 0;
  let maxAlignment = 1;
  for (const column of columns) {
    position = alignUp(position, column.alignment);
    offsets.push(position);
    position += column.byteLength;
    maxAlignment = Math.max(maxAlignment, column.alignment);
  }
  return { offsets, byteLength: alignUp(position, maxAlignment) };
}

export function alignUp(value: number, alignment: number): number {
  const remainder = value % alignment;
  return remainder === 0 ? value : value + alignment - remainder;
}
