import { FormatError } from '../errors.js';
import type { StoredColumn } from './stored-columns.js';

/** What the FFCV columns are read from: the metadata table of the open file. */
export interface MetadataTable {
  metadata: DataView;
  metadataStart: number;
  recordByteLength: number;
  columns: readonly StoredColumn[];
}

/**
 * The allocation table of an open file, checked once on first data access (see `ensureValidated`)
 * and then indexed lazily — by pointer (sizes of payloads whose metadata stores only a pointer,
 * like FFCV images) and by sample.
 */
export class AllocationIndex {
  private readonly words: Uint32Array;
  private byPointer: { pointers: Float64Array; byteLengths: Float64Array; samples: Float64Array } | undefined;
  /** rows grouped by sample (in table order inside a sample) */
  private bySample: { starts: Uint32Array; rows: Uint32Array } | undefined;
  private sortedByPointer = true;
  private sortedBySample = true;
  private numSamples = 0;
  private table: MetadataTable | undefined;
  private failure: unknown;

  constructor(
    table: Uint8Array,
    readonly count: number,
    private readonly tableOffset: number,
    private readonly path: string,
  ) {
    const aligned = table.byteOffset % 4 === 0 ? table : new Uint8Array(table);
    this.words = new Uint32Array(aligned.buffer, aligned.byteOffset, count * 6);
  }

  private value(word: number): number {
    return this.words[word + 1]! * 0x1_0000_0000 + this.words[word]!;
  }

  private bounds: { dataStart: number; dataEnd: number } | undefined;
  private total: number | undefined;

  /**
   * Records what entries are checked against: the sample count, the data region and the FFCV
   * columns of the metadata. The check itself runs once, on first data access (`ensureValidated`):
   * opening a 10M-sample file stays a matter of milliseconds.
   */
  configure(numSamples: number, dataStart: number, dataEnd: number, table?: MetadataTable): void {
    this.numSamples = numSamples;
    this.bounds = { dataStart, dataEnd };
    this.table = table;
  }

  /** Total payload bytes (validates the table on first call). */
  get payloadByteLength(): number {
    return this.ensureValidated();
  }

  /**
   * Once, then free: every entry (sample index below num_samples; a non-empty payload inside the
   * data region; in a table sorted by pointer, no two non-empty payloads overlap), then every FFCV
   * column of every sample against that sample's allocations (`checkColumns`). 10M entries: a
   * pass of ~100 ms. Throws the same error on every call once it failed. Returns the payload total.
   */
  ensureValidated(): number {
    if (this.total !== undefined) return this.total;
    if (this.failure !== undefined) throw this.failure;
    try {
      const total = this.validate(this.numSamples, this.bounds!.dataStart, this.bounds!.dataEnd);
      if (this.table !== undefined && this.table.columns.length > 0) this.checkColumns(this.table);
      this.total = total;
    } catch (error) {
      this.failure = error;
      throw error;
    }
    return this.total;
  }

  private validate(numSamples: number, dataStart: number, dataEnd: number): number {
    let total = 0;
    const words = this.words;
    let previousPointer = -1;
    let previousEnd = 0;
    let previousRow = -1;
    let previousSample = 0;
    for (let row = 0, word = 0; row < this.count; row++, word += 6) {
      if (words[word + 1]! > 0x1fffff || words[word + 3]! > 0x1fffff || words[word + 5]! > 0x1fffff) this.fail(row, 'holds a value beyond any file offset');
      const sample = words[word + 1]! * 0x1_0000_0000 + words[word]!;
      const pointer = words[word + 3]! * 0x1_0000_0000 + words[word + 2]!;
      const byteLength = words[word + 5]! * 0x1_0000_0000 + words[word + 4]!;
      if (sample >= numSamples) this.fail(row, `names sample ${sample}, but the file has ${numSamples}`);
      if (byteLength !== 0 && (pointer < dataStart || pointer + byteLength > dataEnd)) {
        this.fail(row, `places ${byteLength} bytes at ${pointer}, outside the data region [${dataStart}, ${dataEnd})`);
      }
      if (pointer < previousPointer) this.sortedByPointer = false;
      if (sample < previousSample) this.sortedBySample = false;
      if (byteLength !== 0) {
        if (this.sortedByPointer && pointer < previousEnd) {
          this.fail(row, `places ${byteLength} bytes at ${pointer}, inside the payload of entry ${previousRow} (which ends at ${previousEnd})`);
        }
        previousEnd = pointer + byteLength;
        previousRow = row;
      }
      previousPointer = pointer;
      previousSample = sample;
      total += byteLength;
    }
    return total;
  }

  /**
   * Every FFCV column's (pointer, size) of every sample must be an allocation of that sample, each
   * allocation used once: exact pointer, and the size the record implies (its size column, the
   * array's shape × item size, a raw image's width × height × 3; a JPEG's size is the allocation's).
   * Zero-length values may carry any pointer (FFCV gives them the bump pointer).
   */
  private checkColumns(table: MetadataTable): void {
    const words = this.words;
    const { metadata, recordByteLength, columns } = table;
    let order: Uint32Array | undefined;
    let starts: Uint32Array | undefined;
    if (!this.sortedBySample) {
      const index = (this.bySample ??= this.buildBySample());
      order = index.rows;
      starts = index.starts;
    }
    let used = new Uint8Array(16);
    let position = 0;
    for (let sample = 0; sample < this.numSamples; sample++) {
      // Rows [first, end) of `order` (or of the table, when it is in sample order) belong to `sample`.
      const first = position;
      if (starts === undefined) {
        while (position < this.count && this.value(position * 6) === sample) position++;
      } else {
        position = starts[sample + 1]!;
      }
      const end = position;
      if (end - first > used.length) used = new Uint8Array(end - first);
      else used.fill(0, 0, end - first);
      const record = sample * recordByteLength;
      for (let columnIndex = 0; columnIndex < columns.length; columnIndex++) {
        const column = columns[columnIndex]!;
        const offset = record + column.columnOffset;
        const pointerOffset = column.kind === 'image' ? offset + 5 : offset;
        const pointerLow = metadata.getUint32(pointerOffset, true);
        const pointerHigh = metadata.getUint32(pointerOffset + 4, true);
        const pointer = pointerHigh * 0x1_0000_0000 + pointerLow;
        let byteLength = column.byteLength;
        if (column.kind === 'pointer-size') {
          byteLength = metadata.getUint32(offset + 12, true) * 0x1_0000_0000 + metadata.getUint32(offset + 8, true);
        } else if (column.kind === 'image') {
          byteLength = metadata.getUint8(offset) === 1 ? metadata.getUint16(offset + 1, true) * metadata.getUint16(offset + 3, true) * 3 : -1;
        }
        let match = -1;
        let fallback = -1;
        for (let at = first; at < end; at++) {
          if (used[at - first] === 1) continue;
          const word = (order === undefined ? at : order[at]!) * 6;
          const rowByteLength = words[word + 5]! * 0x1_0000_0000 + words[word + 4]!;
          if (byteLength === 0) {
            if (rowByteLength === 0) {
              match = at;
              break;
            }
            continue;
          }
          if (words[word + 2] !== pointerLow || words[word + 3] !== pointerHigh) continue;
          if (byteLength === -1) {
            if (rowByteLength > 0) {
              match = at;
              break;
            }
            if (fallback === -1) fallback = at;
          } else if (rowByteLength === byteLength) {
            match = at;
            break;
          }
        }
        if (match === -1) match = fallback;
        if (match === -1) this.columnMismatch(table, column, sample, pointer, byteLength, first, end, order);
        used[match - first] = 1;
      }
    }
  }

  private columnMismatch(
    table: MetadataTable,
    column: StoredColumn,
    sample: number,
    pointer: number,
    byteLength: number,
    first: number,
    end: number,
    order: Uint32Array | undefined,
  ): never {
    const offset = sample * table.recordByteLength + column.columnOffset;
    const declared = byteLength === -1 ? `a payload at ${pointer}` : `${byteLength} bytes at ${pointer} (${column.kind === 'image' ? 'a raw image: width × height × 3' : column.sizeSource})`;
    let problem: string;
    let atPointer: number | undefined;
    for (let at = first; at < end; at++) {
      const word = (order === undefined ? at : order[at]!) * 6;
      if (this.value(word + 2) === pointer) atPointer = this.value(word + 4);
    }
    if (atPointer !== undefined) {
      problem = `but the allocation of sample ${sample} there holds ${atPointer} bytes${column.kind === 'image' && byteLength !== -1 ? ' (a JPEG flagged raw, or a changed width or height?)' : ''}`;
    } else {
      const owners: number[] = [];
      for (let row = 0; row < this.count && owners.length < 3; row++) if (this.value(row * 6 + 2) === pointer && this.value(row * 6 + 4) > 0) owners.push(this.value(row * 6));
      problem =
        owners.length > 0
          ? `but that allocation belongs to sample ${owners.join(', ')}, not ${sample}`
          : `but no allocation of sample ${sample} starts there`;
    }
    throw new FormatError(
      'E_METADATA',
      `field "${column.field}" of sample ${sample} declares ${declared}, ${problem}: the metadata record or the allocation table is damaged`,
      { path: this.path, fileOffset: table.metadataStart + offset },
    );
  }

  private fail(row: number, problem: string): never {
    throw new FormatError('E_ALLOCATION_TABLE', `allocation table entry ${row} ${problem}`, {
      path: this.path,
      fileOffset: this.tableOffset + row * 24,
    });
  }

  /** Size of the allocation starting at `pointer` (preferring `sampleIndex` and non-empty ones). */
  byteLengthAt(pointer: number, sampleIndex?: number): number | undefined {
    this.ensureValidated();
    const index = (this.byPointer ??= this.buildByPointer());
    const { pointers, byteLengths, samples } = index;
    let low = 0;
    let high = pointers.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (pointers[middle]! < pointer) low = middle + 1;
      else high = middle;
    }
    let fallback: number | undefined;
    for (let row = low; row < pointers.length && pointers[row] === pointer; row++) {
      if (sampleIndex !== undefined && samples[row] !== sampleIndex) continue;
      if (byteLengths[row]! > 0) return byteLengths[row];
      fallback ??= byteLengths[row];
    }
    return fallback;
  }

  /** [pointer, byteLength] of every allocation of a sample, in pointer order. */
  ofSample(sampleIndex: number): Array<[number, number]> {
    this.ensureValidated();
    const index = (this.bySample ??= this.buildBySample());
    const result: Array<[number, number]> = [];
    for (let position = index.starts[sampleIndex]!; position < index.starts[sampleIndex + 1]!; position++) {
      const word = index.rows[position]! * 6;
      result.push([this.value(word + 2), this.value(word + 4)]);
    }
    // Stable: entries sharing a pointer (empty ones) stay in table order.
    return result.sort((a, b) => a[0] - b[0]);
  }

  /** Page of each sample's first non-empty payload, relative to `dataStart`; -1 for samples without one. */
  firstPages(numSamples: number, dataStart: number, pageSize: number): Int32Array {
    this.ensureValidated();
    const first = new Float64Array(numSamples).fill(Number.POSITIVE_INFINITY);
    for (let row = 0, word = 0; row < this.count; row++, word += 6) {
      if (this.words[word + 4] === 0 && this.words[word + 5] === 0) continue;
      const sample = this.value(word);
      const pointer = this.value(word + 2);
      if (pointer < first[sample]!) first[sample] = pointer;
    }
    const pages = new Int32Array(numSamples);
    for (let sample = 0; sample < numSamples; sample++) {
      const pointer = first[sample]!;
      pages[sample] = pointer === Number.POSITIVE_INFINITY ? -1 : Math.floor((pointer - dataStart) / pageSize);
    }
    return pages;
  }

  private buildByPointer() {
    const count = this.count;
    const pointers = new Float64Array(count);
    const byteLengths = new Float64Array(count);
    const samples = new Float64Array(count);
    let order: Uint32Array | undefined;
    if (!this.sortedByPointer) {
      const keys = new Float64Array(count);
      for (let row = 0; row < count; row++) keys[row] = this.value(row * 6 + 2);
      order = new Uint32Array(count);
      for (let row = 0; row < count; row++) order[row] = row;
      order.sort((a, b) => keys[a]! - keys[b]! || a - b);
    }
    for (let position = 0; position < count; position++) {
      const word = (order === undefined ? position : order[position]!) * 6;
      samples[position] = this.value(word);
      pointers[position] = this.value(word + 2);
      byteLengths[position] = this.value(word + 4);
    }
    return { pointers, byteLengths, samples };
  }

  private buildBySample() {
    const count = this.count;
    const starts = new Uint32Array(this.numSamples + 1);
    for (let row = 0; row < count; row++) starts[this.value(row * 6) + 1]! += 1;
    for (let sample = 0; sample < this.numSamples; sample++) starts[sample + 1]! += starts[sample]!;
    const fill = starts.slice(0, this.numSamples);
    const rows = new Uint32Array(count);
    for (let row = 0; row < count; row++) rows[fill[this.value(row * 6)]!++] = row;
    return { starts, rows };
  }
}
