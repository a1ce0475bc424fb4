import { checkOrderContext } from './order-context.js';
import { createRandom } from './random.js';
import { ORDER_RANDOM_STREAM, type OrderContext, type TraversalOrder } from './traversal-order.js';

/**
 * A fresh uniform permutation of `context.indices` every epoch (FFCV's `OrderOption.RANDOM`):
 * Fisher–Yates driven by `createRandom(seed, epoch, ORDER_RANDOM_STREAM.random)`. Distributed
 * mode interleaves, like PyTorch's `DistributedSampler(shuffle=True)`.
 */
export function randomOrder(): TraversalOrder {
  return {
    name: 'random',
    distributedSplit: 'interleave',
    options: {},
    epochOrder(context: OrderContext): Uint32Array {
      checkOrderContext(context);
      const order = context.indices.slice();
      createRandom(context.seed, context.epoch, ORDER_RANDOM_STREAM.random).shuffle(order);
      return order;
    },
  };
}
