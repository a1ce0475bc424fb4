import { ArgumentError } from '../../errors.js';
import { checkOrderContext } from './order-context.js';
import { createRandom } from './random.js';
import { ORDER_RANDOM_STREAM, type OrderContext, type TraversalOrder } from './traversal-order.js';

export interface LengthGroupedOrderOptions {
  /**
   * Every sample's length (`dataset.lengths('tokens')`: frames, audio samples, tokens…), indexed by
   * sample. With the loader's `repeat`, an item's sample is `item % lengths.length`.
   */
  lengths: ArrayLike<number>;
  /** The loader's batch size: groups of `groupBatches × batchSize` samples are sorted by length. */
  batchSize: number;
  /** Batches per sorted group (default 50: long enough to group well, short enough to stay shuffled). */
  groupBatches?: number;
}

/**
 * Random order with samples of similar length next to each other (Hugging Face's
 * LengthGroupedSampler): a fresh permutation per epoch, cut into groups of `groupBatches ×
 * batchSize` samples, each group sorted by length, longest first (a stable sort: equal lengths keep
 * their shuffled order). Batches then pad little (see `padToLongest`), and the first batch is the
 * longest one, so running out of memory happens at once rather than hours in. Distributed mode
 * interleaves, so every rank's batches are grouped too.
 */
export function lengthGroupedOrder(options: LengthGroupedOrderOptions): TraversalOrder {
  if (options === null || typeof options !== 'object') throw new ArgumentError('lengthGroupedOrder', 'needs { lengths, batchSize }');
  const { lengths, batchSize, groupBatches = 50 } = options;
  if (lengths === null || typeof lengths !== 'object' || typeof lengths.length !== 'number' || lengths.length === 0) {
    throw new ArgumentError('lengthGroupedOrder', 'lengths must be the per-sample lengths, e.g. dataset.lengths("tokens")');
  }
  for (const [name, value] of [
    ['batchSize', batchSize],
    ['groupBatches', groupBatches],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1) throw new ArgumentError(`lengthGroupedOrder.${name}`, `must be a positive integer, got ${String(value)}`);
  }
  const groupSize = batchSize * groupBatches;
  const numSamples = lengths.length;
  return {
    name: 'length-grouped',
    distributedSplit: 'interleave',
    options: { batchSize, groupBatches },
    epochOrder(context: OrderContext): Uint32Array {
      checkOrderContext(context);
      const order = context.indices.slice();
      createRandom(context.seed, context.epoch, ORDER_RANDOM_STREAM.random).shuffle(order);
      const keys = new Float64Array(order.length);
      for (let position = 0; position < order.length; position++) {
        const length = lengths[order[position]! % numSamples];
        if (length === undefined || !Number.isFinite(length)) throw new ArgumentError('lengthGroupedOrder.lengths', `has no finite length for sample ${order[position]! % numSamples}`);
        keys[position] = length;
      }
      const positions = new Uint32Array(order.length);
      for (let start = 0; start < order.length; start += groupSize) {
        const end = Math.min(order.length, start + groupSize);
        const group = Array.from({ length: end - start }, (_, offset) => start + offset);
        group.sort((a, b) => keys[b]! - keys[a]! || a - b);
        for (let offset = 0; offset < group.length; offset++) positions[start + offset] = order[group[offset]!]!;
      }
      return positions;
    },
  };
}
