import type { Dataset } from './open-dataset.js';

const ENTRY_BYTE_LENGTH = 24;
const ENTRIES_PER_READ = 1 << 16;

export interface FfcvLoaderSafety {
  /** true when FFCV's Loader reads every value of the file correctly */
  safe: boolean;
  /** one sentence per kind of problem, with the count and the first sample */
  problems: string[];
}

/**
 * Whether FFCV's Loader (not only its Reader, which reads every valid file) returns the stored bytes
 * for every value, judged from the allocation table. The Loader misreads two layouts:
 * - a value that crosses a page boundary (a sample larger than a page, or spanning two): with
 *   `os_cache=False` the Loader reads only the value's first page and returns garbage after it;
 * - an empty value whose pointer equals a non-empty value's pointer: the Loader looks sizes up by
 *   pointer and may give the non-empty value size 0.
 * Files written with `compatibility: 'ffcv'` never have either.
 */
export function ffcvLoaderSafety(dataset: Dataset): FfcvLoaderSafety {
  const { allocationTableOffset, numAllocations, dataStart } = dataset.layout;
  const pageSize = dataset.pageSize;
  const nonEmptyPointers = new Float64Array(numAllocations);
  const emptyPointers: number[] = [];
  const emptySamples: number[] = [];
  let nonEmptyCount = 0;
  let crossing = 0;
  let firstCrossing: { sample: number; byteLength: number } | undefined;

  for (let first = 0; first < numAllocations; first += ENTRIES_PER_READ) {
    const count = Math.min(ENTRIES_PER_READ, numAllocations - first);
    const bytes = dataset.fileBytes(allocationTableOffset + first * ENTRY_BYTE_LENGTH, count * ENTRY_BYTE_LENGTH);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let index = 0; index < count; index++) {
      const sample = readU64(view, index * ENTRY_BYTE_LENGTH);
      const pointer = readU64(view, index * ENTRY_BYTE_LENGTH + 8);
      const byteLength = readU64(view, index * ENTRY_BYTE_LENGTH + 16);
      if (byteLength === 0) {
        emptyPointers.push(pointer);
        emptySamples.push(sample);
        continue;
      }
      nonEmptyPointers[nonEmptyCount++] = pointer;
      const inPage = (pointer - dataStart) % pageSize;
      if (inPage + byteLength > pageSize) {
        crossing += 1;
        if (firstCrossing === undefined || sample < firstCrossing.sample) firstCrossing = { sample, byteLength };
      }
    }
  }

  const problems: string[] = [];
  if (firstCrossing !== undefined) {
    problems.push(
      `${crossing} value${crossing === 1 ? '' : 's'} cross${crossing === 1 ? 'es' : ''} a page boundary (first: sample ${firstCrossing.sample}, ${firstCrossing.byteLength} bytes, page size ${pageSize}); FFCV's Loader reads only the first page of a value`,
    );
  }
  const sorted = nonEmptyPointers.subarray(0, nonEmptyCount).sort();
  let shared = 0;
  let firstShared: number | undefined;
  for (let index = 0; index < emptyPointers.length; index++) {
    if (contains(sorted, emptyPointers[index]!)) {
      shared += 1;
      if (firstShared === undefined || emptySamples[index]! < firstShared) firstShared = emptySamples[index]!;
    }
  }
  if (firstShared !== undefined) {
    problems.push(
      `${shared} empty value${shared === 1 ? '' : 's'} share${shared === 1 ? 's' : ''} a pointer with a non-empty value (first: sample ${firstShared}); FFCV's Loader may read that value as empty`,
    );
  }
  return { safe: problems.length === 0, problems };
}

function readU64(view: DataView, offset: number): number {
  return view.getUint32(offset + 4, true) * 0x1_0000_0000 + view.getUint32(offset, true);
}

function contains(sorted: Float64Array, value: number): boolean {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! < value) low = middle + 1;
    else high = middle;
  }
  return low < sorted.length && sorted[low] === value;
}
