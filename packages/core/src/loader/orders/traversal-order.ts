import type { JsonValue } from '../../util/json-value.js';

/**
 * The traversal-order contract: which samples one epoch visits, in which order, and how that
 * order is shared out between the ranks of a distributed run. FFCV's `TraversalOrder`, opened up:
 * the built-in orders (`sequentialOrder`, `randomOrder`, `quasiRandomOrder`) implement this
 * interface, and so can any user object passed as the loader's `order` option.
 *
 * An order only computes a permutation; the loader asks for it once per epoch, pads and splits it
 * with `rankOrder`, and then streams batches in that order.
 */

/** What an order may look at when it computes one epoch. Built by the loader (or `createOrderContext`). */
export interface OrderContext {
  /**
   * The samples eligible this run. Either every sample of the dataset, ascending (0, 1, …, n − 1),
   * or the user's `indices` option exactly as given: the user's order is kept (the sequential
   * order visits them in that order) and duplicates are kept (a sample listed twice is visited
   * twice per epoch). Every entry is a valid sample index of the dataset. Orders must not mutate it.
   */
  readonly indices: Uint32Array;
  /** The run's seed, an integer in [0, 2^32). Same seed, epoch and indices → same order, everywhere. */
  readonly seed: number;
  /** The 0-based epoch being ordered, an integer in [0, 2^32). Random orders reshuffle per epoch. */
  readonly epoch: number;
  /**
   * The page holding the first payload byte of `sampleIndex` (an integer in [0, 2^32 − 1)), or −1
   * when the sample has no payload (only fixed-size fields). Lets an order keep reads
   * near-sequential. Only equality of page ids matters, not their values. Orders call it at most
   * once per entry of `indices` per epoch; it is a plain synchronous lookup.
   */
  pageOf(sampleIndex: number): number;
}

/**
 * How `rankOrder` shares an epoch's (padded) order between the `worldSize` ranks:
 * - `'interleave'`: rank r takes positions r, r + W, r + 2W, … (PyTorch's `DistributedSampler`).
 * - `'contiguous'`: rank r takes the r-th of W equal blocks, so each rank keeps to its own pages.
 */
export type DistributedSplit = 'interleave' | 'contiguous';

/** A traversal order. Implementations must be deterministic and may keep no per-epoch state. */
export interface TraversalOrder {
  /** A short name for messages and logs, e.g. `'random'`. */
  readonly name: string;
  /**
   * The full order of one epoch: a permutation of `context.indices` (same length, same multiset of
   * values), before any distributed splitting. Deterministic in (indices, seed, epoch, the pages
   * `pageOf` reports): never depends on time, `Math.random`, call count or caching. Returns a new
   * array that the caller owns. Runs once per epoch, so it may allocate O(n) typed arrays, but for
   * millions of samples it should avoid per-sample objects and closures.
   */
  epochOrder(context: OrderContext): Uint32Array;
  /** How distributed mode splits this order across ranks; see `DistributedSplit`. */
  readonly distributedSplit: DistributedSplit;
  /**
   * Optional: the JSON options that, with `name` and `distributedSplit`, determine the order's
   * permutations (e.g. `{ windowPages: 8 }`). `loader.state()` records them, and resuming from a
   * state taken with other options is refused (E_ARGUMENT). An order whose permutations depend on
   * anything else should give it a different `name`.
   */
  readonly options?: Readonly<Record<string, JsonValue>>;
}

/** The names the loader's `order` option accepts besides a `TraversalOrder` object. */
export type OrderName = 'sequential' | 'random' | 'quasi-random';

/**
 * Stream numbers the built-in orders pass to `createRandom(seed, epoch, stream)`, so that two
 * orders with the same seed never share random numbers. Custom orders should pick values ≥ 1000.
 */
export const ORDER_RANDOM_STREAM = {
  random: 1,
  quasiRandom: 2,
} as const;
