import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_INFO, type Batch, createLoader, int64, lengthGroupedOrder, openDataset, writeDataset } from '../src/index.js';
// @ts-expect-error: a plain ESM fixture without types
import { timedPlugin, timedSpans } from './fixtures/timed-plugin.mjs';
import { errorOf } from './helpers/error-of.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-budget-'));
const path = join(directory, 'budget.beton');
const plugin = timedPlugin();
const NUM_SAMPLES = 300;
/** Sample i has 1 + (i × 53) % 40 spans (its length); sample 7 has 150, more than any budget below allows with company. */
const lengthOf = (index: number) => (index === 7 ? 150 : 1 + ((index * 53) % 40));

beforeAll(async () => {
  await writeDataset(
    path,
    { id: int64(), spans: timedSpans(plugin) },
    { length: NUM_SAMPLES, get: (index: number) => ({ id: index, spans: { start: 0, duration: 1, spans: Array.from({ length: lengthOf(index) }, (_, k): [number, number] => [k, k]) } }) },
    { workers: 0 },
  );
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

async function batchesOf(options: Parameters<typeof createLoader>[1], epochs = 1): Promise<number[][]> {
  const loader = createLoader(path, options);
  const batches: number[][] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    const expected = loader.length;
    let count = 0;
    for await (const batch of loader) {
      batches.push(Array.from((batch as Batch)[BATCH_INFO].sampleIndices));
      count++;
    }
    expect(count).toBe(expected);
  }
  await loader.close();
  return batches;
}

describe('batchBudget', () => {
  const dataset = () => openDataset(path, { plugins: [plugin] });

  it("padded cost: count × longest ≤ maxElements, at most batchSize, every sample once; the lone oversized sample gets its own batch", async () => {
    const source = dataset();
    const lengths = source.lengths('spans');
    source.close();
    for (const workers of [0, 2]) {
      const batches = await batchesOf({ batchSize: 16, plugins: [plugin], pipelines: { spans: null }, workers, order: 'random', seed: 5, batchBudget: { lengths, maxElements: 200 } });
      expect(batches.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: NUM_SAMPLES }, (_, index) => index));
      for (const batch of batches) {
        expect(batch.length).toBeLessThanOrEqual(16);
        const cost = batch.length * Math.max(...batch.map((sample) => lengths[sample]!));
        if (batch.includes(7)) expect(batch).toEqual([7]);
        else expect(cost).toBeLessThanOrEqual(200);
      }
      // Greedy: adding the next sample of the order to any batch would have broken the budget or the count.
      const order = batches.flat();
      let position = 0;
      for (const batch of batches.slice(0, -1)) {
        position += batch.length;
        const next = order[position]!;
        const grown = [...batch, next];
        expect(grown.length > 16 || grown.length * Math.max(...grown.map((sample) => lengths[sample]!)) > 200).toBe(true);
      }
    }
  });

  it("sum cost, with lengthGroupedOrder: fewer, fuller batches; the same batches with workers and when resumed", async () => {
    const source = dataset();
    const lengths = source.lengths('spans');
    source.close();
    const options = { batchSize: 64, plugins: [plugin], pipelines: { spans: null }, seed: 2, order: lengthGroupedOrder({ lengths, batchSize: 8 }), batchBudget: { lengths, maxElements: 256, cost: 'sum' as const } };
    const batches = await batchesOf(options, 2);
    for (const batch of batches) if (!batch.includes(7)) expect(batch.reduce((sum, sample) => sum + lengths[sample]!, 0)).toBeLessThanOrEqual(256);
    expect(await batchesOf({ ...options, workers: 2 }, 2)).toEqual(batches);
    // Resume after 3 batches of epoch 0.
    const loader = createLoader(path, options);
    let taken = 0;
    let state: ReturnType<typeof loader.state> | undefined;
    for await (const _batch of loader) {
      if (++taken === 3) {
        state = loader.state();
        break;
      }
    }
    await loader.close();
    const resumed = createLoader(path, { ...options, resume: state });
    const rest: number[][] = [];
    for await (const batch of resumed) rest.push(Array.from((batch as Batch)[BATCH_INFO].sampleIndices));
    await resumed.close();
    const firstEpochLength = batches.length / 2;
    expect(rest).toEqual(batches.slice(3, firstEpochLength));
    // The budget decides where batches start: a state resumes only under the same one.
    const otherLengths = Float64Array.from(lengths, (length, index) => (index === 0 ? length + 1 : length));
    for (const [changed, name] of [
      [{ ...options.batchBudget, maxElements: 200 }, 'maxElements'],
      [{ ...options.batchBudget, cost: 'padded' as const }, 'cost'],
      [{ ...options.batchBudget, lengths: otherLengths }, 'lengths'],
      [undefined, 'null'],
    ] as const) {
      const error = errorOf(() => createLoader(path, { ...options, batchBudget: changed, resume: state }));
      expect(error, name).toMatchObject({ code: 'E_ARGUMENT', message: expect.stringContaining('batchBudget') });
    }
    expect(state?.batchBudget).toMatchObject({ maxElements: 256, cost: 'sum' });
  });

  it('dropLast drops a last batch the end of the epoch cut short; bad options are E_ARGUMENT', async () => {
    const source = dataset();
    const lengths = source.lengths('spans');
    source.close();
    const all = await batchesOf({ batchSize: 16, plugins: [plugin], pipelines: { spans: null }, batchBudget: { lengths, maxElements: 300 } });
    const dropped = await batchesOf({ batchSize: 16, plugins: [plugin], pipelines: { spans: null }, dropLast: true, batchBudget: { lengths, maxElements: 300 } });
    expect(dropped).toEqual(all.at(-1)!.length < 16 ? all.slice(0, -1) : all);
    for (const [budget, pattern] of [
      [{ lengths, maxElements: 0 }, /maxElements/],
      [{ lengths: lengths.subarray(1), maxElements: 10 }, /has 299 entries, the file has 300/],
      [{ lengths, maxTokens: 10 }, /maxTokens.*maxElements/],
      [{ lengths, maxElements: 10, cost: 'max' }, /'padded' or 'sum'/],
    ] as const) {
      const error = errorOf(() => createLoader(path, { batchSize: 4, plugins: [plugin], pipelines: { spans: null }, batchBudget: budget as never }));
      expect(error.code).toBe('E_ARGUMENT');
      expect(error.message).toMatch(pattern);
    }
  });
});
