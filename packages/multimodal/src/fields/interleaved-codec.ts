import { createHash } from 'node:crypto';
import {
  type DecodeContext,
  type DecoderDefinition,
  type DecoderInstance,
  type EncodeTarget,
  type FieldCodec,
  type FieldPreview,
  type FieldReader,
  type JsonValue,
  type MetadataLayout,
  type OutputSlot,
  PluginError,
  type PreviewOptions,
  type RegisteredCodecRef,
  TesseraError,
  isCompatibleVersion,
} from '@tessera/core';
import { type DocumentSource, type EncodedItem, ITEM_ENTRY_BYTES, ItemReader, assembleDocument, itemKind, itemLength, setItemLength } from './document-layout.js';

/**
 * `interleaved({ items: { text: tokens(…), image: rgbImage() } })`: an ordered list of items per
 * sample — text segments, images, clips — each stored and decoded by its own plugin's codec (the
 * layout of one document is in document-layout.ts).
 *
 *   metadata column (48 bytes, 8-aligned)
 *     pointer u64 @0   document bytes u32 @8   items u32 @12
 *     per kind k (up to 4): items of the kind u32 @16 + 8k, their length sum u32 @20 + 8k
 *                           (tokens of a text kind, frames of a video kind…; 0 without `length`)
 *
 * Kinds whose codec is text/tokens are text: the `tokens` decoder gives their ids and, for every
 * item of another kind (media) that fits the budgets, a run of placeholder ids; `media` gives the
 * media items of one kind decoded by their codec's decoder, `positions` where their placeholders
 * start. All three apply the same budgets (decoder options), so they agree on which items made it.
 */
export type InterleavedKind = {
  /** The key items of this kind use in a value: `{ image: bytes }`. */
  name: string;
  codec: string;
  plugin: string;
  version: string;
  factory?: string;
  /** The kind's field arguments, normalized by its codec. */
  arguments: JsonValue;
};

export type InterleavedArguments = {
  kinds: InterleavedKind[];
};

/** One item of a value: an object with one key, the kind's name: `{ text: 'A cat' }`, `{ image: jpegBytes }`. */
export type InterleavedItem = Readonly<Record<string, unknown>>;
/** A value: the items in document order. */
export type InterleavedValue = readonly InterleavedItem[];

/** Budgets and item decoders, the options of every decoder of the field (give the same to all). */
export interface InterleavedDecoderOptions {
  /** Tokens per document, placeholders included (text is truncated, media that do not fit are dropped). Default 2048. */
  maxTokens?: number;
  /** Per media kind, by name. */
  media?: Record<string, InterleavedMediaOptions>;
  /** `media` and `positions`: the media kind to output (default: the field's only media kind). */
  kind?: string;
}

export interface InterleavedMediaOptions {
  /** Items of this kind per document; later ones are dropped with their placeholders. Default 4. */
  max?: number;
  /** The id that stands for an item in `tokens` (e.g. the tokenizer's `<image>` id). Default −1 for the first media kind, −2 for the second… */
  placeholder?: number;
  /** Placeholder ids per item (e.g. 64 for a model that turns an image into 64 embeddings). Default 1. */
  placeholderTokens?: number;
  /** The kind codec's decoder for `media` (default: its default decoder); its output must have a fixed shape. */
  decoder?: string;
  /** That decoder's options, e.g. `{ outputSize: 224 }`. */
  decoderOptions?: JsonValue;
}

export const INTERLEAVED_CODEC_ID = 'multimodal/interleaved';
/** The codec of the kinds that are text (their ids go into `tokens`). */
export const TEXT_TOKENS_CODEC_ID = 'text/tokens';
export const MAX_KINDS = 4;
const METADATA_LAYOUT: MetadataLayout = { byteLength: 16 + 8 * MAX_KINDS, alignment: 8 };
const BYTES = 8;
const ITEMS = 12;
const KIND_COUNTS = 16;
const MAX_OUTPUT = 1 << 24;
const KIND_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,31}$/;
const DECODER_OPTIONS = ['maxTokens', 'media', 'kind'];
const MEDIA_OPTIONS = ['max', 'placeholder', 'placeholderTokens', 'decoder', 'decoderOptions'];

const recordOf = (field: FieldReader, sampleIndex: number): number => field.recordOffset(sampleIndex);
const documentPointer = (field: FieldReader, sampleIndex: number): number => field.readUint64(recordOf(field, sampleIndex));
const documentBytes = (field: FieldReader, sampleIndex: number): number => field.metadata.getUint32(recordOf(field, sampleIndex) + BYTES, true);
export const documentItems = (field: FieldReader, sampleIndex: number): number => field.metadata.getUint32(recordOf(field, sampleIndex) + ITEMS, true);
/** Items of kind `kind` in a document (metadata only). */
export const kindCount = (field: FieldReader, sampleIndex: number, kind: number): number => field.metadata.getUint32(recordOf(field, sampleIndex) + KIND_COUNTS + 8 * kind, true);
/** The sum of the kind codec's `length` over the document's items of kind `kind` (metadata only). */
export const kindLength = (field: FieldReader, sampleIndex: number, kind: number): number => field.metadata.getUint32(recordOf(field, sampleIndex) + KIND_COUNTS + 8 * kind + 4, true);
const isText = (kind: InterleavedKind): boolean => kind.codec === TEXT_TOKENS_CODEC_ID;

export function normalizeInterleavedArguments(args: InterleavedArguments): InterleavedArguments {
  if (args === null || typeof args !== 'object' || Array.isArray(args)) throw new TypeError(`interleaved() arguments must be an object, got ${JSON.stringify(args)}`);
  for (const key of Object.keys(args)) if (key !== 'kinds') throw new TypeError(`interleaved() has no argument "${key}"; its one argument is kinds`);
  const { kinds } = args;
  if (!Array.isArray(kinds) || kinds.length === 0 || kinds.length > MAX_KINDS) throw new TypeError(`interleaved() needs 1 to ${MAX_KINDS} item kinds, got ${JSON.stringify(kinds)}`);
  const names = new Set<string>();
  for (const kind of kinds) {
    if (kind === null || typeof kind !== 'object' || typeof kind.name !== 'string' || !KIND_NAME.test(kind.name)) {
      throw new TypeError(`interleaved() item kind names are identifiers of at most 32 characters, got ${JSON.stringify(kind?.name)}`);
    }
    if (names.has(kind.name)) throw new TypeError(`interleaved() has two item kinds named "${kind.name}"`);
    names.add(kind.name);
    for (const key of ['codec', 'plugin', 'version'] as const) {
      if (typeof kind[key] !== 'string' || kind[key].length === 0) throw new TypeError(`interleaved() item kind "${kind.name}" has no ${key}`);
    }
    if (kind.codec === INTERLEAVED_CODEC_ID || kind.codec === 'core/optional') throw new TypeError(`interleaved() item kind "${kind.name}" is ${kind.codec}: items are plain fields (an empty list is an absent document)`);
  }
  return {
    kinds: kinds.map((kind) => ({
      name: kind.name,
      codec: kind.codec,
      plugin: kind.plugin,
      version: kind.version,
      ...(kind.factory === undefined ? {} : { factory: kind.factory }),
      arguments: kind.arguments ?? null,
    })),
  };
}

/**
 * A kind's codec among the plugins given, or E_PLUGIN_MISSING saying what to install. `fieldName`
 * is undefined while encoding: the writer wraps the error with the field's name.
 */
function kindCodec(lookup: (codecId: string) => RegisteredCodecRef | undefined, kind: InterleavedKind, fieldName: string | undefined): FieldCodec {
  const field = fieldName === undefined ? 'the field' : `field "${fieldName}"`;
  const found = lookup(kind.codec);
  const install = `install ${kind.plugin}@^${kind.version} and pass ${kind.factory === undefined ? 'its plugin' : `${kind.factory}()`} in \`plugins\``;
  if (found === undefined || found.plugin.name !== kind.plugin) {
    throw new PluginError('E_PLUGIN_MISSING', `${field} holds "${kind.name}" items of codec ${kind.codec} from ${kind.plugin}@${kind.version}, which no given plugin provides: ${install}`, {
      plugin: kind.plugin,
      ...(fieldName === undefined ? {} : { field: fieldName }),
    });
  }
  if (!isCompatibleVersion(kind.version, found.plugin.version)) {
    throw new PluginError('E_PLUGIN', `${field} holds "${kind.name}" items written with ${kind.plugin}@${kind.version}, but ${found.plugin.version} is installed: ${install}`, {
      plugin: kind.plugin,
      ...(fieldName === undefined ? {} : { field: fieldName }),
    });
  }
  return found.codec;
}

// ── write ───────────────────────────────────────────────────────────────────────────────────────

function itemsOf(value: unknown, args: InterleavedArguments): Array<{ kind: number; value: unknown }> {
  if (!Array.isArray(value)) {
    throw new TypeError(`a document is a list of items such as [{ text: 'A cat' }, { image: bytes }], got ${value === null ? 'null' : typeof value} (use optional(interleaved(…)) for documents that may be absent)`);
  }
  const names = args.kinds.map((kind) => kind.name);
  return value.map((item: unknown, index) => {
    const keys = item !== null && typeof item === 'object' && !Array.isArray(item) ? Object.keys(item) : [];
    const kind = keys.length === 1 ? names.indexOf(keys[0]!) : -1;
    if (kind < 0) {
      throw new TypeError(`item ${index} must be an object with exactly one key, the item's kind (${names.join(', ')}), got ${keys.length === 0 ? JSON.stringify(item) : `keys ${keys.join(', ')}`}`);
    }
    return { kind, value: (item as Record<string, unknown>)[keys[0]!] };
  });
}

function itemError(error: unknown, index: number, kind: InterleavedKind): unknown {
  const prefix = `item ${index} (${kind.name})`;
  if (error instanceof TesseraError) return new TesseraError(error.code, `${prefix}: ${error.message}`, { cause: error });
  if (error instanceof TypeError) return new TypeError(`${prefix}: ${error.message}`, { cause: error });
  if (error instanceof RangeError) return new RangeError(`${prefix}: ${error.message}`, { cause: error });
  return new Error(`${prefix}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

/** The kinds' codecs per field (its arguments object), looked up once. */
const writerCodecs = new WeakMap<InterleavedArguments, FieldCodec[]>();

function encodeDocument(value: unknown, args: InterleavedArguments, target: EncodeTarget): void | Promise<void> {
  const items = itemsOf(value, args);
  if (items.length === 0) return;
  let codecs = writerCodecs.get(args);
  if (codecs === undefined) {
    codecs = args.kinds.map((kind) => kindCodec((id) => target.codec(id), kind, undefined));
    writerCodecs.set(args, codecs);
  }
  const encoded: EncodedItem[] = [];
  const encodeFrom = (start: number): void | Promise<void> => {
    for (let index = start; index < items.length; index++) {
      const { kind, value: itemValue } = items[index]!;
      const codec = codecs![kind]!;
      const kindArguments = args.kinds[kind]!.arguments;
      const layout = codec.metadataLayout(kindArguments);
      const item: EncodedItem = { kind, record: new Uint8Array(layout.byteLength), allocations: [] };
      encoded.push(item);
      const itemTarget: EncodeTarget = {
        sampleIndex: target.sampleIndex,
        metadata: new DataView(item.record.buffer),
        allocate(payload: Uint8Array, pointerOffset?: number) {
          if (!(payload instanceof Uint8Array)) throw new TypeError('allocate() needs a Uint8Array');
          if (pointerOffset !== undefined && (!Number.isInteger(pointerOffset) || pointerOffset < 0 || pointerOffset + 8 > layout.byteLength)) {
            throw new RangeError(`allocate() pointer offset ${pointerOffset} does not fit the ${layout.byteLength}-byte metadata record`);
          }
          item.allocations.push({ payload: payload.slice(), pointerOffset: pointerOffset ?? -1 });
        },
        codec: (id) => target.codec(id),
      };
      let result: void | Promise<void>;
      try {
        result = codec.encode(itemValue, kindArguments, itemTarget);
      } catch (error) {
        throw itemError(error, index, args.kinds[kind]!);
      }
      if (result !== undefined && typeof (result as Promise<void>).then === 'function') {
        return (result as Promise<void>).then(
          () => encodeFrom(index + 1),
          (error: unknown) => {
            throw itemError(error, index, args.kinds[kind]!);
          },
        );
      }
    }
    return finish(encoded, codecs!, args, target);
  };
  return encodeFrom(0);
}

/** Places the items, records every item's length (read back through its codec) and writes the column. */
function finish(encoded: readonly EncodedItem[], codecs: readonly FieldCodec[], args: InterleavedArguments, target: EncodeTarget): void {
  const document = assembleDocument(encoded);
  const table = new DataView(document.buffer);
  const source = memorySource(document, target);
  const readers = args.kinds.map((kind, index) => new ItemReader(source, kind.name, 0, kind.codec, kind.arguments, codecs[index]!.metadataLayout(kind.arguments).byteLength, undefined));
  const counts = new Array<number>(MAX_KINDS).fill(0);
  const lengths = new Array<number>(MAX_KINDS).fill(0);
  encoded.forEach((item, index) => {
    counts[item.kind]! += 1;
    const codec = codecs[item.kind]!;
    if (codec.length === undefined) return;
    const reader = readers[item.kind]!;
    reader.load(document, table, 0, index, `item ${index}`);
    const length = codec.length(reader, 0);
    if (!Number.isInteger(length) || length < 0 || length > 0xffff_ffff) throw new RangeError(`item ${index} (${args.kinds[item.kind]!.name}): its codec reports length ${length}`);
    setItemLength(table, index, length);
    lengths[item.kind]! += length;
  });
  const metadata = target.metadata;
  metadata.setUint32(BYTES, document.byteLength, true);
  metadata.setUint32(ITEMS, encoded.length, true);
  for (let kind = 0; kind < MAX_KINDS; kind++) {
    if (lengths[kind]! > 0xffff_ffff) throw new RangeError(`the document's ${args.kinds[kind]!.name} items have ${lengths[kind]} units in all, more than ${0xffff_ffff}`);
    metadata.setUint32(KIND_COUNTS + 8 * kind, counts[kind]!, true);
    metadata.setUint32(KIND_COUNTS + 8 * kind + 4, lengths[kind]!, true);
  }
  target.allocate(document, 0);
}

/** The document in memory (offsets from 0), as the writer's item readers see it. */
function memorySource(document: Uint8Array, target: EncodeTarget): DocumentSource {
  return {
    bytes: (pointer, byteLength) => document.subarray(pointer, pointer + byteLength),
    copyBytes: (pointer, byteLength, out, offset) => out.set(document.subarray(pointer, pointer + byteLength), offset),
    describeBytes: (pointer, byteLength) => ({ byteLength, sha256: createHash('sha256').update(document.subarray(pointer, pointer + byteLength)).digest('hex') }),
    otherField: () => {
      throw new TypeError('an item being encoded has no other fields');
    },
    codec: (id) => target.codec(id),
  };
}

// ── read ────────────────────────────────────────────────────────────────────────────────────────

/** Everything a reading hook needs for one field: the kinds' codecs and one item reader per kind. */
interface DocumentAccess {
  codecs: FieldCodec[];
  readers: ItemReader[];
  /** A new reader of kind `kind` (for decoders that keep one per decode in flight). */
  newReader(kind: number): ItemReader;
  /** Views the document of a sample (empty for none) and points `table` at it. */
  open(sampleIndex: number): { document: Uint8Array; table: DataView; base: number; items: number };
}

const accessCache = new WeakMap<FieldReader, DocumentAccess>();

function accessOf(field: FieldReader<InterleavedArguments>): DocumentAccess {
  let access = accessCache.get(field);
  if (access !== undefined) return access;
  const { kinds } = field.arguments;
  const codecs = kinds.map((kind) => kindCodec((id) => field.codec(id), kind, field.name));
  const path = (field as { path?: string }).path;
  const newReader = (index: number): ItemReader => {
    const kind = kinds[index]!;
    return new ItemReader(field, `${field.name}.${kind.name}`, field.index, kind.codec, kind.arguments, codecs[index]!.metadataLayout(kind.arguments).byteLength, path);
  };
  const readers = kinds.map((_, index) => newReader(index));
  const empty = new Uint8Array(0);
  access = {
    codecs,
    readers,
    newReader,
    open(sampleIndex) {
      const items = documentItems(field, sampleIndex);
      if (items === 0) return { document: empty, table: new DataView(empty.buffer), base: 0, items };
      const base = documentPointer(field, sampleIndex);
      const document = field.bytes(base, documentBytes(field, sampleIndex));
      return { document, table: new DataView(document.buffer, document.byteOffset, document.byteLength), base, items };
    },
  };
  accessCache.set(field, access);
  return access;
}

function checkKind(field: FieldReader<InterleavedArguments>, table: DataView, item: number, sampleIndex: number): number {
  const kind = itemKind(table, item);
  if (kind >= field.arguments.kinds.length) {
    throw new TesseraError('E_METADATA', `field "${field.name}", sample ${sampleIndex}: item ${item} has kind ${kind}, but the field has ${field.arguments.kinds.length} kinds; the file is corrupt: write it again`);
  }
  return kind;
}

function readItems(field: FieldReader<InterleavedArguments>, sampleIndex: number, json: boolean): Array<Record<string, unknown>> {
  const access = accessOf(field);
  const { document, table, base, items } = access.open(sampleIndex);
  const out: Array<Record<string, unknown>> = [];
  for (let item = 0; item < items; item++) {
    const kind = checkKind(field, table, item, sampleIndex);
    const reader = access.readers[kind]!;
    reader.load(document, table, base, item, `sample ${sampleIndex}, item ${item}`);
    const codec = access.codecs[kind]!;
    const value = json && codec.toJSON !== undefined ? codec.toJSON(reader, 0) : codec.read(reader, 0);
    out.push({ [field.arguments.kinds[kind]!.name]: value });
  }
  return out;
}

function validateDocuments(field: FieldReader<InterleavedArguments>): void {
  accessOf(field);
  const kinds = field.arguments.kinds.length;
  for (let sampleIndex = 0; sampleIndex < field.numSamples; sampleIndex++) {
    const items = documentItems(field, sampleIndex);
    let counted = 0;
    for (let kind = 0; kind < MAX_KINDS; kind++) {
      const count = kindCount(field, sampleIndex, kind);
      if (kind >= kinds && count > 0) throw new RangeError(`sample ${sampleIndex}: ${count} items of kind ${kind}, but the field has ${kinds} kinds`);
      counted += count;
    }
    if (counted !== items) throw new RangeError(`sample ${sampleIndex}: ${items} items, but its kinds count ${counted}`);
    if (items === 0) continue;
    const pointer = documentPointer(field, sampleIndex);
    const byteLength = documentBytes(field, sampleIndex);
    if (byteLength < items * ITEM_ENTRY_BYTES) throw new RangeError(`sample ${sampleIndex}: a document of ${items} items cannot fit in ${byteLength} bytes`);
    if (pointer < field.dataStart || pointer + byteLength > field.dataEnd) {
      throw new RangeError(`sample ${sampleIndex}: the document of ${byteLength} bytes at ${pointer} lies outside the data region [${field.dataStart}, ${field.dataEnd})`);
    }
  }
}

// ── decoders ────────────────────────────────────────────────────────────────────────────────────

interface MediaBudget {
  max: number;
  placeholder: number;
  placeholderTokens: number;
  decoder: string | undefined;
  decoderOptions: JsonValue | undefined;
}

interface Budget {
  maxTokens: number;
  /** per kind index: undefined for text kinds */
  media: Array<MediaBudget | undefined>;
  /** the kind `media`/`positions` output, when one is named or only one exists */
  kind: number | undefined;
}

function integer(value: unknown, name: string, fallback: number, low: number, high: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < low || value > high) throw new RangeError(`${name} must be an integer in [${low}, ${high}], got ${JSON.stringify(value)}`);
  return value;
}

function parseBudget(args: InterleavedArguments, raw: JsonValue | undefined, decoder: string): Budget {
  const options = (raw ?? {}) as InterleavedDecoderOptions;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new TypeError(`decoder ${decoder} options must be an object, got ${JSON.stringify(raw)}`);
  const maxTokens = integer(options.maxTokens, 'maxTokens', 2048, 1, MAX_OUTPUT);
  const given = options.media ?? {};
  if (given === null || typeof given !== 'object' || Array.isArray(given)) throw new TypeError(`media must be an object of options per media kind, got ${JSON.stringify(given)}`);
  const mediaNames = args.kinds.filter((kind) => !isText(kind)).map((kind) => kind.name);
  for (const name of Object.keys(given)) {
    if (!mediaNames.includes(name)) throw new RangeError(`media.${name}: the field has no media kind "${name}"; its media kinds are ${mediaNames.join(', ') || 'none'}`);
  }
  let placeholderIndex = 0;
  const media = args.kinds.map((kind): MediaBudget | undefined => {
    if (isText(kind)) return undefined;
    placeholderIndex += 1;
    const entry = (given as Record<string, InterleavedMediaOptions>)[kind.name] ?? {};
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw new TypeError(`media.${kind.name} must be an object, got ${JSON.stringify(entry)}`);
    for (const key of Object.keys(entry)) if (!MEDIA_OPTIONS.includes(key)) throw new RangeError(`media.${kind.name} has no option "${key}"; its options are ${MEDIA_OPTIONS.join(', ')}`);
    if (entry.decoder !== undefined && typeof entry.decoder !== 'string') throw new TypeError(`media.${kind.name}.decoder must be a decoder name, got ${JSON.stringify(entry.decoder)}`);
    return {
      max: integer(entry.max, `media.${kind.name}.max`, 4, 0, 65_535),
      placeholder: integer(entry.placeholder, `media.${kind.name}.placeholder`, -placeholderIndex, -0x8000_0000, 0x7fff_ffff),
      placeholderTokens: integer(entry.placeholderTokens, `media.${kind.name}.placeholderTokens`, 1, 1, MAX_OUTPUT),
      decoder: entry.decoder,
      decoderOptions: entry.decoderOptions,
    };
  });
  let kind: number | undefined;
  if (options.kind !== undefined) {
    kind = args.kinds.findIndex((entry) => entry.name === options.kind);
    if (kind < 0 || media[kind] === undefined) throw new RangeError(`kind "${String(options.kind)}" is not a media kind of the field; its media kinds are ${mediaNames.join(', ') || 'none'}`);
  } else if (mediaNames.length === 1) {
    kind = args.kinds.findIndex((entry) => entry.name === mediaNames[0]);
  }
  return { maxTokens, media, kind };
}

/**
 * Which items fit the budgets, walking the document in order: a text item gives as many of its
 * tokens as still fit; a media item is kept when its kind has room and its placeholders fit.
 * `take[i]`: tokens kept (text) or 1/0 (media); `start[i]`: its first position in `tokens`.
 */
class DocumentPlan {
  take = new Int32Array(64);
  start = new Int32Array(64);
  private readonly counts = new Int32Array(MAX_KINDS);

  constructor(
    private readonly field: FieldReader<InterleavedArguments>,
    private readonly budget: Budget,
  ) {}

  /** Returns the number of tokens. */
  plan(table: DataView, items: number, sampleIndex: number): number {
    if (this.take.length < items) {
      this.take = new Int32Array(items * 2);
      this.start = new Int32Array(items * 2);
    }
    this.counts.fill(0);
    const { maxTokens, media } = this.budget;
    let used = 0;
    for (let item = 0; item < items; item++) {
      const kind = checkKind(this.field, table, item, sampleIndex);
      this.start[item] = used;
      const limits = media[kind];
      if (limits === undefined) {
        const kept = Math.min(itemLength(table, item), maxTokens - used);
        this.take[item] = kept;
        used += kept;
      } else if (this.counts[kind]! < limits.max && used + limits.placeholderTokens <= maxTokens) {
        this.take[item] = 1;
        this.counts[kind]! += 1;
        used += limits.placeholderTokens;
      } else {
        this.take[item] = 0;
      }
    }
    return used;
  }
}

function textDecoders(field: FieldReader<InterleavedArguments>, access: DocumentAccess, maxTokens: number): Array<DecoderInstance | undefined> {
  return field.arguments.kinds.map((kind, index) => {
    if (!isText(kind)) return undefined;
    const definition = access.codecs[index]!.decoders.padded;
    if (definition === undefined) throw new TypeError(`the text kind "${kind.name}" (${kind.codec}) has no decoder "padded"`);
    return definition.setup(access.readers[index]!, { maxLength: maxTokens });
  });
}

const tokensDecoder: DecoderDefinition<InterleavedArguments> = {
  options: DECODER_OPTIONS,
  setup(field, options) {
    const budget = parseBudget(field.arguments, options, 'tokens');
    const access = accessOf(field);
    const { maxTokens, media } = budget;
    const texts = textDecoders(field, access, maxTokens);
    const planner = new DocumentPlan(field, budget);
    const scratchBytes = new Uint8Array(maxTokens * 4);
    const scratch: OutputSlot = { bytes: scratchBytes, data: new Int32Array(scratchBytes.buffer), lengths: new Int32Array(1) };
    const ids = scratch.data as Int32Array;
    return {
      output: { dtype: 'int32', shape: [maxTokens], variableDims: [0] },
      decode(sampleIndex: number, slot: OutputSlot) {
        const out = slot.data as Int32Array;
        const { document, table, base, items } = access.open(sampleIndex);
        const used = planner.plan(table, items, sampleIndex);
        for (let item = 0; item < items; item++) {
          const take = planner.take[item]!;
          if (take === 0) continue;
          const kind = itemKind(table, item);
          const at = planner.start[item]!;
          const limits = media[kind];
          if (limits !== undefined) {
            out.fill(limits.placeholder, at, at + limits.placeholderTokens);
            continue;
          }
          access.readers[kind]!.load(document, table, base, item, `sample ${sampleIndex}, item ${item}`);
          if (texts[kind]!.decode(0, scratch) !== undefined) throw new TypeError(`the text kind's decoder is asynchronous; text items need a synchronous one`);
          if (scratch.lengths[0]! < take) throw new TesseraError('E_METADATA', `field "${field.name}", sample ${sampleIndex}, item ${item}: ${scratch.lengths[0]} tokens decoded, ${take} recorded`);
          out.set(ids.subarray(0, take), at);
        }
        out.fill(0, used);
        slot.lengths[0] = used;
      },
    };
  },
};

function mediaKindOf(field: FieldReader<InterleavedArguments>, budget: Budget, decoder: string): number {
  if (budget.kind === undefined) {
    const names = field.arguments.kinds.filter((kind) => !isText(kind)).map((kind) => kind.name);
    throw new RangeError(
      names.length === 0 ? `decoder ${decoder}: the field has no media kinds, only text` : `decoder ${decoder} needs the option kind: one of ${names.join(', ')}`,
    );
  }
  return budget.kind;
}

const mediaDecoder: DecoderDefinition<InterleavedArguments> = {
  options: DECODER_OPTIONS,
  setup(field, options) {
    const budget = parseBudget(field.arguments, options, 'media');
    const kind = mediaKindOf(field, budget, 'media');
    const access = accessOf(field);
    const limits = budget.media[kind]!;
    const codec = access.codecs[kind]!;
    const kindInfo = field.arguments.kinds[kind]!;
    const decoderName = limits.decoder ?? codec.defaultDecoder;
    const definition = codec.decoders[decoderName];
    if (definition === undefined) throw new RangeError(`media.${kindInfo.name}.decoder: ${kindInfo.codec} has no decoder "${decoderName}"; it has ${Object.keys(codec.decoders).join(', ')}`);
    // One reader and item decoder per decode in flight: an asynchronous item decoder (a video
    // clip) may read its reader after an await, when the loader has started the next sample.
    const newPair = () => {
      const reader = access.newReader(kind);
      return { reader, inner: definition.setup(reader, limits.decoderOptions) };
    };
    const free = [newPair()];
    const { inner } = free[0]!;
    const { dtype, shape, variableDims } = inner.output;
    if ((variableDims?.length ?? 0) > 0 || shape.some((extent) => !(extent >= 1))) {
      throw new RangeError(
        `media.${kindInfo.name}: decoder ${decoderName} of ${kindInfo.codec} gives [${shape.join(', ')}]${(variableDims?.length ?? 0) > 0 ? ' with variable dimensions' : ' (a size it would take from the stored samples, which a document\'s item decoder does not scan)'}; items are stacked, so give it a fixed output size in media.${kindInfo.name}.decoderOptions (an image: 'center-crop' or 'random-resized-crop' with an outputSize; a video clip: frames with a size and a fixed-count sampler)`,
      );
    }
    const elements = shape.reduce((product, extent) => product * extent, 1);
    if (elements * Math.max(1, limits.max) > MAX_OUTPUT * 16) throw new RangeError(`media.${kindInfo.name}: ${limits.max} items of [${shape.join(', ')}] are too large a batch slot`);
    const planner = new DocumentPlan(field, budget);
    const subSlots = new WeakMap<Uint8Array, OutputSlot[]>();
    const empty = new Int32Array(0);
    const slotsOf = (slot: OutputSlot): OutputSlot[] => {
      let slots = subSlots.get(slot.bytes);
      if (slots === undefined) {
        const itemBytes = slot.bytes.byteLength / Math.max(1, limits.max);
        slots = [];
        for (let index = 0; index < limits.max; index++) {
          slots.push({ bytes: slot.bytes.subarray(index * itemBytes, (index + 1) * itemBytes), data: slot.data.subarray(index * elements, (index + 1) * elements), lengths: empty });
        }
        subSlots.set(slot.bytes, slots);
      }
      return slots;
    };
    return {
      output: { dtype, shape: [limits.max, ...shape], variableDims: [0] },
      ...(inner.description === undefined ? {} : { description: inner.description }),
      ...(inner.random === undefined ? {} : { random: inner.random }),
      decode(sampleIndex: number, slot: OutputSlot, context?: DecodeContext) {
        const { document, table, base, items } = access.open(sampleIndex);
        planner.plan(table, items, sampleIndex);
        // The plan is copied: another sample's decode may plan while this one awaits.
        const kept: number[] = [];
        for (let item = 0; item < items; item++) if (planner.take[item] !== 0 && itemKind(table, item) === kind) kept.push(item);
        const slots = slotsOf(slot);
        const itemBytes = slots.length === 0 ? 0 : slots[0]!.bytes.byteLength;
        const pair = free.pop() ?? newPair();
        const finish = () => {
          slot.bytes.fill(0, kept.length * itemBytes);
          slot.lengths[0] = kept.length;
        };
        const from = (start: number): void | Promise<void> => {
          for (let index = start; index < kept.length; index++) {
            const item = kept[index]!;
            pair.reader.load(document, table, base, item, `sample ${sampleIndex}, item ${item}`);
            const result = context === undefined ? pair.inner.decode(0, slots[index]!) : pair.inner.decode(0, slots[index]!, context);
            if (result !== undefined) return Promise.resolve(result).then(() => from(index + 1));
          }
          finish();
        };
        let result: void | Promise<void>;
        try {
          result = from(0);
        } catch (error) {
          free.push(pair);
          throw error;
        }
        if (result === undefined) {
          free.push(pair);
          return;
        }
        return result.finally(() => free.push(pair));
      },
    };
  },
};

const positionsDecoder: DecoderDefinition<InterleavedArguments> = {
  options: DECODER_OPTIONS,
  setup(field, options) {
    const budget = parseBudget(field.arguments, options, 'positions');
    const kind = mediaKindOf(field, budget, 'positions');
    const access = accessOf(field);
    const { max } = budget.media[kind]!;
    const planner = new DocumentPlan(field, budget);
    return {
      output: { dtype: 'int32', shape: [max], variableDims: [0] },
      decode(sampleIndex: number, slot: OutputSlot) {
        const out = slot.data as Int32Array;
        const { table, items } = access.open(sampleIndex);
        planner.plan(table, items, sampleIndex);
        let used = 0;
        for (let item = 0; item < items; item++) {
          if (planner.take[item] === 0 || itemKind(table, item) !== kind) continue;
          out[used++] = planner.start[item]!;
        }
        out.fill(0, used);
        slot.lengths[0] = used;
      },
    };
  },
};

export const interleavedCodec: FieldCodec<InterleavedValue, InterleavedArguments> = {
  id: INTERLEAVED_CODEC_ID,
  normalizeArguments: normalizeInterleavedArguments,
  metadataLayout: () => METADATA_LAYOUT,
  encode: encodeDocument,
  validate: validateDocuments,
  /** The items, each `{ kind: value }` with the value its own codec reads back. */
  read: (field, sampleIndex) => readItems(field, sampleIndex, false),
  toJSON: (field, sampleIndex) => readItems(field, sampleIndex, true),
  /** The document's sequence length before budgets: tokens of its text items plus one per media item. */
  length(field, sampleIndex) {
    let length = 0;
    field.arguments.kinds.forEach((kind, index) => {
      length += isText(kind) ? kindLength(field, sampleIndex, index) : kindCount(field, sampleIndex, index);
    });
    return length;
  },
  preview: previewDocument,
  /** Items per kind and the tokens of the text kinds, from the metadata column. */
  statistics(field, sampleIndex) {
    const statistics: Record<string, number> = {};
    let tokens = 0;
    field.arguments.kinds.forEach((kind, index) => {
      statistics[kind.name] = kindCount(field, sampleIndex, index);
      if (isText(kind)) tokens += kindLength(field, sampleIndex, index);
    });
    statistics.tokens = tokens;
    return statistics;
  },
  decoders: { tokens: tokensDecoder, media: mediaDecoder, positions: positionsDecoder },
  defaultDecoder: 'tokens',
};

/**
 * A JSON outline of the document: `{ items: [{ text: '…' }, { image: { width, height } }, …] }`.
 * Text items show their text (their codec's preview); media items their codec's statistics (an
 * image's size, a clip's seconds and frames) without decoding, else their `toJSON`.
 */
async function previewDocument(field: FieldReader<InterleavedArguments>, sampleIndex: number, options: PreviewOptions): Promise<FieldPreview> {
  const access = accessOf(field);
  const { document, table, base, items } = access.open(sampleIndex);
  const outline: Array<Record<string, unknown>> = [];
  for (let item = 0; item < items; item++) {
    const kind = checkKind(field, table, item, sampleIndex);
    const reader = access.readers[kind]!;
    reader.load(document, table, base, item, `sample ${sampleIndex}, item ${item}`);
    const codec = access.codecs[kind]!;
    let value: unknown;
    if (isText(field.arguments.kinds[kind]!) && codec.preview !== undefined) {
      const preview = await codec.preview(reader, 0, options);
      value = preview.kind === 'text' ? preview.text : preview;
    } else if (codec.statistics !== undefined) {
      value = codec.statistics(reader, 0);
    } else {
      value = codec.toJSON === undefined ? codec.read(reader, 0) : codec.toJSON(reader, 0);
    }
    outline.push({ [field.arguments.kinds[kind]!.name]: value });
  }
  return { kind: 'json', value: { items: outline } };
}
