import { TesseraError } from '@tessera/core';

/**
 * The file shard `index` of `count` is written to, from a build's `output`:
 * - a pattern holding `{index}` (and optionally `{count}`): both replaced by the numbers,
 *   e.g. `shards/train-{index}-of-{count}.beton` → `shards/train-2-of-6.beton`;
 * - any other path: `<path without .beton>.shard-<index>-of-<count>.beton`,
 *   e.g. `train.beton` → `train.shard-2-of-6.beton`.
 */
export function shardOutputPath(output: string, index: number, count: number): string {
  if (typeof output !== 'string' || output === '') throw new TesseraError('E_ARGUMENT', `shardOutputPath: output must be a path, got ${JSON.stringify(output)}`);
  if (!Number.isSafeInteger(count) || count < 1 || !Number.isSafeInteger(index) || index < 0 || index >= count) {
    throw new TesseraError('E_ARGUMENT', `shardOutputPath: the shard must be an integer from 0 to count - 1, got index ${index} of count ${count}`);
  }
  if (output.includes('{index}')) return output.replaceAll('{index}', String(index)).replaceAll('{count}', String(count));
  if (output.includes('{count}')) {
    throw new TesseraError('E_ARGUMENT', `the shard output pattern ${JSON.stringify(output)} has {count} but no {index}: every shard would write the same file; add {index}`);
  }
  return `${output.endsWith('.beton') ? output.slice(0, -'.beton'.length) : output}.shard-${index}-of-${count}.beton`;
}
