import { appendFileSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoaderOptions, TesseraError, createLoader, int64, ndarray, openDataset, writeDataset } from '../src/index.js';
// @ts-expect-error: plain-JS fixture plugin
import { segments, segmentsPlugin } from './fixtures/segments-plugin.mjs';

const directory = mkdtempSync(join(tmpdir(), 'tessera-loader-hardening-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const path = join(directory, 'base.beton');
const NUM_SAMPLES = 300;

/** id = offset + index; vector[k] = id + k. */
async function writeNumbers(target: string, length: number, offset: number): Promise<void> {
  await writeDataset(
    target,
    { id: int64(), vector: ndarray({ dtype: 'float32', shape: [4] }) },
    { length, get: (index: number) => ({ id: offset + index, vector: Float32Array.from({ length: 4 }, (_, k) => offset + index + k) }) },
    { pageSize: 4096, workers: 0 },
  );
}

beforeAll(async () => {
  await writeNumbers(path, NUM_SAMPLES, 0);
});

const errorOf = (run: () => unknown): TesseraError => {
  try {
    run();
  } catch (error) {
    if (error instanceof TesseraError) return error;
    throw error;
  }
  throw new Error('expected a TesseraError');
};

describe('a file replaced under a loader', () => {
  for (const replacement of [
    { name: 'same sample count, other values', length: NUM_SAMPLES },
    { name: 'a longer file', length: NUM_SAMPLES * 3 },
    { name: 'a shorter file', length: NUM_SAMPLES / 3 },
  ]) {
    it(`keeps serving the old file with workers (${replacement.name})`, async () => {
      const target = join(directory, `replaced-${replacement.length}.beton`);
      const next = join(directory, `next-${replacement.length}.beton`);
      await writeNumbers(target, NUM_SAMPLES, 0);
      await writeNumbers(next, replacement.length, 1_000_000);
      const loader = createLoader(target, { batchSize: 32, workers: 2, order: 'random', seed: 3 });
      renameSync(next, target); // atomic replacement, before any worker reads
      const seen: number[] = [];
      try {
        for (let epoch = 0; epoch < 2; epoch++) {
          for await (const batch of loader) {
            const ids = Array.from(batch.id!.data as BigInt64Array, Number);
            const vector = batch.vector!.data as Float32Array;
            ids.forEach((id, position) => expect(vector[position * 4 + 3]).toBe(id + 3));
            seen.push(...ids);
          }
        }
      } finally {
        await loader.close();
      }
      // Old values only, every sample of the old file once per epoch.
      expect(seen.length).toBe(2 * NUM_SAMPLES);
      expect(Math.max(...seen)).toBe(NUM_SAMPLES - 1);
      expect(new Set(seen).size).toBe(NUM_SAMPLES);
    });
  }

  it('stops with E_IO when the file is modified in place between batches', async () => {
    for (const workers of [0, 2]) {
      const target = join(directory, `in-place-${workers}.beton`);
      await writeNumbers(target, NUM_SAMPLES, 0);
      const loader = createLoader(target, { batchSize: 32, workers });
      const iterator = loader[Symbol.asyncIterator]();
      expect((await iterator.next()).done).toBe(false);
      appendFileSync(target, new Uint8Array(16)); // same inode, now 16 bytes longer
      await expect(iterator.next()).rejects.toMatchObject({ code: 'E_IO', message: expect.stringMatching(/modified in place/) });
      await loader.close();
    }
  });
});

describe('loader options', () => {
  it('rejects names from other libraries with the Tessera name', () => {
    const shuffle = errorOf(() => createLoader(path, { batch_size: 8, shuffle: true } as unknown as LoaderOptions));
    expect(shuffle.code).toBe('E_ARGUMENT');
    expect(shuffle.message).toMatch(/unknown option "batch_size"; did you mean batchSize\?/);
    expect(errorOf(() => createLoader(path, { batchSize: 8, shuffle: true } as unknown as LoaderOptions)).message).toMatch(/"shuffle"; did you mean order: 'random'\?/);
    expect(errorOf(() => createLoader(path, { batchSize: 8, num_workers: 2 } as unknown as LoaderOptions)).message).toMatch(/did you mean workers\?/);
    expect(errorOf(() => createLoader(path, { batchSize: 8, dropLats: true } as unknown as LoaderOptions)).message).toMatch(/"dropLats"; did you mean dropLast\?/);
  });

  it('rejects unknown keys of distributed and pipeline objects', () => {
    const distributed = errorOf(() => createLoader(path, { batchSize: 8, distributed: { rank: 0, world_size: 2 } as never }));
    expect(distributed).toMatchObject({ code: 'E_ARGUMENT', argument: 'distributed.world_size' });
    expect(distributed.message).toMatch(/did you mean worldSize\?/);
    const pipeline = errorOf(() => createLoader(path, { batchSize: 8, pipelines: { vector: { decoder: 'ndarray', options: {} } as never } }));
    expect(pipeline).toMatchObject({ code: 'E_ARGUMENT', argument: 'pipelines.vector.options' });
    expect(pipeline.message).toMatch(/did you mean decoderOptions\?/);
    expect(errorOf(() => createLoader(path, { batchSize: 8, pipelines: { vector: { operation: [] } as never } })).message).toMatch(/did you mean operations\?/);
  });

  it('rejects several files with a typed error', () => {
    const error = errorOf(() => createLoader([path, path] as unknown as string, { batchSize: 8 }));
    expect(error.code).toBe('E_ARGUMENT');
    expect(error.message).toMatch(/2 files; several files are not supported yet: merge them/);
  });
});

describe('batch memory limits', () => {
  it('refuses a decoder output too large to allocate with E_LIMIT naming the field and the sizes', async () => {
    const target = join(directory, 'huge.beton');
    const plugin = segmentsPlugin();
    // the `lengths` decoder declares int32 × maxSegments per sample: 8 GB here
    await writeDataset(target, { parts: segments({ maxSegments: 2_000_000_000 }, plugin) }, { length: 4, get: () => ({ parts: [new Uint8Array(3)] }) }, { workers: 0 });
    const error = errorOf(() => createLoader(target, { batchSize: 64, plugins: [plugin] }));
    expect(error.code).toBe('E_LIMIT');
    expect(error.message).toContain('field "parts" declares 2000000000 int32 = 8000000000 bytes per sample; × 64 samples per batch = 512000000000 bytes');
    expect(error.message).toMatch(/lower batchSize/);
    // A dataset passed in stays usable: the loader released only what it allocated.
    const dataset = openDataset(target, { plugins: [plugin] });
    expect(() => createLoader(dataset, { batchSize: 1, plugins: [plugin] })).toThrow(expect.objectContaining({ code: 'E_LIMIT' }));
    expect(dataset.read(0, 'parts')).toEqual([new Uint8Array(3)]);
    dataset.close();
  });

  it('refuses an operation output too large for its scratch memory with E_LIMIT', () => {
    const huge = {
      kind: 'sample' as const,
      name: 'test/huge',
      setup: () => ({ output: { dtype: 'float64' as const, shape: [100_000, 100_000] }, apply() {} }),
    };
    const small = { kind: 'sample' as const, name: 'test/small', setup: () => ({ output: { dtype: 'uint8' as const, shape: [1] }, apply() {} }) };
    const error = errorOf(() => createLoader(path, { batchSize: 2, pipelines: { vector: { operations: [huge, small] } } }));
    expect(error.code).toBe('E_LIMIT');
    expect(error.message).toContain('stage test/huge of field "vector" declares 100000×100000 float64 = 80000000000 bytes per sample');
  });
});
