import { createHash } from 'node:crypto';
import { ArgumentError } from '../errors.js';
import type { Dataset } from '../reader/open-dataset.js';
import { isMultiFileDataset } from '../reader/multi-file-dataset.js';
import type { JsonValue } from '../util/json-value.js';
import type { DistributedSplit, TraversalOrder } from './orders/index.js';

/**
 * Where a loader is: enough to continue exactly, in another process, with another number of
 * workers. Small and JSON: store it next to your model checkpoint.
 *
 * Besides the position it records everything that decides which samples come next — the order
 * (name, split and options), the seed, `dropLast`, the distributed rank, a digest of `indices` and
 * a digest of the file's content — and a loader refuses (E_ARGUMENT naming the property) a state
 * whose run differs from its own in any of them.
 */
export interface LoaderState {
  version: 2;
  seed: number;
  /** the epoch in progress (or the next one when `batchesConsumed` is 0) */
  epoch: number;
  /** batches of that epoch already handed to the consumer */
  batchesConsumed: number;
  batchSize: number;
  samplesPerEpoch: number;
  dropLast: boolean;
  order: { name: string; distributedSplit: DistributedSplit; options: JsonValue };
  distributed: { rank: number; worldSize: number } | null;
  /** SHA-256 (hex, 32 digits) of the eligible sample indices, in the order given */
  indices: string;
  /**
   * The file's content, not its inode (a copied or moved file resumes): `numSamples` and a
   * SHA-256 (hex, 32 digits) of the file size plus the checksums Tessera writes in its extension
   * block (header, metadata, allocation table, every page) or, for files without them (written by
   * FFCV), of the header, descriptors, metadata table and allocation table bytes.
   */
  file: { numSamples: number; digest: string };
  /**
   * The loader's `batchBudget`, which decides where batches start: `maxElements`, `cost` and a
   * SHA-256 (hex, 32 digits) of the lengths; null without one (states taken before it was recorded
   * read as null).
   */
  batchBudget?: { maxElements: number; cost: 'padded' | 'sum'; lengths: string } | null;
  /**
   * Positions of the epoch's global order (the order before it is split among ranks) consumed by
   * all ranks together when the state was taken, for an interleaved split without a batch budget:
   * what lets a run resume at another world size (elastic resume) with the global order unchanged.
   */
  globalPosition?: number;
}

/** What a loader's run is made of: the state minus the position. */
export type LoaderRun = Omit<LoaderState, 'version' | 'epoch' | 'batchesConsumed' | 'globalPosition'>;

const DIGEST_HEX_DIGITS = 32;
/** bytes hashed per view of the file's tables (keeps pread-fallback copies small) */
const HASH_CHUNK_BYTE_LENGTH = 16 * 1024 * 1024;

export function describeRun(options: {
  seed: number;
  batchSize: number;
  samplesPerEpoch: number;
  dropLast: boolean;
  order: TraversalOrder;
  distributed: { rank: number; worldSize: number } | undefined;
  indices: Uint32Array;
  fileDigest: () => LoaderState['file'];
  budget?: { lengths: ArrayLike<number>; maxElements: number; cost: 'padded' | 'sum' } | undefined;
}): () => LoaderRun {
  let run: LoaderRun | undefined;
  // Computed once, when a state is first taken or checked (the file digest reads the tables).
  return () =>
    (run ??= {
      seed: options.seed,
      batchSize: options.batchSize,
      samplesPerEpoch: options.samplesPerEpoch,
      dropLast: options.dropLast,
      order: { name: options.order.name, distributedSplit: options.order.distributedSplit, options: canonical(options.order.options ?? {}) },
      distributed: options.distributed === undefined ? null : { rank: options.distributed.rank, worldSize: options.distributed.worldSize },
      indices: digestOf(new Uint8Array(options.indices.buffer, options.indices.byteOffset, options.indices.byteLength)),
      file: options.fileDigest(),
      batchBudget: options.budget === undefined ? null : { maxElements: options.budget.maxElements, cost: options.budget.cost, lengths: lengthsDigest(options.budget.lengths) },
    });
}

/** The content digest of an open file (see `LoaderState.file`). */
export function fileDigest(dataset: Dataset): LoaderState['file'] {
  const hash = createHash('sha256');
  if (isMultiFileDataset(dataset)) {
    // Several files: each file's digest, in order (the same files in another order are another dataset).
    hash.update(`tessera-files/${dataset.files.length}/`);
    for (const file of dataset.files) hash.update(JSON.stringify(fileDigest(file)));
    return { numSamples: dataset.numSamples, digest: hash.digest('hex').slice(0, DIGEST_HEX_DIGITS) };
  }
  const { layout } = dataset;
  hash.update(`tessera-file/${layout.fileByteLength}/`);
  const checksums = dataset.extension?.checksums;
  if (checksums !== undefined) {
    hash.update(JSON.stringify([checksums.algorithm, checksums.header, checksums.metadata, checksums.allocationTable, checksums.pages]));
  } else {
    for (const [start, end] of [
      [0, layout.dataStart],
      [layout.allocationTableOffset, layout.fileByteLength],
    ] as const) {
      for (let offset = start; offset < end; offset += HASH_CHUNK_BYTE_LENGTH) hash.update(dataset.fileBytes(offset, Math.min(HASH_CHUNK_BYTE_LENGTH, end - offset)));
    }
  }
  return { numSamples: dataset.numSamples, digest: hash.digest('hex').slice(0, DIGEST_HEX_DIGITS) };
}

/**
 * The state to continue from. `elastic`: the state was taken at another world size (or rank) and
 * resumes by splitting what all ranks had not consumed of the epoch among this run's ranks.
 */
export function checkResumeState(state: LoaderState, run: LoaderRun, length: number): LoaderState & { elastic?: boolean } {
  if (state === null || typeof state !== 'object') throw new ArgumentError('resume', `expected a state from loader.state(), got ${JSON.stringify(state)}`);
  if ((state as { version?: unknown }).version === 1) {
    throw new ArgumentError(
      'resume',
      'this state (version 1) was taken by an older Tessera and does not record the order, indices and file it belongs to, so it cannot be checked; restart the interrupted epoch without resume',
    );
  }
  if (state.version !== 2) throw new ArgumentError('resume', `expected a state from loader.state() (version 2), got version ${JSON.stringify(state.version)}`);
  const mismatch = (name: string, taken: unknown, wanted: unknown, hint = 'resume with the options (and the file) of the interrupted run') =>
    new ArgumentError('resume', `the state was taken with ${name} ${show(taken)}, this loader has ${show(wanted)}; ${hint}`);
  const compare = (name: string, taken: unknown, wanted: unknown, hint?: string) => {
    if (JSON.stringify(canonical(taken as JsonValue)) !== JSON.stringify(canonical(wanted as JsonValue))) throw mismatch(name, taken, wanted, hint);
  };
  compare('seed', state.seed, run.seed);
  compare('batchSize', state.batchSize, run.batchSize);
  compare('dropLast', state.dropLast, run.dropLast);
  compare('order', state.order?.name, run.order.name);
  compare(`order ${run.order.name}'s distributedSplit`, state.order?.distributedSplit, run.order.distributedSplit);
  compare(`order ${run.order.name}'s options`, state.order?.options, run.order.options);
  const takenWorld = state.distributed?.worldSize ?? 1;
  const liveWorld = run.distributed?.worldSize ?? 1;
  const elastic = takenWorld !== liveWorld;
  if (elastic) {
    // Another world size: the ranks together had consumed a prefix of the epoch's global order.
    if (run.order.distributedSplit !== 'interleave' || (run.batchBudget ?? null) !== null || !Number.isSafeInteger(state.globalPosition)) {
      throw mismatch(
        'distributed.worldSize',
        takenWorld,
        liveWorld,
        `resuming at another world size needs an order split by interleaving (random, sequential; not ${JSON.stringify(run.order.name)} with split ${JSON.stringify(run.order.distributedSplit)}), no batchBudget, and a state that records its globalPosition`,
      );
    }
  } else {
    compare('distributed.rank', state.distributed?.rank ?? 0, run.distributed?.rank ?? 0, 'each rank resumes from the state it took itself');
  }
  compare('file of numSamples', state.file?.numSamples, run.file.numSamples, 'resume on the file the state was taken on');
  compare('file content (digest)', state.file?.digest, run.file.digest, 'resume on the file the state was taken on (a copy of it is fine)');
  compare('indices (digest)', state.indices, run.indices, 'pass the same indices, in the same order');
  if (!elastic) compare('samplesPerEpoch', state.samplesPerEpoch, run.samplesPerEpoch);
  compare('batchBudget', state.batchBudget ?? null, run.batchBudget ?? null, 'resume with the batchBudget of the interrupted run (the same lengths, maxElements and cost)');
  if (!Number.isSafeInteger(state.epoch) || state.epoch < 0) throw new ArgumentError('resume', `epoch ${String(state.epoch)} is not a non-negative integer`);
  if (elastic) return { ...state, elastic: true };
  if (!Number.isSafeInteger(state.batchesConsumed) || state.batchesConsumed < 0 || state.batchesConsumed > length) {
    throw new ArgumentError('resume', `batchesConsumed ${String(state.batchesConsumed)} is outside 0..${length}`);
  }
  // A state taken right after the last batch of an epoch continues with the next epoch.
  if (state.batchesConsumed === length) return { ...state, epoch: state.epoch + 1, batchesConsumed: 0 };
  return state;
}

/** The digest of per-sample lengths, as float64 values (whatever array holds them). */
function lengthsDigest(lengths: ArrayLike<number>): string {
  const values = Float64Array.from(lengths as ArrayLike<number>);
  return digestOf(new Uint8Array(values.buffer));
}

function digestOf(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, DIGEST_HEX_DIGITS);
}

/** JSON with object keys sorted, so equal options compare equal whatever their key order. */
function canonical(value: JsonValue | undefined): JsonValue {
  if (value === undefined) return null;
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const result: Record<string, JsonValue> = {};
    for (const key of Object.keys(value).sort()) result[key] = canonical((value as Record<string, JsonValue>)[key]);
    return result;
  }
  return value;
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value ?? null);
}
