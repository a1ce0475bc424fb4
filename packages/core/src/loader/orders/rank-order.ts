import { ArgumentError } from '../../errors.js';
import { checkOrderContext } from './order-context.js';
import type { OrderContext, TraversalOrder } from './traversal-order.js';

/** One rank of a distributed run: `rank` in [0, worldSize). */
export interface DistributedOptions {
  rank: number;
  worldSize: number;
}

/**
 * The samples one rank visits in an epoch, with PyTorch `DistributedSampler(drop_last=False)`
 * semantics. The epoch order (n samples) is padded cyclically to ceil(n / W) · W samples, i.e.
 * `padded[i] = order[i % n]` (for W ≤ n that repeats the first ceil(n / W) · W − n samples), then
 * split by `order.distributedSplit`: `'interleave'` gives rank r positions r, r + W, …;
 * `'contiguous'` gives it positions [r · m, (r + 1) · m) with m = ceil(n / W). Every rank gets
 * m samples; together the ranks visit every sample, the padding (fewer than W samples) twice.
 * Without `distributed` (or with worldSize 1) this is the epoch order itself.
 */
export function rankOrder(order: TraversalOrder, context: OrderContext, distributed?: DistributedOptions): Uint32Array {
  const { rank, worldSize } = distributed ?? { rank: 0, worldSize: 1 };
  if (!(Number.isSafeInteger(worldSize) && worldSize >= 1)) {
    throw new ArgumentError('worldSize', `expected an integer ≥ 1, got ${worldSize}`);
  }
  if (!(Number.isSafeInteger(rank) && rank >= 0 && rank < worldSize)) {
    throw new ArgumentError('rank', `expected an integer in [0, ${worldSize}) for worldSize ${worldSize}, got ${rank}`);
  }
  checkOrderContext(context);
  const split = order.distributedSplit;
  if (split !== 'interleave' && split !== 'contiguous') {
    throw new ArgumentError(
      'order.distributedSplit',
      `order ${JSON.stringify(order.name)} has distributedSplit ${JSON.stringify(split)}; expected 'interleave' or 'contiguous'`,
    );
  }
  const epochOrder = order.epochOrder(context);
  const count = context.indices.length;
  if (!(epochOrder instanceof Uint32Array) || epochOrder.length !== count) {
    const got = epochOrder instanceof Uint32Array ? `${epochOrder.length} samples` : 'no Uint32Array';
    throw new ArgumentError(
      'order',
      `order ${JSON.stringify(order.name)} returned ${got} for ${count} eligible samples; epochOrder(context) must return a permutation of context.indices`,
    );
  }
  if (worldSize === 1) return epochOrder;
  const perRank = Math.ceil(count / worldSize);
  const result = new Uint32Array(perRank);
  if (count === 0) return result;
  if (split === 'interleave') {
    for (let slot = 0, position = rank; slot < perRank; slot++, position += worldSize) {
      result[slot] = epochOrder[position % count]!;
    }
  } else {
    for (let slot = 0, position = rank * perRank; slot < perRank; slot++, position++) {
      result[slot] = epochOrder[position % count]!;
    }
  }
  return result;
}
