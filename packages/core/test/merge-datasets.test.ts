import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytes, createLoader, float64, int64, json, mergeDatasets, ndarray, openDataset, verifyDataset, writeDataset } from '../src/index.js';
import { rejectionOf } from './helpers/error-of.js';

const SAMPLES = 900;
const schema = () => ({
  id: int64(),
  score: float64(),
  blob: bytes(),
  meta: json(),
  vector: ndarray({ dtype: '<f4', shape: [16] }),
});

function sample(index: number) {
  return {
    id: index,
    score: index / 7,
    // Some empty payloads, some larger than a 4 KiB page's share.
    blob: new Uint8Array(index % 5 === 0 ? 0 : 10 + (index % 300)).fill(index & 0xff),
    meta: { index, tags: index % 3 === 0 ? ['fizz'] : [] },
    vector: Float32Array.from({ length: 16 }, (_, k) => index + k / 16),
  };
}

let folder: string;
let whole: string;
let shards: string[];

/** Shard `index` of `count`: the samples [floor(index·n/count), floor((index+1)·n/count)). */
async function writeShard(path: string, index: number, count: number, options = {}) {
  const start = Math.floor((index * SAMPLES) / count);
  const end = Math.floor(((index + 1) * SAMPLES) / count);
  await writeDataset(path, schema(), { length: end - start, get: (local: number) => sample(start + local) }, { pageSize: 4096, ...options });
}

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'tessera-merge-'));
  whole = join(folder, 'whole.beton');
  await writeDataset(whole, schema(), { length: SAMPLES, get: sample }, { pageSize: 4096 });
  shards = [0, 1, 2].map((index) => join(folder, `shard-${index}.beton`));
  for (const [index, path] of shards.entries()) await writeShard(path, index, 3);
});

afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('mergeDatasets', () => {
  it('gives every sample of the shards, in order, as the unsharded file has them; verify passes', async () => {
    const output = join(folder, 'merged.beton');
    const summary = await mergeDatasets(output, shards);
    expect(summary.numSamples).toBe(SAMPLES);
    const merged = openDataset(output);
    const reference = openDataset(whole);
    try {
      expect(merged.numSamples).toBe(SAMPLES);
      for (let index = 0; index < SAMPLES; index++) expect(merged.get(index)).toEqual(reference.get(index));
      expect(merged.layout.numPages).toBe(summary.numPages);
      expect(merged.layout.numAllocations).toBe(shards.reduce((sum, path) => sum + openDataset(path).layout.numAllocations, 0));
    } finally {
      merged.close();
      reference.close();
    }
    const report = verifyDataset(output);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.checksums).toBe('verified');
  });

  it('copies the pages byte for byte and is deterministic (the same bytes on every run)', async () => {
    const first = join(folder, 'again-1.beton');
    const second = join(folder, 'again-2.beton');
    await mergeDatasets(first, shards);
    await mergeDatasets(second, shards);
    expect(readFileSync(first).equals(readFileSync(second))).toBe(true);
    const merged = openDataset(first);
    let offset = merged.layout.dataStart;
    for (const path of shards) {
      const shard = openDataset(path);
      const pages = shard.fileBytes(shard.layout.dataStart, shard.layout.dataEnd - shard.layout.dataStart);
      expect(Buffer.from(merged.fileBytes(offset, pages.byteLength)).equals(Buffer.from(pages))).toBe(true);
      offset += pages.byteLength;
      shard.close();
    }
    merged.close();
  });

  it('loads like the unsharded file, batch for batch, in 2 workers', async () => {
    const output = join(folder, 'merged-loader.beton');
    await mergeDatasets(output, shards);
    const batches = async (path: string) => {
      const loader = createLoader(path, { batchSize: 64, order: 'random', seed: 3, workers: 2, pipelines: { meta: null } });
      const seen: unknown[] = [];
      for await (const batch of loader) seen.push([Array.from(batch.id!.data as BigInt64Array, Number), Array.from(batch.vector!.data as Float32Array).slice(0, 40)]);
      await loader.close();
      return seen;
    };
    expect(await batches(output)).toEqual(await batches(whole));
  });

  it("keeps the inputs' info when they agree, and drops it when each shard records its own", async () => {
    const tagged = [0, 1].map((index) => join(folder, `tagged-${index}.beton`));
    for (const [index, path] of tagged.entries()) await writeDataset(path, { id: int64() }, { length: 2, get: (local: number) => ({ id: index * 2 + local }) }, { info: { shard: index } });
    const same = [0, 1].map((index) => join(folder, `same-${index}.beton`));
    for (const path of same) await writeDataset(path, { id: int64() }, { length: 2, get: (local: number) => ({ id: local }) }, { info: { source: 'corpus' } });
    await mergeDatasets(join(folder, 'tagged.beton'), tagged);
    await mergeDatasets(join(folder, 'same.beton'), same);
    await mergeDatasets(join(folder, 'given.beton'), tagged, { info: { merged: true } });
    const infoOf = (name: string) => {
      const dataset = openDataset(join(folder, name));
      const info = dataset.extension!.info;
      dataset.close();
      return info;
    };
    expect(infoOf('tagged.beton')).toBeUndefined();
    expect(infoOf('same.beton')).toEqual({ source: 'corpus' });
    expect(infoOf('given.beton')).toEqual({ merged: true });
  });

  it('merges shards of which some have no pages, and a single input', async () => {
    const empty = join(folder, 'ints-empty.beton');
    const ints = join(folder, 'ints.beton');
    await writeDataset(empty, { id: int64() }, { length: 0, get: () => ({ id: 0 }) });
    await writeDataset(ints, { id: int64() }, { length: 5, get: (index: number) => ({ id: index }) });
    const output = join(folder, 'ints-merged.beton');
    await mergeDatasets(output, [ints, empty, ints]);
    const merged = openDataset(output);
    expect(Array.from({ length: merged.numSamples }, (_, index) => merged.get(index).id)).toEqual([0, 1, 2, 3, 4, 0, 1, 2, 3, 4]);
    merged.close();
    expect(verifyDataset(output).ok).toBe(true);
    const single = join(folder, 'single.beton');
    await mergeDatasets(single, [shards[1]!]);
    expect(verifyDataset(single).ok).toBe(true);
  });

  it('refuses files of another schema, page size or kind, naming the difference, and writes nothing', async () => {
    const other = join(folder, 'other.beton');
    await writeDataset(other, { id: int64(), score: float64() }, { length: 3, get: (index: number) => ({ id: index, score: 0 }) });
    const output = join(folder, 'refused.beton');
    const fields = await rejectionOf(() => mergeDatasets(output, [shards[0]!, other]));
    expect(fields.code).toBe('E_MERGE_MISMATCH');
    expect(fields.message).toContain('fields');
    expect(fields.message).toContain(other);

    const bigPages = join(folder, 'big-pages.beton');
    await writeShard(bigPages, 1, 3, { pageSize: 8192 });
    const pages = await rejectionOf(() => mergeDatasets(output, [shards[0]!, bigPages]));
    expect(pages.code).toBe('E_MERGE_MISMATCH');
    expect(pages.message).toContain('page size');

    const shape = join(folder, 'shape.beton');
    await writeDataset(shape, { ...schema(), vector: ndarray({ dtype: '<f4', shape: [8] }) }, { length: 2, get: (index: number) => ({ ...sample(index), vector: new Float32Array(8) }) }, { pageSize: 4096 });
    const shapeError = await rejectionOf(() => mergeDatasets(output, [shards[0]!, shape]));
    expect(shapeError.code).toBe('E_MERGE_MISMATCH');
    expect(shapeError.message).toContain('"vector" arguments');

    const ffcvLike = join(folder, 'ffcv-like.beton');
    await writeDataset(ffcvLike, schema(), { length: 2, get: sample }, { pageSize: 4096, integrity: false });
    const ffcv = await rejectionOf(() => mergeDatasets(output, [shards[0]!, ffcvLike]));
    expect(ffcv.code).toBe('E_ARGUMENT');
    expect(existsSync(output)).toBe(false);
  });

  it('refuses a truncated shard and arguments of the wrong type with typed errors, writing nothing', async () => {
    const truncated = join(folder, 'truncated.beton');
    const bytesOfShard = readFileSync(shards[1]!);
    writeFileSync(truncated, bytesOfShard.subarray(0, bytesOfShard.length - 1000));
    const output = join(folder, 'never.beton');
    const error = await rejectionOf(() => mergeDatasets(output, [shards[0]!, truncated]));
    expect(error.code).toMatch(/^E_(TRUNCATED|ALLOCATION_TABLE|HEADER|EXTENSION_BLOCK)$/);
    expect(error.message).toContain('truncated.beton');
    expect(existsSync(output)).toBe(false);
    expect((await rejectionOf(() => mergeDatasets(output, []))).code).toBe('E_ARGUMENT');
    expect((await rejectionOf(() => mergeDatasets(output, shards[0] as never))).code).toBe('E_ARGUMENT');
    expect((await rejectionOf(() => mergeDatasets('', shards))).code).toBe('E_ARGUMENT');
    expect(existsSync(output)).toBe(false);
  });

  it('refuses a shard with a damaged page (E_CHECKSUM_MISMATCH) and leaves an existing output as it was', async () => {
    const output = join(folder, 'kept.beton');
    await mergeDatasets(output, shards);
    const before = readFileSync(output);
    const damaged = join(folder, 'damaged.beton');
    const bytesOfShard = readFileSync(shards[2]!);
    const shard = openDataset(shards[2]!);
    bytesOfShard[shard.layout.dataStart + 100] ^= 0x40;
    shard.close();
    writeFileSync(damaged, bytesOfShard);
    const error = await rejectionOf(() => mergeDatasets(output, [shards[0]!, shards[1]!, damaged]));
    expect(error.code).toBe('E_CHECKSUM_MISMATCH');
    expect(error.message).toContain('page 0');
    expect(error.message).toContain(damaged);
    expect(readFileSync(output).equals(before)).toBe(true);
  });
});
