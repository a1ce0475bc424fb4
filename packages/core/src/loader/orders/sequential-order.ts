import { ArgumentError } from '../../errors.js';
import { checkKnownOptions } from '../../util/check-options.js';
import { checkOrderContext } from './order-context.js';
import type { DistributedSplit, OrderContext, TraversalOrder } from './traversal-order.js';

export interface SequentialOrderOptions {
  /**
   * Default `'interleave'`: rank r reads samples r, r + W, … exactly like PyTorch's
   * `DistributedSampler(shuffle=False)` and FFCV's `Sequential` (evaluation metrics match).
   * `'contiguous'` gives each rank one run of consecutive samples, so each reads its own pages.
   */
  distributedSplit?: DistributedSplit;
}

/** Visits `context.indices` as given, every epoch (FFCV's `OrderOption.SEQUENTIAL`). */
export function sequentialOrder(options: SequentialOrderOptions = {}): TraversalOrder {
  checkKnownOptions('sequentialOrder options', options, ['distributedSplit'], { split: 'distributedSplit', distributed_split: 'distributedSplit' });
  const { distributedSplit = 'interleave' } = options;
  if (distributedSplit !== 'interleave' && distributedSplit !== 'contiguous') {
    throw new ArgumentError('distributedSplit', `expected 'interleave' or 'contiguous', got ${JSON.stringify(distributedSplit)}`);
  }
  return {
    name: 'sequential',
    distributedSplit,
    options: { distributedSplit },
    epochOrder(context: OrderContext): Uint32Array {
      checkOrderContext(context);
      return context.indices.slice();
    },
  };
}
