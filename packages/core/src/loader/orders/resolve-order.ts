import { ArgumentError } from '../../errors.js';
import { quasiRandomOrder } from './quasi-random-order.js';
import { randomOrder } from './random-order.js';
import { sequentialOrder } from './sequential-order.js';
import type { OrderName, TraversalOrder } from './traversal-order.js';

/** Turns the loader's `order` option into a `TraversalOrder`: a name (default options) or a custom object, checked. */
export function resolveOrder(order: OrderName | TraversalOrder): TraversalOrder {
  if (order === 'sequential') return sequentialOrder();
  if (order === 'random') return randomOrder();
  if (order === 'quasi-random') return quasiRandomOrder();
  if (order !== null && typeof order === 'object' && typeof order.epochOrder === 'function') {
    if (order.distributedSplit !== 'interleave' && order.distributedSplit !== 'contiguous') {
      throw new ArgumentError(
        'order.distributedSplit',
        `order ${JSON.stringify(order.name)} has distributedSplit ${JSON.stringify(order.distributedSplit)}; expected 'interleave' or 'contiguous'`,
      );
    }
    return order;
  }
  const given = typeof order === 'string' ? JSON.stringify(order) : order === null ? 'null' : typeof order;
  throw new ArgumentError(
    'order',
    `expected 'sequential', 'random', 'quasi-random' or an object with epochOrder(context) and distributedSplit, got ${given}`,
  );
}
