/**
 * The pipeline contract: what runs between a field's stored bytes and a batch.
 *
 * A field's pipeline is a decoder (a named decoder of the field's codec, see plugin-contract.ts)
 * followed by zero or more operations. Every stage declares its output (dtype + shape, possibly
 * with variable dimensions) from its input when the loader is created, so each batch buffer is
 * allocated once and reused: nothing is allocated per sample in steady state.
 *
 * Two kinds of operations:
 * - sample operations transform one sample's output into the next stage's slot (flip, crop,
 *   normalize, …). They run where the decoder runs: on the calling thread or in a decode worker.
 * - batch operations see a whole batch of one or more fields at once (mixup, cutmix, …). They run
 *   on the calling thread after every sample of the batch is ready.
 *
 * Randomness: operations draw from `context.random`, seeded from (loader seed, epoch, sample
 * index) for sample operations and (seed, epoch, batch index) for batch operations, so results do
 * not depend on the number of workers or on timing.
 *
 * Workers: functions cannot cross threads. An operation made by a factory exported from a module
 * carries an `origin` (module specifier, export name, JSON options) and runs inside decode
 * workers; an operation without an origin still works — the loader runs it, and everything after
 * it in that field's pipeline, on the calling thread. Nothing is rejected for being "not
 * compilable".
 */
import type { JsonValue, OutputSlot, OutputSpec, PluginOrigin, RandomNumbers, SampleWindow, TypedArray } from '../registry/plugin-contract.js';

export type { OutputSlot, OutputSpec };


export interface SampleContext {
  readonly sampleIndex: number;
  readonly epoch: number;
  /** seeded from (seed, epoch, sampleIndex, stage); reseeded for every sample and stage */
  readonly random: RandomNumbers;
  /** with the loader's `repeat`: which occurrence of the sample in the epoch (0-based), and how many (see DecodeContext) */
  readonly occurrence?: number;
  readonly occurrences?: number;
  /** with the loader's `window`: the sample's time window, the same for all its fields (see DecodeContext) */
  readonly window?: SampleWindow;
}

export interface SampleOperation<TOptions extends JsonValue = JsonValue> {
  readonly kind: 'sample';
  /** For messages and stats, e.g. 'image/random-horizontal-flip'. */
  readonly name: string;
  /** JSON options (what `origin.options` would rebuild). */
  readonly options?: TOptions;
  /** How a decode worker rebuilds this operation: `(await import(module))[exportName](options)`. */
  readonly origin?: PluginOrigin;
  /**
   * Called once per worker with the previous stage's output. Throw (an Error naming the problem) if
   * the input cannot be handled (wrong dtype, rank...). The returned instance is reused for every sample.
   */
  setup(input: OutputSpec): SampleOperationInstance;
}

export interface SampleOperationInstance {
  readonly output: OutputSpec;
  /**
   * True when the operation works in place: `apply` then receives the same slot as input and
   * output (the output spec must equal the input spec). Saves a copy per sample.
   */
  readonly inPlace?: boolean;
  /**
   * Transform one sample. `input.lengths` holds the previous stage's variable extents; write
   * `output.lengths` when the output has variable dimensions. May return a promise (native work).
   */
  apply(input: OutputSlot, output: OutputSlot, context: SampleContext): void | Promise<void>;
}

/** One field of a batch as batch operations see it. */
export interface BatchColumn {
  /** `[batchSize, ...shape]` elements, C order; rows past `count` are stale */
  readonly data: TypedArray;
  readonly spec: OutputSpec;
  /** `batchSize * variableDims.length` extents (row-major), empty when none */
  readonly lengths: Int32Array;
}

export interface BatchContext {
  readonly epoch: number;
  readonly batchIndex: number;
  /** samples in this batch (the last batch may be short) */
  readonly count: number;
  readonly sampleIndices: Uint32Array;
  readonly random: RandomNumbers;
}

export interface BatchOperation<TOptions extends JsonValue = JsonValue> {
  readonly kind: 'batch';
  readonly name: string;
  readonly options?: TOptions;
  /** Field names read (and written) by this operation; the first is the one it is attached to. */
  readonly fields?: readonly string[];
  /**
   * Called once with the specs of the fields it reads. Returns the output spec of every field it
   * changes (e.g. mixup turns an int label into float32 soft labels); fields it does not list keep
   * their spec.
   */
  setup(inputs: Readonly<Record<string, OutputSpec>>): BatchOperationInstance;
}

export interface BatchOperationInstance {
  /** New specs of the fields this operation rewrites (others are passed through). */
  readonly outputs: Readonly<Record<string, OutputSpec>>;
  /**
   * Rewrite the batch: `inputs` are the fields as they are, `outputs` the preallocated columns for
   * the fields listed in `outputs` (same object as the input column when its spec is unchanged).
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: operations that return nothing are the common case
  apply(inputs: Readonly<Record<string, BatchColumn>>, outputs: Readonly<Record<string, BatchColumn>>, context: BatchContext): void | BatchShapes;
}

/**
 * Returned by a batch operation that makes some fields smaller for this batch only (dynamic
 * padding): the per-sample shape of each such field, same rank as its spec and no dimension larger.
 * The operation must have packed the field densely (`count × product(shape)` elements at the start
 * of its column); the batch then carries that shape and a view of that block.
 */
export interface BatchShapes {
  shapes?: Readonly<Record<string, readonly number[]>>;
}

export type Operation = SampleOperation | BatchOperation;

/**
 * How one field is decoded and transformed. `null` in `pipelines` drops the field; a field with no
 * entry gets its codec's default decoder and no operations.
 */
export interface FieldPipeline {
  /**
   * The stored field this pipeline decodes; default: the pipeline's own key. Naming another field
   * adds an output to the batch under the pipeline's key, so one field can give several outputs:
   * `{ video: { decoder: 'frames', … }, 'video.times': { field: 'video', decoder: 'times', … } }`.
   * Such a pipeline draws from the same random streams as the field's own pipeline (same seed,
   * epoch and sample), so a decoder making the same draws with the same options (a clip's start, a
   * crop) makes the same choices.
   */
  field?: string;
  /**
   * Another field of the file whose random streams this pipeline draws from (same seed, epoch,
   * sample and stream), instead of its own. Two fields made for the same sample (a video and its
   * optical flow, a video and its audio track) decoded with the same clip and crop options then make
   * the same choices: `{ video: {...}, flow: { randomFrom: 'video', … } }`. Default: the field's own
   * streams (or, with `field`, the decoded field's).
   */
  randomFrom?: string;
  /** Decoder name of the field's codec (default: the codec's default decoder). */
  decoder?: string;
  /** JSON options of the decoder. */
  decoderOptions?: JsonValue;
  /** Operations after the decoder, in order. */
  operations?: readonly Operation[];
}
