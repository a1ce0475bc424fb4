import { createHash } from 'node:crypto';
import { FormatError, PluginError, TesseraError, wrapPluginError } from '../errors.js';
import { corePlugin } from '../fields/core-plugin.js';
import { type FileSource, type FileSourceOptions, type MmapAdvice, openFileSource } from '../io/file-source.js';
import { sameFile } from '../io/file-identity.js';
import { type PageCacheSource, type PageCacheStats, openPageCacheSource } from '../io/page-cache-source.js';
import { checkDecoderOptions } from '../registry/decoder-options.js';
import type { DecoderInstance, FieldCodec, FieldPreview, FieldReader, JsonValue, PreviewOptions, RegisteredCodecRef, StreamSpan, TesseraPlugin } from '../registry/plugin-contract.js';
import { checkPreview, checkStatistics, previewOptions } from './field-preview.js';
import { type Registry, createRegistry, isCompatibleVersion } from '../registry/registry.js';
import { ALLOCATION_ENTRY_BYTE_LENGTH, FIELD_DESCRIPTOR_BYTE_LENGTH, HEADER_BYTE_LENGTH, TYPE_ID } from '../spec/constants.js';
import {
  EXTENSION_FOOTER_BYTE_LENGTH,
  EXTENSION_MAGIC,
  type ExtensionBlock,
  damagedFooterEvidence,
  decodeExtensionFooter,
  decodeExtensionJson,
} from '../spec/extension-block.js';
import { decodeFieldDescriptor, descriptorOffset } from '../spec/field-descriptor.js';
import { type Header, decodeHeader } from '../spec/header.js';
import { assertLittleEndianHost } from '../spec/host.js';
import { alignUp, computeRecordLayout } from '../spec/metadata-layout.js';
import { type PluginFieldIdentity, decodePluginArguments } from '../spec/plugin-arguments.js';
import { OPTIONAL_CODEC_ID, type OptionalArguments, createOptionalCodec } from '../fields/optional-field.js';
import { AllocationIndex } from './allocation-index.js';
import { toTesseraError } from './io-errors.js';
import { type RemoteOptions, type ResolvedRemote, openRemoteSource, referenceOf, remoteProviderFor, resolveRemoteSettings } from './remote-options.js';
import { type ByteSourceProvider, isRemoteLocation } from '../io/byte-source.js';
import { RemoteFileSource, type RemoteSourceStats } from '../io/remote-file-source.js';
import { storedColumnsOf } from './stored-columns.js';
import { joinSidecars } from './sidecar-dataset.js';
import { type DatasetSource, type ResolvedManifest, manifestOf } from './dataset-manifest.js';
import { type MultiFileDataset, joinFiles } from './multi-file-dataset.js';

export interface OpenOptions {
  /** Plugins for fields beyond FFCV's (type id 255) or to replace core codecs (e.g. @tessera/image for type id 2). */
  plugins?: readonly TesseraPlugin[];
  /** 'auto' (default) maps the file when the mmap binding loads, else reads with pread. */
  mmap?: FileSourceOptions['mmap'];
  /**
   * 'os' (default): reads go through the OS page cache (mmap, or pread). 'process': header and
   * tables are read once with pread, data pages through a bounded in-process pool with read-ahead
   * (network filesystems, files larger than RAM); `mmap` is then ignored and views are copies.
   */
  cache?: 'os' | 'process';
  /** Pool size in bytes for cache: 'process' (default 256 MiB, at least two pages). */
  cacheBytes?: number;
  /** Decoders write into SharedArrayBuffer memory (decode workers): see FileSourceOptions.sharedTargets. */
  sharedTargets?: boolean;
  /**
   * Sidecar files (written by `writeSidecar` for this file) whose fields join the dataset's by
   * sample index: `fields` lists them after the file's own (with their `sidecar` path) and every
   * per-field call reads the file that stores the field. Each is opened with the same options and
   * checked against this file (E_SIDECAR_MISMATCH naming both files and what differs).
   */
  sidecars?: readonly string[];
  /**
   * 'open' (default): every field's codec checks every sample's metadata against the file as it
   * opens (the `validate` hooks: a corrupt pointer is a precise E_METADATA before any read), a pass
   * over the whole metadata table (~35 ms per million samples of a bytes field). 'lazy': not at
   * open, for tools that look at a few samples of a large file (`tessera view`): reads stay
   * bounds-checked (a corrupt pointer is E_ALLOCATION_OUT_OF_BOUNDS, or the codec's error, when that
   * sample is read), the allocation table's own structure is still checked on first data access
   * (but not every record's FFCV columns against it), and `verifyDataset` still validates everything.
   */
  validateFields?: 'open' | 'lazy';
  /**
   * Byte-source providers for remote locations (e.g. `[s3()]` from @tessera/s3); core's own
   * http(s) provider is always available.
   */
  byteSources?: readonly ByteSourceProvider[];
  /** Cache, read-ahead and retry settings for remote locations (`https://…`, `s3://…`). */
  remote?: RemoteOptions;
}

export interface DatasetField {
  name: string;
  index: number;
  typeId: number;
  codecId: string;
  plugin: string;
  /** version recorded in the file for plugin fields; the installed version for FFCV fields */
  pluginVersion: string;
  arguments: JsonValue;
  /** offset of this field's column inside a record */
  columnOffset: number;
  metadataByteLength: number;
  /** the sidecar file storing this field (opened with `sidecars`); undefined for the file's own fields. `index` and `columnOffset` are then the sidecar's. */
  sidecar?: string;
}

export interface DatasetLayout {
  fileByteLength: number;
  metadataStart: number;
  recordByteLength: number;
  dataStart: number;
  dataEnd: number;
  numPages: number;
  allocationTableOffset: number;
  numAllocations: number;
  /** sum of the allocation table's sizes: the payload bytes stored in the pages */
  payloadByteLength: number;
  extensionOffset: number | undefined;
}

/**
 * An open `.beton` file. Everything returned as a Uint8Array view points into the file mapping and
 * stays valid until `close()`; copy what you keep longer.
 */
export interface Dataset {
  readonly path: string;
  readonly header: Header;
  readonly numSamples: number;
  readonly pageSize: number;
  readonly fields: readonly DatasetField[];
  readonly layout: DatasetLayout;
  /** Tessera's extension block (schema, checksums), absent in files written by FFCV. */
  readonly extension: ExtensionBlock | undefined;
  /** The sidecar files opened with this one (`sidecars`), each a Dataset of its own fields; empty otherwise. */
  readonly sidecars: readonly Dataset[];
  /** 'mmap' (zero-copy) or 'pread' (the fallback, or cache: 'process'); `ioFallbackReason` says why. */
  readonly ioMode: 'mmap' | 'pread';
  readonly cacheMode: 'os' | 'process';
  /** Counters of the in-process page cache (cache: 'process'), undefined otherwise. */
  cacheStats(): PageCacheStats | undefined;
  /** Counters of a remote dataset (requests, bytes fetched, cache hits, time waiting), undefined for local files. */
  remoteStats(): RemoteSourceStats | undefined;
  readonly ioFallbackReason: string | undefined;
  readonly registry: Registry;
  /** Read access to a field (throws E_UNKNOWN_FIELD naming the fields that exist). */
  field(name: string): FieldReader;
  hasField(name: string): boolean;
  /** Page (counted from the data region) of each sample's first payload, -1 when it has none; computed once. */
  samplePages(): Int32Array;
  /** Every field's stored value for a sample (codec `read`). */
  get(sampleIndex: number, fieldNames?: readonly string[]): Record<string, unknown>;
  read(sampleIndex: number, fieldName: string): unknown;
  /** The dump rendering of a value (binary payloads as `{ byteLength, sha256 }`). */
  toJSON(sampleIndex: number, fieldName: string): unknown;
  /** Whether a field's codec reports per-sample lengths (has a `length` hook). */
  hasLengths(fieldName: string): boolean;
  /**
   * Every sample's length in the field's unit (frames, audio samples, tokens…; the codec's `length`),
   * read from the metadata once and cached: the same array on every call, do not modify it.
   * E_ARGUMENT when the field's codec has no lengths.
   */
  lengths(fieldName: string): Float64Array;
  /** Whether a field's codec places its streams on a time axis (has a `timeline` hook). */
  hasTimeline(fieldName: string): boolean;
  /**
   * Where a sample's stream of a field lies on the sample's time axis, in seconds (the codec's
   * `timeline`), written into `out` (a new object without it); undefined when the sample has no
   * such stream. E_ARGUMENT when the field has no time axis.
   */
  timeline(fieldName: string, sampleIndex: number, out?: StreamSpan): StreamSpan | undefined;
  /** Whether a field's codec has labelled spans on the time axis (an `anchors` hook). */
  hasAnchors(fieldName: string): boolean;
  /**
   * A sample's spans of a field as [start, end) seconds pairs (the codec's `anchors`): a view of
   * `out` when it has room, else a new array. E_ARGUMENT when the field has no spans.
   */
  anchors(fieldName: string, sampleIndex: number, out?: Float64Array): Float64Array;
  /** Sets up a decoder (the field's default unless named) with JSON options. */
  createDecoder(fieldName: string, decoderName?: string, options?: JsonValue): DecoderInstance;
  /** Whether a field's codec has a `preview` hook (without one, `preview` gives the `toJSON` value). */
  hasPreview(fieldName: string): boolean;
  /**
   * What a viewer shows for a sample's value of a field (the codec's `preview`, checked against the
   * contract), or `{ kind: 'json', value: toJSON() }` when the codec has none.
   */
  preview(fieldName: string, sampleIndex: number, options?: Partial<PreviewOptions>): Promise<FieldPreview>;
  /** Whether a field's codec has per-sample `statistics`. */
  hasStatistics(fieldName: string): boolean;
  /** A sample's statistics of a field (the codec's `statistics`, checked). E_ARGUMENT when it has none. */
  statistics(fieldName: string, sampleIndex: number): Readonly<Record<string, number>>;
  /** madvise over the whole file, or over data pages [firstPage, firstPage + pageCount) (no-op without mmap). */
  advise(advice: MmapAdvice, firstPage?: number, pageCount?: number): void;
  /** Bytes of the file as stored (bounds-checked, zero-copy with mmap): for tools such as verify. */
  fileBytes(offset: number, byteLength: number): Uint8Array;
  /**
   * E_IO when the file was changed in place since it was opened — truncated, rewritten, `cp` over
   * it — compared by one fstat of the open descriptor (size and modification time; about 1 µs).
   * `get`, `read`, `toJSON` and `fileBytes` call it on every call; the loader once per batch. Code
   * that runs decoders from `createDecoder` itself should call it once per batch of samples.
   */
  assertUnchanged(): void;
  close(): void;
}

/**
 * Opens a `.beton` file: validates the header, descriptors, extension block, allocation table and
 * every field's metadata against the file size before any data is read, so corrupt or hostile input
 * fails here with a typed error instead of a crash or an out-of-bounds read later.
 */
export function openDataset(path: string, options?: OpenOptions): Dataset;
/**
 * Several files as one dataset: an array of paths (one stream, the files end to end), a manifest
 * object (`{ files }` or `{ streams: [{ name, files, proportion | repeat | choose }] }`) or a
 * manifest file (`*.json`, paths relative to it). See MultiFileDataset; a loader over it mixes
 * the streams (see the loader's `mix` option).
 */
export function openDataset(source: DatasetSource, options?: OpenOptions): Dataset;
export function openDataset(path: DatasetSource, options: OpenOptions = {}): Dataset {
  assertLittleEndianHost();
  const manifest = manifestOf(path);
  if (manifest !== undefined) return openFiles(manifest, options);
  if (typeof path !== 'string') throw new TesseraError('E_INTERNAL', 'a dataset source that is neither a path nor a manifest');
  if (options.sidecars !== undefined) return openWithSidecars(path, options);
  if (typeof path === 'string' && isRemoteLocation(path)) return openRemoteDataset(path, options);
  const processCache = options.cache === 'process';
  if (options.cache !== undefined && options.cache !== 'os' && !processCache) {
    throw new TesseraError('E_ARGUMENT', `cache: must be 'os' or 'process', got ${JSON.stringify(options.cache)}`);
  }
  let source: FileSource;
  try {
    source = openFileSource(path, { mmap: processCache ? 'off' : (options.mmap ?? 'auto'), sharedTargets: options.sharedTargets });
  } catch (error) {
    throw toTesseraError(error, path);
  }
  let dataset: OpenDataset;
  try {
    dataset = new OpenDataset(path, source, options);
  } catch (error) {
    source.close();
    throw toTesseraError(error, path);
  }
  if (!processCache) return dataset;
  // The data region is known only once the tables are parsed (read with pread into their own buffers).
  try {
    const { dataStart, dataEnd, fileByteLength } = dataset.layout;
    const cached = openPageCacheSource(path, { pageSize: dataset.pageSize, dataStart, dataEnd, maxBytes: options.cacheBytes });
    if (!sameFile(cached.identity, dataset.source.identity)) {
      cached.close();
      throw new TesseraError(
        'E_IO',
        `${path} was replaced or changed while it was being opened (${fileByteLength} → ${cached.byteLength} bytes): open it again once no other program writes it`,
      );
    }
    dataset.replaceSource(cached);
  } catch (error) {
    dataset.close();
    throw toTesseraError(error, path);
  }
  return dataset;
}

/**
 * A remote dataset: the same reader over a RemoteFileSource. `internal` carries what a decode worker
 * gets from its loader (the provider reference, the resolved settings, the identity, shared counters).
 */
export function openRemoteDataset(url: string, options: OpenOptions, internal?: Omit<ResolvedRemote, 'url'>): Dataset {
  let source: RemoteFileSource;
  let resolved: Omit<ResolvedRemote, 'url'>;
  try {
    if (internal !== undefined) {
      resolved = internal;
      source = openRemoteSource(url, undefined, resolved);
    } else {
      const provider = remoteProviderFor(url, options.byteSources, options.remote);
      const { settings, readAhead } = resolveRemoteSettings(options.remote);
      source = openRemoteSource(url, provider, { provider: referenceOf(provider), settings, readAhead });
      resolved = { provider: referenceOf(provider), settings, readAhead, identity: source.remoteIdentity, counters: source.counters.buffer };
    }
  } catch (error) {
    throw toTesseraError(error, url);
  }
  try {
    // Decode workers open what their loader opened: only a first open waits for other openers.
    const open = () => new OpenDataset(source.path, source, options);
    const dataset = internal === undefined ? source.openExclusively(open) : open();
    dataset.remote = { ...resolved, url };
    return dataset;
  } catch (error) {
    source.close();
    throw toTesseraError(error, url);
  }
}

/** What the loader needs of a remote dataset: the settings workers open it with, and the source it warms. */
export interface RemoteHandle {
  resolved: ResolvedRemote;
  source: RemoteFileSource;
  /** [offset, byteLength] of every allocation of a sample */
  sampleRanges(sampleIndex: number): Array<[number, number]>;
}

/** The remote side of a dataset opened by openDataset from a URL; undefined for local files. */
export function remoteOf(dataset: Dataset): RemoteHandle | undefined {
  if (!(dataset instanceof OpenDataset) || dataset.remote === undefined || !(dataset.source instanceof RemoteFileSource)) return undefined;
  const allocations = dataset.allocationIndex;
  return { resolved: dataset.remote, source: dataset.source, sampleRanges: (sampleIndex) => allocations.ofSample(sampleIndex) };
}

/** Every file of a manifest with the same options, joined (every file closed on failure). */
function openFiles(manifest: ResolvedManifest, options: OpenOptions): MultiFileDataset {
  if (options.sidecars !== undefined) {
    throw new TesseraError('E_ARGUMENT', 'sidecars: a dataset of several files cannot take sidecars; open each file with its own, or merge the files first (mergeDatasets)');
  }
  const opened: Dataset[] = [];
  try {
    for (const stream of manifest.streams) for (const file of stream.files) opened.push(openDataset(file, options));
    return joinFiles(opened, manifest);
  } catch (error) {
    for (const dataset of opened) dataset.close();
    throw error;
  }
}

/** The base, then each sidecar with the same options, joined (every file closed on failure). */
function openWithSidecars(path: string, options: OpenOptions): Dataset {
  const { sidecars: paths, ...rest } = options;
  if (!Array.isArray(paths) || paths.some((entry) => typeof entry !== 'string' || entry.length === 0)) {
    throw new TesseraError('E_ARGUMENT', `sidecars: must be an array of file paths, got ${JSON.stringify(paths)}`);
  }
  const opened: Dataset[] = [];
  try {
    for (const entry of [path, ...paths]) opened.push(openDataset(entry, rest));
    return joinSidecars(opened[0]!, opened.slice(1));
  } catch (error) {
    for (const dataset of opened) dataset.close();
    throw error;
  }
}

class OpenDataset implements Dataset {
  readonly header: Header;
  readonly numSamples: number;
  readonly pageSize: number;
  readonly fields: DatasetField[] = [];
  readonly layout: DatasetLayout;
  readonly extension: ExtensionBlock | undefined;
  readonly registry: Registry;
  private readonly readers: FieldReaderImpl[] = [];
  private readonly byName = new Map<string, FieldReaderImpl>();
  private readonly codecs: FieldCodec[] = [];
  readonly allocationIndex: AllocationIndex;
  readonly sidecars: readonly Dataset[] = [];
  /** Set for remote datasets: what decode workers need to open the same object. */
  remote: ResolvedRemote | undefined;
  /** Set by joinSidecars: where `FieldReader.otherField` looks names up (every file of the join). */
  fieldScope: ((name: string) => FieldReader) | undefined;
  private closed = false;

  constructor(
    readonly path: string,
    public source: FileSource,
    options: OpenOptions,
  ) {
    const fileByteLength = source.byteLength;
    this.header = decodeHeader(source.view(0, Math.min(HEADER_BYTE_LENGTH, fileByteLength), true), fileByteLength, path);
    const { numFields, numSamples, pageSize, allocationTableOffset } = this.header;
    this.numSamples = numSamples;
    this.pageSize = pageSize;

    const metadataStart = HEADER_BYTE_LENGTH + numFields * FIELD_DESCRIPTOR_BYTE_LENGTH;
    if (metadataStart > fileByteLength) {
      throw new FormatError(
        'E_TRUNCATED',
        `the header announces ${numFields} fields (${metadataStart} bytes of descriptors) but the file has ${fileByteLength} bytes`,
        { path, fileOffset: 2 },
      );
    }
    if (allocationTableOffset > fileByteLength) {
      throw new FormatError(
        'E_TRUNCATED',
        `the header puts the allocation table at ${allocationTableOffset}, past the end of the ${fileByteLength}-byte file: the file is truncated`,
        { path, fileOffset: 16 },
      );
    }
    if (allocationTableOffset < metadataStart) {
      throw new FormatError(
        'E_HEADER',
        `alloc_table_ptr ${allocationTableOffset} lies outside [${metadataStart}, ${fileByteLength}] (end of descriptors, file size)`,
        { path, fileOffset: 16 },
      );
    }
    if ((fileByteLength - allocationTableOffset) % ALLOCATION_ENTRY_BYTE_LENGTH !== 0) {
      throw new FormatError(
        'E_TRUNCATED',
        `the allocation table (${fileByteLength - allocationTableOffset} bytes from ${allocationTableOffset} to the end) is not a whole number of ${ALLOCATION_ENTRY_BYTE_LENGTH}-byte entries; the file is truncated or has trailing bytes`,
        { path, fileOffset: allocationTableOffset },
      );
    }

    // Field descriptors → codecs.
    const plugins = [corePlugin(), ...(options.plugins ?? [])];
    this.registry = createRegistry(plugins);
    const descriptorBytes = source.view(HEADER_BYTE_LENGTH, metadataStart - HEADER_BYTE_LENGTH);
    const resolved: Array<{ codec: FieldCodec; plugin: TesseraPlugin; args: JsonValue; pluginVersion: string }> = [];
    const seen = new Set<string>();
    for (let index = 0; index < numFields; index++) {
      const descriptor = decodeFieldDescriptor(descriptorBytes, index, path);
      if (seen.has(descriptor.name)) {
        throw new FormatError('E_DUPLICATE_FIELD', `two fields are named "${descriptor.name}"`, { path, fileOffset: descriptorOffset(index) + 1 });
      }
      seen.add(descriptor.name);
      resolved.push(this.resolveCodec(descriptor.typeId, descriptor.name, descriptor.argumentBytes, index));
      this.fields.push({
        name: descriptor.name,
        index,
        typeId: descriptor.typeId,
        codecId: resolved[index]!.codec.id,
        plugin: resolved[index]!.plugin.name,
        pluginVersion: resolved[index]!.pluginVersion,
        arguments: resolved[index]!.args,
        columnOffset: 0,
        metadataByteLength: 0,
      });
    }
    const layouts = resolved.map(({ codec, args }, index) => {
      try {
        return codec.metadataLayout(args);
      } catch (error) {
        throw wrapPluginError(error, { plugin: resolved[index]!.plugin.name, hook: 'metadataLayout', field: this.fields[index]!.name });
      }
    });
    const record = computeRecordLayout(layouts);
    this.fields.forEach((field, index) => {
      field.columnOffset = record.offsets[index]!;
      field.metadataByteLength = layouts[index]!.byteLength;
    });

    // Metadata table bounds.
    const recordByteLength = record.byteLength;
    const metadataByteLength = numSamples * recordByteLength;
    if (metadataStart + metadataByteLength > allocationTableOffset) {
      throw new FormatError(
        'E_TRUNCATED',
        `${numSamples} samples of ${recordByteLength}-byte metadata need ${metadataByteLength} bytes from ${metadataStart}, past the allocation table at ${allocationTableOffset}`,
        { path, fileOffset: 8 },
      );
    }
    const metadataEnd = metadataStart + metadataByteLength;

    // Extension block (Tessera files only) sits right before the allocation table.
    let extension: ExtensionBlock | undefined;
    let extensionOffset: number | undefined;
    if (allocationTableOffset - EXTENSION_FOOTER_BYTE_LENGTH >= metadataEnd) {
      const footerOffset = allocationTableOffset - EXTENSION_FOOTER_BYTE_LENGTH;
      const footer = decodeExtensionFooter(source.view(footerOffset, EXTENSION_FOOTER_BYTE_LENGTH, true), footerOffset, path);
      if (footer !== undefined) {
        if (footer.jsonOffset < metadataEnd) {
          throw new FormatError('E_EXTENSION_BLOCK', `the extension block starts at ${footer.jsonOffset}, inside the metadata table`, {
            path,
            fileOffset: footerOffset,
          });
        }
        extension = decodeExtensionJson(source.view(footer.jsonOffset, footer.jsonByteLength), footer, path);
        extensionOffset = footer.jsonOffset;
      }
    }
    if (extension === undefined) checkFfcvEnd(source, this.header, metadataEnd, path);
    this.extension = extension;

    // Data region: FFCV pages start at the first page boundary after the metadata, when there is data.
    const dataLimit = extensionOffset ?? allocationTableOffset;
    const dataStart = dataLimit > metadataEnd ? alignUp(metadataEnd, pageSize) : metadataEnd;
    if (dataStart > dataLimit) {
      throw new FormatError(
        'E_METADATA',
        `the data region would start at ${dataStart} (the page after the metadata) but the next section starts at ${dataLimit}`,
        { path, fileOffset: metadataEnd },
      );
    }
    const numAllocations = (fileByteLength - allocationTableOffset) / ALLOCATION_ENTRY_BYTE_LENGTH;
    this.layout = {
      fileByteLength,
      metadataStart,
      recordByteLength,
      dataStart,
      dataEnd: dataLimit,
      numPages: Math.ceil((dataLimit - dataStart) / pageSize),
      allocationTableOffset,
      numAllocations,
      payloadByteLength: 0,
      extensionOffset,
    };

    const expectedAllocations = extension?.layout.numAllocations ?? ffcvAllocationCount(this.fields, numSamples);
    if (expectedAllocations !== undefined && expectedAllocations !== numAllocations) {
      throw new FormatError(
        numAllocations < expectedAllocations ? 'E_TRUNCATED' : 'E_ALLOCATION_TABLE',
        `the allocation table has ${numAllocations} entries where ${expectedAllocations} were written${
          extension === undefined ? ' (FFCV writes one per sample and stored field)' : ''
        }`,
        { path, fileOffset: allocationTableOffset },
      );
    }

    this.allocationIndex = new AllocationIndex(
      source.view(allocationTableOffset, numAllocations * ALLOCATION_ENTRY_BYTE_LENGTH),
      numAllocations,
      allocationTableOffset,
      path,
    );
    const metadataBytes = source.view(metadataStart, metadataByteLength);
    const metadata = new DataView(metadataBytes.buffer, metadataBytes.byteOffset, metadataBytes.byteLength);
    this.allocationIndex.configure(numSamples, dataStart, dataLimit, {
      metadata,
      metadataStart,
      recordByteLength,
      // 'lazy': no cross-check of every record's stored columns against the allocation table either
      columns: options.validateFields === 'lazy' ? [] : storedColumnsOf(this.fields),
    });
    const allocationIndex = this.allocationIndex;
    Object.defineProperty(this.layout, 'payloadByteLength', { get: () => allocationIndex.payloadByteLength, enumerable: true });
    for (let index = 0; index < numFields; index++) {
      const field = this.fields[index]!;
      const reader = new FieldReaderImpl(this, field, resolved[index]!.args, metadata, recordByteLength, dataStart, dataLimit);
      this.readers.push(reader);
      this.byName.set(field.name, reader);
      this.codecs.push(resolved[index]!.codec);
    }
    const validateFields = options.validateFields ?? 'open';
    if (validateFields !== 'open' && validateFields !== 'lazy') throw new TesseraError('E_ARGUMENT', `validateFields: must be 'open' or 'lazy', got ${JSON.stringify(validateFields)}`);
    for (let index = 0; index < numFields && validateFields === 'open'; index++) {
      const codec = this.codecs[index]!;
      if (codec.validate === undefined) continue;
      try {
        codec.validate(this.readers[index]!);
      } catch (error) {
        if (error instanceof TesseraError) throw error;
        throw new FormatError('E_METADATA', `field "${this.fields[index]!.name}": ${error instanceof Error ? error.message : String(error)}`, {
          path,
          cause: error,
        });
      }
    }
  }

  /** Once, by openDataset for cache: 'process'. Field readers read `dataset.source` on every call. */
  replaceSource(next: FileSource): void {
    const previous = this.source;
    this.source = next;
    previous.close();
  }

  get ioMode() {
    return this.source.mode;
  }

  get cacheMode(): 'os' | 'process' {
    return 'stats' in this.source && !(this.source instanceof RemoteFileSource) ? 'process' : 'os';
  }

  cacheStats(): PageCacheStats | undefined {
    return 'stats' in this.source && !(this.source instanceof RemoteFileSource) ? (this.source as PageCacheSource).stats() : undefined;
  }

  remoteStats(): RemoteSourceStats | undefined {
    return this.source instanceof RemoteFileSource ? this.source.stats() : undefined;
  }

  get ioFallbackReason() {
    return this.source.fallbackReason;
  }

  /** A plugin field's codec from its stored identity: the plugin installed, a compatible version, arguments normalized. */
  private resolvePluginIdentity(identity: PluginFieldIdentity, name: string, argumentsOffset: number): { codec: FieldCodec; plugin: TesseraPlugin; args: JsonValue; pluginVersion: string } {
    const entry = this.registry.byCodecId(identity.codec);
      if (entry === undefined || entry.plugin.name !== identity.plugin) {
        throw new PluginError(
          'E_PLUGIN_MISSING',
          `field "${name}" needs codec ${identity.codec} from plugin ${identity.plugin}@${identity.version}: install it (npm install ${identity.plugin}@^${identity.version}) and pass ${identity.factory === undefined ? 'its plugin factory' : `${identity.factory}()`} in \`plugins\``,
          { plugin: identity.plugin, field: name },
        );
      }
      if (!isCompatibleVersion(identity.version, entry.plugin.version)) {
        throw new PluginError(
          'E_PLUGIN',
          `field "${name}" was written with ${identity.plugin}@${identity.version}, but ${entry.plugin.version} is installed; install ${identity.plugin}@^${identity.version}`,
          { plugin: identity.plugin, field: name },
        );
      }
      let args = identity.arguments;
      try {
        if (entry.codec.normalizeArguments) args = entry.codec.normalizeArguments(args);
      } catch (error) {
        throw new FormatError('E_FIELD_ARGUMENTS', `field "${name}": ${error instanceof Error ? error.message : String(error)}`, {
          path: this.path,
          fileOffset: argumentsOffset,
        });
      }
      return { codec: entry.codec, plugin: entry.plugin, args, pluginVersion: identity.version };
  }

  private resolveCodec(
    typeId: number,
    name: string,
    argumentBytes: Uint8Array,
    index: number,
  ): { codec: FieldCodec; plugin: TesseraPlugin; args: JsonValue; pluginVersion: string } {
    const argumentsOffset = descriptorOffset(index) + 17;
    if (typeId === TYPE_ID.PLUGIN) {
      const identity = decodePluginArguments(argumentBytes, name, this.path, argumentsOffset);
      if (identity.codec === OPTIONAL_CODEC_ID && identity.plugin === '@tessera/core') {
        // optional(field): the inner field's identity is the argument object.
        const inner = identity.arguments as Partial<OptionalArguments> | null;
        if (inner === null || typeof inner !== 'object' || typeof inner.codec !== 'string' || typeof inner.plugin !== 'string' || typeof inner.version !== 'string') {
          throw new FormatError('E_FIELD_ARGUMENTS', `field "${name}" is optional but its arguments do not name the inner field (codec, plugin, version)`, { path: this.path, fileOffset: argumentsOffset });
        }
        const resolved = this.resolvePluginIdentity({ codec: inner.codec, plugin: inner.plugin, version: inner.version, factory: inner.factory, arguments: inner.arguments ?? null }, name, argumentsOffset);
        const args: OptionalArguments = { codec: inner.codec, plugin: inner.plugin, version: inner.version, ...(inner.factory === undefined ? {} : { factory: inner.factory }), arguments: resolved.args };
        return { codec: createOptionalCodec(resolved.codec) as FieldCodec, plugin: resolved.plugin, args: args as unknown as JsonValue, pluginVersion: inner.version };
      }
      return this.resolvePluginIdentity(identity, name, argumentsOffset);
    }
    const entry = this.registry.byTypeId(typeId);
    if (entry === undefined) {
      throw new FormatError(
        'E_UNKNOWN_TYPE_ID',
        `field "${name}" has type id ${typeId}, which is neither an FFCV field (0–6) nor a plugin field (255)`,
        { path: this.path, fileOffset: descriptorOffset(index) },
      );
    }
    let args: JsonValue;
    try {
      args = entry.codec.decodeFfcvArguments!(argumentBytes);
    } catch (error) {
      throw new FormatError('E_FIELD_ARGUMENTS', `field "${name}" (type id ${typeId}): ${error instanceof Error ? error.message : String(error)}`, {
        path: this.path,
        fileOffset: argumentsOffset,
      });
    }
    return { codec: entry.codec, plugin: entry.plugin, args, pluginVersion: entry.plugin.version };
  }

  checkOpen(): void {
    if (this.closed) throw new TesseraError('E_CLOSED', `${this.path} is closed`);
  }

  field(name: string): FieldReader {
    this.checkOpen();
    const reader = this.byName.get(name);
    if (reader === undefined) {
      throw new TesseraError(
        'E_UNKNOWN_FIELD',
        `${this.path} has no field "${name}"; its fields are ${this.fields.map((field) => `"${field.name}"`).join(', ')}`,
      );
    }
    return reader;
  }

  private codecOf(name: string): { codec: FieldCodec; reader: FieldReaderImpl } {
    const reader = this.field(name) as FieldReaderImpl;
    return { codec: this.codecs[reader.index]!, reader };
  }

  /**
   * What every data access checks first: the file is still as opened (one fstat), and — once — the
   * allocation table and every FFCV field's pointers against it (see AllocationIndex).
   */
  private checkBeforeRead(): void {
    this.checkOpen();
    this.assertUnchanged();
    this.allocationIndex.ensureValidated();
  }

  assertUnchanged(): void {
    this.checkOpen();
    try {
      this.source.checkUnchanged();
    } catch (error) {
      throw toTesseraError(error, this.path);
    }
  }

  get(sampleIndex: number, fieldNames?: readonly string[]): Record<string, unknown> {
    this.checkBeforeRead();
    const result: Record<string, unknown> = {};
    for (const name of fieldNames ?? this.fields.map((field) => field.name)) result[name] = this.readChecked(sampleIndex, name);
    return result;
  }

  read(sampleIndex: number, fieldName: string): unknown {
    this.checkBeforeRead();
    return this.readChecked(sampleIndex, fieldName);
  }

  private readChecked(sampleIndex: number, fieldName: string): unknown {
    const { codec, reader } = this.codecOf(fieldName);
    reader.recordOffset(sampleIndex);
    try {
      return codec.read(reader, sampleIndex);
    } catch (error) {
      throw hookError(error, reader, 'read', sampleIndex);
    }
  }

  toJSON(sampleIndex: number, fieldName: string): unknown {
    this.checkBeforeRead();
    const { codec, reader } = this.codecOf(fieldName);
    reader.recordOffset(sampleIndex);
    try {
      return codec.toJSON === undefined ? codec.read(reader, sampleIndex) : codec.toJSON(reader, sampleIndex);
    } catch (error) {
      throw hookError(error, reader, 'toJSON', sampleIndex);
    }
  }

  hasField(name: string): boolean {
    return this.byName.has(name);
  }

  private pages: Int32Array | undefined;

  samplePages(): Int32Array {
    this.checkOpen();
    this.allocationIndex.ensureValidated();
    this.pages ??= this.allocationIndex.firstPages(this.numSamples, this.layout.dataStart, this.pageSize);
    return this.pages;
  }

  hasPreview(fieldName: string): boolean {
    return typeof this.codecOf(fieldName).codec.preview === 'function';
  }

  async preview(fieldName: string, sampleIndex: number, options?: Partial<PreviewOptions>): Promise<FieldPreview> {
    this.checkBeforeRead();
    const { codec, reader } = this.codecOf(fieldName);
    reader.recordOffset(sampleIndex);
    const resolved = previewOptions(options);
    if (codec.preview === undefined) return { kind: 'json', value: this.toJSON(sampleIndex, fieldName) };
    let preview: unknown;
    try {
      preview = await codec.preview(reader, sampleIndex, resolved);
    } catch (error) {
      throw hookError(error, reader, 'preview', sampleIndex);
    }
    return checkPreview(preview, { plugin: reader.pluginName, field: fieldName, sampleIndex });
  }

  hasStatistics(fieldName: string): boolean {
    return typeof this.codecOf(fieldName).codec.statistics === 'function';
  }

  statistics(fieldName: string, sampleIndex: number): Readonly<Record<string, number>> {
    const { codec, reader } = this.codecOf(fieldName);
    if (codec.statistics === undefined) throw new TesseraError('E_ARGUMENT', `field "${fieldName}" (${codec.id}) has no per-sample statistics: its codec has no statistics hook`);
    reader.recordOffset(sampleIndex);
    let statistics: unknown;
    try {
      statistics = codec.statistics(reader, sampleIndex);
    } catch (error) {
      throw hookError(error, reader, 'statistics', sampleIndex);
    }
    return checkStatistics(statistics, { plugin: reader.pluginName, field: fieldName, sampleIndex });
  }

  hasTimeline(fieldName: string): boolean {
    return typeof this.codecOf(fieldName).codec.timeline === 'function';
  }

  hasLengths(fieldName: string): boolean {
    return typeof this.codecOf(fieldName).codec.length === 'function';
  }

  private readonly lengthCache = new Map<string, Float64Array>();

  lengths(fieldName: string): Float64Array {
    this.checkBeforeRead();
    const cached = this.lengthCache.get(fieldName);
    if (cached !== undefined) return cached;
    const { codec, reader } = this.codecOf(fieldName);
    if (codec.length === undefined) {
      const fields = this.fields.filter((field) => this.hasLengths(field.name)).map((field) => `"${field.name}"`);
      throw new TesseraError('E_ARGUMENT', `field "${fieldName}" (${codec.id}) has no per-sample lengths: its codec has no length hook; fields with lengths: ${fields.length === 0 ? 'none' : fields.join(', ')}`);
    }
    const lengths = new Float64Array(this.numSamples);
    for (let sampleIndex = 0; sampleIndex < this.numSamples; sampleIndex++) {
      let length: number;
      try {
        length = codec.length(reader, sampleIndex);
      } catch (error) {
        throw hookError(error, reader, 'length', sampleIndex);
      }
      if (!Number.isSafeInteger(length) || length < 0) {
        throw new PluginError('E_PLUGIN', `field "${fieldName}" (${codec.id}): length of sample ${sampleIndex} is ${length}, not a non-negative integer`, { plugin: reader.pluginName, hook: 'length', field: fieldName, sampleIndex });
      }
      lengths[sampleIndex] = length;
    }
    this.lengthCache.set(fieldName, lengths);
    return lengths;
  }

  timeline(fieldName: string, sampleIndex: number, out: StreamSpan = { startSeconds: 0, durationSeconds: 0 }): StreamSpan | undefined {
    this.checkBeforeRead();
    const { codec, reader } = this.codecOf(fieldName);
    if (codec.timeline === undefined) throw new TesseraError('E_ARGUMENT', `field "${fieldName}" (${codec.id}) has no time axis: its codec has no timeline`);
    reader.recordOffset(sampleIndex);
    let present: boolean;
    try {
      present = codec.timeline(reader, sampleIndex, out);
    } catch (error) {
      throw hookError(error, reader, 'timeline', sampleIndex);
    }
    if (!present) return undefined;
    if (!Number.isFinite(out.startSeconds) || !(out.durationSeconds >= 0) || !Number.isFinite(out.durationSeconds)) {
      throw new PluginError('E_PLUGIN', `field "${fieldName}" (${codec.id}): timeline of sample ${sampleIndex} is start ${out.startSeconds} s, duration ${out.durationSeconds} s; both must be finite, the duration ≥ 0`, {
        plugin: reader.pluginName,
        hook: 'timeline',
        field: fieldName,
        sampleIndex,
      });
    }
    return out;
  }

  hasAnchors(fieldName: string): boolean {
    return typeof this.codecOf(fieldName).codec.anchors === 'function';
  }

  anchors(fieldName: string, sampleIndex: number, out: Float64Array = new Float64Array(0)): Float64Array {
    this.checkBeforeRead();
    const { codec, reader } = this.codecOf(fieldName);
    if (codec.anchors === undefined) throw new TesseraError('E_ARGUMENT', `field "${fieldName}" (${codec.id}) has no spans: its codec has no anchors`);
    reader.recordOffset(sampleIndex);
    try {
      let count = codec.anchors(reader, sampleIndex, out);
      if (count * 2 > out.length) {
        out = new Float64Array(count * 2);
        count = codec.anchors(reader, sampleIndex, out);
      }
      return out.subarray(0, count * 2);
    } catch (error) {
      throw hookError(error, reader, 'anchors', sampleIndex);
    }
  }

  createDecoder(fieldName: string, decoderName?: string, options?: JsonValue): DecoderInstance {
    const { codec, reader } = this.codecOf(fieldName);
    const name = decoderName ?? codec.defaultDecoder;
    const definition = Object.hasOwn(codec.decoders, name) ? codec.decoders[name] : undefined;
    if (definition === undefined) {
      throw new PluginError(
        'E_ARGUMENT',
        `field "${fieldName}" (${codec.id}) has no decoder "${name}"; it has ${Object.keys(codec.decoders).map((key) => `"${key}"`).join(', ')}`,
        { plugin: reader.pluginName, field: fieldName },
      );
    }
    // The loader's check too (its pipelines reach decoders through here): one mechanism.
    checkDecoderOptions(definition as never, options, fieldName, name);
    this.allocationIndex.ensureValidated();
    let decoder: DecoderInstance;
    try {
      decoder = definition.setup(reader as unknown as FieldReader<never>, options as never);
    } catch (error) {
      throw hookError(error, reader, 'decoder setup', undefined);
    }
    return wrapDecoder(decoder, reader, `decode:${name}`);
  }

  advise(advice: MmapAdvice, firstPage?: number, pageCount = 1): void {
    this.checkOpen();
    if (firstPage === undefined) {
      this.source.advise(0, this.layout.fileByteLength, advice);
      return;
    }
    const start = this.layout.dataStart + firstPage * this.pageSize;
    const end = Math.min(this.layout.dataEnd, start + pageCount * this.pageSize);
    if (firstPage >= 0 && start < end) this.source.advise(start, end - start, advice);
  }

  fileBytes(offset: number, byteLength: number): Uint8Array {
    this.checkOpen();
    try {
      this.source.checkUnchanged();
      return this.source.view(offset, byteLength);
    } catch (error) {
      throw toTesseraError(error, this.path);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.source.close();
  }
}

class FieldReaderImpl implements FieldReader {
  readonly name: string;
  readonly index: number;
  readonly typeId: number;
  readonly codecId: string;
  readonly pluginName: string;
  readonly numSamples: number;
  readonly columnOffset: number;
  readonly arguments: JsonValue;

  constructor(
    private readonly dataset: OpenDataset,
    info: DatasetField,
    args: JsonValue,
    readonly metadata: DataView,
    readonly recordByteLength: number,
    readonly dataStart: number,
    readonly dataEnd: number,
  ) {
    this.name = info.name;
    this.index = info.index;
    this.typeId = info.typeId;
    this.codecId = info.codecId;
    this.pluginName = info.plugin;
    this.numSamples = dataset.numSamples;
    this.columnOffset = info.columnOffset;
    this.arguments = args;
  }

  // recordOffset, readUint64 and copyBytes run per sample inside decoders that run inside the
  // loader's loop. Their error paths live in separate methods: a template literal costs ~100 bytes
  // of bytecode, and past V8's cumulative inlining budget (920 bytes) the chain stops being inlined
  // into the loop, so pointers and sizes get boxed into heap numbers on every call (1 KiB reads:
  // 0.66x of a bare mmap copy with the messages inline, 0.95x without).

  recordOffset(sampleIndex: number): number {
    if (!(sampleIndex >= 0 && sampleIndex < this.numSamples) || !Number.isInteger(sampleIndex)) this.sampleIndexError(sampleIndex);
    return this.columnOffset + sampleIndex * this.recordByteLength;
  }

  readUint64(metadataOffset: number): number {
    const high = this.metadata.getUint32(metadataOffset + 4, true);
    if (high > 0x1fffff) this.uint64Error(metadataOffset);
    return high * 0x1_0000_0000 + this.metadata.getUint32(metadataOffset, true);
  }

  private sampleIndexError(sampleIndex: number): never {
    throw new TesseraError(
      'E_SAMPLE_INDEX',
      `sample index ${sampleIndex} is out of range: ${this.dataset.path} has ${this.numSamples} samples (0..${this.numSamples - 1})`,
    );
  }

  private uint64Error(metadataOffset: number): never {
    throw new FormatError('E_METADATA', `field "${this.name}": a 64-bit value ${this.metadata.getBigUint64(metadataOffset, true)} is beyond any file offset`, {
      path: this.dataset.path,
      fileOffset: this.dataset.layout.metadataStart + metadataOffset,
    });
  }

  private outOfBounds(pointer: number, byteLength: number): never {
    this.dataset.checkOpen();
    throw new FormatError(
      'E_ALLOCATION_OUT_OF_BOUNDS',
      `field "${this.name}": ${byteLength} bytes at ${pointer} lie outside the data region [${this.dataStart}, ${this.dataEnd})`,
      { path: this.dataset.path, fileOffset: pointer },
    );
  }

  bytes(pointer: number, byteLength: number): Uint8Array {
    if (!(pointer >= this.dataStart && byteLength >= 0 && pointer + byteLength <= this.dataEnd)) {
      if (byteLength === 0) return new Uint8Array(0);
      this.outOfBounds(pointer, byteLength);
    }
    return this.dataset.source.view(pointer, byteLength);
  }

  copyBytes(pointer: number, byteLength: number, target: Uint8Array, targetOffset: number): void {
    if (!(pointer >= this.dataStart && byteLength >= 0 && pointer + byteLength <= this.dataEnd)) {
      if (byteLength === 0) return;
      this.outOfBounds(pointer, byteLength);
    }
    this.dataset.source.copyTo(pointer, byteLength, target, targetOffset);
  }

  allocationByteLength(pointer: number, sampleIndex?: number): number {
    const size = this.dataset.allocationIndex.byteLengthAt(pointer, sampleIndex);
    if (size === undefined) {
      throw new FormatError('E_ALLOCATION_TABLE', `field "${this.name}": no allocation starts at ${pointer}${sampleIndex === undefined ? '' : ` for sample ${sampleIndex}`}`, {
        path: this.dataset.path,
        fileOffset: pointer,
      });
    }
    return size;
  }

  sampleAllocations(sampleIndex: number): Array<[number, number]> {
    this.recordOffset(sampleIndex);
    return this.dataset.allocationIndex.ofSample(sampleIndex);
  }

  describeBytes(pointer: number, byteLength: number): { byteLength: number; sha256: string } {
    const bytes = byteLength === 0 ? new Uint8Array(0) : this.bytes(pointer, byteLength);
    return { byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
  }

  otherField(name: string): FieldReader {
    return this.dataset.fieldScope === undefined ? this.dataset.field(name) : this.dataset.fieldScope(name);
  }

  codec(codecId: string): RegisteredCodecRef | undefined {
    return this.dataset.registry.byCodecId(codecId);
  }
}

/**
 * The decoder with its failures wrapped exactly as `get()` wraps the codec's `read` (hookError):
 * one wrapping whoever calls decode(), the loader included. Returns the instance's own fields, so
 * `output` and `random` read the same; an asynchronous decoder's rejection is wrapped too.
 */
function wrapDecoder(decoder: DecoderInstance, reader: FieldReaderImpl, hook: string): DecoderInstance {
  if (decoder === null || typeof decoder !== 'object' || typeof decoder.decode !== 'function') {
    throw wrapPluginError(new TypeError('setup() must return an object with output and decode()'), {
      plugin: reader.pluginName,
      hook: 'decoder setup',
      field: reader.name,
    });
  }
  const decode = decoder.decode;
  const wrapped = Object.create(decoder) as DecoderInstance & { decode: DecoderInstance['decode'] };
  wrapped.decode = function decodeWrapped(sampleIndex, slot, context) {
    let result: void | Promise<void>;
    try {
      result = decode.call(decoder, sampleIndex, slot, context);
    } catch (error) {
      throw hookError(error, reader, hook, sampleIndex);
    }
    if (result === undefined) return result;
    return rejectWrapped(result, reader, hook, sampleIndex);
  };
  return wrapped;
}

/** Asynchronous decoders only (they already make a promise per sample). */
function rejectWrapped(result: Promise<void>, reader: FieldReaderImpl, hook: string, sampleIndex: number): Promise<void> {
  return Promise.resolve(result).catch((error: unknown) => {
    throw hookError(error, reader, hook, sampleIndex);
  });
}

/** Format errors and bad indices pass through; anything else thrown by a codec names plugin, hook, field and sample. */
function hookError(error: unknown, reader: FieldReaderImpl, hook: string, sampleIndex: number | undefined): unknown {
  if (error instanceof FormatError || (error instanceof TesseraError && error.code === 'E_SAMPLE_INDEX')) return error;
  return wrapPluginError(error, { plugin: reader.pluginName, hook, field: reader.name, sampleIndex });
}

/**
 * A file without a (valid) extension block must end like FFCV's: FFCV writes every page in full and
 * the allocation table right after the last one, so `alloc_table_ptr` is the end of the metadata
 * (no pages) or a whole number of pages past the data start. Bytes beyond that, or a footer that
 * resembles Tessera's, mean a Tessera file whose extension footer is damaged — never an FFCV file
 * whose checksums can be skipped.
 */
function checkFfcvEnd(source: FileSource, header: Header, metadataEnd: number, path: string): void {
  const { allocationTableOffset, pageSize } = header;
  if (allocationTableOffset === metadataEnd) return;
  const dataStart = alignUp(metadataEnd, pageSize);
  const footerOffset = allocationTableOffset - EXTENSION_FOOTER_BYTE_LENGTH;
  const fix = 'the file is corrupt: restore it from a good copy or write it again';
  if (allocationTableOffset < dataStart || (allocationTableOffset - dataStart) % pageSize !== 0) {
    const pagesEnd = allocationTableOffset < dataStart ? metadataEnd : allocationTableOffset - ((allocationTableOffset - dataStart) % pageSize);
    throw new FormatError(
      'E_EXTENSION_BLOCK',
      `${allocationTableOffset - pagesEnd} bytes lie between the end of the ${allocationTableOffset < dataStart ? 'metadata' : `last whole ${pageSize}-byte page`} (${pagesEnd}) and the allocation table (${allocationTableOffset}), where FFCV files have none, and they end in no valid Tessera extension footer${footerOffset >= metadataEnd ? ` (the 32 bytes at ${footerOffset} lack the magic "${EXTENSION_MAGIC}")` : ''}: a damaged extension block or alloc_table_ptr; ${fix}`,
      { path, fileOffset: Math.max(footerOffset, metadataEnd) },
    );
  }
  if (footerOffset < metadataEnd) return;
  const evidence = damagedFooterEvidence(source.view(footerOffset, EXTENSION_FOOTER_BYTE_LENGTH, true), footerOffset, metadataEnd);
  if (evidence !== undefined) {
    throw new FormatError('E_EXTENSION_BLOCK', `the 32 bytes before the allocation table (at ${footerOffset}) are a damaged Tessera extension footer: ${evidence}; ${fix}`, {
      path,
      fileOffset: footerOffset,
    });
  }
}

/** FFCV allocates exactly once per sample for each field stored out of line (types 2–6). */
function ffcvAllocationCount(fields: readonly DatasetField[], numSamples: number): number | undefined {
  let perSample = 0;
  for (const field of fields) {
    if (field.typeId === TYPE_ID.PLUGIN) return undefined;
    if (field.typeId >= TYPE_ID.RGB_IMAGE && field.typeId <= TYPE_ID.TORCH_TENSOR) perSample += 1;
  }
  return perSample * numSamples;
}
