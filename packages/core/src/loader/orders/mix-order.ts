import { ArgumentError } from '../../errors.js';
import type { StreamWeight } from '../../reader/dataset-manifest.js';
import type { DatasetStream } from '../../reader/multi-file-dataset.js';
import { checkKnownOptions } from '../../util/check-options.js';
import { createRandom } from './random.js';
import type { OrderContext, TraversalOrder } from './traversal-order.js';

/**
 * Weighted mixing of a dataset's streams (the loader's `mix` option, over a dataset of several
 * streams: `openDataset({ streams })` or a manifest).
 *
 * Semantics, per epoch:
 * 1. Each stream s gets a count n_s from its weight (`StreamWeight`): `proportion` p → p × the
 *    mixture's `samplesPerEpoch` (largest-remainder rounding, so the counts sum to it exactly;
 *    proportions must sum to 1), `repeat` r → round(r × the stream's samples), `choose` n → n.
 *    A stream without a weight counts as `repeat: 1`. Weights are all proportions or none.
 * 2. The stream's samples of the epoch: floor(n_s / size) whole passes (every sample once each)
 *    plus a seeded choice, without replacement, of the remaining n_s mod size samples, drawn anew
 *    every epoch.
 * 3. Those samples are ordered by the loader's `order` ('sequential', 'random', 'quasi-random'),
 *    each stream with its own seed derived from the loader's.
 * 4. `batching: 'stratified'` (default) interleaves the streams evenly: the k-th sample of stream s
 *    sits at relative position (k + ½) / n_s, so every batch holds each stream's share up to one
 *    sample. `batching: 'per-stream'`: every batch holds samples of one stream only; a stream's
 *    count is rounded down to whole batches (of `batchSize` × world size with `distributed`) and
 *    the batches of all streams come in a seeded random order (interleaved evenly for 'sequential').
 * The epoch order depends only on (streams, weights, seed, epoch), so resuming (`loader.state()`)
 * is exact, with any number of workers, at any epoch.
 */
export interface MixOptions {
  /** One weight per stream of the dataset, in order; default: the manifest's weights (else `repeat: 1` each). */
  streams?: readonly StreamWeight[];
  /** 'stratified' (default) or 'per-stream' (see above). */
  batching?: 'stratified' | 'per-stream';
  /** Samples per epoch for `proportion` weights; default: the manifest's, else the sum of the streams' samples. */
  samplesPerEpoch?: number;
}

export interface ResolvedMix {
  /** samples of each stream per epoch (for per-stream batching: whole chunks) */
  counts: number[];
  batching: 'stratified' | 'per-stream';
  /** per-stream batching: samples per chunk (batchSize × world size) */
  chunk: number;
  weights: StreamWeight[];
}

const MIX_OPTIONS = ['streams', 'batching', 'samplesPerEpoch'] as const;
const WEIGHT_KEYS = ['proportion', 'repeat', 'choose'] as const;
/** the random stream of the mixture's own draws (subsets, stream seeds, chunk order): custom orders use ≥ 1000 */
const MIX_RANDOM_STREAM = 3;
const PROPORTION_TOLERANCE = 1e-9;
/** up to this many streams the merge scans them all per unit; above, a heap */
const LINEAR_MERGE_STREAMS = 16;

/** Checks the `mix` option against the dataset's streams and computes each stream's count per epoch. */
export function resolveMix(mix: MixOptions, streams: readonly DatasetStream[], manifestSamplesPerEpoch: number | undefined, batchSize: number, worldSize: number): ResolvedMix {
  if (mix === null || typeof mix !== 'object' || Array.isArray(mix)) throw new ArgumentError('mix', `expected { streams?, batching?, samplesPerEpoch? }, got ${JSON.stringify(mix)}`);
  checkKnownOptions('mix', mix, MIX_OPTIONS, { weights: 'streams', proportions: 'streams', epochSize: 'samplesPerEpoch', epoch_size: 'samplesPerEpoch' });
  const batching = mix.batching ?? 'stratified';
  if (batching !== 'stratified' && batching !== 'per-stream') throw new ArgumentError('mix.batching', `must be 'stratified' or 'per-stream', got ${JSON.stringify(mix.batching)}`);
  if (mix.streams !== undefined && (!Array.isArray(mix.streams) || mix.streams.length !== streams.length)) {
    throw new ArgumentError('mix.streams', `must give one weight per stream of the dataset (${streams.length}: ${streams.map((stream) => stream.name).join(', ')}), got ${JSON.stringify(mix.streams)}`);
  }
  const weights = streams.map((stream, index) => {
    const weight = mix.streams?.[index] ?? stream.weight ?? { repeat: 1 };
    const where = mix.streams === undefined ? `stream "${stream.name}"` : `mix.streams[${index}]`;
    if (weight === null || typeof weight !== 'object') throw new ArgumentError(where, `expected { proportion } | { repeat } | { choose }, got ${JSON.stringify(weight)}`);
    checkKnownOptions(where, weight, WEIGHT_KEYS, { weight: 'proportion', fraction: 'proportion', samples: 'choose' });
    const given = WEIGHT_KEYS.filter((key) => weight[key] !== undefined);
    if (given.length !== 1) throw new ArgumentError(where, `give exactly one of proportion, repeat or choose, got ${JSON.stringify(weight)}`);
    const key = given[0]!;
    const value = weight[key]!;
    if (key === 'choose' ? !(Number.isSafeInteger(value) && value >= 0) : !(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
      throw new ArgumentError(`${where}.${key}`, `must be a ${key === 'choose' ? 'non-negative integer' : 'non-negative number'}, got ${JSON.stringify(value)}`);
    }
    if (value > 0 && stream.numSamples === 0) throw new ArgumentError(`${where}.${key}`, `stream "${stream.name}" has no samples to draw ${key === 'choose' ? value : 'a share'} from`);
    return { [key]: value } as StreamWeight;
  });
  const proportional = weights.filter((weight) => weight.proportion !== undefined).length;
  if (proportional > 0 && proportional < weights.length) {
    throw new ArgumentError('mix.streams', 'give every stream a proportion, or none: proportions are fractions of the epoch, which repeat and choose counts do not have');
  }
  let counts: number[];
  if (proportional > 0) {
    const total = mix.samplesPerEpoch ?? manifestSamplesPerEpoch ?? streams.reduce((sum, stream) => sum + stream.numSamples, 0);
    if (!Number.isSafeInteger(total) || total < 1) throw new ArgumentError('mix.samplesPerEpoch', `must be a positive integer, got ${JSON.stringify(total)}`);
    const sum = weights.reduce((acc, weight) => acc + weight.proportion!, 0);
    if (Math.abs(sum - 1) > PROPORTION_TOLERANCE) {
      throw new ArgumentError('mix.streams', `the proportions sum to ${sum}, not 1: they are absolute fractions of each epoch and are never rescaled; give fractions that sum to 1, or use repeat / choose`);
    }
    counts = largestRemainder(weights.map((weight) => weight.proportion!), total);
  } else {
    if (mix.samplesPerEpoch !== undefined) throw new ArgumentError('mix.samplesPerEpoch', 'is given only with proportion weights (repeat and choose fix each stream\'s count themselves)');
    counts = weights.map((weight, index) => (weight.choose !== undefined ? weight.choose : Math.round(weight.repeat! * streams[index]!.numSamples)));
  }
  const chunk = batching === 'per-stream' ? batchSize * worldSize : 1;
  if (batching === 'per-stream') counts = counts.map((count) => count - (count % chunk));
  if (counts.every((count) => count === 0)) {
    throw new ArgumentError('mix', `the weights give an epoch of no samples${batching === 'per-stream' ? ` (per-stream batching keeps whole batches of ${chunk} per stream)` : ''}; raise them`);
  }
  return { counts, batching, chunk, weights };
}

/** Integers proportional to `shares` (summing to 1) that sum to `total` exactly (ties to the earlier stream). */
function largestRemainder(shares: readonly number[], total: number): number[] {
  const exact = shares.map((share) => share * total);
  const counts = exact.map(Math.floor);
  let missing = total - counts.reduce((sum, count) => sum + count, 0);
  const byRemainder = exact.map((value, index) => ({ index, remainder: value - Math.floor(value) })).sort((a, b) => b.remainder - a.remainder || a.index - b.index);
  for (let position = 0; missing > 0; position = (position + 1) % counts.length, missing--) counts[byRemainder[position]!.index]!++;
  return counts;
}

/** The loader's order over a mixture: see MixOptions. `base` orders each stream's samples. */
export function mixOrder(base: TraversalOrder, streams: readonly DatasetStream[], mix: ResolvedMix): TraversalOrder {
  const total = mix.counts.reduce((sum, count) => sum + count, 0);
  return {
    name: 'mix',
    distributedSplit: base.distributedSplit,
    options: {
      base: base.name,
      baseOptions: base.options ?? {},
      batching: mix.batching,
      chunk: mix.chunk,
      counts: mix.counts,
      streams: streams.map((stream) => [stream.firstSample, stream.numSamples]),
    },
    epochOrder(context: OrderContext): Uint32Array {
      const ordered = streams.map((stream, index) => streamSamples(base, stream, mix.counts[index]!, index, context));
      return mix.batching === 'stratified' ? interleave(ordered, 1, total) : chunked(ordered, mix.chunk, total, base.name === 'sequential' ? undefined : createRandom(context.seed, context.epoch, MIX_RANDOM_STREAM, streams.length));
    },
  };
}

/** One stream's samples of an epoch (whole passes plus a seeded subset), in the base order. */
function streamSamples(base: TraversalOrder, stream: DatasetStream, count: number, streamIndex: number, context: OrderContext): Uint32Array {
  const samples = new Uint32Array(count);
  if (count === 0) return samples;
  const size = stream.numSamples;
  const passes = Math.floor(count / size);
  let position = 0;
  for (let pass = 0; pass < passes; pass++) for (let sample = 0; sample < size; sample++) samples[position++] = stream.firstSample + sample;
  const rest = count - position;
  if (rest > 0) {
    // A partial Fisher–Yates over the stream: its first `rest` entries are a uniform subset.
    const pool = new Uint32Array(size);
    for (let sample = 0; sample < size; sample++) pool[sample] = stream.firstSample + sample;
    const random = createRandom(context.seed, context.epoch, MIX_RANDOM_STREAM, streamIndex);
    for (let pick = 0; pick < rest; pick++) {
      const other = pick + random.nextInt(size - pick);
      const value = pool[other]!;
      pool[other] = pool[pick]!;
      pool[pick] = value;
    }
    const subset = pool.subarray(0, rest).sort();
    samples.set(subset, position);
  }
  const seed = createRandom(context.seed, MIX_RANDOM_STREAM, streamIndex, 0xffff_ffff).nextUint32();
  const ordered = base.epochOrder({ indices: samples, seed, epoch: context.epoch, pageOf: context.pageOf });
  if (!(ordered instanceof Uint32Array) || ordered.length !== samples.length) {
    throw new ArgumentError('order', `order ${JSON.stringify(base.name)} returned ${ordered instanceof Uint32Array ? ordered.length : 'no'} samples for stream "${stream.name}"'s ${samples.length}; epochOrder must return a permutation of context.indices`);
  }
  return ordered;
}

/**
 * Merges the streams' sequences in units of `unit` samples by due time: the k-th unit of a
 * stream of u units is due at (k + ½) / u, the earliest due unit comes next (ties: lower stream).
 */
function interleave(ordered: readonly Uint32Array[], unit: number, total: number): Uint32Array {
  const result = new Uint32Array(total);
  const streams = ordered.length;
  const units = ordered.map((samples) => samples.length / unit);
  const next = new Float64Array(streams);
  /** due time of each stream's next unit; Infinity once the stream is used up */
  const due = new Float64Array(streams);
  for (let stream = 0; stream < streams; stream++) due[stream] = units[stream]! > 0 ? 0.5 / units[stream]! : Number.POSITIVE_INFINITY;
  const take = (stream: number, position: number) => {
    const start = next[stream]! * unit;
    const samples = ordered[stream]!;
    if (unit === 1) result[position] = samples[start]!;
    else result.set(samples.subarray(start, start + unit), position);
    const taken = ++next[stream]!;
    due[stream] = taken < units[stream]! ? (taken + 0.5) / units[stream]! : Number.POSITIVE_INFINITY;
  };
  if (streams <= LINEAR_MERGE_STREAMS) {
    for (let position = 0; position < total; position += unit) {
      let best = 0;
      for (let stream = 1; stream < streams; stream++) if (due[stream]! < due[best]!) best = stream;
      take(best, position);
    }
    return result;
  }
  // Many streams: a binary heap of stream numbers keyed by due time (ties: the lower stream).
  const less = (a: number, b: number) => due[a]! < due[b]! || (due[a] === due[b] && a < b);
  const heap: number[] = [];
  const siftDown = () => {
    for (let parent = 0; ; ) {
      const left = 2 * parent + 1;
      const right = left + 1;
      let smallest = parent;
      if (left < heap.length && less(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && less(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === parent) return;
      [heap[parent], heap[smallest]] = [heap[smallest]!, heap[parent]!];
      parent = smallest;
    }
  };
  for (let stream = 0; stream < streams; stream++) {
    if (units[stream] === 0) continue;
    heap.push(stream);
    for (let child = heap.length - 1; child > 0; ) {
      const parent = (child - 1) >> 1;
      if (!less(heap[child]!, heap[parent]!)) break;
      [heap[child], heap[parent]] = [heap[parent]!, heap[child]!];
      child = parent;
    }
  }
  for (let position = 0; position < total; position += unit) {
    const stream = heap[0]!;
    take(stream, position);
    // The top's key only grew: sift it down (a used-up stream sinks to the bottom and leaves).
    if (due[stream] === Number.POSITIVE_INFINITY) {
      heap[0] = heap[heap.length - 1]!;
      heap.pop();
    }
    siftDown();
  }
  return result;
}

/** Per-stream batching: each stream cut into chunks, the chunks in a seeded random order (or interleaved evenly). */
function chunked(ordered: readonly Uint32Array[], chunk: number, total: number, random: ReturnType<typeof createRandom> | undefined): Uint32Array {
  if (random === undefined) return interleave(ordered, chunk, total);
  // Chunk c of the epoch is the (c − first[s])-th chunk of the stream s whose range holds it.
  const first: number[] = [];
  let count = 0;
  for (const samples of ordered) {
    first.push(count);
    count += samples.length / chunk;
  }
  const permutation = new Uint32Array(count);
  for (let index = 0; index < count; index++) permutation[index] = index;
  random.shuffle(permutation);
  const result = new Uint32Array(total);
  let stream = 0;
  permutation.forEach((id, position) => {
    stream = 0;
    while (stream + 1 < first.length && first[stream + 1]! <= id) stream++;
    const start = (id - first[stream]!) * chunk;
    result.set(ordered[stream]!.subarray(start, start + chunk), position * chunk);
  });
  return result;
}
