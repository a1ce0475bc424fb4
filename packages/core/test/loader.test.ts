import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BATCH_INFO,
  type Batch,
  type BatchOperation,
  type LoaderOptions,
  type LoaderState,
  type SampleOperation,
  TesseraError,
  bytes,
  createLoader,
  int64,
  ndarray,
  writeDataset,
} from '../src/index.js';
// @ts-expect-error: plain-JS fixture operations
import { explodeAt, head, scale } from './fixtures/operations.mjs';

const directory = mkdtempSync(join(tmpdir(), 'tessera-loader-'));
const path = join(directory, 'loader.beton');
const NUM_SAMPLES = 1000;
const run = promisify(execFile);
const FOOTPRINT_SCRIPT = fileURLToPath(new URL('./fixtures/loader-footprint.mjs', import.meta.url));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** vector[k] = id + k / 8; blob = id bytes of value id & 0xff (0..9 bytes). */
const sampleAt = (id: number) => ({
  id,
  vector: Float32Array.from({ length: 8 }, (_, k) => id + k / 8),
  blob: new Uint8Array(id % 10).fill(id & 0xff),
});

beforeAll(async () => {
  await writeDataset(
    path,
    { id: int64(), vector: ndarray({ dtype: 'float32', shape: [8] }), blob: bytes() },
    { length: NUM_SAMPLES, get: sampleAt },
    { pageSize: 4096, workers: 0 },
  );
});

/** Every batch of one epoch, copied (batches are only valid until the next step). */
async function collect(options: LoaderOptions, epochs = 1): Promise<Array<Record<string, number[]> & { index: number; epoch: number }>> {
  const loader = createLoader(path, options);
  const batches: Array<Record<string, number[]> & { index: number; epoch: number }> = [];
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      for await (const batch of loader) batches.push(snapshot(batch));
    }
  } finally {
    await loader.close();
  }
  return batches;
}

function snapshot(batch: Batch): Record<string, number[]> & { index: number; epoch: number } {
  const copy: Record<string, number[]> = {};
  for (const [name, field] of Object.entries(batch)) {
    copy[name] = Array.from(field.data as ArrayLike<number | bigint>, Number);
    if (field.lengths !== undefined) copy[`${name}.lengths`] = Array.from(field.lengths);
  }
  return Object.assign(copy, { index: batch[BATCH_INFO].index, epoch: batch[BATCH_INFO].epoch });
}

const ids = (batches: Array<Record<string, number[]>>) => batches.flatMap((batch) => batch.id!);

describe('createLoader', () => {
  it('yields every sample once, in order, decoded into typed batches', async () => {
    const loader = createLoader(path, { batchSize: 64 });
    expect(loader.length).toBe(Math.ceil(NUM_SAMPLES / 64));
    expect(loader.outputs).toEqual({
      id: { dtype: 'int64', shape: [] },
      vector: { dtype: 'float32', shape: [8] },
      blob: { dtype: 'uint8', shape: [9], variableDims: [0] },
    });
    let seen = 0;
    for await (const batch of loader) {
      const count = batch[BATCH_INFO].count;
      expect(batch.vector!.shape).toEqual([count, 8]);
      expect(batch.vector!.data).toBeInstanceOf(Float32Array);
      expect(batch.id!.data).toBeInstanceOf(BigInt64Array);
      for (let row = 0; row < count; row++) {
        const id = seen + row;
        expect(Number((batch.id!.data as BigInt64Array)[row])).toBe(id);
        expect(Array.from((batch.vector!.data as Float32Array).subarray(row * 8, row * 8 + 8))).toEqual(Array.from(sampleAt(id).vector));
        const length = batch.blob!.lengths![row]!;
        expect(length).toBe(id % 10);
        const padded = (batch.blob!.data as Uint8Array).subarray(row * 9, row * 9 + 9);
        expect(Array.from(padded)).toEqual([...Array(length).fill(id & 0xff), ...Array(9 - length).fill(0)]);
      }
      seen += count;
    }
    expect(seen).toBe(NUM_SAMPLES);
    expect(loader.epoch).toBe(1);
    const stats = loader.stats();
    expect(stats.samples).toBe(NUM_SAMPLES);
    expect(Object.keys(stats.decodeMs)).toEqual(['id', 'vector', 'blob']);
    await loader.close();
  });

  it('drops the last short batch when asked', async () => {
    const batches = await collect({ batchSize: 300, dropLast: true });
    expect(batches.map((batch) => batch.id!.length)).toEqual([300, 300, 300]);
  });

  it('shuffles deterministically: same seed, same batches; new epoch, new order', async () => {
    for (const order of ['random', 'quasi-random'] as const) {
      const first = await collect({ batchSize: 100, order, seed: 7 }, 2);
      const second = await collect({ batchSize: 100, order, seed: 7 }, 2);
      expect(second).toEqual(first);
      const epoch0 = ids(first.filter((batch) => batch.epoch === 0));
      const epoch1 = ids(first.filter((batch) => batch.epoch === 1));
      expect([...epoch0].sort((a, b) => a - b)).toEqual(Array.from({ length: NUM_SAMPLES }, (_, index) => index));
      expect(epoch1).not.toEqual(epoch0);
      expect(epoch0).not.toEqual(Array.from({ length: NUM_SAMPLES }, (_, index) => index));
      const otherSeed = await collect({ batchSize: 100, order, seed: 8 });
      expect(ids(otherSeed)).not.toEqual(epoch0);
    }
  });

  it('gives distributed ranks equal, disjoint shares that cover the dataset', async () => {
    for (const order of ['sequential', 'random', 'quasi-random'] as const) {
      const worldSize = 3;
      const shares: number[][] = [];
      for (let rank = 0; rank < worldSize; rank++) shares.push(ids(await collect({ batchSize: 50, order, seed: 3, distributed: { rank, worldSize } })));
      expect(shares.map((share) => share.length)).toEqual([334, 334, 334]);
      const all = shares.flat();
      expect(new Set(all).size).toBe(NUM_SAMPLES);
      expect(all.length - NUM_SAMPLES).toBe(2);
    }
  });

  it('visits only the given indices', async () => {
    const subset = [5, 3, 999, 0, 42];
    expect(ids(await collect({ batchSize: 2, indices: subset }))).toEqual(subset);
  });

  it('resumes exactly, with another number of workers', async () => {
    const options: LoaderOptions = { batchSize: 64, order: 'random', seed: 11, pipelines: { vector: { operations: [scale({ factor: 3, jitter: 1 })] } } };
    const uninterrupted = await collect(options, 2);
    const loader = createLoader(path, options);
    const before: Array<ReturnType<typeof snapshot>> = [];
    for await (const batch of loader) {
      before.push(snapshot(batch));
      if (before.length === 5) break;
    }
    const state = JSON.parse(JSON.stringify(loader.state()));
    await loader.close();
    expect(state).toMatchObject({ epoch: 0, batchesConsumed: 5 });
    const resumed = createLoader(path, { ...options, resume: state, workers: 2 });
    const after: Array<ReturnType<typeof snapshot>> = [];
    for (let epoch = 0; epoch < 2; epoch++) for await (const batch of resumed) after.push(snapshot(batch));
    await resumed.close();
    expect([...before, ...after]).toEqual(uninterrupted);
  });

  it('decodes the same batches in worker threads, including operations', async () => {
    const pipelines = { vector: { operations: [scale({ factor: -1, jitter: 0.5 }), head({ count: 3 })] } };
    const local = await collect({ batchSize: 128, order: 'random', seed: 5, pipelines }, 2);
    const threaded = await collect({ batchSize: 128, order: 'random', seed: 5, pipelines, workers: 2 }, 2);
    expect(threaded).toEqual(local);
    expect(local[0]!.vector!.length).toBe(128 * 3);
  });

  it('gives several outputs of one field: a pipeline may name the field it decodes, with the same random draws', async () => {
    const jittered = { operations: [scale({ factor: 2, jitter: 1 })] };
    const pipelines = { vector: jittered, 'vector.again': { field: 'vector', ...jittered }, 'vector.plain': { field: 'vector' }, blob: null };
    const local = await collect({ batchSize: 32, order: 'random', seed: 3, pipelines });
    const threaded = await collect({ batchSize: 32, order: 'random', seed: 3, pipelines, workers: 2 });
    expect(threaded).toEqual(local);
    for (const batch of local) {
      expect(batch['vector.again']).toEqual(batch.vector);
      const plain = batch['vector.plain']!;
      // The jitter is drawn (not zero), and the plain output is the stored vector itself.
      expect(batch.vector!.some((value, index) => value !== plain[index]! * 2)).toBe(true);
      expect(plain.filter((_, index) => index % 8 === 0)).toEqual(batch.id);
    }
    expect(() => createLoader(path, { batchSize: 4, pipelines: { id: { field: 'vector' } } })).toThrow(/"id" is a field of the file/);
    expect(() => createLoader(path, { batchSize: 4, pipelines: { extra: { field: 'nope' } } })).toThrow(TesseraError);
  });

  it('draws from another field\'s random streams with randomFrom', async () => {
    const jittered = { operations: [scale({ factor: 2, jitter: 1 })] };
    const pipelines = { vector: jittered, 'vector.asBlob': { field: 'vector', randomFrom: 'blob', ...jittered }, 'vector.asId': { field: 'vector', randomFrom: 'id', ...jittered } };
    const local = await collect({ batchSize: 32, order: 'random', seed: 3, pipelines });
    const threaded = await collect({ batchSize: 32, order: 'random', seed: 3, pipelines, workers: 2 });
    expect(threaded).toEqual(local);
    // The vector's own pipeline, made to draw from blob's streams, makes blob's draws.
    const moved = await collect({ batchSize: 32, order: 'random', seed: 3, pipelines: { vector: { randomFrom: 'blob', ...jittered } } });
    for (let index = 0; index < local.length; index++) {
      const batch = local[index]!;
      expect(batch['vector.asBlob']).not.toEqual(batch.vector);
      expect(batch['vector.asId']).not.toEqual(batch['vector.asBlob']);
      expect(moved[index]!.vector).toEqual(batch['vector.asBlob']);
    }
    expect(() => createLoader(path, { batchSize: 4, pipelines: { vector: { randomFrom: 'nope' } } })).toThrow(/randomFrom.*must be the name of a field of the file \(id, vector, blob\)/);
  });

  it('visits every sample `repeat` times per epoch, each occurrence with its own random draws', async () => {
    const jittered = { vector: { operations: [scale({ factor: 1, jitter: 1 })] }, blob: null };
    const once = await collect({ batchSize: 64, order: 'random', seed: 4, pipelines: jittered });
    const repeated = await collect({ batchSize: 64, order: 'random', seed: 4, repeat: 3, pipelines: jittered });
    const threaded = await collect({ batchSize: 64, order: 'random', seed: 4, repeat: 3, pipelines: jittered, workers: 2 });
    expect(threaded).toEqual(repeated);
    const loader = createLoader(path, { batchSize: 64, repeat: 3 });
    expect(loader.length).toBe(Math.ceil((3 * NUM_SAMPLES) / 64));
    await loader.close();
    // jitter of each occurrence: vector[0] − id
    const draws = new Map<number, number[]>();
    for (const batch of repeated) {
      batch.id!.forEach((id, position) => {
        const list = draws.get(id) ?? [];
        list.push(batch.vector![position * 8]! - id);
        draws.set(id, list);
      });
    }
    expect(draws.size).toBe(NUM_SAMPLES);
    const first = new Map<number, number>();
    for (const batch of once) {
      batch.id!.forEach((id, position) => {
        first.set(id, batch.vector![position * 8]! - id);
      });
    }
    for (const [id, list] of draws) {
      expect(list).toHaveLength(3);
      expect(new Set(list).size).toBe(3);
      // The first occurrence makes the draws a loader without repeat makes.
      expect(list).toContain(first.get(id));
    }
    // One shuffle of all occurrences, not three shuffles back to back: some sample comes twice in the first third.
    const firstThird = ids(repeated).slice(0, NUM_SAMPLES);
    expect(new Set(firstThird).size).toBeLessThan(NUM_SAMPLES);
    expect(() => createLoader(path, { batchSize: 4, repeat: 0 })).toThrow(/repeat/);
    expect(() => createLoader(path, { batchSize: 4, repeat: 2.5 })).toThrow(/repeat/);
  });

  it('reads through an in-process page cache with the same batches', async () => {
    const options: LoaderOptions = { batchSize: 50, order: 'quasi-random', seed: 9 };
    const viaOs = await collect(options, 2);
    const loader = createLoader(path, { ...options, cache: 'process', cacheBytes: 4 * 4096 });
    const viaProcess: Array<ReturnType<typeof snapshot>> = [];
    for (let epoch = 0; epoch < 2; epoch++) for await (const batch of loader) viaProcess.push(snapshot(batch));
    const quasiStats = loader.stats().cache!;
    await loader.close();
    expect(viaProcess).toEqual(viaOs);
    expect(quasiStats.pagesRead).toBeGreaterThan(0);
    expect(quasiStats.bytesRead).toBe(quasiStats.pagesRead * 4096);
    expect(await collect({ ...options, cache: 'process', workers: 2, cacheBytes: 8 * 4096 }, 2)).toEqual(viaOs);
  });

  it('reads far fewer pages in quasi-random order than in random order through a small pool', async () => {
    const many = join(directory, 'many.beton');
    await writeDataset(many, { id: int64(), vector: ndarray({ dtype: 'float32', shape: [8] }), blob: bytes() }, { length: 20_000, get: sampleAt }, { pageSize: 4096, workers: 0 });
    const pagesRead = async (order: 'random' | 'quasi-random') => {
      const loader = createLoader(many, { batchSize: 64, order, seed: 1, cache: 'process', cacheBytes: 32 * 4096 });
      for await (const batch of loader) void batch;
      const stats = loader.stats().cache!;
      await loader.close();
      return stats.pagesRead;
    };
    const quasi = await pagesRead('quasi-random');
    const random = await pagesRead('random');
    const filePages = Math.ceil(20_000 / 80);
    expect(quasi).toBeLessThan(2 * filePages);
    expect(random).toBeGreaterThan(3 * quasi);
  });

  it('runs operations without an origin on the calling thread', async () => {
    const negate: SampleOperation = {
      kind: 'sample',
      name: 'inline/negate',
      setup: (input) => ({
        output: input,
        inPlace: true,
        apply(source) {
          const data = source.data as Float32Array;
          for (let index = 0; index < data.length; index++) data[index] = -data[index]!;
        },
      }),
    };
    const batches = await collect({ batchSize: 500, workers: 2, pipelines: { vector: { operations: [negate] }, blob: null } });
    expect(Object.keys(batches[0]!).filter((key) => key !== 'index' && key !== 'epoch')).toEqual(['id', 'vector']);
    expect(batches[0]!.vector!.slice(8, 16)).toEqual(Array.from(sampleAt(1).vector, (value) => -value));
  });

  it('runs batch operations that change a field', async () => {
    const oneHot: BatchOperation = {
      kind: 'batch',
      name: 'one-hot',
      fields: ['id'],
      setup: () => ({
        outputs: { id: { dtype: 'float32', shape: [4] } },
        apply(inputs, outputs, context) {
          const source = inputs.id!.data as BigInt64Array;
          const target = outputs.id!.data as Float32Array;
          target.fill(0);
          for (let row = 0; row < context.count; row++) target[row * 4 + (Number(source[row]) % 4)] = 1;
        },
      }),
    };
    const batches = await collect({ batchSize: 10, batchOperations: [oneHot], pipelines: { blob: null, vector: null } });
    expect(batches[0]!.id!.slice(0, 12)).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]);
  });

  it('lets a batch operation shrink a field for one batch (dynamic padding)', async () => {
    const trim: BatchOperation = {
      kind: 'batch',
      name: 'trim-to-longest',
      fields: ['blob'],
      setup: () => ({
        outputs: {},
        apply(inputs, _outputs, context) {
          const column = inputs.blob!;
          let longest = 0;
          for (let row = 0; row < context.count; row++) longest = Math.max(longest, column.lengths[row]!);
          const data = column.data as Uint8Array;
          for (let row = 1; row < context.count; row++) data.copyWithin(row * longest, row * 9, row * 9 + longest);
          return { shapes: { blob: [longest] } };
        },
      }),
    };
    const loader = createLoader(path, { batchSize: 4, pipelines: { vector: null }, batchOperations: [trim] });
    const shapes: number[][] = [];
    for await (const batch of loader) {
      shapes.push([...batch.blob!.shape]);
      const longest = batch.blob!.shape[1]!;
      expect(batch.blob!.data.length).toBe(batch.blob!.shape[0]! * longest);
      if (batch[BATCH_INFO].index === 1) expect(Array.from(batch.blob!.data as Uint8Array).slice(longest, 2 * longest)).toEqual([5, 5, 5, 5, 5, 0, 0]);
    }
    await loader.close();
    expect(shapes.slice(0, 3)).toEqual([[4, 3], [4, 7], [4, 9]]);
    const oversized: BatchOperation = { ...trim, name: 'bad', setup: () => ({ outputs: {}, apply: () => ({ shapes: { blob: [10] } }) }) };
    const bad = createLoader(path, { batchSize: 4, batchOperations: [oversized] });
    await expect(
      (async () => {
        for await (const batch of bad) void batch;
      })(),
    ).rejects.toThrow(/returned shape \[10\] for field "blob", which does not fit its declared shape \[9\]/);
  });

  it('revokes a batch when the next one is requested', async () => {
    const loader = createLoader(path, { batchSize: 100 });
    let previous: Batch | undefined;
    for await (const batch of loader) {
      if (previous !== undefined) expect(() => previous!.id).toThrow(expect.objectContaining({ code: 'E_CLOSED' }));
      expect(batch.id!.shape[0]).toBe(100);
      previous = batch;
    }
    await loader.close();
  });

  it('reports a failing operation with field, operation and sample, then shuts down', async () => {
    for (const workers of [0, 2]) {
      const loader = createLoader(path, { batchSize: 32, workers, pipelines: { vector: { operations: [explodeAt({ sampleIndex: 77 })] } } });
      const failure = await (async () => {
        for await (const batch of loader) void batch;
      })().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(TesseraError);
      expect(failure).toMatchObject({ field: 'vector', hook: 'test/explode', sampleIndex: 77 });
      expect((failure as Error).message).toContain('boom at 77');
      await expect(
        (async () => {
          for await (const batch of loader) void batch;
        })(),
      ).rejects.toMatchObject({ code: 'E_CLOSED' });
    }
  });

  it('rejects bad options with typed errors', () => {
    expect(() => createLoader(path, { batchSize: 0 })).toThrow(expect.objectContaining({ code: 'E_ARGUMENT' }));
    expect(() => createLoader(path, { batchSize: 8, indices: [1, 1000] })).toThrow(expect.objectContaining({ code: 'E_SAMPLE_INDEX' }));
    expect(() => createLoader(path, { batchSize: 8, distributed: { rank: 2, worldSize: 2 } })).toThrow(expect.objectContaining({ code: 'E_ARGUMENT' }));
    expect(() => createLoader(path, { batchSize: 8, pipelines: { nope: {} } })).toThrow(expect.objectContaining({ code: 'E_UNKNOWN_FIELD' }));
    expect(() => createLoader(path, { batchSize: 8, pipelines: { vector: { decoder: 'nope' } } })).toThrow(/has no decoder "nope"/);
    expect(() => createLoader(path, { batchSize: 8, pipelines: { vector: { operations: [head({ count: 2 }), scale()] } }, workers: 0 })).not.toThrow();
    expect(() => createLoader(path, { batchSize: 8, pipelines: { id: { operations: [scale()] } } })).toThrow(/scale needs float32 input/);
    const versionOne = { version: 1, seed: 1, epoch: 0, batchesConsumed: 0, batchSize: 8, samplesPerEpoch: 1000 } as unknown as LoaderState;
    expect(() => createLoader(path, { batchSize: 8, resume: versionOne })).toThrow(expect.objectContaining({ code: 'E_ARGUMENT', message: expect.stringMatching(/version 1/) }));
  });

  it('refuses a closed loader', async () => {
    const loader = createLoader(path, { batchSize: 8 });
    await loader.close();
    await expect(
      (async () => {
        for await (const batch of loader) void batch;
      })(),
    ).rejects.toMatchObject({ code: 'E_CLOSED' });
  });

  it('keeps memory flat across epochs', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, 'run with --expose-gc (vitest.config.ts)').toBeTypeOf('function');
    const loader = createLoader(path, { batchSize: 64, order: 'random', pipelines: { vector: { operations: [scale({ jitter: 1 })] } } });
    const measure = () => {
      gc!();
      const usage = process.memoryUsage();
      return usage.heapUsed + usage.arrayBuffers;
    };
    for (let epoch = 0; epoch < 3; epoch++) for await (const batch of loader) void batch;
    const warm = measure();
    for (let epoch = 0; epoch < 30; epoch++) for await (const batch of loader) void batch;
    const after = measure();
    await loader.close();
    expect(after - warm).toBeLessThan(2 * 1024 * 1024);
  });

  it('uses memory independent of the dataset size (beyond 4 bytes of order per sample)', async () => {
    const large = join(directory, 'large.beton');
    const count = 200_000;
    await writeDataset(large, { id: int64(), vector: ndarray({ dtype: 'float32', shape: [8] }), blob: bytes() }, { length: count, get: sampleAt }, { workers: 0 });
    // Measured in a process of its own (the built package, --expose-gc, best of 3 epochs after a
    // warm-up), so vitest's own traffic and other tests' garbage cannot disturb the heap figures.
    const footprint = async (file: string) => {
      const { stdout } = await run(process.execPath, ['--expose-gc', FOOTPRINT_SCRIPT, file]);
      return Number(stdout.trim());
    };
    const small = await footprint(path);
    const big = await footprint(large);
    // The order of an epoch (Uint32Array) and the index of samples (4 bytes each) scale with the
    // dataset; batch memory and decoder state do not.
    expect(big - small).toBeLessThan((count - NUM_SAMPLES) * 8 + 1024 * 1024);
  });
});
