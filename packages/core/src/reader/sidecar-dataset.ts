import { ArgumentError, TesseraError } from '../errors.js';
import type { MmapAdvice } from '../io/file-source.js';
import type { DecoderInstance, FieldPreview, FieldReader, JsonValue, PreviewOptions, StreamSpan } from '../registry/plugin-contract.js';
import type { Dataset, DatasetField } from './open-dataset.js';
import { checkSidecarBase } from './sidecar-identity.js';

/**
 * A base file and its sidecar files read as one dataset: the sidecars' fields are listed after the
 * base's (each with its `sidecar` path) and every per-field call goes to the file that stores the
 * field, at the same sample index. Header, layout, pages, `fileBytes` and the traversal's page
 * order are the base's; `assertUnchanged` and `close` cover every file.
 *
 * Takes ownership of all the datasets (closing the join closes them). Checks each sidecar against
 * the base first (E_SIDECAR_MISMATCH) and that no field name is stored twice (E_ARGUMENT).
 */
export function joinSidecars(base: Dataset, sidecars: readonly Dataset[]): Dataset {
  const owners = new Map<string, Dataset>();
  for (const field of base.fields) owners.set(field.name, base);
  for (const sidecar of sidecars) {
    checkSidecarBase(base, sidecar);
    for (const field of sidecar.fields) {
      const owner = owners.get(field.name);
      if (owner !== undefined) {
        throw new ArgumentError(
          'sidecars',
          `field "${field.name}" is stored in both ${owner.path} and ${sidecar.path}; a joined dataset names each field once: open one of them, or write the sidecar with another field name`,
        );
      }
      owners.set(field.name, sidecar);
    }
  }
  const joined = new JoinedDataset(base, sidecars, owners);
  // A codec's `reader.otherField(name)` sees every field of the join, whichever file stores it.
  for (const dataset of [base, ...sidecars]) setFieldScope(dataset, (name) => joined.field(name));
  return joined;
}

/** The hook OpenDataset reads in `FieldReader.otherField` (see open-dataset.ts). */
function setFieldScope(dataset: Dataset, scope: (name: string) => FieldReader): void {
  (dataset as { fieldScope?: (name: string) => FieldReader }).fieldScope = scope;
}

class JoinedDataset implements Dataset {
  readonly fields: readonly DatasetField[];

  constructor(
    private readonly base: Dataset,
    readonly sidecars: readonly Dataset[],
    private readonly owners: ReadonlyMap<string, Dataset>,
  ) {
    this.fields = [...base.fields, ...sidecars.flatMap((sidecar) => sidecar.fields.map((field) => ({ ...field, sidecar: sidecar.path })))];
  }

  get path() {
    return this.base.path;
  }
  get header() {
    return this.base.header;
  }
  get numSamples() {
    return this.base.numSamples;
  }
  get pageSize() {
    return this.base.pageSize;
  }
  get layout() {
    return this.base.layout;
  }
  get extension() {
    return this.base.extension;
  }
  get ioMode() {
    return this.base.ioMode;
  }
  get cacheMode() {
    return this.base.cacheMode;
  }
  get ioFallbackReason() {
    return this.base.ioFallbackReason;
  }
  get registry() {
    return this.base.registry;
  }

  remoteStats() {
    return this.base.remoteStats();
  }

  cacheStats() {
    return this.base.cacheStats();
  }

  /** The file storing a field; an unknown name is E_UNKNOWN_FIELD listing every field of the join (E_CLOSED once closed). */
  private ownerOf(name: string): Dataset {
    const owner = this.owners.get(name);
    if (owner !== undefined) return owner;
    this.base.assertUnchanged();
    throw unknownField(this, name);
  }

  field(name: string): FieldReader {
    return this.ownerOf(name).field(name);
  }

  hasField(name: string): boolean {
    return this.owners.has(name);
  }

  samplePages(): Int32Array {
    return this.base.samplePages();
  }

  get(sampleIndex: number, fieldNames?: readonly string[]): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    for (const name of fieldNames ?? this.fields.map((field) => field.name)) {
        result[name] = this.owners.get(name)!.read(sampleIndex, name);
    }
    return result;
  }

  read(sampleIndex: number, fieldName: string): unknown {
    return this.ownerOf(fieldName).read(sampleIndex, fieldName);
  }

  toJSON(sampleIndex: number, fieldName: string): unknown {
    return this.ownerOf(fieldName).toJSON(sampleIndex, fieldName);
  }

  hasLengths(fieldName: string): boolean {
    return this.ownerOf(fieldName).hasLengths(fieldName);
  }

  lengths(fieldName: string): Float64Array {
    return this.ownerOf(fieldName).lengths(fieldName);
  }

  hasTimeline(fieldName: string): boolean {
    return this.ownerOf(fieldName).hasTimeline(fieldName);
  }

  timeline(fieldName: string, sampleIndex: number, out?: StreamSpan): StreamSpan | undefined {
    return this.ownerOf(fieldName).timeline(fieldName, sampleIndex, out);
  }

  hasAnchors(fieldName: string): boolean {
    return this.ownerOf(fieldName).hasAnchors(fieldName);
  }

  anchors(fieldName: string, sampleIndex: number, out?: Float64Array): Float64Array {
    return this.ownerOf(fieldName).anchors(fieldName, sampleIndex, out);
  }

  createDecoder(fieldName: string, decoderName?: string, options?: JsonValue): DecoderInstance {
    return this.ownerOf(fieldName).createDecoder(fieldName, decoderName, options);
  }

  hasPreview(fieldName: string): boolean {
    return this.ownerOf(fieldName).hasPreview(fieldName);
  }

  preview(fieldName: string, sampleIndex: number, options?: Partial<PreviewOptions>): Promise<FieldPreview> {
    return this.ownerOf(fieldName).preview(fieldName, sampleIndex, options);
  }

  hasStatistics(fieldName: string): boolean {
    return this.ownerOf(fieldName).hasStatistics(fieldName);
  }

  statistics(fieldName: string, sampleIndex: number): Readonly<Record<string, number>> {
    return this.ownerOf(fieldName).statistics(fieldName, sampleIndex);
  }

  /** The whole of every file, or data pages of the base (page numbers are the base's). */
  advise(advice: MmapAdvice, firstPage?: number, pageCount?: number): void {
    if (firstPage !== undefined) {
      this.base.advise(advice, firstPage, pageCount);
      return;
    }
    for (const dataset of [this.base, ...this.sidecars]) dataset.advise(advice);
  }

  fileBytes(offset: number, byteLength: number): Uint8Array {
    return this.base.fileBytes(offset, byteLength);
  }

  assertUnchanged(): void {
    this.base.assertUnchanged();
    for (const sidecar of this.sidecars) sidecar.assertUnchanged();
  }

  close(): void {
    for (const dataset of [this.base, ...this.sidecars]) dataset.close();
  }
}

function unknownField(dataset: JoinedDataset, name: string): TesseraError {
  const sidecars = dataset.sidecars.map((sidecar) => sidecar.path).join(', ');
  return new TesseraError(
    'E_UNKNOWN_FIELD',
    `${dataset.path} with sidecar${dataset.sidecars.length === 1 ? '' : 's'} ${sidecars} has no field "${name}"; its fields are ${dataset.fields.map((field) => `"${field.name}"`).join(', ')}`,
  );
}
