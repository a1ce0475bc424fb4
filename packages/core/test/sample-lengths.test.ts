import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Batch, type TesseraError, createLoader, int64, lengthGroupedOrder, openDataset, optional, writeDataset } from '../src/index.js';
import { createOrderContext } from '../src/loader/orders/index.js';
// @ts-expect-error: a plain ESM fixture without types
import { timedPlugin, timedSpans } from './fixtures/timed-plugin.mjs';

const directory = mkdtempSync(join(tmpdir(), 'tessera-lengths-'));
const path = join(directory, 'lengths.beton');
const plugin = timedPlugin();
const NUM_SAMPLES = 500;
/** Sample i has (i × 37) % 23 spans; every 10th has no `maybe` value. */
const spanCount = (index: number) => (index * 37) % 23;
const streamOf = (index: number) => ({ start: 0, duration: 100, spans: Array.from({ length: spanCount(index) }, (_, k): [number, number] => [k, k + 0.5]) });

beforeAll(async () => {
  await writeDataset(
    path,
    { id: int64(), spans: timedSpans(plugin), maybe: optional(timedSpans(plugin)) },
    { length: NUM_SAMPLES, get: (index: number) => ({ id: index, spans: streamOf(index), maybe: index % 10 === 0 ? null : streamOf(index) }) },
    { workers: 0 },
  );
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('per-sample lengths', () => {
  it('dataset.lengths reads every sample from the metadata once (absent optional samples: 0)', () => {
    const dataset = openDataset(path, { plugins: [plugin] });
    try {
      const lengths = dataset.lengths('spans');
      expect(Array.from(lengths)).toEqual(Array.from({ length: NUM_SAMPLES }, (_, index) => spanCount(index)));
      expect(dataset.lengths('spans')).toBe(lengths);
      expect(Array.from(dataset.lengths('maybe'))).toEqual(Array.from({ length: NUM_SAMPLES }, (_, index) => (index % 10 === 0 ? 0 : spanCount(index))));
      expect(dataset.hasLengths('id')).toBe(false);
      let caught: unknown;
      try {
        dataset.lengths('id');
      } catch (error) {
        caught = error;
      }
      expect((caught as TesseraError).code).toBe('E_ARGUMENT');
      expect((caught as TesseraError).message).toMatch(/no per-sample lengths.*"spans", "maybe"/);
    } finally {
      dataset.close();
    }
  });

  it('lengthGroupedOrder: a permutation whose groups are sorted by length, longest first, reshuffled per epoch', () => {
    const dataset = openDataset(path, { plugins: [plugin] });
    const lengths = dataset.lengths('spans');
    dataset.close();
    const order = lengthGroupedOrder({ lengths, batchSize: 10, groupBatches: 5 });
    const first = order.epochOrder(createOrderContext({ numSamples: NUM_SAMPLES, seed: 3, epoch: 0 }));
    expect(Array.from(first).sort((a, b) => a - b)).toEqual(Array.from({ length: NUM_SAMPLES }, (_, index) => index));
    for (let start = 0; start < NUM_SAMPLES; start += 50) {
      const group = Array.from(first.subarray(start, start + 50), (sample) => lengths[sample]!);
      expect(group).toEqual([...group].sort((a, b) => b - a));
    }
    // Batches of 10 within a group span few lengths; a plain shuffle's batches span many.
    const spread = (samples: Uint32Array) => {
      let total = 0;
      for (let start = 0; start < samples.length; start += 10) {
        const batch = Array.from(samples.subarray(start, start + 10), (sample) => lengths[sample]!);
        total += Math.max(...batch) - Math.min(...batch);
      }
      return total / (samples.length / 10);
    };
    expect(spread(first)).toBeLessThan(5);
    const second = order.epochOrder(createOrderContext({ numSamples: NUM_SAMPLES, seed: 3, epoch: 1 }));
    expect(Array.from(second)).not.toEqual(Array.from(first));
    expect(Array.from(order.epochOrder(createOrderContext({ numSamples: NUM_SAMPLES, seed: 3, epoch: 0 })))).toEqual(Array.from(first));
  });

  it('drives the loader (with repeat, items map to their sample)', async () => {
    const dataset = openDataset(path, { plugins: [plugin] });
    const lengths = dataset.lengths('spans');
    const loader = createLoader(dataset, { batchSize: 25, repeat: 2, order: lengthGroupedOrder({ lengths, batchSize: 25, groupBatches: 4 }), pipelines: { spans: null, maybe: null } });
    const seen: number[] = [];
    for await (const batch of loader) {
      const ids = Array.from((batch as Batch).id!.data as BigInt64Array, Number);
      seen.push(...ids);
      const batchLengths = ids.map((id) => lengths[id]!);
      expect(Math.max(...batchLengths) - Math.min(...batchLengths)).toBeLessThanOrEqual(12);
    }
    await loader.close();
    dataset.close();
    expect(seen.length).toBe(2 * NUM_SAMPLES);
    expect(new Set(seen).size).toBe(NUM_SAMPLES);
  });
});
