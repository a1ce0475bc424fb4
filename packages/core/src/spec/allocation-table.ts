/**
 * The allocation table: one 24-byte entry (sample_id, ptr, size) per stored payload, from
 * `alloc_table_ptr` to the end of the file. FFCV stores it unsorted for multi-worker files;
 * Tessera writes it in sample order, which is also pointer order.
 */
export interface AllocationEntry {
  sampleIndex: number;
  pointer: number;
  byteLength: number;
}

/** Columns of the table as doubles (exact for every value below 2^53), for fast search. */
export interface AllocationColumns {
  sampleIndices: Float64Array;
  pointers: Float64Array;
  byteLengths: Float64Array;
}

export function encodeAllocationTable(columns: AllocationColumns, count: number): Uint8Array {
  const bytes = new Uint8Array(count * 24);
  const words = new Uint32Array(bytes.buffer);
  for (let index = 0; index < count; index++) {
    writeU64(words, index * 6, columns.sampleIndices[index]!);
    writeU64(words, index * 6 + 2, columns.pointers[index]!);
    writeU64(words, index * 6 + 4, columns.byteLengths[index]!);
  }
  return bytes;
}

function writeU64(words: Uint32Array, wordIndex: number, value: number): void {
  words[wordIndex] = value % 0x1_0000_0000;
  words[wordIndex + 1] = Math.floor(value / 0x1_0000_0000);
}
