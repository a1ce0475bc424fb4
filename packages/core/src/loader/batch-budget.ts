/**
 * The loader's `batchBudget` option: batches cut by a token / frame / sample budget instead of a
 * fixed count, from per-sample lengths known without decoding (`dataset.lengths(field)`). The
 * boundaries are a pure function of the epoch's order, so they are the same on every run, with
 * any number of workers, and a resumed run continues at the same batch.
 */
import { ArgumentError } from '../errors.js';
import { checkKnownOptions } from '../util/check-options.js';

export interface BatchBudgetOptions {
  /** Every sample's length (e.g. `dataset.lengths('tokens')`), by sample index; with `repeat`, an item's sample's. */
  lengths: ArrayLike<number>;
  /** The most elements a batch may cost (tokens, frames, audio samples). */
  maxElements: number;
  /**
   * 'padded' (default): a batch costs its sample count × its longest sample — what a batch padded
   * to its longest row (`padToLongest`) holds; 'sum': the sum of its lengths (packed or ragged use).
   */
  cost?: 'padded' | 'sum';
}

export interface ResolvedBatchBudget {
  lengths: ArrayLike<number>;
  maxElements: number;
  cost: 'padded' | 'sum';
}

const BUDGET_OPTIONS = ['lengths', 'maxElements', 'cost'] as const;

export function resolveBatchBudget(options: BatchBudgetOptions, numSamples: number): ResolvedBatchBudget {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new ArgumentError('batchBudget', `expected { lengths, maxElements, cost? }, got ${JSON.stringify(options)}`);
  checkKnownOptions('batchBudget', options, BUDGET_OPTIONS, { budget: 'maxElements', maxTokens: 'maxElements', max: 'maxElements' });
  const { lengths, maxElements } = options;
  if (lengths === null || typeof lengths !== 'object' || typeof lengths.length !== 'number') {
    throw new ArgumentError('batchBudget.lengths', 'must be the per-sample lengths, e.g. dataset.lengths("tokens")');
  }
  if (lengths.length !== numSamples) throw new ArgumentError('batchBudget.lengths', `has ${lengths.length} entries, the file has ${numSamples} samples`);
  for (let index = 0; index < lengths.length; index++) {
    const length = lengths[index]!;
    if (!Number.isSafeInteger(length) || length < 0) throw new ArgumentError('batchBudget.lengths', `entry ${index} is ${String(length)}, not a non-negative integer`);
  }
  if (!Number.isSafeInteger(maxElements) || maxElements < 1) throw new ArgumentError('batchBudget.maxElements', `must be a positive integer, got ${String(maxElements)}`);
  const cost = options.cost ?? 'padded';
  if (cost !== 'padded' && cost !== 'sum') throw new ArgumentError('batchBudget.cost', `must be 'padded' or 'sum', got ${JSON.stringify(cost)}`);
  return { lengths, maxElements, cost };
}

/**
 * Batch start positions in `order`, then the end of the last batch: samples join the current batch
 * while it stays within the budget and `batchSize`; a sample that alone exceeds the budget gets a
 * batch of its own. With `dropLast`, the last batch is dropped unless it holds `batchSize` samples
 * (the end of the epoch cut it short).
 */
export function budgetBatchStarts(order: Uint32Array, budget: ResolvedBatchBudget, batchSize: number, numSamples: number, dropLast: boolean): Uint32Array {
  const starts: number[] = [];
  let count = 0;
  let longest = 0;
  let sum = 0;
  for (let position = 0; position < order.length; position++) {
    const length = budget.lengths[order[position]! % numSamples]!;
    const cost = budget.cost === 'padded' ? (count + 1) * Math.max(longest, length) : sum + length;
    if (count === 0 || count === batchSize || cost > budget.maxElements) {
      starts.push(position);
      count = 0;
      longest = 0;
      sum = 0;
    }
    count++;
    longest = Math.max(longest, length);
    sum += length;
  }
  let end = order.length;
  if (dropLast && starts.length > 0 && count < batchSize) end = starts.pop()!;
  const result = new Uint32Array(starts.length + 1);
  result.set(starts);
  result[starts.length] = end;
  return result;
}
