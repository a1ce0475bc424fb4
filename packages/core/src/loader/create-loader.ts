import { ArgumentError, TesseraError, wrapPluginError } from '../errors.js';
import { type Dataset, type OpenOptions, type RemoteHandle, openDataset, remoteOf } from '../reader/open-dataset.js';
import type { DatasetSource } from '../reader/dataset-manifest.js';
import { type MultiFileDataset, isMultiFileDataset } from '../reader/multi-file-dataset.js';
import { type MixOptions, mixOrder, resolveMix } from './orders/mix-order.js';
import type { RemoteSourceStats } from '../io/remote-file-source.js';
import type { DType, TesseraPlugin, TypedArray } from '../registry/plugin-contract.js';
import { DTYPE_BYTE_LENGTH, typedView } from '../spec/dtype.js';
import { allocateAligned } from '../util/aligned-memory.js';
import { allocateSlotMemory, createSlots, specByteLength } from '../registry/output-slots.js';
import { type CompiledField, type SampleRunContext, compileField } from './compiled-pipeline.js';
import { type LoaderRun, type LoaderState, checkResumeState, describeRun, fileDigest } from './loader-state.js';
import { type OrderContext, type TraversalOrder, rankOrder, resolveOrder } from './orders/index.js';
import { createSampleRandom } from './orders/random.js';
import type { BatchColumn, BatchOperation, BatchOperationInstance, FieldPipeline, OutputSlot, OutputSpec } from './pipeline-contract.js';
import type { PageCacheStats } from '../io/page-cache-source.js';
import { type DecodePool, createDecodePool } from './decode-pool.js';
import type { DecodeWorkerSetup } from './decode-protocol.js';
import { PageIndex } from './page-index.js';
import { type PinnedFile, pinFile, unpinFile } from './file-identity.js';
import { checkKnownOptions } from '../util/check-options.js';
import { type BatchBudgetOptions, type ResolvedBatchBudget, budgetBatchStarts, resolveBatchBudget } from './batch-budget.js';
import { OPTIONAL_CODEC_ID, PRESENT_DECODER } from '../fields/optional-field.js';
import { type ResolvedWindowOptions, type WindowOptions, type WindowPlanner, createWindowPlanner, createWindowState, resolveWindowOptions, updateWindow } from './sample-window.js';

export interface LoaderOptions {
  /** Samples per batch (the last batch of an epoch may be short unless `dropLast`). */
  batchSize: number;
  /** 'sequential' (default), 'random', 'quasi-random', or a custom `TraversalOrder`. */
  order?: 'sequential' | 'random' | 'quasi-random' | TraversalOrder;
  /** Seed of every random choice (orders and augmentations); same seed → same batches everywhere. Default 0. */
  seed?: number;
  /** Only these samples (in this order for 'sequential'). */
  indices?: ArrayLike<number>;
  /**
   * Each sample (of `indices`) is visited this many times per epoch, as separate samples, each
   * with its own random streams: several random clips of a video per epoch, or with a video
   * decoder's `sampler: 'uniform'`, n uniformly spaced clips as n samples. Orders traverse the
   * occurrences like samples (random: one shuffle of all of them). Default 1.
   */
  repeat?: number;
  /**
   * This process's share of the data (PyTorch DistributedSampler semantics). `'env'`: rank and
   * world size from the launcher's environment, `RANK` and `WORLD_SIZE` as torchrun (and most
   * launchers) set them; an error names what is missing.
   */
  distributed?: { rank: number; worldSize: number } | 'env';
  /** Drop the last, incomplete batch of each epoch. Default false. */
  dropLast?: boolean;
  /** Batches prepared ahead while the consumer works. Default 2. */
  batchesAhead?: number;
  /** Per-field pipelines; `null` drops a field, a missing entry uses the default decoder. */
  pipelines?: Readonly<Record<string, FieldPipeline | null>>;
  /** Batch-level operations (mixup…), run in order after every field of a batch is ready. */
  batchOperations?: readonly BatchOperation[];
  /** Plugins for the file's plugin fields (and pixel codecs such as @tessera/image). */
  plugins?: readonly TesseraPlugin[];
  /**
   * 'os' (default): the OS page cache through mmap, with madvise hints ahead of the traversal.
   * 'process': data pages are read with pread into a bounded pool (`cacheBytes`) and read ahead
   * for upcoming batches — for network filesystems and files larger than RAM. With workers, each
   * worker gets `cacheBytes / workers`.
   */
  cache?: 'os' | 'process';
  /** Pool size for cache: 'process' (default 256 MiB). */
  cacheBytes?: number;
  /** Continue exactly where `loader.state()` was taken. */
  resume?: LoaderState;
  /** Use pread instead of mmap (`'off'`), or insist on mmap (`'required'`). */
  mmap?: 'auto' | 'off' | 'required';
  /**
   * Decode worker threads (default 0: decode on the calling thread). Workers decode straight into
   * shared batch memory. Fields whose plugin or operations have no `origin` are decoded on the
   * calling thread either way. Batches are identical whatever the number of workers.
   */
  workers?: number;
  /**
   * One time window per sample, shared by all its fields: `{ timeline: 'video', seconds: 0.64 }`
   * draws a window [t, t + 0.64) over each sample's video stream (seeded from seed, epoch, sample and
   * occurrence: the same whatever the worker count), and every decoder told to cut by the window
   * (video `sampler: 'window'`, audio `crop: 'window'`, spans `window: true`…) outputs its stream's
   * part of that interval. The batch gets an output `window` (float64 [startSeconds, durationSeconds]
   * per sample; renamed with `output`). See WindowOptions for the samplers (random, regular, centered).
   */
  window?: WindowOptions;
  /**
   * Sidecar files (written by `writeSidecar` for this file) whose fields load like the file's own,
   * joined by sample index: pipelines are keyed by their names, decode workers open them too.
   * Opened with `openDataset(path, { sidecars })` and its checks (E_SIDECAR_MISMATCH); to load an
   * open Dataset with sidecars, open it with them.
   */
  sidecars?: readonly string[];
  /**
   * Byte-source providers for a remote `source` (`s3://…` needs `[s3()]` from @tessera/s3; http(s)
   * needs none). Decode workers rebuild them from their origin.
   */
  byteSources?: OpenOptions['byteSources'];
  /**
   * Cache, read-ahead and retry settings for a remote `source` (see RemoteOptions). The loader
   * fetches the bytes of the next `readAhead` batches (default 16) into the shared disk cache while
   * the current ones decode, so workers rarely wait on the network.
   */
  remote?: OpenOptions['remote'];
  /**
   * Batches cut by a budget of elements instead of a fixed count: `{ lengths: dataset.lengths('tokens'),
   * maxElements: 16384 }` fills each batch while count × longest (or the sum, `cost: 'sum'`) stays
   * within 16,384 and the count within `batchSize`. Batches then vary in size (and `length` from epoch
   * to epoch); combine it with `lengthGroupedOrder` so each batch holds samples of similar length.
   */
  batchBudget?: BatchBudgetOptions;
  /**
   * Weighted mixing of the streams of a dataset of several files (`{ streams }` manifest): how much
   * of each stream an epoch visits (`proportion`, `repeat` or `choose`) and how batches are made
   * (`'stratified'` or `'per-stream'`); see MixOptions for the exact semantics. A dataset with more
   * than one stream mixes by the manifest's weights (else every sample once) without this option.
   * `order` then orders each stream's samples; `indices` and `repeat` are not given with a mixture.
   */
  mix?: MixOptions;
}

/** One field of a batch: `shape[0]` is the number of samples in the batch. */
export interface BatchField {
  readonly data: TypedArray;
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** For outputs with variable dimensions: `count × variableDims.length` actual extents, row-major. */
  readonly lengths?: Int32Array;
}

export const BATCH_INFO: unique symbol = Symbol('tessera.batch');

export interface BatchInfo {
  readonly epoch: number;
  /** index of the batch in its epoch */
  readonly index: number;
  readonly count: number;
  readonly sampleIndices: Uint32Array;
}

/**
 * A batch: one entry per field. Its arrays live in loader-owned memory that is reused: they are
 * valid until the loop asks for the next batch (the next `for await` step); copy what you keep.
 * Reading a field of a batch after that throws E_CLOSED.
 */
export type Batch = Readonly<Record<string, BatchField>> & { readonly [BATCH_INFO]: BatchInfo };

export interface LoaderStats {
  batches: number;
  samples: number;
  /** decoders (including reading the bytes from the page cache), per field */
  decodeMs: Record<string, number>;
  /** sample operations, per field and operation, plus batch operations */
  transformMs: Record<string, number>;
  /** time the consumer waited for a batch: the loader was the bottleneck */
  waitMs: number;
  /** time between handing out a batch and the request for the next: the consumer's work */
  consumerMs: number;
  /** samples per second of loader work (decode + transform) */
  samplesPerSecond: number;
  /** cache: 'process' counters of the calling thread's pool (pages and bytes read from the file, hits, misses) */
  cache?: PageCacheStats;
  /**
   * Where each stage runs, keyed like `decodeMs` and `transformMs`: the field name for its decoder,
   * `field/operation` for sample operations, `batch/operation` for batch operations. `'worker'`: in
   * the decode workers; `'main'`: on the calling thread, with the reason (`workers` is 0, a plugin or
   * operation without an `origin`, a batch operation).
   */
  placement: Record<string, { thread: 'worker' | 'main'; reason?: string }>;
  /** What decodes each output, for decoders that describe themselves (library and version), keyed by output name. */
  decoders: Record<string, string>;
  /** Remote datasets: requests, retries, bytes fetched, disk-cache hits, time waiting on the network (every thread's). */
  remote?: RemoteSourceStats;
}

export interface Loader extends AsyncIterable<Batch> {
  /** The epoch the next iteration runs (incremented when an iteration completes). */
  readonly epoch: number;
  /** Batches per epoch for this rank. */
  readonly length: number;
  /** Samples per epoch for this rank (after distributed padding). */
  readonly samplesPerEpoch: number;
  /** Output spec of each field, as batches carry it (without the batch dimension). */
  readonly outputs: Readonly<Record<string, OutputSpec>>;
  readonly dataset: Dataset;
  /** A small JSON value; `createLoader(path, { ...options, resume: state })` continues exactly here. */
  state(): LoaderState;
  stats(): LoaderStats;
  close(): Promise<void>;
}

const DEFAULT_BATCHES_AHEAD = 2;
/** Distinct blocks of `blockBytes` the byte ranges touch. */
function countBlocks(ranges: ReadonlyArray<readonly [number, number]>, blockBytes: number): number {
  const blocks = new Set<number>();
  for (const [offset, byteLength] of ranges) {
    const last = Math.floor((offset + byteLength - 1) / blockBytes);
    for (let block = Math.floor(offset / blockBytes); block <= last; block++) blocks.add(block);
  }
  return blocks.size;
}

/** A batch is cut into about this many claims per worker (at least one sample each). */
const CLAIMS_PER_WORKER = 4;
/** hintAhead skips a page it hinted for one of this many previous batches */
const HINT_REUSE_BATCHES = 8;

interface BufferSet {
  /** per compiled field: slots for every position, and the column over the whole batch */
  slots: OutputSlot[][];
  /** per compiled field: the lengths array its slots write into */
  fieldLengths: Int32Array[];
  columns: BatchColumn[];
  sampleIndices: Uint32Array;
  /** per position: which occurrence of its sample (all 0 unless `repeat` > 1) */
  occurrences: Uint32Array;
  /** the next position a decode worker claims (shared with the workers) */
  claim: Int32Array;
  busy: boolean;
  /** per-batch shapes set by batch operations (dynamic padding), cleared at each fill */
  shapes: Map<string, readonly number[]>;
}

const LOADER_OPTIONS: readonly (keyof LoaderOptions)[] = [
  'batchSize',
  'order',
  'seed',
  'indices',
  'repeat',
  'distributed',
  'dropLast',
  'batchesAhead',
  'pipelines',
  'batchOperations',
  'plugins',
  'cache',
  'cacheBytes',
  'resume',
  'mmap',
  'workers',
  'window',
  'sidecars',
  'batchBudget',
  'mix',
  'byteSources',
  'remote',
];

/** Names users bring from PyTorch's DataLoader and FFCV's Loader. */
const LOADER_OPTION_HINTS: Readonly<Record<string, string>> = {
  shuffle: "order: 'random'",
  batch_size: 'batchSize',
  num_workers: 'workers',
  drop_last: 'dropLast',
  prefetch_factor: 'batchesAhead',
  batches_ahead: 'batchesAhead',
  os_cache: "cache: 'os'",
  distributed_rank: 'distributed: { rank, worldSize }',
  world_size: 'distributed: { rank, worldSize }',
};

const PIPELINE_OPTIONS: readonly (keyof FieldPipeline)[] = ['field', 'randomFrom', 'decoder', 'decoderOptions', 'operations'];
const PIPELINE_OPTION_HINTS: Readonly<Record<string, string>> = { options: 'decoderOptions', decoder_options: 'decoderOptions', transforms: 'operations' };
const DISTRIBUTED_OPTIONS = ['rank', 'worldSize'] as const;

/**
 * Workers of loaders nobody can reach any more (never closed, never iterated to the end): the
 * threads are terminated and the file descriptor closed when the loader is garbage collected.
 */
const unreachableLoaders = new FinalizationRegistry<{ pool: DecodePool | undefined; files: PinnedFile[] }>((held) => {
  const unpin = () => {
    for (const file of held.files) unpinFile(file);
  };
  void held.pool
    ?.close()
    .catch(() => {})
    .finally(unpin);
  if (held.pool === undefined) unpin();
});

/**
 * A loader over a file, an open Dataset, or several files as one dataset (an array of paths, a
 * manifest object or a `*.json` manifest file: see `openDataset`), whose streams it mixes (`mix`).
 */
export function createLoader(path: DatasetSource | Dataset, options: LoaderOptions): Loader {
  return new TesseraLoader(path, options);
}

class TesseraLoader implements Loader {
  readonly dataset: Dataset;
  /** batches per epoch without a budget (with one, `length` is the current epoch's) */
  private readonly fixedLength: number;
  /** the loader's `batchBudget`, resolved; and the batch boundaries of the last epoch asked for */
  private readonly budget: ResolvedBatchBudget | undefined;
  private budgetStarts: { epoch: number; starts: Uint32Array } | undefined;
  readonly samplesPerEpoch: number;
  readonly outputs: Record<string, OutputSpec> = {};
  epoch: number;
  private readonly ownsDataset: boolean;
  private readonly batchSize: number;
  private readonly seed: number;
  private readonly order: TraversalOrder;
  /** the traversal's items: sample indices, or with `repeat` > 1, occurrence × numSamples + sample index */
  private readonly indices: Uint32Array;
  private readonly repeat: number;
  private readonly numSamples: number;
  private readonly distributed: { rank: number; worldSize: number } | undefined;
  private readonly dropLast: boolean;
  private readonly batchesAhead: number;
  private readonly fields: CompiledField[] = [];
  private readonly fieldSpecs: OutputSpec[] = [];
  private readonly stageSalts: number[] = [];
  private readonly batchOperations: Array<{ operation: BatchOperation; instance: BatchOperationInstance }> = [];
  private readonly buffers: BufferSet[] = [];
  private readonly contexts: SampleRunContext[] = [];
  /** the loader's `window` option, resolved, and its planner on this thread */
  private readonly windowOptions: ResolvedWindowOptions | undefined;
  private readonly windowPlanner: WindowPlanner | undefined;
  private readonly stageMilliseconds: Float64Array[] = [];
  private readonly batchOperationMilliseconds: Float64Array;
  private readonly pageIndex: PageIndex;
  private readonly pool: DecodePool | undefined;
  /** the inode being read, kept open: workers open it through this descriptor, each batch checks it is unchanged */
  private readonly file: PinnedFile | undefined;
  /** set for remote datasets: what workers open, and the source read-ahead warms */
  private readonly remote: RemoteHandle | undefined;
  /** the last batch (epoch, index) whose bytes were requested ahead, and the fill gate keeping fills in order */
  private warmedThrough = { epoch: -1, batchIndex: -1 };
  private readonly warming = new Map<number, { ready: Promise<void>; byteLength: number }>();
  /** bytes of the blocks requested for batches not yet being decoded */
  private warmedBytes = 0;
  /** the same for each sidecar file (`dataset.sidecars`, in order) */
  private readonly sidecarFiles: PinnedFile[] = [];
  /** a dataset of several files: each file, pinned like a single file */
  private readonly partFiles: PinnedFile[] = [];
  private readonly multi: MultiFileDataset | undefined;
  /** the order whose page access the madvise hints follow: the loader's, or within a mixture its streams' */
  private accessOrder: string;
  /** what decides the batches besides the position (computed when a state is first taken or checked) */
  private readonly run: () => LoaderRun;
  /** per compiled field: decoded by the workers (true) or on the calling thread */
  private readonly inWorkers: boolean[] = [];
  /** where each decoder and operation runs (stats().placement) */
  private readonly placement: LoaderStats['placement'] = {};
  private poolReady: Promise<void> | undefined;
  /** stage times the decode workers accumulate: Float64 [worker][worker field][stage] */
  private workerStageTimes: Float64Array | undefined;
  /** per data page: the hintAhead call that last hinted it; and a reused scratch list of pages */
  private hintedAt: Float64Array | undefined;
  private hintPages: Int32Array | undefined;
  private hintSequence = HINT_REUSE_BATCHES + 1;
  /** batches of the current epoch already handed out (the resume position) */
  private position = 0;
  /** after an elastic resume: the epoch that starts at a position of its global order, and where */
  private elasticStart: { epoch: number; position: number } | undefined;
  private iterating = false;
  private closed = false;
  private totals = { batches: 0, samples: 0, waitMs: 0, consumerMs: 0, startedAt: 0 };

  constructor(source: DatasetSource | Dataset, options: LoaderOptions) {
    if (options === null || typeof options !== 'object') throw new ArgumentError('options', 'createLoader(path, { batchSize, ... }) needs options');
    if (source === null || (typeof source !== 'string' && typeof source !== 'object')) {
      throw new ArgumentError('path', `expected a file path, several paths, a dataset manifest or an open Dataset, got ${source === null ? 'null' : typeof source}`);
    }
    const given = typeof source === 'object' && typeof (source as Dataset).field === 'function' ? (source as Dataset) : undefined;
    checkKnownOptions('createLoader options', options, LOADER_OPTIONS, LOADER_OPTION_HINTS);
    if (options.distributed !== undefined && options.distributed !== 'env') checkKnownOptions('distributed', options.distributed, DISTRIBUTED_OPTIONS, { world_size: 'worldSize', world: 'worldSize' });
    for (const [name, pipeline] of Object.entries(options.pipelines ?? {})) {
      if (pipeline !== null && (typeof pipeline !== 'object' || Array.isArray(pipeline))) {
        throw new ArgumentError(`pipelines.${name}`, `expected { decoder?, decoderOptions?, operations? } or null, got ${Array.isArray(pipeline) ? 'an array (put operations in { operations: [...] })' : typeof pipeline}`);
      }
      checkKnownOptions(`pipelines.${name}`, pipeline ?? undefined, PIPELINE_OPTIONS, PIPELINE_OPTION_HINTS);
    }
    const { batchSize } = options;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new ArgumentError('batchSize', `must be a positive integer, got ${String(batchSize)}`);
    this.batchSize = batchSize;
    this.seed = options.seed ?? 0;
    if (!Number.isInteger(this.seed) || this.seed < 0 || this.seed > 0xffff_ffff) throw new ArgumentError('seed', `must be an integer in [0, 2^32), got ${String(options.seed)}`);
    this.batchesAhead = options.batchesAhead ?? DEFAULT_BATCHES_AHEAD;
    if (!Number.isInteger(this.batchesAhead) || this.batchesAhead < 0) throw new ArgumentError('batchesAhead', `must be a non-negative integer, got ${String(options.batchesAhead)}`);
    if (options.cache !== undefined && options.cache !== 'os' && options.cache !== 'process') {
      throw new ArgumentError('cache', `must be 'os' or 'process', got ${JSON.stringify(options.cache)}`);
    }
    this.dropLast = options.dropLast ?? false;
    this.order = resolveOrder(options.order ?? 'sequential');
    this.accessOrder = this.order.name;

    this.ownsDataset = given === undefined;
    if (!this.ownsDataset && options.sidecars !== undefined) {
      throw new ArgumentError('sidecars', 'the loader got an open Dataset: open it with its sidecars instead (openDataset(path, { sidecars }))');
    }
    this.dataset =
      given === undefined
        ? openDataset(source as DatasetSource, {
            plugins: options.plugins,
            mmap: options.mmap,
            cache: options.cache,
            cacheBytes: options.cacheBytes,
            sidecars: options.sidecars,
            byteSources: options.byteSources,
            remote: options.remote,
          })
        : given;
    let file: PinnedFile | undefined;
    try {
      this.multi = isMultiFileDataset(this.dataset) ? this.dataset : undefined;
      const remoteFile = this.multi?.files.find((part) => remoteOf(part) !== undefined);
      if (remoteFile !== undefined) {
        throw new ArgumentError('path', `${remoteFile.path}: a loader over several files reads local files only yet; download the remote ones, or load that file alone`);
      }
      this.remote = remoteOf(this.dataset);
      // Read-ahead puts blocks in memory shared with the decode workers (and read on this thread).
      this.remote?.source.enableBlockPool();
      if (this.remote !== undefined && (this.dataset.sidecars ?? []).length > 0) {
        throw new ArgumentError('sidecars', `${this.dataset.path}: sidecars of a remote dataset are not supported by the loader yet; download the files or load the base file alone`);
      }
      // A remote object has no inode to pin: every request sends its identity instead (E_REMOTE_CHANGED).
      file = this.remote === undefined && this.multi === undefined ? pinFile(this.dataset) : undefined;
      this.file = file;
      for (const part of this.multi?.files ?? []) this.partFiles.push(pinFile(part));
      for (const sidecar of this.dataset.sidecars ?? []) this.sidecarFiles.push(pinFile(sidecar));
      const numSamples = this.dataset.numSamples;
      this.numSamples = numSamples;
      this.repeat = checkRepeat(options.repeat, numSamples);
      this.distributed = checkDistributed(options.distributed);
      const mixing = this.multi !== undefined && (this.multi.streams.length > 1 || options.mix !== undefined);
      if (options.mix !== undefined && this.multi === undefined) {
        throw new ArgumentError('mix', `${this.dataset.path} is one file: mixing needs a dataset of several streams (openDataset({ streams: [{ files, proportion }, …] }) or a manifest)`);
      }
      if (mixing) {
        if (options.indices !== undefined) throw new ArgumentError('indices', 'is not given with a mixture of streams: its weights choose the samples (use choose / repeat per stream)');
        if (this.repeat !== 1) throw new ArgumentError('repeat', 'is not given with a mixture of streams: give the streams repeat weights (mix.streams)');
        const resolved = resolveMix(options.mix ?? {}, this.multi!.streams, this.multi!.manifestSamplesPerEpoch, batchSize, this.distributed?.worldSize ?? 1);
        if (resolved.batching === 'per-stream' && options.batchBudget !== undefined) {
          throw new ArgumentError('mix.batching', "'per-stream' batches have a fixed size; with batchBudget use 'stratified' batching");
        }
        if (resolved.batching === 'per-stream' && this.distributed !== undefined && this.order.distributedSplit !== 'interleave') {
          throw new ArgumentError('mix.batching', `'per-stream' batching with distributed needs an order split by interleaving ('random' or 'sequential'); ${this.order.name} splits contiguously`);
        }
        // Pages are read as the order within each stream reads them (a random mixture reads randomly).
        this.accessOrder = this.order.name;
        this.order = mixOrder(this.order, this.multi!.streams, resolved);
        // The epoch has as many positions as the weights give samples; the mixture's order fills them.
        const total = resolved.counts.reduce((sum, count) => sum + count, 0);
        this.indices = new Uint32Array(total);
        for (let position = 0; position < total; position++) this.indices[position] = position % numSamples;
      } else {
        this.indices = repeatIndices(checkIndices(options.indices, numSamples), this.repeat, numSamples);
      }
      this.pageIndex = new PageIndex(this.dataset);
      const perRank = this.distributed === undefined ? this.indices.length : Math.ceil(this.indices.length / this.distributed.worldSize);
      this.samplesPerEpoch = perRank;
      this.fixedLength = this.dropLast ? Math.floor(perRank / batchSize) : Math.ceil(perRank / batchSize);
      this.budget = options.batchBudget === undefined ? undefined : resolveBatchBudget(options.batchBudget, numSamples);

      // Compile every field's pipeline (file order, like FFCV), unknown names are errors.
      const pipelines: Record<string, FieldPipeline | null> = { ...(options.pipelines ?? {}) };
      // Every loaded optional field brings its presence mask (uint8, 1 present, 0 absent) as
      // `<name>.present`, unless the pipelines name that output themselves: an absent stream is never
      // a silent run of zeros.
      for (const field of this.dataset.fields) {
        const mask = `${field.name}.present`;
        if (field.codecId !== OPTIONAL_CODEC_ID || this.dataset.hasField(mask)) continue;
        // `'<name>.present': null` turns the mask off; a pipeline of that name replaces it.
        if (pipelines[mask] === null) delete pipelines[mask];
        else if (!(mask in pipelines) && pipelines[field.name] !== null) pipelines[mask] = { field: field.name, decoder: PRESENT_DECODER };
      }
      // Pipelines keyed by a stored field's name decode it; others name the field they decode (`field`).
      const extraOutputs: Array<[name: string, pipeline: FieldPipeline]> = [];
      for (const [name, pipeline] of Object.entries(pipelines)) {
        const source = pipeline?.field;
        if (source === undefined || source === name) {
          if (!this.dataset.hasField(name)) this.dataset.field(name);
          continue;
        }
        if (typeof source !== 'string') throw new ArgumentError(`pipelines.${name}.field`, `must be the name of a field of the file, got ${JSON.stringify(source)}`);
        if (this.dataset.fields.some((field) => field.name === name)) {
          throw new ArgumentError(`pipelines.${name}.field`, `"${name}" is a field of the file, so its pipeline decodes it; give this output another name to decode "${source}"`);
        }
        if (!this.dataset.hasField(source)) this.dataset.field(source);
        if (pipeline !== null) extraOutputs.push([name, pipeline]);
      }
      // Each loaded field draws from its own random streams (salts 1024 apart, in field order); an
      // output decoding another field, or naming one in randomFrom, draws from that field's.
      let salt = 0;
      const saltOf = new Map<string, number>();
      for (const field of this.dataset.fields) {
        if (pipelines[field.name] === null) continue;
        saltOf.set(field.name, salt);
        salt += 1024;
      }
      const saltFor = (source: string): number => {
        let found = saltOf.get(source);
        if (found === undefined) {
          found = salt;
          saltOf.set(source, found);
          salt += 1024;
        }
        return found;
      };
      const randomSource = (name: string, pipeline: FieldPipeline, own: string): string => {
        const from = pipeline.randomFrom;
        if (from === undefined || from === own) return own;
        if (typeof from !== 'string' || !this.dataset.fields.some((field) => field.name === from)) {
          const names = this.dataset.fields.map((field) => field.name);
          throw new ArgumentError(`pipelines.${name}.randomFrom`, `must be the name of a field of the file (${names.join(', ')}), got ${JSON.stringify(from)}`);
        }
        return from;
      };
      for (const field of this.dataset.fields) {
        const pipeline = pipelines[field.name];
        if (pipeline === null) continue;
        const fieldSalt = saltFor(randomSource(field.name, pipeline ?? {}, field.name));
        const compiled = compileField(this.dataset, field.name, pipeline ?? {}, batchSize, fieldSalt);
        this.stageSalts.push(fieldSalt);
        this.fields.push(compiled);
        this.fieldSpecs.push(compiled.output);
        this.stageMilliseconds.push(new Float64Array(compiled.stageNames.length));
      }
      for (const [name, pipeline] of extraOutputs) {
        // The source field's random streams (a fresh one when the source itself is not loaded).
        const source = pipeline.field!;
        const sourceSalt = saltFor(randomSource(name, pipeline, source));
        const compiled = compileField(this.dataset, name, pipeline, batchSize, sourceSalt, source);
        this.stageSalts.push(sourceSalt);
        this.fields.push(compiled);
        this.fieldSpecs.push(compiled.output);
        this.stageMilliseconds.push(new Float64Array(compiled.stageNames.length));
      }
      if (this.fields.length === 0) throw new ArgumentError('pipelines', 'every field is disabled (null); keep at least one');
      if (options.window !== undefined) {
        this.windowOptions = resolveWindowOptions(options.window, this.dataset);
        this.windowPlanner = createWindowPlanner(this.dataset, this.windowOptions, this.seed);
        const name = this.windowOptions.output;
        if (this.fields.some((field) => field.name === name)) {
          throw new ArgumentError('window.output', `"${name}" is already an output of the loader (a field or pipeline); name the window's output otherwise (window.output)`);
        }
      }

      // Batch operations may change specs (e.g. int labels → float32 soft labels).
      const specs: Record<string, OutputSpec> = {};
      this.fields.forEach((field, index) => {
        specs[field.name] = this.fieldSpecs[index]!;
      });
      if (this.windowOptions !== undefined) specs[this.windowOptions.output] = { dtype: 'float64', shape: [2] };
      for (const operation of options.batchOperations ?? []) {
        if (operation.kind !== 'batch') throw new ArgumentError('batchOperations', `${operation.name} is not a batch operation`);
        for (const name of operation.fields ?? []) {
          if (specs[name] === undefined) throw new ArgumentError('batchOperations', `${operation.name} reads field "${name}", which is not loaded`);
        }
        const instance = operation.setup({ ...specs });
        this.batchOperations.push({ operation, instance });
        Object.assign(specs, instance.outputs);
      }
      Object.assign(this.outputs, specs);
      this.batchOperationMilliseconds = new Float64Array(this.batchOperations.length);

      const workers = options.workers ?? 0;
      if (!Number.isInteger(workers) || workers < 0) throw new ArgumentError('workers', `must be a non-negative integer, got ${String(options.workers)}`);
      const pipelineOf = (name: string) => pipelines[name] ?? {};
      for (const field of this.fields) {
        const pipeline = pipelineOf(field.name);
        const reason = workers === 0 ? 'workers is 0' : this.mainThreadReason(field.source, pipeline);
        this.inWorkers.push(reason === undefined);
        this.describePlacement(field, pipeline, reason);
      }
      for (const { operation } of this.batchOperations) this.placement[`batch/${operation.name}`] = { thread: 'main', reason: 'batch operations run on the calling thread' };
      const shared = this.inWorkers.some(Boolean);
      for (let index = 0; index < this.batchesAhead + 1; index++) this.buffers.push(this.allocateBuffers(shared));

      for (let position = 0; position < batchSize; position++) {
        const windowState = this.windowPlanner === undefined ? undefined : createWindowState(this.windowPlanner);
        this.contexts.push({ sampleIndex: 0, occurrence: 0, occurrences: this.repeat, epoch: 0, seed: this.seed, random: createSampleRandom(), windowState });
      }

      this.epoch = 0;
      const dataset = this.dataset;
      this.run = describeRun({
        seed: this.seed,
        batchSize,
        samplesPerEpoch: perRank,
        dropLast: this.dropLast,
        order: this.order,
        distributed: this.distributed,
        indices: this.indices,
        fileDigest: () => fileDigest(dataset),
        budget: this.budget,
      });
      if (options.resume !== undefined) {
        const resumeEpoch = (options.resume as { epoch?: unknown } | null)?.epoch;
        const epochLength = this.budget === undefined || !Number.isSafeInteger(resumeEpoch) || (resumeEpoch as number) < 0 ? this.fixedLength : this.batchStarts(resumeEpoch as number).length - 1;
        const state = checkResumeState(options.resume, this.run(), epochLength);
        this.epoch = state.epoch;
        this.position = state.batchesConsumed;
        if (state.elastic === true) {
          // What every rank of the interrupted run consumed is a prefix of the epoch's global order:
          // this epoch splits the rest among this run's ranks, from its first batch.
          const total = this.indices.length;
          if (state.globalPosition! >= total) {
            this.epoch = state.epoch + 1;
          } else {
            this.elasticStart = { epoch: state.epoch, position: state.globalPosition! };
          }
          this.position = 0;
        }
      }
      // Last: nothing after this may throw, or the threads would leak.
      const cache = { cache: this.dataset.cacheMode, cacheBytes: options.cacheBytes === undefined ? undefined : Math.floor(options.cacheBytes / workers) };
      this.pool = shared ? this.startPool(workers, pipelineOf, file, options.mmap ?? 'auto', cache) : undefined;
      unreachableLoaders.register(this, { pool: this.pool, files: [...(file === undefined ? [] : [file]), ...this.sidecarFiles, ...this.partFiles] }, this);
    } catch (error) {
      if (file !== undefined) unpinFile(file);
      for (const sidecarFile of [...this.sidecarFiles, ...this.partFiles]) unpinFile(sidecarFile);
      if (this.ownsDataset) this.dataset.close();
      throw error;
    }
  }

  /** Why a field's pipeline cannot run in decode workers (undefined: it can): workers rebuild plugins and operations from their origin. */
  private mainThreadReason(name: string, pipeline: FieldPipeline): string | undefined {
    const pluginName = this.dataset.fields.find((field) => field.name === name)!.plugin;
    const plugin = this.dataset.registry.plugins.find((candidate) => candidate.name === pluginName);
    if (plugin?.origin === undefined) return `plugin ${pluginName} has no origin, so workers cannot rebuild it`;
    const local = (pipeline.operations ?? []).find((operation) => operation.kind === 'sample' && operation.origin === undefined);
    return local === undefined ? undefined : `operation ${local.name} has no origin, so workers cannot rebuild it (a field's pipeline runs in one place)`;
  }

  private describePlacement(field: CompiledField, pipeline: FieldPipeline, reason: string | undefined): void {
    const placement = reason === undefined ? ({ thread: 'worker' } as const) : ({ thread: 'main', reason } as const);
    this.placement[field.name] = { ...placement };
    for (const operation of pipeline.operations ?? []) {
      if (operation.kind === 'sample') this.placement[`${field.name}/${operation.name}`] = { ...placement };
    }
  }

  private startPool(
    workers: number,
    pipelineOf: (name: string) => FieldPipeline,
    file: PinnedFile | undefined,
    mmap: 'auto' | 'off' | 'required',
    cache: { cache: 'os' | 'process'; cacheBytes: number | undefined },
  ): DecodePool {
    const workerFields = this.fields.map((field, index) => ({ field, index })).filter(({ index }) => this.inWorkers[index]);
    const plugins = this.dataset.registry.plugins.filter((plugin) => plugin.origin !== undefined).map((plugin) => ({ name: plugin.name, ...plugin.origin! }));
    const stageCount = workerFields.reduce((sum, { field }) => sum + field.stageNames.length, 0);
    const stageTimes = new SharedArrayBuffer(Math.max(8, workers * stageCount * 8));
    this.workerStageTimes = new Float64Array(stageTimes);
    const firstPart = this.partFiles[0];
    const setup: DecodeWorkerSetup = {
      path: this.dataset.path,
      openPath: file?.workerPath ?? firstPart?.workerPath ?? this.dataset.path,
      identity: file?.identity ?? firstPart?.identity ?? this.remote!.source.identity,
      ...(this.multi === undefined
        ? {}
        : {
            files: {
              streams: this.multi.streams.map((stream) => ({ name: stream.name, files: [...stream.files], ...(stream.weight ?? {}) })),
              samplesPerEpoch: this.multi.manifestSamplesPerEpoch,
              pinned: this.multi.files.map((part, index) => ({ path: part.path, openPath: this.partFiles[index]!.workerPath, identity: this.partFiles[index]!.identity })),
            },
          }),
      // Workers read what the loader fetches ahead from memory they share with it.
      ...(this.remote === undefined ? {} : { remote: { ...this.remote.resolved, pool: this.remote.source.enableBlockPool() } }),
      sidecars: (this.dataset.sidecars ?? []).map((sidecar, index) => ({ path: sidecar.path, openPath: this.sidecarFiles[index]!.workerPath, identity: this.sidecarFiles[index]!.identity })),
      stageTimes,
      workerIndex: 0,
      mmap,
      ...cache,
      plugins,
      fields: workerFields.map(({ field, index }) => {
        const pipeline = pipelineOf(field.name);
        return {
          name: field.name,
          source: field.source,
          decoder: pipeline.decoder,
          decoderOptions: pipeline.decoderOptions,
          operations: (pipeline.operations ?? []).filter((operation) => operation.kind === 'sample').map((operation) => ({ name: operation.name, ...operation.origin! })),
          stageSalt: this.stageSalts[index]!,
          strideBytes: specByteLength(field.output),
        };
      }),
      batchSize: this.batchSize,
      seed: this.seed,
      repeat: this.repeat,
      window: this.windowOptions,
      buffers: this.buffers.map((buffer) => ({
        sampleIndices: buffer.sampleIndices.buffer as SharedArrayBuffer,
        columns: workerFields.map(({ index }) => {
          const slot = buffer.slots[index]![0]!;
          return { data: slot.bytes.buffer as SharedArrayBuffer, lengths: buffer.fieldLengths[index]!.buffer as SharedArrayBuffer };
        }),
      })),
    };
    return createDecodePool(setup, workers);
  }

  /** Final per-field buffers (with batch-op outputs) for one batch in flight. */
  private allocateBuffers(shared: boolean): BufferSet {
    const slots: OutputSlot[][] = [];
    const fieldLengths: Int32Array[] = [];
    const columns: BatchColumn[] = [];
    const names = Object.keys(this.outputs);
    for (const name of names) {
      const spec = this.outputs[name]!;
      const fieldIndex = this.fields.findIndex((field) => field.name === name);
      const sampleSpec = fieldIndex >= 0 ? this.fieldSpecs[fieldIndex]! : spec;
      // Batch operations that change a field's spec get a separate output column.
      const column = makeColumn(name, spec, this.batchSize, shared);
      columns.push(column);
      if (fieldIndex >= 0) {
        const source = sampleSpec === spec ? column : makeColumn(name, sampleSpec, this.batchSize, shared);
        const stride = specByteLength(sampleSpec);
        slots[fieldIndex] = createSlots(sampleSpec, source.data.buffer, source.data.byteOffset, this.batchSize, stride, source.lengths);
        fieldLengths[fieldIndex] = source.lengths;
        if (source !== column) (column as { source?: BatchColumn }).source = source;
      }
    }
    // Sample indices, then occurrences, in one buffer (the workers get one shared block).
    const indexBytes = this.batchSize * 4;
    const indexMemory = shared ? new SharedArrayBuffer(2 * indexBytes + 4) : new ArrayBuffer(2 * indexBytes + 4);
    const sampleIndices = new Uint32Array(indexMemory, 0, this.batchSize);
    const occurrences = new Uint32Array(indexMemory, indexBytes, this.batchSize);
    const claim = new Int32Array(indexMemory, 2 * indexBytes, 1);
    return { slots, fieldLengths, columns, sampleIndices, occurrences, claim, busy: false, shapes: new Map() };
  }

  get [Symbol.toStringTag]() {
    return 'TesseraLoader';
  }

  state(): LoaderState {
    let run: LoaderRun;
    try {
      run = this.run();
    } catch (error) {
      if (!this.closed) throw error;
      throw new TesseraError('E_CLOSED', 'loader.state() reads the file the first time it is called: take the state before loader.close()', { cause: error });
    }
    const state: LoaderState = { version: 2, ...structuredClone(run), epoch: this.epoch, batchesConsumed: this.position };
    if (this.order.distributedSplit === 'interleave' && this.budget === undefined) {
      // All ranks move in lockstep: together they consumed this many positions of the global order.
      const start = this.elasticStart?.epoch === this.epoch ? this.elasticStart.position : 0;
      state.globalPosition = Math.min(this.indices.length, start + this.position * this.batchSize * (this.distributed?.worldSize ?? 1));
    }
    return state;
  }

  stats(): LoaderStats {
    const decodeMs: Record<string, number> = {};
    const transformMs: Record<string, number> = {};
    let workMs = 0;
    // Worker fields: the stage times every worker accumulated in shared memory, in worker-field order.
    const workerStages = this.workerStageTimes;
    const stagesPerWorker = this.fields.reduce((sum, field, index) => sum + (this.inWorkers[index] ? field.stageNames.length : 0), 0);
    let workerStageOffset = 0;
    this.fields.forEach((field, index) => {
      const stages = Float64Array.from(this.stageMilliseconds[index]!);
      if (this.inWorkers[index] && workerStages !== undefined) {
        for (let offset = workerStageOffset; offset < workerStages.length; offset += stagesPerWorker) {
          for (let stage = 0; stage < stages.length; stage++) stages[stage] = stages[stage]! + workerStages[offset + stage]!;
        }
        workerStageOffset += stages.length;
      }
      decodeMs[field.name] = stages[0]!;
      workMs += stages[0]!;
      for (let stage = 1; stage < stages.length; stage++) {
        transformMs[`${field.name}/${field.stageNames[stage]}`] = stages[stage]!;
        workMs += stages[stage]!;
      }
    });
    this.batchOperations.forEach(({ operation }, index) => {
      transformMs[`batch/${operation.name}`] = this.batchOperationMilliseconds[index]!;
      workMs += this.batchOperationMilliseconds[index]!;
    });
    return {
      batches: this.totals.batches,
      samples: this.totals.samples,
      decodeMs,
      transformMs,
      waitMs: this.totals.waitMs,
      consumerMs: this.totals.consumerMs,
      samplesPerSecond: workMs > 0 ? (this.totals.samples * 1000) / workMs : 0,
      placement: structuredClone(this.placement),
      decoders: Object.fromEntries(this.fields.filter((field) => field.description !== undefined).map((field) => [field.name, field.description!])),
      ...(this.dataset.cacheMode === 'process' ? { cache: this.dataset.cacheStats() } : {}),
      ...(this.remote === undefined ? {} : { remote: this.remote.source.stats() }),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    unreachableLoaders.unregister(this);
    try {
      await this.pool?.close();
    } finally {
      if (this.file !== undefined) unpinFile(this.file);
      for (const sidecarFile of [...this.sidecarFiles, ...this.partFiles]) unpinFile(sidecarFile);
      if (this.ownsDataset) {
        this.dataset.close();
        // The fetch thread finishes the disk-cache writes it was handed: a closed loader leaves a complete cache.
        await this.remote?.source.whenClosed();
      }
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new TesseraError('E_CLOSED', 'the loader is closed; create a new one');
  }

  /** Batches of the current epoch (with `batchBudget` it depends on the epoch's order). */
  get length(): number {
    if (this.budget === undefined) return this.fixedEpochLength(this.epoch);
    return this.batchStarts(this.epoch).length - 1;
  }

  /** With `batchBudget`: where each batch of an epoch starts in its order, then the end of the last one. */
  private batchStarts(epoch: number, order?: Uint32Array): Uint32Array {
    if (this.budgetStarts?.epoch !== epoch) {
      this.budgetStarts = { epoch, starts: budgetBatchStarts(order ?? this.epochIndices(epoch), this.budget!, this.batchSize, this.numSamples, this.dropLast) };
    }
    return this.budgetStarts.starts;
  }

  /** Positions [start, start + count) of batch `batchIndex` in the epoch's order. */
  private batchRange(order: Uint32Array, batchIndex: number, epoch: number): { start: number; count: number } {
    if (this.budget === undefined) {
      const start = batchIndex * this.batchSize;
      return { start, count: Math.max(0, Math.min(this.batchSize, order.length - start)) };
    }
    const starts = this.batchStarts(epoch, order);
    if (batchIndex >= starts.length - 1) return { start: order.length, count: 0 };
    return { start: starts[batchIndex]!, count: starts[batchIndex + 1]! - starts[batchIndex]! };
  }

  /** The sample order of this rank for an epoch. */
  private epochIndices(epoch: number): Uint32Array {
    const context: OrderContext = { indices: this.indices, seed: this.seed, epoch, pageOf: this.pageOf };
    return rankOrder(this.order, context, this.distributed, this.elasticStart?.epoch === epoch ? this.elasticStart.position : 0);
  }

  /** Batches of an epoch without a batch budget: fewer in the epoch an elastic resume starts inside. */
  private fixedEpochLength(epoch: number): number {
    if (this.elasticStart?.epoch !== epoch) return this.fixedLength;
    const worldSize = this.distributed?.worldSize ?? 1;
    const perRank = Math.ceil((this.indices.length - this.elasticStart.position) / worldSize);
    return this.dropLast ? Math.floor(perRank / this.batchSize) : Math.ceil(perRank / this.batchSize);
  }

  /** One function per loader, so orders may cache what depends only on the pages. */
  private readonly pageOf = (item: number): number => this.pageIndex.pageOf(this.repeat > 1 ? item % this.numSamples : item);

  async *[Symbol.asyncIterator](): AsyncIterator<Batch> {
    this.checkOpen();
    if (this.iterating) throw new TesseraError('E_ARGUMENT', 'this loader is already being iterated; finish or break out of the first loop');
    this.iterating = true;
    if (this.pool !== undefined) {
      this.poolReady ??= this.pool.ready();
      try {
        await this.poolReady;
      } catch (error) {
        this.iterating = false;
        await this.close();
        throw error;
      }
    }
    const epoch = this.epoch;
    const order = this.epochIndices(epoch);
    // Page-cache hints: random access disables the kernel's read-ahead; ordered traversals ask
    // for the pages of upcoming batches instead (see hintAhead).
    const hinting = this.pool === undefined || this.inWorkers.some((inWorker) => !inWorker);
    const processCache = this.dataset.cacheMode === 'process';
    if (hinting && !processCache) this.dataset.advise(this.accessOrder === 'random' ? 'random' : 'normal');
    const batchCount = this.budget === undefined ? this.fixedEpochLength(epoch) : this.batchStarts(epoch, order).length - 1;
    let next = this.position;
    const inFlight: Array<{ batchIndex: number; buffer: BufferSet; ready: Promise<void> | undefined }> = [];
    let current: BatchHandle | undefined;
    let consumerStarted = 0;
    let failed = false;
    try {
      const schedule = () => {
        while (next < batchCount && inFlight.length <= this.batchesAhead) {
          const buffer = this.buffers.find((candidate) => !candidate.busy);
          if (buffer === undefined) break;
          buffer.busy = true;
          const batchIndex = next++;
          // With the process cache, read-ahead is the only way to overlap I/O, whatever the order.
          // madvise reaches the page cache every thread shares; a process cache is per thread, so
          // hints on this thread only help fields decoded here.
          const hintHelps = this.dataset.cacheMode === 'os' || hinting;
          if (hintHelps && (this.accessOrder !== 'random' || this.dataset.cacheMode === 'process')) this.hintAhead(order, batchIndex + this.batchesAhead + 1, epoch);
          const ready = this.remote === undefined || this.remote.resolved.readAhead === 0 ? this.fill(buffer, order, batchIndex, epoch) : this.fillRemote(buffer, order, batchIndex, epoch, batchCount);
          ready?.catch(() => {});
          inFlight.push({ batchIndex, buffer, ready });
        }
      };
      while (this.position < batchCount) {
        if (current !== undefined) {
          this.totals.consumerMs += performance.now() - consumerStarted;
          current.release();
          current = undefined;
        }
        schedule();
        const head = inFlight.shift()!;
        const waitStarted = performance.now();
        if (head.ready !== undefined) await head.ready;
        this.totals.waitMs += performance.now() - waitStarted;
        this.checkOpen();
        // Checked again once the batch is decoded: a file rewritten in place while the batch was
        // read is an error, never a mixed batch (batches are decoded ahead, before fill's check).
        this.dataset.assertUnchanged();
        const { count } = this.batchRange(order, head.batchIndex, epoch);
        current = new BatchHandle(this.outputNames(), head.buffer, epoch, head.batchIndex, count);
        this.position = head.batchIndex + 1;
        this.totals.batches += 1;
        this.totals.samples += current.count;
        consumerStarted = performance.now();
        yield current.batch;
      }
      if (current !== undefined) {
        this.totals.consumerMs += performance.now() - consumerStarted;
        current.release();
        current = undefined;
      }
      this.epoch = epoch + 1;
      this.position = 0;
    } catch (error) {
      // A failed batch leaves the loader unusable: stop the workers now rather than leak them.
      failed = true;
      throw error;
    } finally {
      current?.release();
      for (const entry of inFlight) {
        if (entry.ready !== undefined) await entry.ready.catch(() => {});
        entry.buffer.busy = false;
      }
      this.iterating = false;
      if (failed) await this.close();
    }
  }

  /**
   * A remote dataset's fill: the bytes of this batch and of the next `readAhead` ones are requested
   * (asynchronously, into the shared disk cache), and the batch decodes once its own bytes are there,
   * so decode workers read from disk rather than each fetching the same blocks. Fills still start
   * in batch order. A failed read-ahead is not an error here: the decoder's synchronous read
   * retries it and raises the typed error.
   */
  private fillRemote(buffer: BufferSet, order: Uint32Array, batchIndex: number, epoch: number, batchCount: number): Promise<void> {
    const remote = this.remote!;
    const { readAhead } = remote.resolved;
    const { blockBytes, cacheBytes, readAheadBytes } = remote.resolved.settings;
    if (this.warmedThrough.epoch !== epoch) {
      this.warming.clear();
      this.warmedBytes = 0;
      this.warmedThrough = { epoch, batchIndex: batchIndex - 1 };
    }
    // Read-ahead stops at a quarter of the shared pool and half the disk cache: beyond that blocks
    // fetched ahead would evict each other (and those later batches need again) before use.
    const budget = Math.min(cacheBytes / 2, readAheadBytes / 4);
    const last = Math.min(batchCount - 1, batchIndex + readAhead);
    for (let ahead = Math.max(batchIndex, this.warmedThrough.batchIndex + 1); ahead <= last; ahead++) {
      const ranges = this.batchByteRanges(order, ahead, epoch);
      const byteLength = blockBytes * countBlocks(ranges, blockBytes);
      if (ahead > batchIndex && this.warmedBytes + byteLength > budget) break;
      this.warming.set(ahead, { ready: remote.source.warm(ranges), byteLength });
      this.warmedBytes += byteLength;
      this.warmedThrough.batchIndex = ahead;
    }
    const own = this.warming.get(batchIndex);
    this.warming.delete(batchIndex);
    if (own !== undefined) this.warmedBytes -= own.byteLength;
    const begin = Promise.all([own?.ready, this.fillGate]);
    // Registered first, so this fill starts before the next batch's gate opens.
    const done = begin.then(() => this.fill(buffer, order, batchIndex, epoch));
    this.fillGate = begin.then(() => undefined);
    return done.then(() => undefined);
  }

  /** Resolves once the previous remote batch's fill has started (fills run in batch order). */
  private fillGate: Promise<void> = Promise.resolve();

  /** The byte ranges of every allocation of a batch's samples (the metadata is read at open). */
  private batchByteRanges(order: Uint32Array, batchIndex: number, epoch: number): Array<[number, number]> {
    const { start, count } = this.batchRange(order, batchIndex, epoch);
    const ranges: Array<[number, number]> = [];
    const end = Math.min(order.length, start + count);
    for (let position = start; position < end; position++) {
      const item = order[position]!;
      for (const range of this.remote!.sampleRanges(this.repeat > 1 ? item % this.numSamples : item)) if (range[1] > 0) ranges.push(range);
    }
    return ranges;
  }

  /** Decodes batch `batchIndex` of the epoch into `buffer`; a promise only when some stage is asynchronous. */
  private fill(buffer: BufferSet, order: Uint32Array, batchIndex: number, epoch: number): Promise<void> | undefined {
    const { start, count } = this.batchRange(order, batchIndex, epoch);
    // One fstat before any stage touches the mapping: a truncated file is E_IO here, not SIGBUS or
    // zeros (decode workers check their own descriptor the same way, once per request).
    this.dataset.assertUnchanged();
    if (this.repeat === 1) buffer.sampleIndices.set(order.subarray(start, start + count));
    else {
      for (let position = 0; position < count; position++) {
        const item = order[start + position]!;
        buffer.sampleIndices[position] = item % this.numSamples;
        buffer.occurrences[position] = Math.floor(item / this.numSamples);
      }
    }
    for (const context of this.contexts) context.epoch = epoch;
    if (this.windowOptions !== undefined) this.fillWindows(buffer, count, epoch);
    let pending: Array<Promise<void>> | undefined;
    if (this.pool !== undefined) {
      // Every worker gets the batch and they share its samples through the buffer's claim counter,
      // `grain` positions at a time: samples of one batch differ in cost (a video clip decodes
      // from its keyframe), and whole batches handed out ahead of time left a worker idle while
      // the other still had a batch queued (16-frame clips at GOP 30: 1.36× on 2 workers, not 2×).
      // Workers take batches in order, so both work on the oldest one first.
      const bufferIndex = this.buffers.indexOf(buffer);
      Atomics.store(buffer.claim, 0, 0);
      const grain = Math.max(1, Math.floor(count / (this.pool.size * CLAIMS_PER_WORKER)));
      for (let worker = 0; worker < this.pool.size; worker++) {
        (pending ??= []).push(this.pool.decode(worker, { bufferIndex, count, epoch, grain }));
      }
    }
    for (let fieldIndex = 0; fieldIndex < this.fields.length; fieldIndex++) {
      if (this.inWorkers[fieldIndex]) continue;
      const result = this.fields[fieldIndex]!.runBatch(
        buffer.sampleIndices,
        buffer.occurrences,
        0,
        count,
        buffer.slots[fieldIndex]!,
        this.contexts,
        this.stageMilliseconds[fieldIndex]!,
      );
      if (result !== undefined) (pending ??= []).push(result);
    }
    if (pending === undefined && this.batchOperations.length === 0) return undefined;
    const finish = () => this.runBatchOperations(buffer, epoch, batchIndex, count);
    if (pending === undefined) {
      finish();
      return undefined;
    }
    return Promise.all(pending).then(finish);
  }

  /**
   * The batch's window column, on the calling thread (decode workers plan the same windows on their
   * own: they are a function of seed, epoch, sample and occurrence).
   */
  private fillWindows(buffer: BufferSet, count: number, epoch: number): void {
    const column = buffer.columns[Object.keys(this.outputs).indexOf(this.windowOptions!.output)]!;
    const data = column.data as Float64Array;
    for (let position = 0; position < count; position++) {
      const window = updateWindow(this.contexts[position]!.windowState!, buffer.sampleIndices[position]!, buffer.occurrences[position]!, epoch);
      data[2 * position] = window.startSeconds;
      data[2 * position + 1] = window.durationSeconds;
    }
  }

  /**
   * madvise(WILLNEED) the pages of a future batch, each page once: pages hinted for one of the last
   * HINT_REUSE_BATCHES batches are skipped, the rest sorted and coalesced into runs of adjacent pages,
   * one call per run. (A quasi-random batch visits its window's pages in shuffled order: one call per
   * change of page was ~200 calls of ~5 µs, about 1 ms per batch, twice the batch's copying.)
   */
  private hintAhead(order: Uint32Array, batchIndex: number, epoch: number): void {
    const { start, count: batchCount } = this.batchRange(order, batchIndex, epoch);
    if (start >= order.length || (this.dataset.ioMode !== 'mmap' && this.dataset.cacheMode !== 'process')) return;
    const end = start + batchCount;
    const hintedAt = (this.hintedAt ??= new Float64Array(this.dataset.layout.numPages));
    const pages = (this.hintPages ??= new Int32Array(this.batchSize));
    const sequence = ++this.hintSequence;
    let count = 0;
    for (let position = start; position < end; position++) {
      const page = this.pageOf(order[position]!);
      if (page < 0 || sequence - hintedAt[page]! <= HINT_REUSE_BATCHES) continue;
      hintedAt[page] = sequence;
      pages[count++] = page;
    }
    if (count === 0) return;
    const sorted = pages.subarray(0, count).sort();
    let runStart = sorted[0]!;
    let runEnd = runStart + 1;
    for (let index = 1; index < count; index++) {
      const page = sorted[index]!;
      if (page === runEnd) {
        runEnd = page + 1;
        continue;
      }
      this.dataset.advise('willneed', runStart, runEnd - runStart);
      runStart = page;
      runEnd = page + 1;
    }
    this.dataset.advise('willneed', runStart, runEnd - runStart);
  }

  private runBatchOperations(buffer: BufferSet, epoch: number, batchIndex: number, count: number): void {
    buffer.shapes.clear();
    if (this.batchOperations.length === 0) return;
    const names = Object.keys(this.outputs);
    const columns: Record<string, BatchColumn> = {};
    names.forEach((name, index) => {
      const column = buffer.columns[index]!;
      columns[name] = (column as { source?: BatchColumn }).source ?? column;
    });
    const random = createSampleRandom();
    this.batchOperations.forEach(({ operation, instance }, operationIndex) => {
      const outputs: Record<string, BatchColumn> = {};
      for (const name of Object.keys(instance.outputs)) outputs[name] = buffer.columns[names.indexOf(name)]!;
      random.reseed(this.seed, epoch, batchIndex, 0x8000_0000 + operationIndex);
      const started = performance.now();
      let result: ReturnType<BatchOperationInstance['apply']>;
      try {
        result = instance.apply({ ...columns }, outputs, { epoch, batchIndex, count, sampleIndices: buffer.sampleIndices.subarray(0, count), random });
      } catch (error) {
        throw wrapPluginError(error, { plugin: operation.name, hook: `batch operation ${operation.name} (batch ${batchIndex})`, field: operation.fields?.[0] ?? '(batch)' });
      }
      if (result?.shapes !== undefined) {
        for (const [name, shape] of Object.entries(result.shapes)) buffer.shapes.set(name, checkBatchShape(name, shape, this.outputs[name], operation.name));
      }
      this.batchOperationMilliseconds[operationIndex] = this.batchOperationMilliseconds[operationIndex]! + performance.now() - started;
      Object.assign(columns, outputs);
    });
  }

  /** Used by BatchHandle. */
  outputNames(): string[] {
    return Object.keys(this.outputs);
  }
}

/** The consumer's view of a buffer set, revoked when the buffer is reused. */
class BatchHandle {
  readonly batch: Batch;
  private released = false;

  constructor(
    names: readonly string[],
    private readonly buffer: BufferSet,
    epoch: number,
    index: number,
    readonly count: number,
  ) {
    const batch: Record<string | symbol, unknown> = {};
    names.forEach((name, fieldIndex) => {
      const column = buffer.columns[fieldIndex]!;
      const spec = column.spec;
      const sampleShape = buffer.shapes.get(name) ?? spec.shape;
      const elements = sampleShape.reduce((product, extent) => product * extent, 1);
      const variableCount = spec.variableDims?.length ?? 0;
      const field: BatchField = {
        data: column.data.subarray(0, count * elements) as TypedArray,
        shape: [count, ...sampleShape],
        dtype: spec.dtype,
        ...(variableCount > 0 ? { lengths: column.lengths.subarray(0, count * variableCount) } : {}),
      };
      Object.defineProperty(batch, name, {
        enumerable: true,
        get: () => {
          if (this.released) {
            throw new TesseraError('E_CLOSED', `batch ${index} of epoch ${epoch} was released when the next batch was requested; copy its arrays to keep them`);
          }
          return field;
        },
      });
    });
    Object.defineProperty(batch, BATCH_INFO, {
      value: { epoch, index, count, sampleIndices: buffer.sampleIndices.subarray(0, count) } satisfies BatchInfo,
    });
    this.batch = batch as Batch;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.buffer.busy = false;
  }
}

function makeColumn(name: string, spec: OutputSpec, batchSize: number, shared: boolean): BatchColumn {
  const elements = spec.shape.reduce((product, extent) => product * extent, 1);
  const byteLength = Math.ceil(Math.max(8, elements * batchSize * DTYPE_BYTE_LENGTH[spec.dtype]) / 64) * 64;
  const lengthsByteLength = Math.max(4, batchSize * (spec.variableDims?.length ?? 0) * 4);
  const memory = allocateSlotMemory(byteLength, shared, { where: `field "${name}"`, spec, count: batchSize });
  return {
    data: typedView(spec.dtype, memory, 0, elements * batchSize),
    spec,
    lengths: new Int32Array(allocateAligned(lengthsByteLength, shared), 0, batchSize * (spec.variableDims?.length ?? 0)),
  };
}

function checkBatchShape(name: string, shape: readonly number[], spec: OutputSpec | undefined, operation: string): readonly number[] {
  const fits =
    spec !== undefined &&
    Array.isArray(shape) &&
    shape.length === spec.shape.length &&
    shape.every((extent, index) => Number.isSafeInteger(extent) && extent >= 0 && extent <= spec.shape[index]!);
  if (!fits) {
    throw new TesseraError(
      'E_PLUGIN',
      `batch operation ${operation} returned shape ${JSON.stringify(shape)} for field "${name}", which does not fit its declared shape ${JSON.stringify(spec?.shape)}`,
    );
  }
  return [...shape];
}

function checkIndices(indices: ArrayLike<number> | undefined, numSamples: number): Uint32Array {
  if (indices === undefined) {
    const all = new Uint32Array(numSamples);
    for (let index = 0; index < numSamples; index++) all[index] = index;
    return all;
  }
  if (indices === null || typeof indices.length !== 'number') throw new ArgumentError('indices', 'must be an array of sample indices');
  const result = new Uint32Array(indices.length);
  for (let position = 0; position < indices.length; position++) {
    const value = indices[position]!;
    if (!Number.isInteger(value) || value < 0 || value >= numSamples) {
      throw new TesseraError('E_SAMPLE_INDEX', `indices[${position}] = ${String(value)} is out of range: the file has ${numSamples} samples (0..${numSamples - 1})`);
    }
    result[position] = value;
  }
  return result;
}

function checkRepeat(repeat: number | undefined, numSamples: number): number {
  if (repeat === undefined) return 1;
  if (!Number.isSafeInteger(repeat) || repeat < 1 || repeat * Math.max(numSamples, 1) > 0xffffffff) {
    throw new ArgumentError('repeat', `must be an integer ≥ 1 with repeat × samples < 2^32 (the file has ${numSamples} samples), got ${String(repeat)}`);
  }
  return repeat;
}

/** Occurrence k of sample s is the item k × numSamples + s: orders shuffle items like samples. */
function repeatIndices(indices: Uint32Array, repeat: number, numSamples: number): Uint32Array {
  if (repeat === 1) return indices;
  const items = new Uint32Array(indices.length * repeat);
  for (let occurrence = 0; occurrence < repeat; occurrence++) {
    const offset = occurrence * numSamples;
    const base = occurrence * indices.length;
    for (let position = 0; position < indices.length; position++) items[base + position] = indices[position]! + offset;
  }
  return items;
}

function checkDistributed(distributed: LoaderOptions['distributed']) {
  if (distributed === undefined) return undefined;
  const { rank, worldSize } = distributed === 'env' ? distributedFromEnvironment() : distributed;
  if (!Number.isInteger(worldSize) || worldSize < 1) throw new ArgumentError('distributed.worldSize', `must be a positive integer, got ${String(worldSize)}`);
  if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) {
    throw new ArgumentError('distributed.rank', `must be an integer in [0, ${worldSize - 1}] (worldSize ${worldSize}), got ${String(rank)}`);
  }
  return { rank, worldSize };
}

/** `RANK` and `WORLD_SIZE`, as torchrun sets them for each process it starts. */
function distributedFromEnvironment(): { rank: number; worldSize: number } {
  const read = (name: string) => {
    const text = process.env[name];
    if (text === undefined || !/^\d+$/.test(text.trim())) {
      throw new ArgumentError(
        'distributed',
        `'env' reads RANK and WORLD_SIZE from the environment, but ${name} is ${text === undefined ? 'not set' : JSON.stringify(text)}; start the processes with a launcher that sets them (torchrun, or RANK=0 WORLD_SIZE=2 node train.js), or pass { rank, worldSize }`,
      );
    }
    return Number(text);
  };
  return { rank: read('RANK'), worldSize: read('WORLD_SIZE') };
}
