import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatasetManifest, type LoaderOptions, type LoaderState, createLoader, int64, ndarray, writeDataset } from '../src/index.js';
import { errorOf } from './helpers/error-of.js';

/** Stream "web": ids 0–599 in two files; stream "books": ids 10000–10299 in one. */
const WEB = 600;
const BOOKS = 300;
const BOOKS_ID = 10_000;
let folder: string;
let web: string[];
let books: string[];

const schema = () => ({ id: int64(), vector: ndarray({ dtype: '<f4', shape: [4] }) });
async function writeIds(path: string, first: number, count: number) {
  await writeDataset(path, schema(), { length: count, get: (index) => ({ id: first + index, vector: Float32Array.of(first + index, 1, 2, 3) }) }, { pageSize: 4096 });
}

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'tessera-mix-'));
  web = [join(folder, 'web-0.beton'), join(folder, 'web-1.beton')];
  books = [join(folder, 'books.beton')];
  await writeIds(web[0]!, 0, 300);
  await writeIds(web[1]!, 300, 300);
  await writeIds(books[0]!, BOOKS_ID, BOOKS);
});

afterAll(() => rmSync(folder, { recursive: true, force: true }));

const manifest = (webWeight: object = {}, booksWeight: object = {}, extra: object = {}): DatasetManifest => ({
  streams: [
    { name: 'web', files: web, ...webWeight },
    { name: 'books', files: books, ...booksWeight },
  ],
  ...extra,
});

interface Run {
  epochs: number[][][];
  states: LoaderState[];
}

/** ids of every batch of `epochs` epochs (and the state after each batch). */
async function run(source: DatasetManifest, options: LoaderOptions, epochs = 1): Promise<Run> {
  const loader = createLoader(source, options);
  const result: Run = { epochs: [], states: [] };
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const batches: number[][] = [];
      for await (const batch of loader) {
        batches.push(Array.from(batch.id!.data as BigInt64Array, Number));
        result.states.push(JSON.parse(JSON.stringify(loader.state())));
      }
      result.epochs.push(batches);
    }
  } finally {
    await loader.close();
  }
  return result;
}

const isBook = (id: number) => id >= BOOKS_ID;
const counts = (ids: number[]) => {
  const map = new Map<number, number>();
  for (const id of ids) map.set(id, (map.get(id) ?? 0) + 1);
  return map;
};

describe('weighted mixing', () => {
  it('proportions: exact counts per epoch, every batch holds each stream its share', async () => {
    const { epochs } = await run(manifest({ proportion: 0.75 }, { proportion: 0.25 }, { samplesPerEpoch: 800 }), { batchSize: 16, order: 'random', seed: 4 }, 2);
    for (const batches of epochs) {
      const ids = batches.flat();
      expect(ids.length).toBe(800);
      // 600 web samples: every web sample exactly once; 200 books: 200 distinct of the 300.
      const web = ids.filter((id) => !isBook(id));
      expect(new Set(web).size).toBe(WEB);
      const bookIds = ids.filter(isBook);
      expect(bookIds.length).toBe(200);
      expect(new Set(bookIds).size).toBe(200);
      for (const batch of batches) expect(batch.filter(isBook).length).toBe(4);
    }
    // Another epoch draws other books.
    const [first, second] = epochs.map((batches) => new Set(batches.flat().filter(isBook)));
    expect([...first!].filter((id) => !second!.has(id)).length).toBeGreaterThan(0);
  });

  it('repeat and choose: whole passes plus a seeded subset; proportions must sum to 1', async () => {
    const { epochs } = await run(manifest({ choose: 150 }, { repeat: 2.5 }), { batchSize: 50, order: 'sequential' });
    const ids = epochs[0]!.flat();
    expect(ids.length).toBe(150 + 750);
    const bookCounts = counts(ids.filter(isBook));
    expect(bookCounts.size).toBe(BOOKS);
    // 2.5 passes: every book twice, half of them a third time.
    expect([...bookCounts.values()].filter((count) => count === 3).length).toBe(150);
    expect([...bookCounts.values()].every((count) => count === 2 || count === 3)).toBe(true);
    expect(new Set(ids.filter((id) => !isBook(id))).size).toBe(150);

    const sum = errorOf(() => createLoader(manifest({ proportion: 0.7 }, { proportion: 0.2 }), { batchSize: 8 }));
    expect(sum).toMatchObject({ code: 'E_ARGUMENT', message: expect.stringContaining('sum to 0.8999') });
    expect(errorOf(() => createLoader(manifest({ proportion: 0.5 }, { repeat: 1 }), { batchSize: 8 })).message).toContain('every stream a proportion, or none');
    expect(errorOf(() => createLoader(manifest(), { batchSize: 8, mix: { streams: [{ repeat: 1 }] } })).message).toContain('one weight per stream');
    expect(errorOf(() => createLoader(manifest(), { batchSize: 8, mix: { streams: [{ repeat: 1 }, { weight: 2 } as object] } })).message).toContain('did you mean proportion');
    expect(errorOf(() => createLoader(manifest(), { batchSize: 8, indices: [1, 2] })).message).toContain('not given with a mixture');
    expect(errorOf(() => createLoader(manifest(), { batchSize: 8, mix: { batching: 'mixed' as 'stratified' } })).message).toContain("'per-stream'");
  });

  it('the mix option overrides the manifest weights; same seed → same batches, another seed → others', async () => {
    const options = { batchSize: 32, order: 'random' as const, seed: 9, mix: { streams: [{ proportion: 0.5 }, { proportion: 0.5 }], samplesPerEpoch: 640 } };
    const first = await run(manifest({ repeat: 1 }, { repeat: 1 }), options);
    const again = await run(manifest(), options);
    expect(again.epochs).toEqual(first.epochs);
    for (const batch of first.epochs[0]!) expect(batch.filter(isBook).length).toBe(16);
    const other = await run(manifest(), { ...options, seed: 10 });
    expect(other.epochs).not.toEqual(first.epochs);
  });

  it('per-stream batching: every batch from one stream, whole batches only', async () => {
    const { epochs } = await run(manifest(), { batchSize: 64, order: 'random', seed: 1, mix: { batching: 'per-stream' } }, 2);
    for (const batches of epochs) {
      expect(batches.length).toBe(Math.floor(WEB / 64) + Math.floor(BOOKS / 64));
      for (const batch of batches) {
        expect(batch.length).toBe(64);
        expect(new Set(batch.map(isBook)).size).toBe(1);
      }
      expect(batches.filter((batch) => isBook(batch[0]!)).length).toBe(Math.floor(BOOKS / 64));
    }
    expect(epochs[0]).not.toEqual(epochs[1]);
  });

  describe('exact resume against an uninterrupted run, batch for batch', () => {
    const source = () => manifest({ proportion: 0.6 }, { proportion: 0.4 }, { samplesPerEpoch: 700 });
    const options = { batchSize: 20, order: 'random' as const, seed: 21 };

    it('mid-epoch with workers, after several epochs', async () => {
      const reference = await run(source(), { ...options, workers: 2 }, 3);
      const flat = reference.epochs.flat();
      const perEpoch = reference.epochs[0]!.length;
      // Stopped in the third epoch, after 5 of its batches; resumed with another worker count.
      const stop = 2 * perEpoch + 5;
      const resumed = await run(source(), { ...options, workers: 1, resume: reference.states[stop - 1]! }, 2);
      expect(resumed.epochs.flat()).toEqual(flat.slice(stop).concat(resumed.epochs[1]!));
      expect(resumed.epochs[0]).toEqual(reference.epochs[2]!.slice(5));
    });

    it('after an early break', async () => {
      const reference = await run(source(), options, 2);
      const loader = createLoader(source(), { ...options, workers: 2 });
      let seen = 0;
      for await (const _batch of loader) if (++seen === 12) break;
      const state = loader.state();
      await loader.close();
      const resumed = await run(source(), { ...options, resume: state }, 2);
      expect(resumed.epochs[0]).toEqual(reference.epochs[0]!.slice(12));
      expect(resumed.epochs[1]).toEqual(reference.epochs[1]);
    });

    it('with packing (batchBudget), and the state refuses other weights', async () => {
      // Pretend lengths: web samples cost 3, books 10 (by sample index of the mixture).
      const lengths = Float64Array.from({ length: WEB + BOOKS }, (_, index) => (index < WEB ? 3 : 10));
      const packed = { ...options, batchSize: 64, batchBudget: { lengths, maxElements: 120, cost: 'sum' as const } };
      const reference = await run(source(), packed, 2);
      for (const batch of reference.epochs.flat()) expect(batch.reduce((sum, id) => sum + (isBook(id) ? 10 : 3), 0)).toBeLessThanOrEqual(120);
      const stop = reference.epochs[0]!.length + 3;
      const resumed = await run(source(), { ...packed, resume: reference.states[stop - 1]! });
      expect(resumed.epochs[0]).toEqual(reference.epochs[1]!.slice(3));
      const reweighted = errorOf(() => createLoader(manifest({ proportion: 0.5 }, { proportion: 0.5 }, { samplesPerEpoch: 700 }), { ...packed, resume: reference.states[0]! }));
      expect(reweighted.message).toContain('the state was taken with order');
    });
  });

  it('distributed ranks share every epoch of the mixture exactly', async () => {
    const source = manifest({ proportion: 0.5 }, { proportion: 0.5 }, { samplesPerEpoch: 600 });
    const single = (await run(source, { batchSize: 10, order: 'random', seed: 2 })).epochs[0]!.flat();
    const ranks = await Promise.all([0, 1, 2].map((rank) => run(source, { batchSize: 10, order: 'random', seed: 2, distributed: { rank, worldSize: 3 } })));
    const union = ranks.flatMap((rank) => rank.epochs[0]!.flat());
    expect(union.sort((a, b) => a - b)).toEqual([...single].sort((a, b) => a - b));
    // Per-stream batching stays pure on every rank.
    for (const rank of [0, 1]) {
      const { epochs } = await run(manifest(), { batchSize: 16, order: 'random', seed: 3, mix: { batching: 'per-stream' }, distributed: { rank, worldSize: 2 } });
      for (const batch of epochs[0]!) expect(new Set(batch.map(isBook)).size).toBe(1);
    }
  });
});
