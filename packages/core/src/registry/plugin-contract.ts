/**
 * The plugin contract (specVersion 1).
 *
 * A plugin is a named, versioned bundle of field codecs. A codec is everything Tessera needs to
 * know about one kind of field:
 *
 *   write side   arguments  <->  the 1024 argument bytes of the field descriptor
 *                a fixed-size metadata column per sample (size + alignment)
 *                encode(value) -> metadata bytes + zero or more payload allocations
 *   read side    read(sample) -> the stored value (for inspection, dumps, tests)
 *                named decoders, set up once per worker, that declare their output
 *                (dtype + shape, possibly variable) so batch memory is allocated once,
 *                then decode samples straight into that memory.
 *
 * FFCV's own fields keep their type ids 0–6. Every plugin field is written with type id 255 and
 * carries its identity (codec id, plugin package, plugin version, JSON arguments) in its argument
 * bytes, so a reader that lacks the plugin can say exactly what to install.
 *
 * Plugins are made by factories (`imagePlugin(options)`) and passed explicitly; importing a module
 * registers nothing. Worker threads rebuild a plugin from `origin` (module specifier, export
 * name, JSON options) because functions cannot cross threads.
 *
 * Everything a codec receives is owned by Tessera: views are only valid during the call unless
 * stated otherwise. Hooks may throw anything; Tessera wraps it with plugin, hook, field and
 * sample (see `PluginError`).
 */
import type { DType, TypedArray } from '../spec/dtype.js';
import type { JsonValue } from '../util/json-value.js';

export type { DType, TypedArray, JsonValue };

/** The version of this contract. A plugin declares the one it was written against. */
export const PLUGIN_SPEC_VERSION = 1;

export interface TesseraPlugin {
  /** Always 1 for this contract. */
  readonly specVersion: 1;
  /** npm package name, e.g. `@tessera/image` or `@acme/tessera-boxes`; shown in "install X" errors. */
  readonly name: string;
  /** The package version (semver); recorded in files so readers can check compatibility. */
  readonly version: string;
  /**
   * How a worker thread rebuilds this plugin: `(await import(module))[exportName](options)`.
   * `module` must be importable from a worker (a package name or a file URL); `options` must be
   * JSON. Omit only for plugins never used with `workers > 0`.
   */
  readonly origin?: PluginOrigin;
  /** The codecs this plugin provides. */
  readonly codecs: readonly FieldCodec[];
}

export interface PluginOrigin {
  module: string;
  exportName: string;
  options?: JsonValue;
}

/**
 * What a user puts in a schema: `{ label: int64(), boxes: boundingBoxes({ maxBoxes: 64 }) }`.
 * Field constructors (nouns) return these; they are plain data plus a reference to the plugin.
 */
export interface FieldSpec<TArgs extends JsonValue = JsonValue> {
  /** The plugin that provides the codec (the writer uses it, and ships it to workers). */
  readonly plugin: TesseraPlugin;
  /** The codec's id within the plugin. */
  readonly codecId: string;
  /** JSON arguments of the field (dtype, shape, modes...), validated by the codec. */
  readonly arguments: TArgs;
  /**
   * Optional: the plugins of the fields this field is made of (a document of text and image items
   * stores its items with their own plugins' codecs). The writer registers them with `plugin`, so
   * `EncodeTarget.codec` finds their codecs; readers get them from `plugins` like any other.
   */
  readonly uses?: readonly TesseraPlugin[];
}

/** A codec found by id among the plugins a file was opened or written with (see `FieldReader.codec`). */
export interface RegisteredCodecRef {
  readonly codec: FieldCodec;
  readonly plugin: TesseraPlugin;
}

/** A column of the metadata record (numpy `align=True` rules apply between columns). */
export interface MetadataLayout {
  /** Bytes per sample for this field; 0 is allowed (nothing per sample). */
  byteLength: number;
  /** 1, 2, 4 or 8. FFCV's scalar columns use 8, its struct columns 1. */
  alignment: 1 | 2 | 4 | 8;
}

export interface FieldCodec<TValue = unknown, TArgs extends JsonValue = JsonValue> {
  /**
   * Stable id, unique within the plugin and across plugins by convention: `<short plugin>/<kind>`,
   * e.g. `core/int64`, `image/rgb`, `acme/boxes`. Never change it once files exist.
   */
  readonly id: string;
  /**
   * FFCV type id (0–6) for FFCV-compatible codecs; 255 (the default) for every other codec.
   * A codec with an FFCV id has its arguments stored in FFCV's byte layout, not as JSON.
   */
  readonly typeId?: number;

  // ── write side ────────────────────────────────────────────────────────────────────────────

  /** Validate and normalise arguments (throw an Error naming the bad argument). Default: identity. */
  normalizeArguments?(args: TArgs): TArgs;
  /**
   * Only for FFCV type ids: arguments ↔ the 1024 descriptor bytes in FFCV's own layout.
   * Plugin codecs (type id 255) leave both undefined: Tessera stores their JSON arguments.
   */
  encodeFfcvArguments?(args: TArgs): Uint8Array;
  decodeFfcvArguments?(bytes: Uint8Array): TArgs;

  /** The metadata column this field occupies in every sample's record. */
  metadataLayout(args: TArgs): MetadataLayout;

  /**
   * Encode one value: write this field's metadata column and allocate payloads. Runs in writer
   * worker threads, in any order; must be a pure function of (value, args). May return a promise
   * (e.g. a native encoder); the writer keeps many in flight.
   */
  encode(value: TValue, args: TArgs, target: EncodeTarget): void | Promise<void>;

  /**
   * Optional: turn a user value into something that can be posted to a worker thread (the
   * structured-clone algorithm). Default: the value itself.
   */
  toTransferable?(value: TValue, args: TArgs): unknown;

  /**
   * Optional: set when `encode` only copies (or views) the value's bytes, with no computation worth
   * a thread (core's bytes, ndarray and scalars). When every field of a schema says so, the writer
   * encodes on the calling thread whatever its `workers` option: posting a value to a worker copies
   * it once more than encoding does.
   */
  readonly encodeCopiesOnly?: boolean;

  // ── read side ─────────────────────────────────────────────────────────────────────────────

  /**
   * Called once when a file is opened: check every sample's metadata for this field against
   * the file (pointers within the data region, sizes consistent...). Throw (the reader wraps it
   * as E_METADATA naming the field and sample) instead of letting a later read go out of bounds.
   * `field.bytes()` is bounds-checked anyway; this hook makes the failure early and precise.
   */
  validate?(field: FieldReader<TArgs>): void;

  /** The stored value of one sample, reconstructed (the inverse of `encode`, up to lossy coding). */
  read(field: FieldReader<TArgs>, sampleIndex: number): TValue;

  /**
   * A JSON-like rendering for `tessera dump` (bigint, NaN and ±Infinity are allowed: the dump
   * writer spells them out). Binary payloads should be `{ byteLength, sha256 }` of the stored
   * bytes (use `field.describeBytes()`), never the raw bytes. Default: `read()`.
   */
  toJSON?(field: FieldReader<TArgs>, sampleIndex: number): unknown;

  // ── lengths ───────────────────────────────────────────────────────────────────────────────

  /**
   * Optional: the sample's extent in the field's natural unit — frames of a video, samples per
   * channel of an audio clip, tokens of a text, spans, cues, items — from the metadata alone (no
   * payload read; 0 for an empty or absent value). `dataset.lengths(field)` reads it for every
   * sample once, so orders can group samples of similar length and batches can be sized by a
   * token or frame budget without decoding.
   */
  length?(field: FieldReader<TArgs>, sampleIndex: number): number;

  // ── time (stream fields) ──────────────────────────────────────────────────────────────────

  /**
   * Optional, for fields that hold a stream in time (video, audio, timed text, alignments): where
   * this sample's stream lies on the sample's time axis, in seconds. The axis is the one all
   * streams of a sample share — for media from one container, its presentation time (a video whose
   * first frame has pts 0.5 s starts at 0.5). Writes `out` and returns true; returns false when
   * this sample has no such stream (an optional stream left out). Read metadata (and at most a small
   * index) only: the loader calls it for every sample of a batch when windows are drawn over it
   * (loader option `window`).
   */
  timeline?(field: FieldReader<TArgs>, sampleIndex: number, out: StreamSpan): boolean;
  /**
   * Optional, for fields of labelled spans (word alignments, events): how many spans the sample
   * has, and — when `out.length ≥ 2 × count` — their [start, end) times in seconds on the sample's
   * axis, written as pairs. The loader's `window: { sampler: 'centered' }` centres windows on them.
   */
  anchors?(field: FieldReader<TArgs>, sampleIndex: number, out: Float64Array): number;

  // ── viewing (`tessera view`) ──────────────────────────────────────────────────────────────

  /**
   * Optional: what a viewer shows for one stored value — an image, an audio or video blob with its
   * MIME type, text with its tokens, an array, a JSON value, bytes (see `FieldPreview`). Serve what
   * is stored when a browser can show it (a JPEG as is, FLAC or MP3 as stored): a viewer decodes
   * nothing the page does not show. May return a promise (an encoder). Without the hook a viewer
   * shows `toJSON` (or `read`).
   */
  preview?(field: FieldReader<TArgs>, sampleIndex: number, options: PreviewOptions): FieldPreview | Promise<FieldPreview>;
  /**
   * Optional: per-sample figures worth a histogram or class counts, from the metadata and the
   * allocation table, never a payload (width, height and stored bytes of an image, seconds of a
   * clip, tokens of a text; a class id; a `byteLength` is shown as the field's size): names → finite
   * numbers, the same names for every sample. A viewer computes them over every sample of a small
   * file, or a seeded sample of rows of a large one (and says so).
   */
  statistics?(field: FieldReader<TArgs>, sampleIndex: number): Readonly<Record<string, number>>;

  /** Named decoders; `defaultDecoder` names the one used when a pipeline does not choose. */
  readonly decoders: Readonly<Record<string, DecoderDefinition<TArgs>>>;
  readonly defaultDecoder: string;
}

/** What a viewer asks of `preview`. */
export interface PreviewOptions {
  /** The longest side, in pixels, an image or poster needs (a thumbnail: 256; a detail view: larger). Larger stored images may be served as they are. */
  readonly maxSide: number;
}

/**
 * One value, ready to show (the `preview` hook). `bytes` are served as they are with `mimeType`, so
 * they must be a whole file a browser plays or shows (JPEG/PNG/WebP/BMP, WAV/FLAC/MP3/Ogg, MP4/WebM).
 */
export type FieldPreview =
  | { readonly kind: 'image'; readonly mimeType: string; readonly bytes: Uint8Array; readonly width: number; readonly height: number }
  | {
      readonly kind: 'audio';
      readonly mimeType: string;
      readonly bytes: Uint8Array;
      readonly durationSeconds: number;
      readonly sampleRate: number;
      readonly channels: number;
      /** Optional waveform strip: [min, max] pairs over equal slices of the clip, in [−1, 1]. */
      readonly peaks?: Float32Array;
    }
  | {
      readonly kind: 'video';
      readonly mimeType: string;
      readonly bytes: Uint8Array;
      readonly durationSeconds: number;
      readonly width: number;
      readonly height: number;
      readonly framesPerSecond?: number;
      /** A still to show before playing (e.g. the first frame as JPEG). */
      readonly poster?: { readonly mimeType: string; readonly bytes: Uint8Array };
    }
  | {
      readonly kind: 'text';
      readonly text: string;
      /** The tokens, in order, each with its id and its text (token boundaries on hover). */
      readonly tokens?: ReadonlyArray<{ readonly id: number; readonly text: string }>;
    }
  | { readonly kind: 'array'; readonly dtype: string; readonly shape: readonly number[]; /** the first values (at most 4096), as numbers */ readonly values: Float64Array }
  | { readonly kind: 'json'; readonly value: unknown }
  | { readonly kind: 'bytes'; readonly byteLength: number; /** the first bytes (at most 256) */ readonly head: Uint8Array };

/** A stream's extent on its sample's time axis (see `FieldCodec.timeline`). Reused: do not keep it. */
export interface StreamSpan {
  startSeconds: number;
  durationSeconds: number;
}

/**
 * The time window the loader chose for a sample (loader option `window`): every stream decoder that
 * cuts by windows outputs the part of its stream in [startSeconds, startSeconds + durationSeconds)
 * of the sample's time axis (see `FieldCodec.timeline`). Reused per batch position: do not keep it.
 */
export interface SampleWindow {
  readonly startSeconds: number;
  readonly durationSeconds: number;
}

/** Where `encode` writes. One object is reused for many samples: do not keep references. */
export interface EncodeTarget {
  /** The sample being encoded (its index in the source). */
  readonly sampleIndex: number;
  /** A view covering this field's metadata column, zero-filled, `metadataLayout().byteLength` long. */
  readonly metadata: DataView;
  /**
   * Store `payload` in the data pages (copied; the caller may reuse it after the call). Once placed,
   * its absolute file offset is written as a little-endian u64 at `pointerOffset` of this field's
   * metadata column (omit it to record the allocation without a pointer). A sample may allocate
   * any number of payloads; all allocations of a sample are laid out contiguously, in call order,
   * and may be larger than a page.
   */
  allocate(payload: Uint8Array, pointerOffset?: number): void;
  /**
   * A codec of the plugins the writer was given (with the schema's fields and their `uses`), by id;
   * undefined when none provides it. For fields made of other fields, which encode their parts
   * with the parts' own codecs.
   */
  codec(codecId: string): RegisteredCodecRef | undefined;
}

/** Read access to one field of an open file. Valid until the dataset is closed. */
export interface FieldReader<TArgs extends JsonValue = JsonValue> {
  readonly name: string;
  readonly index: number;
  readonly typeId: number;
  readonly codecId: string;
  readonly arguments: TArgs;
  readonly numSamples: number;
  /** The whole metadata table (all samples, all fields). */
  readonly metadata: DataView;
  /** Byte offset in `metadata` of this field's column for sample 0; add `sampleIndex * recordByteLength`. */
  readonly columnOffset: number;
  readonly recordByteLength: number;
  /** Start and end (exclusive) file offsets of the data region where payloads may live. */
  readonly dataStart: number;
  readonly dataEnd: number;
  /** `columnOffset + sampleIndex * recordByteLength`, bounds-checked. */
  recordOffset(sampleIndex: number): number;
  /** A little-endian u64 from the metadata table as a number (throws if above 2^53). */
  readUint64(metadataOffset: number): number;
  /**
   * Zero-copy view of file bytes [pointer, pointer + byteLength), checked against the data region.
   * With mmap it points into the mapping: valid until the dataset is closed; copy it to keep it.
   */
  bytes(pointer: number, byteLength: number): Uint8Array;
  /** Copy file bytes into `target` at `targetOffset` (the fast path for batch slots). */
  copyBytes(pointer: number, byteLength: number, target: Uint8Array, targetOffset: number): void;
  /** The size of the allocation that starts at `pointer` (from the allocation table). */
  allocationByteLength(pointer: number, sampleIndex?: number): number;
  /** Every allocation of a sample (all fields), in file order: [pointer, byteLength] pairs. */
  sampleAllocations(sampleIndex: number): Array<[pointer: number, byteLength: number]>;
  /** `{ byteLength, sha256 }` of stored bytes, for dumps. */
  describeBytes(pointer: number, byteLength: number): { byteLength: number; sha256: string };
  /** Another field of the same file (decoders that read several fields). */
  otherField(name: string): FieldReader;
  /**
   * A codec of the plugins the file was opened with, by id; undefined when none provides it. For
   * fields made of other fields (a document's text and image items), which read and decode their
   * parts with the parts' own codecs and decoders.
   */
  codec(codecId: string): RegisteredCodecRef | undefined;
}

// ── decoders ───────────────────────────────────────────────────────────────────────────────────

/**
 * The shape of one sample's decoded output (without the batch dimension). For variable-size
 * outputs give the maximum extent in `shape` and list the variable dimensions in `variableDims`:
 * the loader then provides `lengths` and the decoder writes each variable dimension's actual
 * extent; the rest of the slot is zero-filled padding (masks follow from the lengths).
 */
export interface OutputSpec {
  dtype: DType;
  shape: readonly number[];
  variableDims?: readonly number[];
}

/** A preallocated place for one sample's output. Reused across batches: never keep it. */
export interface OutputSlot {
  /** Byte view of the slot: `product(shape) * itemSize` bytes. */
  readonly bytes: Uint8Array;
  /** Typed view of the same memory (dtype of the OutputSpec). */
  readonly data: TypedArray;
  /** One entry per variable dimension (in `variableDims` order); empty when none. */
  readonly lengths: Int32Array;
}

export interface DecoderInstance {
  readonly output: OutputSpec;
  /**
   * Optional: what does the decoding, for `loader.stats().decoders` (e.g. 'node-av: FFmpeg 8.1,
   * decoder h264'), so a run records which library and version made its batches.
   */
  readonly description?: string;
  /**
   * Set when `decode` draws random numbers (random crops, random windows): the loader then reseeds
   * `context.random` from (seed, epoch, sample) before each call, so results do not depend on
   * worker count or timing. Leave unset otherwise (reseeding costs a little per sample).
   */
  readonly random?: boolean;
  /**
   * Decode `sampleIndex` into `slot`. Synchronous decoders return nothing; asynchronous ones
   * (native libraries) return a promise and the loader keeps many in flight. `context` is given
   * by the loader (absent in standalone use: draw nothing then, or fall back to a fixed choice).
   */
  decode(sampleIndex: number, slot: OutputSlot, context?: DecodeContext): void | Promise<void>;
}

/** The random draws decoders and operations may make (seeded by the loader, deterministic). */
export interface RandomNumbers {
  /** uniform in [0, 1) */
  nextFloat(): number;
  /** uniform integer in [0, bound) */
  nextInt(bound: number): number;
  /** uniform integer in [0, 2^32) */
  nextUint32(): number;
}

/** What the loader passes to decoders: the epoch and, for decoders with `random: true`, a seeded source. */
export interface DecodeContext {
  readonly sampleIndex: number;
  readonly epoch: number;
  readonly random: RandomNumbers;
  /**
   * With the loader's `repeat: n`, every sample is decoded n times per epoch, each occurrence with
   * its own random streams: which occurrence this is (0 to n − 1) and n. A decoder that spreads
   * choices over the occurrences (N uniformly spaced clips of a video as N samples) reads them;
   * absent (0 and 1) outside a loader.
   */
  readonly occurrence?: number;
  readonly occurrences?: number;
  /**
   * With the loader's `window` option: this sample's window, the same for every field of the
   * sample (drawn once from its own seeded stream). Absent otherwise: a decoder asked to cut by the
   * window then throws an E_ARGUMENT naming the loader option.
   */
  readonly window?: SampleWindow;
}

export interface DecoderDefinition<TArgs extends JsonValue = JsonValue, TOptions extends JsonValue = JsonValue> {
  /**
   * Optional: the names of the options `setup` reads from its options object. When present, the
   * loader rejects `decoderOptions` that are not an object (or null) and every key not listed, with
   * E_ARGUMENT naming the field, the decoder and the nearest listed name, before `setup` runs; `[]`
   * declares a decoder that takes no options. When absent, options reach `setup` unchecked (it
   * checks them itself, or ignores them). List every name `setup` accepts, also rarely used ones.
   */
  readonly options?: readonly string[];
  /**
   * Called once per worker with the field and the decoder's JSON options. Do the expensive work
   * here (scan sizes, allocate scratch memory); return an instance whose `decode` is cheap.
   */
  setup(field: FieldReader<TArgs>, options: TOptions | undefined): DecoderInstance;
}
