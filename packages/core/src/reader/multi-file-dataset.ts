import { ArgumentError, TesseraError } from '../errors.js';
import type { MmapAdvice } from '../io/file-source.js';
import type { DecodeContext, DecoderInstance, FieldPreview, FieldReader, JsonValue, OutputSlot, OutputSpec, PreviewOptions, StreamSpan } from '../registry/plugin-contract.js';
import type { Dataset, DatasetField, DatasetLayout } from './open-dataset.js';
import type { ResolvedManifest, StreamWeight } from './dataset-manifest.js';
import type { Header } from '../spec/header.js';

/** One stream of a dataset of several files: its files' samples, end to end. */
export interface DatasetStream {
  readonly name: string;
  /** the files, as given (paths or URLs) */
  readonly files: readonly string[];
  /** the stream's first sample, as an index of the whole dataset */
  readonly firstSample: number;
  readonly numSamples: number;
  /** the manifest's weight for a mixing loader, undefined when it gives none */
  readonly weight: Readonly<StreamWeight> | undefined;
}

/**
 * Several `.beton` files read as one dataset (`openDataset([...files])` or a manifest): sample
 * indices run through the files in order, stream after stream, exactly as in the file
 * `mergeDatasets` would write from them, and every per-sample call goes to the file that stores
 * the sample. The files must share their schema (field names, types, codecs, plugins and
 * arguments: E_SCHEMA_MISMATCH naming the file and the difference), and each decoder's output must
 * be the same for every file.
 */
export interface MultiFileDataset extends Dataset {
  /** every file, opened, in sample order */
  readonly files: readonly Dataset[];
  /** the first sample of each file (and, last, `numSamples`) */
  readonly fileStarts: readonly number[];
  readonly streams: readonly DatasetStream[];
  /** samplesPerEpoch of the manifest (for `proportion` weights), undefined when it gives none */
  readonly manifestSamplesPerEpoch: number | undefined;
  /** The file holding a sample and the sample's index in it. */
  locate(sampleIndex: number): { file: number; sampleIndex: number };
}

export function isMultiFileDataset(dataset: Dataset): dataset is MultiFileDataset {
  return dataset instanceof FilesDataset;
}

/** Joins opened files (in the manifest's order) into one dataset; takes ownership of them. */
export function joinFiles(files: readonly Dataset[], manifest: ResolvedManifest): MultiFileDataset {
  const first = files[0]!;
  for (let index = 1; index < files.length; index++) checkSameSchema(first, files[index]!);
  return new FilesDataset(files, manifest);
}

/** The schema every file of a multi-file dataset shares: field names in order, type, codec, plugin, arguments. */
function checkSameSchema(first: Dataset, other: Dataset): void {
  const mismatch = (property: string, expected: unknown, actual: unknown) =>
    new TesseraError(
      'E_SCHEMA_MISMATCH',
      `${other.path} differs from ${first.path} in its ${property}: ${JSON.stringify(expected)} there, ${JSON.stringify(actual)} here; files read as one dataset need one schema (the fields, types, codecs and arguments of the first file)`,
    );
  const names = first.fields.map((field) => field.name);
  const otherNames = other.fields.map((field) => field.name);
  if (names.join('\0') !== otherNames.join('\0')) throw mismatch('fields', names, otherNames);
  first.fields.forEach((field, index) => {
    const actual = other.fields[index]!;
    for (const property of ['typeId', 'codecId', 'plugin'] as const) {
      if (field[property] !== actual[property]) throw mismatch(`field "${field.name}" ${property}`, field[property], actual[property]);
    }
    if (JSON.stringify(field.arguments) !== JSON.stringify(actual.arguments)) throw mismatch(`field "${field.name}" arguments`, field.arguments, actual.arguments);
  });
}

class FilesDataset implements MultiFileDataset {
  readonly path: string;
  readonly header: Header;
  readonly numSamples: number;
  readonly fields: readonly DatasetField[];
  readonly layout: DatasetLayout;
  readonly fileStarts: number[] = [0];
  /** the first data page of each file, counted over all files (and, last, the total) */
  private readonly pageStarts: number[] = [0];
  readonly streams: DatasetStream[] = [];
  readonly manifestSamplesPerEpoch: number | undefined;
  readonly sidecars: readonly Dataset[] = [];
  private pages: Int32Array | undefined;
  private readonly lengthCache = new Map<string, Float64Array>();
  private bucketShift = 0;
  private bucketFiles = new Uint32Array(1);

  constructor(
    readonly files: readonly Dataset[],
    manifest: ResolvedManifest,
  ) {
    const first = files[0]!;
    let fileIndex = 0;
    for (const stream of manifest.streams) {
      const firstSample = this.fileStarts[fileIndex]!;
      for (let count = 0; count < stream.files.length; count++, fileIndex++) {
        const file = files[fileIndex]!;
        this.fileStarts.push(this.fileStarts[fileIndex]! + file.numSamples);
        this.pageStarts.push(this.pageStarts[fileIndex]! + file.layout.numPages);
      }
      const weight = stream.proportion === undefined && stream.repeat === undefined && stream.choose === undefined ? undefined : { ...pick(stream) };
      this.streams.push({ name: stream.name, files: stream.files, firstSample, numSamples: this.fileStarts[fileIndex]! - firstSample, weight });
    }
    this.numSamples = this.fileStarts[files.length]!;
    this.buildBuckets();
    this.manifestSamplesPerEpoch = manifest.samplesPerEpoch;
    const allFiles = manifest.streams.flatMap((stream) => stream.files);
    this.path = manifest.manifestPath ?? (allFiles.length === 1 ? allFiles[0]! : `${allFiles[0]} (+${allFiles.length - 1} more file${allFiles.length === 2 ? '' : 's'})`);
    this.header = { ...first.header, numSamples: this.numSamples };
    this.fields = first.fields;
    const sum = (key: 'fileByteLength' | 'numPages' | 'numAllocations' | 'payloadByteLength') => files.reduce((total, file) => total + file.layout[key], 0);
    this.layout = {
      ...first.layout,
      fileByteLength: sum('fileByteLength'),
      numPages: sum('numPages'),
      numAllocations: sum('numAllocations'),
      payloadByteLength: sum('payloadByteLength'),
    };
  }

  get pageSize() {
    return this.files[0]!.pageSize;
  }
  get extension() {
    return undefined;
  }
  get ioMode() {
    return this.files[0]!.ioMode;
  }
  get cacheMode() {
    return this.files[0]!.cacheMode;
  }
  get ioFallbackReason() {
    return this.files[0]!.ioFallbackReason;
  }
  get registry() {
    return this.files[0]!.registry;
  }

  cacheStats() {
    return this.files[0]!.cacheStats();
  }

  remoteStats() {
    const all = this.files.map((file) => file.remoteStats()).filter((stats) => stats !== undefined);
    if (all.length === 0) return undefined;
    const total = { ...all[0]! } as Record<string, unknown>;
    for (const stats of all.slice(1)) {
      for (const [key, value] of Object.entries(stats)) if (typeof value === 'number' && typeof total[key] === 'number') total[key] = (total[key] as number) + value;
    }
    return total as unknown as ReturnType<Dataset['remoteStats']>;
  }

  locate(sampleIndex: number): { file: number; sampleIndex: number } {
    const file = this.fileOf(sampleIndex);
    return { file, sampleIndex: sampleIndex - this.fileStarts[file]! };
  }

  /** The file storing a sample (E_SAMPLE_INDEX outside [0, numSamples)). */
  private fileOf(sampleIndex: number): number {
    if (!(sampleIndex >= 0 && sampleIndex < this.numSamples && Math.floor(sampleIndex) === sampleIndex)) {
      this.files[0]!.assertUnchanged();
      throw new TesseraError('E_SAMPLE_INDEX', `${this.path}: sample ${String(sampleIndex)} is out of range: the ${this.files.length} files hold ${this.numSamples} samples (0 to ${this.numSamples - 1})`);
    }
    const starts = this.fileStarts;
    let file = this.bucketFiles[sampleIndex >>> this.bucketShift]!;
    while (starts[file + 1]! <= sampleIndex) file++;
    return file;
  }

  /**
   * A coarse map from sample to file: bucket b (samples [b·2^shift, (b+1)·2^shift)) holds the file of
   * its first sample, so a lookup steps over at most the files starting inside one bucket (at most
   * 2^20 buckets; buckets no larger than the average file, so a step or two).
   */
  private buildBuckets(): void {
    const files = this.files.length;
    let shift = 0;
    while (this.numSamples >>> shift > MAX_BUCKETS || (shift < 31 && 2 ** (shift + 1) <= this.numSamples / files)) shift++;
    this.bucketShift = shift;
    const buckets = new Uint32Array(Math.max(1, Math.ceil(this.numSamples / 2 ** shift)));
    let file = 0;
    for (let bucket = 0; bucket < buckets.length; bucket++) {
      const first = bucket * 2 ** shift;
      while (this.fileStarts[file + 1]! <= first && file + 1 < files) file++;
      buckets[bucket] = file;
    }
    this.bucketFiles = buckets;
  }

  private checkField(name: string): void {
    if (!this.hasField(name)) this.files[0]!.field(name);
  }

  field(name: string): FieldReader {
    this.checkField(name);
    throw new ArgumentError(
      'field',
      `${this.path} is ${this.files.length} files read as one dataset, which have no single reader of field "${name}": read samples with get/read/createDecoder, or one file's reader through dataset.files[i].field(name) (sample i of the dataset is dataset.locate(i))`,
    );
  }

  hasField(name: string): boolean {
    return this.files[0]!.hasField(name);
  }

  samplePages(): Int32Array {
    if (this.pages !== undefined) return this.pages;
    const pages = new Int32Array(this.numSamples);
    this.files.forEach((file, index) => {
      const own = file.samplePages();
      const offset = this.pageStarts[index]!;
      const start = this.fileStarts[index]!;
      for (let sample = 0; sample < own.length; sample++) pages[start + sample] = own[sample]! < 0 ? -1 : own[sample]! + offset;
    });
    this.pages = pages;
    return pages;
  }

  get(sampleIndex: number, fieldNames?: readonly string[]): Record<string, unknown> {
    const file = this.fileOf(sampleIndex);
    return this.files[file]!.get(sampleIndex - this.fileStarts[file]!, fieldNames);
  }

  read(sampleIndex: number, fieldName: string): unknown {
    const file = this.fileOf(sampleIndex);
    return this.files[file]!.read(sampleIndex - this.fileStarts[file]!, fieldName);
  }

  toJSON(sampleIndex: number, fieldName: string): unknown {
    const file = this.fileOf(sampleIndex);
    return this.files[file]!.toJSON(sampleIndex - this.fileStarts[file]!, fieldName);
  }

  hasLengths(fieldName: string): boolean {
    return this.files[0]!.hasLengths(fieldName);
  }

  lengths(fieldName: string): Float64Array {
    const cached = this.lengthCache.get(fieldName);
    if (cached !== undefined) return cached;
    const lengths = new Float64Array(this.numSamples);
    this.files.forEach((file, index) => {
      lengths.set(file.lengths(fieldName), this.fileStarts[index]!);
    });
    this.lengthCache.set(fieldName, lengths);
    return lengths;
  }

  hasTimeline(fieldName: string): boolean {
    return this.files[0]!.hasTimeline(fieldName);
  }

  timeline(fieldName: string, sampleIndex: number, out?: StreamSpan): StreamSpan | undefined {
    const file = this.fileOf(sampleIndex);
    return this.files[file]!.timeline(fieldName, sampleIndex - this.fileStarts[file]!, out);
  }

  hasAnchors(fieldName: string): boolean {
    return this.files[0]!.hasAnchors(fieldName);
  }

  anchors(fieldName: string, sampleIndex: number, out?: Float64Array): Float64Array {
    const file = this.fileOf(sampleIndex);
    return this.files[file]!.anchors(fieldName, sampleIndex - this.fileStarts[file]!, out);
  }

  /**
   * One decoder per file, behind one that sends each sample to its file's. Every file's decoder
   * must have the same output (E_SCHEMA_MISMATCH otherwise: e.g. ndarrays of other shapes).
   * `context.sampleIndex` stays the dataset's index (the loader seeds random draws from it).
   */
  createDecoder(fieldName: string, decoderName?: string, options?: JsonValue): DecoderInstance {
    const decoders = this.files.map((file) => file.createDecoder(fieldName, decoderName, options));
    const output = commonOutput(fieldName, decoders.map((decoder) => decoder.output), this.files);
    // The lookup of fileOf, inlined (this runs per sample): a valid index goes through the bucket
    // map; anything else takes fileOf's path to its E_SAMPLE_INDEX.
    const starts = this.fileStarts;
    const buckets = this.bucketFiles;
    const shift = this.bucketShift;
    const numSamples = this.numSamples;
    const fileOf = (sampleIndex: number) => this.fileOf(sampleIndex);
    return {
      output,
      ...(decoders[0]!.description === undefined ? {} : { description: decoders[0]!.description }),
      ...(decoders.some((decoder) => decoder.random === true) ? { random: true } : {}),
      decode(sampleIndex: number, slot: OutputSlot, context?: DecodeContext) {
        let file: number;
        if (sampleIndex >= 0 && sampleIndex < numSamples && (sampleIndex | 0) === sampleIndex) {
          file = buckets[sampleIndex >>> shift]!;
          while (starts[file + 1]! <= sampleIndex) file++;
        } else {
          file = fileOf(sampleIndex);
        }
        return decoders[file]!.decode(sampleIndex - starts[file]!, slot, context);
      },
    };
  }

  hasPreview(fieldName: string): boolean {
    return this.files[0]!.hasPreview(fieldName);
  }

  preview(fieldName: string, sampleIndex: number, options?: Partial<PreviewOptions>): Promise<FieldPreview> {
    const file = this.fileOf(sampleIndex);
    return this.files[file]!.preview(fieldName, sampleIndex - this.fileStarts[file]!, options);
  }

  hasStatistics(fieldName: string): boolean {
    return this.files[0]!.hasStatistics(fieldName);
  }

  statistics(fieldName: string, sampleIndex: number): Readonly<Record<string, number>> {
    const file = this.fileOf(sampleIndex);
    return this.files[file]!.statistics(fieldName, sampleIndex - this.fileStarts[file]!);
  }

  /** Every file, or data pages counted over all files (as `samplePages` numbers them). */
  advise(advice: MmapAdvice, firstPage?: number, pageCount = 1): void {
    if (firstPage === undefined) {
      for (const file of this.files) file.advise(advice);
      return;
    }
    const end = firstPage + pageCount;
    this.files.forEach((file, index) => {
      const start = Math.max(firstPage, this.pageStarts[index]!);
      const stop = Math.min(end, this.pageStarts[index + 1]!);
      if (start < stop) file.advise(advice, start - this.pageStarts[index]!, stop - start);
    });
  }

  fileBytes(): Uint8Array {
    throw new ArgumentError('fileBytes', `${this.path} is ${this.files.length} files read as one dataset: read a file's bytes through dataset.files[i].fileBytes`);
  }

  assertUnchanged(): void {
    for (const file of this.files) file.assertUnchanged();
  }

  close(): void {
    for (const file of this.files) file.close();
  }
}

/**
 * The output of every file's decoder: the same dtype, rank and variable dimensions, the same extent
 * in every fixed dimension; a variable dimension gets the largest file's extent (a file of longer
 * values needs longer slots). Anything else is E_SCHEMA_MISMATCH.
 */
function commonOutput(fieldName: string, outputs: readonly OutputSpec[], files: readonly Dataset[]): OutputSpec {
  const first = outputs[0]!;
  const variable = first.variableDims ?? [];
  const shape = [...first.shape];
  outputs.forEach((output, index) => {
    const mismatch = () =>
      new TesseraError(
        'E_SCHEMA_MISMATCH',
        `field "${fieldName}": the decoder's output for ${files[index]!.path} is ${JSON.stringify(output)}, for ${files[0]!.path} ${JSON.stringify(first)}; files read as one dataset must decode to one output (give the decoder options that fix it, e.g. an output size)`,
      );
    if (output.dtype !== first.dtype || output.shape.length !== shape.length || JSON.stringify(output.variableDims ?? []) !== JSON.stringify(variable)) throw mismatch();
    output.shape.forEach((extent, dimension) => {
      if (variable.includes(dimension)) shape[dimension] = Math.max(shape[dimension]!, extent);
      else if (extent !== shape[dimension]) throw mismatch();
    });
  });
  return first.variableDims === undefined ? { dtype: first.dtype, shape } : { dtype: first.dtype, shape, variableDims: first.variableDims };
}

/** at most this many entries in the sample → file map (4 MiB) */
const MAX_BUCKETS = 1 << 20;

function pick(weight: StreamWeight): StreamWeight {
  const result: StreamWeight = {};
  for (const key of ['proportion', 'repeat', 'choose'] as const) if (weight[key] !== undefined) result[key] = weight[key];
  return result;
}
