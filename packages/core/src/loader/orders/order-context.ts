import { ArgumentError } from '../../errors.js';
import type { OrderContext } from './traversal-order.js';

const UINT32_LIMIT = 4_294_967_296;

export interface OrderContextOptions {
  /** Samples in the dataset; `indices` entries must be below it. */
  numSamples: number;
  /** The eligible samples, kept in this order and with duplicates (default: 0 … numSamples − 1). Copied. */
  indices?: ArrayLike<number>;
  /** Integer in [0, 2^32); default 0. */
  seed?: number;
  /** 0-based epoch, integer in [0, 2^32); default 0. */
  epoch?: number;
  /** Page of a sample's first payload, or −1; default: no page information (every sample −1). */
  pageOf?: (sampleIndex: number) => number;
}

/** Builds and validates an `OrderContext` (the loader does this once per epoch). */
export function createOrderContext(options: OrderContextOptions): OrderContext {
  const { numSamples, seed = 0, epoch = 0, pageOf = noPage } = options;
  if (!(Number.isInteger(numSamples) && numSamples >= 0 && numSamples <= UINT32_LIMIT)) {
    throw new ArgumentError('numSamples', `expected an integer in [0, 2^32], got ${numSamples}`);
  }
  if (typeof pageOf !== 'function') throw new ArgumentError('pageOf', `expected a function, got ${typeof pageOf}`);
  let indices: Uint32Array;
  if (options.indices === undefined) {
    indices = new Uint32Array(numSamples);
    for (let position = 0; position < numSamples; position++) indices[position] = position;
  } else {
    const given = options.indices;
    indices = new Uint32Array(given.length);
    for (let position = 0; position < given.length; position++) {
      const sampleIndex = given[position]!;
      if (!(Number.isInteger(sampleIndex) && sampleIndex >= 0 && sampleIndex < numSamples)) {
        throw new ArgumentError(
          'indices',
          `indices[${position}] is ${sampleIndex}, but the dataset has ${numSamples} samples (valid: integers in [0, ${numSamples}))`,
        );
      }
      indices[position] = sampleIndex;
    }
  }
  const context: OrderContext = { indices, seed, epoch, pageOf };
  checkOrderContext(context);
  return context;
}

/** Validates the parts of a context every order relies on; O(1). Used by the built-in orders and `rankOrder`. */
export function checkOrderContext(context: OrderContext): void {
  if (context === null || typeof context !== 'object') throw new ArgumentError('context', 'expected an OrderContext object');
  if (!(context.indices instanceof Uint32Array)) throw new ArgumentError('indices', 'expected a Uint32Array of sample indices');
  checkUint32('seed', context.seed);
  checkUint32('epoch', context.epoch);
}

function checkUint32(argument: string, value: number): void {
  if (!(Number.isInteger(value) && value >= 0 && value < UINT32_LIMIT)) {
    throw new ArgumentError(argument, `expected an integer in [0, 2^32), got ${value}`);
  }
}

function noPage(): number {
  return -1;
}
