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
/**
 * `start` > 0 (an elastic resume): only the epoch's global order from that position on is split
 * among the ranks (interleaved) — the part the ranks of the interrupted run had not consumed.
 */
export function rankOrder(order: TraversalOrder, context: OrderContext, distributed?: DistributedOptions, start = 0): Uint32Array {
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
  const fullOrder = order.epochOrder(context);
  if (!(fullOrder instanceof Uint32Array) || fullOrder.length !== context.indices.length) {
    const got = fullOrder instanceof Uint32Array ? `${(fullOrder as Uint32Array).length} samples` : 'no Uint32Array';
    throw new ArgumentError(
      'order',
      `order ${JSON.stringify(order.name)} returned ${got} for ${context.indices.length} eligible samples; epochOrder(context) must return a permutation of context.indices`,
    );
  }
  const epochOrder = start > 0 ? fullOrder.subarray(Math.min(start, fullOrder.length)) : fullOrder;
  const count = epochOrder.length;
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
