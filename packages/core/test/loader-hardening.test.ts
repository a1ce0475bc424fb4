import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoaderOptions, type LoaderState, bytes, createLoader, int64, ndarray, openDataset, quasiRandomOrder, writeDataset } from '../src/index.js';
// @ts-expect-error: plain-JS fixture plugin
import { segments, segmentsPlugin } from './fixtures/segments-plugin.mjs';
import { errorOf } from './helpers/error-of.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-loader-hardening-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const path = join(directory, 'base.beton');
const NUM_SAMPLES = 300;

/** id = offset + index; vector[k] = id + k. `integrity: false` writes FFCV's layout (no extension block, no checksums). */
async function writeNumbers(target: string, length: number, offset: number, integrity = true): Promise<void> {
  await writeDataset(
    target,
    { id: int64(), vector: ndarray({ dtype: 'float32', shape: [4] }) },
    { length, get: (index: number) => ({ id: offset + index, vector: Float32Array.from({ length: 4 }, (_, k) => offset + index + k) }) },
    { pageSize: 4096, workers: 0, integrity },
  );
}

beforeAll(async () => {
  await writeNumbers(path, NUM_SAMPLES, 0);
});


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
            for (const [position, id] of ids.entries()) expect(vector[position * 4 + 3]).toBe(id + 3);
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

describe('a file truncated in place under a loader (child process: SIGBUS would kill the runner)', () => {
  const distEntry = join(resolve(import.meta.dirname, '..'), 'dist/index.js');
  const SAMPLES = 300;
  const VALUES = 1000;

  for (const workers of [0, 2]) {
    it(`is E_IO "has shrunk" before the next batch touches the mapping, with workers: ${workers}`, async () => {
      expect(existsSync(distEntry)).toBe(true);
      const target = join(directory, `truncated-${workers}.beton`);
      // 1000 bytes per sample, 4 per 4096-byte page: the second half of the samples lies past the truncation.
      await writeDataset(
        target,
        { id: int64(), vector: ndarray({ dtype: 'uint8', shape: [VALUES] }) },
        { length: SAMPLES, get: (index: number) => ({ id: index, vector: new Uint8Array(VALUES).fill(index % 251) }) },
        { pageSize: 4096, workers: 0 },
      );
      // Batch 0 reads samples 0..15, batch 1 samples 284..299; nothing is decoded ahead (batchesAhead: 0).
      const script = `
        import { statSync, truncateSync } from 'node:fs';
        import { createLoader, openDataset } from ${JSON.stringify(distEntry)};
        const path = ${JSON.stringify(target)};
        const probe = openDataset(path);
        console.log('mode', probe.ioMode);
        probe.close();
        const indices = [...Array.from({ length: 16 }, (_, k) => k), ...Array.from({ length: 16 }, (_, k) => ${SAMPLES - 16} + k)];
        const loader = createLoader(path, { batchSize: 16, workers: ${workers}, order: 'sequential', indices, batchesAhead: 0 });
        const iterator = loader[Symbol.asyncIterator]();
        const first = await iterator.next();
        console.log('first', Number(first.value.id.data[15]), first.value.vector.data[15 * ${VALUES}]);
        truncateSync(path, Math.floor(statSync(path).size / 2));
        try {
          const second = await iterator.next();
          console.log('second', second.done, second.done ? '' : Number(second.value.id.data[0]) + ' ' + second.value.vector.data[0]);
        } catch (error) {
          console.log('error', error.code, error.message);
        }
        await loader.close();
        console.log('done');`;
      // A script file, not -e: worker threads inherit the process's execArgv (--input-type breaks them).
      const scriptPath = join(directory, `truncate-${workers}.mjs`);
      writeFileSync(scriptPath, script);
      const child = spawnSync(process.execPath, [scriptPath], { encoding: 'utf8', timeout: 30_000 });
      expect(child.signal, child.stderr).toBeNull();
      expect(child.status, child.stderr).toBe(0);
      const lines = child.stdout.trim().split('\n');
      expect(lines[0]).toBe('mode mmap');
      expect(lines[1]).toBe('first 15 15');
      expect(lines[2]).toMatch(/^error E_IO .*truncated-\d\.beton has shrunk since it was opened \(was \d+ bytes, now \d+\)/);
      expect(lines[3]).toBe('done');
    });
  }
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

  it('rejects what is neither a path, several paths, a manifest nor a Dataset with a typed error', () => {
    expect(errorOf(() => createLoader(42 as unknown as string, { batchSize: 8 }))).toMatchObject({ code: 'E_ARGUMENT', message: expect.stringContaining('a dataset manifest or an open Dataset, got number') });
    expect(errorOf(() => createLoader([path, 7] as unknown as string[], { batchSize: 8 }))).toMatchObject({ code: 'E_ARGUMENT', message: expect.stringContaining('files[1] must be a file path') });
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

describe('resume', () => {
  /** The state after `batches` batches of `options` on `file`. */
  async function stateAfter(file: string, options: LoaderOptions, batches = 2): Promise<LoaderState> {
    const loader = createLoader(file, options);
    let taken = 0;
    for await (const batch of loader) {
      void batch;
      if (++taken === batches) break;
    }
    const state = JSON.parse(JSON.stringify(loader.state())) as LoaderState;
    await loader.close();
    return state;
  }
  const resumeError = (file: string, options: LoaderOptions, state: LoaderState) => {
    const error = errorOf(() => createLoader(file, { ...options, resume: state }));
    expect(error).toMatchObject({ code: 'E_ARGUMENT', argument: 'resume' });
    return error.message;
  };

  it('records what decides the batches', async () => {
    const state = await stateAfter(path, { batchSize: 16, order: 'random', seed: 4, distributed: { rank: 1, worldSize: 2 } });
    expect(state).toMatchObject({
      version: 2,
      seed: 4,
      epoch: 0,
      batchesConsumed: 2,
      batchSize: 16,
      samplesPerEpoch: NUM_SAMPLES / 2,
      dropLast: false,
      order: { name: 'random', distributedSplit: 'interleave', options: {} },
      distributed: { rank: 1, worldSize: 2 },
      file: { numSamples: NUM_SAMPLES },
    });
    expect(state.indices).toMatch(/^[0-9a-f]{32}$/);
    expect(state.file.digest).toMatch(/^[0-9a-f]{32}$/);
  });

  it('refuses a state taken with another order, order option, split or dropLast', async () => {
    const random = await stateAfter(path, { batchSize: 16, order: 'random', seed: 1 });
    expect(resumeError(path, { batchSize: 16, order: 'quasi-random', seed: 1 }, random)).toMatch(/taken with order "random", this loader has "quasi-random"/);
    expect(resumeError(path, { batchSize: 16, order: 'sequential', seed: 1 }, random)).toMatch(/order "random", this loader has "sequential"/);
    const windows = await stateAfter(path, { batchSize: 16, order: quasiRandomOrder({ windowPages: 2 }), seed: 1 });
    expect(resumeError(path, { batchSize: 16, order: 'quasi-random', seed: 1 }, windows)).toMatch(/order quasi-random's options \{"windowPages":2\}, this loader has \{"windowPages":8\}/);
    expect(() => createLoader(path, { batchSize: 16, order: quasiRandomOrder({ windowPages: 2 }), seed: 1, resume: windows })).not.toThrow();
    const kept = await stateAfter(path, { batchSize: 16, dropLast: false });
    expect(resumeError(path, { batchSize: 16, dropLast: true }, kept)).toMatch(/dropLast false, this loader has true/);
  });

  it('refuses a state of another rank, and of another world size where the split cannot resume elastically', async () => {
    const rankZero = await stateAfter(path, { batchSize: 16, order: 'random', distributed: { rank: 0, worldSize: 2 } });
    expect(resumeError(path, { batchSize: 16, order: 'random', distributed: { rank: 1, worldSize: 2 } }, rankZero)).toMatch(/distributed.rank 0, this loader has 1; each rank resumes from the state it took itself/);
    // Another world size resumes elastically for interleaved orders (test/elastic-resume.test.ts), not for contiguous ones.
    const quasi = await stateAfter(path, { batchSize: 16, order: 'quasi-random', distributed: { rank: 0, worldSize: 2 } });
    expect(resumeError(path, { batchSize: 16, order: 'quasi-random' }, quasi)).toMatch(/distributed.worldSize 2, this loader has 1; resuming at another world size needs an order split by interleaving/);
  });

  it('refuses other indices, also the same ones in another order', async () => {
    const forward = Array.from({ length: 100 }, (_, index) => index);
    const state = await stateAfter(path, { batchSize: 10, indices: forward });
    expect(resumeError(path, { batchSize: 10, indices: [...forward].reverse() }, state)).toMatch(/indices \(digest\) .*pass the same indices, in the same order/);
    expect(() => createLoader(path, { batchSize: 10, indices: forward, resume: state })).not.toThrow();
  });

  for (const integrity of [true, false]) {
    it(`refuses another file with the same sample count and resumes on a copy (${integrity ? 'with checksums' : 'FFCV layout'})`, async () => {
      const original = join(directory, `resume-${integrity}.beton`);
      const other = join(directory, `resume-other-${integrity}.beton`);
      const copy = join(directory, `resume-copy-${integrity}.beton`);
      await writeNumbers(original, NUM_SAMPLES, 0, integrity);
      await writeNumbers(other, NUM_SAMPLES, 7, integrity);
      copyFileSync(original, copy);
      const options: LoaderOptions = { batchSize: 16, order: 'random', seed: 9 };
      const state = await stateAfter(original, options, 3);
      expect(resumeError(other, options, state)).toMatch(/file content \(digest\) "[0-9a-f]{32}", this loader has "[0-9a-f]{32}"; resume on the file the state was taken on/);
      const longer = join(directory, `resume-longer-${integrity}.beton`);
      await writeNumbers(longer, NUM_SAMPLES + 1, 0, integrity);
      expect(resumeError(longer, options, state)).toMatch(/numSamples 300, this loader has 301/);
      // A copy (another inode, same bytes) continues exactly.
      const reference = createLoader(original, options);
      const expected: number[] = [];
      for await (const batch of reference) expected.push(...Array.from(batch.id!.data as BigInt64Array, Number));
      await reference.close();
      const resumed = createLoader(copy, { ...options, resume: state });
      const rest: number[] = [];
      for await (const batch of resumed) rest.push(...Array.from(batch.id!.data as BigInt64Array, Number));
      await resumed.close();
      expect(rest).toEqual(expected.slice(3 * 16));
    });
  }

  it('refuses a state of the previous format version with a typed error', () => {
    const versionOne = { version: 1, seed: 0, epoch: 0, batchesConsumed: 1, batchSize: 16, samplesPerEpoch: NUM_SAMPLES } as unknown as LoaderState;
    expect(resumeError(path, { batchSize: 16 }, versionOne)).toMatch(/version 1.*restart the interrupted epoch without resume/);
  });
});

describe('decoder options', () => {
  it('rejects a misspelled decoder option with the decoder and the nearest option', async () => {
    const target = join(directory, 'blobs.beton');
    await writeDataset(target, { id: int64(), blob: bytes() }, { length: 4, get: (id: number) => ({ id, blob: new Uint8Array(id).fill(7) }) }, { workers: 0 });
    const typo = errorOf(() => createLoader(target, { batchSize: 2, pipelines: { blob: { decoderOptions: { maxBytelength: 8 } } } }));
    expect(typo).toMatchObject({ code: 'E_ARGUMENT', argument: 'pipelines.blob.decoderOptions.maxBytelength' });
    expect(typo.message).toMatch(/decoder "bytes" of field "blob": unknown option "maxBytelength"; did you mean maxByteLength\?/);
    const none = errorOf(() => createLoader(target, { batchSize: 2, pipelines: { id: { decoder: 'int32', decoderOptions: { signed: true } } } }));
    expect(none).toMatchObject({ code: 'E_ARGUMENT', argument: 'pipelines.id.decoderOptions.signed' });
    expect(none.message).toMatch(/decoder "int32" of field "id" takes no options/);
    expect(errorOf(() => createLoader(target, { batchSize: 2, pipelines: { blob: { decoderOptions: 8 } } })).message).toMatch(/decoder "bytes" takes an options object \(maxByteLength\), got 8/);
    // The declared option still works.
    const loader = createLoader(target, { batchSize: 4, pipelines: { blob: { decoderOptions: { maxByteLength: 5 } } } });
    expect(loader.outputs.blob).toEqual({ dtype: 'uint8', shape: [5], variableDims: [0] });
    await loader.close();
  });
});

describe('stats().placement', () => {
  it('says where each decoder and operation runs, and why not in the workers', async () => {
    const target = join(directory, 'placement.beton');
    const withOrigin = segmentsPlugin();
    await writeDataset(target, { id: int64(), parts: segments({ maxSegments: 4 }, withOrigin) }, { length: 8, get: (id: number) => ({ id, parts: [new Uint8Array(id)] }) }, { workers: 0 });
    const withoutOrigin = { ...segmentsPlugin(), origin: undefined };
    const local = { kind: 'sample' as const, name: 'test/identity', setup: (input: never) => ({ output: input, inPlace: true, apply() {} }) };
    const mix = { kind: 'batch' as const, name: 'test/noop', fields: ['id'], setup: () => ({ outputs: {}, apply() {} }) };
    const loader = createLoader(target, { batchSize: 4, workers: 2, plugins: [withoutOrigin], batchOperations: [mix], pipelines: { id: { operations: [local] } } });
    try {
      expect(loader.stats().placement).toEqual({
        id: { thread: 'main', reason: 'operation test/identity has no origin, so workers cannot rebuild it (a field\'s pipeline runs in one place)' },
        'id/test/identity': { thread: 'main', reason: 'operation test/identity has no origin, so workers cannot rebuild it (a field\'s pipeline runs in one place)' },
        parts: { thread: 'main', reason: 'plugin @demo/tessera-segments has no origin, so workers cannot rebuild it' },
        'batch/test/noop': { thread: 'main', reason: 'batch operations run on the calling thread' },
      });
      let samples = 0;
      for await (const batch of loader) samples += batch.parts!.shape[0]!;
      expect(samples).toBe(8);
    } finally {
      await loader.close();
    }
    const threaded = createLoader(target, { batchSize: 4, workers: 2, plugins: [withOrigin] });
    expect(threaded.stats().placement).toEqual({ id: { thread: 'worker' }, parts: { thread: 'worker' } });
    await threaded.close();
    const inline = createLoader(target, { batchSize: 4, plugins: [withOrigin] });
    expect(inline.stats().placement.parts).toEqual({ thread: 'main', reason: 'workers is 0' });
    await inline.close();
  });
});
