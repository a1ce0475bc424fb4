import { FormatError } from '../errors.js';

/**
 * The allocation table of an open file: validated once at open, then indexed lazily — by pointer
 * (sizes of payloads whose metadata stores only a pointer, like FFCV images) and by sample.
 */
export class AllocationIndex {
  private readonly words: Uint32Array;
  private byPointer: { pointers: Float64Array; byteLengths: Float64Array; samples: Float64Array } | undefined;
  private bySample: { starts: Uint32Array; rows: Uint32Array } | undefined;
  private sortedByPointer = true;
  private numSamples = 0;

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
   * Records what entries are checked against. The check itself, a pass over every entry (10M
   * entries: ~70 ms), runs on first use of the index: reading samples through their metadata never
   * needs the table, and every read is bounds-checked anyway.
   */
  configure(numSamples: number, dataStart: number, dataEnd: number): void {
    this.numSamples = numSamples;
    this.bounds = { dataStart, dataEnd };
  }

  /** Total payload bytes (validates the table on first call). */
  get payloadByteLength(): number {
    return this.ensureValidated();
  }

  private ensureValidated(): number {
    this.total ??= this.validate(this.numSamples, this.bounds!.dataStart, this.bounds!.dataEnd);
    return this.total;
  }

  /** Every entry: sample < numSamples; non-empty payloads inside [dataStart, dataEnd). Returns the total payload size. */
  private validate(numSamples: number, dataStart: number, dataEnd: number): number {
    let total = 0;
    const words = this.words;
    let previousPointer = -1;
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
      previousPointer = pointer;
      total += byteLength;
    }
    return total;
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
    return result;
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
    for (let sample = 0; sample < this.numSamples; sample++) {
      const segment = rows.subarray(starts[sample]!, starts[sample + 1]!);
      if (segment.length > 1) segment.sort((a, b) => this.value(a * 6 + 2) - this.value(b * 6 + 2) || a - b);
    }
    return { starts, rows };
  }
}
