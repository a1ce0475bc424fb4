import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Batch, type Dataset, type LoaderOptions, bytes, createLoader, int64, isMultiFileDataset, mergeDatasets, ndarray, openDataset, writeDataset } from '../src/index.js';
import { errorOf } from './helpers/error-of.js';

const SAMPLES = 700;
const schema = () => ({ id: int64(), blob: bytes(), vector: ndarray({ dtype: '<f4', shape: [8] }) });
const sample = (index: number) => ({
  id: index,
  blob: new Uint8Array(index % 4 === 0 ? 0 : 20 + (index % 500)).fill(index & 0xff),
  vector: Float32Array.from({ length: 8 }, (_, k) => index * 8 + k),
});

let folder: string;
let whole: string;
let merged: string;
let shards: string[];

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'tessera-multi-'));
  whole = join(folder, 'whole.beton');
  await writeDataset(whole, schema(), { length: SAMPLES, get: sample }, { pageSize: 4096 });
  // Uneven shards, one of them empty: indices must run through them exactly as in the merged file.
  const bounds = [0, 250, 250, 520, SAMPLES];
  shards = [];
  for (let index = 0; index + 1 < bounds.length; index++) {
    const path = join(folder, `shard-${index}.beton`);
    const start = bounds[index]!;
    await writeDataset(path, schema(), { length: bounds[index + 1]! - start, get: (local) => sample(start + local) }, { pageSize: 4096 });
    shards.push(path);
  }
  merged = join(folder, 'merged.beton');
  await mergeDatasets(merged, shards);
});

afterAll(() => rmSync(folder, { recursive: true, force: true }));

async function batchesOf(source: Parameters<typeof createLoader>[0], options: LoaderOptions): Promise<Array<{ indices: number[]; ids: number[]; vectors: number[] }>> {
  const loader = createLoader(source, options);
  const batches = [];
  try {
    for await (const batch of loader) batches.push(summary(batch));
  } finally {
    await loader.close();
  }
  return batches;
}

function summary(batch: Batch) {
  const info = Object.getOwnPropertySymbols(batch).map((symbol) => (batch as unknown as Record<symbol, { sampleIndices: Uint32Array }>)[symbol]!)[0]!;
  return { indices: Array.from(info.sampleIndices), ids: Array.from(batch.id!.data as BigInt64Array, Number), vectors: Array.from(batch.vector!.data as Float32Array) };
}

describe('openDataset of several files', () => {
  it('reads every sample of the files, in order, as the merged file has them', () => {
    const multi = openDataset(shards);
    const reference = openDataset(merged);
    try {
      expect(isMultiFileDataset(multi)).toBe(true);
      expect(multi.numSamples).toBe(SAMPLES);
      expect(multi.fields.map((field) => field.name)).toEqual(['id', 'blob', 'vector']);
      for (let index = 0; index < SAMPLES; index++) expect(multi.get(index)).toEqual(reference.get(index));
      expect(multi.toJSON(600, 'blob')).toEqual(reference.toJSON(600, 'blob'));
      // Pages are numbered across the files as the merge lays them out.
      expect(Array.from(multi.samplePages())).toEqual(Array.from(reference.samplePages()));
      expect(multi.layout.numPages).toBe(reference.layout.numPages);
      if (isMultiFileDataset(multi)) {
        expect(multi.locate(250)).toEqual({ file: 2, sampleIndex: 0 });
        expect(multi.locate(699)).toEqual({ file: 3, sampleIndex: 179 });
        expect(multi.streams).toEqual([{ name: 'stream-0', files: shards, firstSample: 0, numSamples: SAMPLES, weight: undefined }]);
      }
    } finally {
      multi.close();
      reference.close();
    }
  });

  it('decoders of the files behave as one decoder over the whole dataset', () => {
    const multi = openDataset(shards);
    try {
      const decoder = multi.createDecoder('vector');
      expect(decoder.output).toEqual({ dtype: 'float32', shape: [8] });
      const data = new Float32Array(8);
      decoder.decode(521, { bytes: new Uint8Array(data.buffer), data, lengths: new Int32Array(0) });
      expect(Array.from(data)).toEqual(Array.from({ length: 8 }, (_, k) => 521 * 8 + k));
    } finally {
      multi.close();
    }
  });

  it('reads a manifest file, paths relative to its folder, with named streams', () => {
    const manifest = join(folder, 'train.json');
    writeFileSync(manifest, JSON.stringify({ streams: [{ name: 'first', files: ['shard-0.beton'] }, { name: 'rest', files: ['shard-2.beton', 'shard-3.beton'], repeat: 2 }] }));
    const dataset = openDataset(manifest);
    try {
      expect(dataset.path).toBe(manifest);
      expect(dataset.numSamples).toBe(SAMPLES);
      expect(dataset.get(260)).toEqual(openDataset(whole).get(260));
      if (!isMultiFileDataset(dataset)) throw new Error('expected several files');
      expect(dataset.streams.map(({ name, firstSample, numSamples, weight }) => ({ name, firstSample, numSamples, weight }))).toEqual([
        { name: 'first', firstSample: 0, numSamples: 250, weight: undefined },
        { name: 'rest', firstSample: 250, numSamples: 450, weight: { repeat: 2 } },
      ]);
    } finally {
      dataset.close();
    }
  });

  it('refuses broken manifests and mismatched files with errors that name the problem', async () => {
    const write = (name: string, text: string) => {
      const path = join(folder, name);
      writeFileSync(path, text);
      return path;
    };
    expect(errorOf(() => openDataset(write('bad.json', '{ "files": [')))).toMatchObject({ code: 'E_MANIFEST', message: expect.stringContaining('not JSON') });
    expect(errorOf(() => openDataset(write('both.json', JSON.stringify({ files: ['a'], streams: [] }))))).toMatchObject({ code: 'E_MANIFEST', message: expect.stringContaining('exactly one of') });
    expect(errorOf(() => openDataset(write('typo.json', JSON.stringify({ file: ['a'] }))))).toMatchObject({ code: 'E_ARGUMENT', message: expect.stringContaining('did you mean files') });
    expect(errorOf(() => openDataset([]))).toMatchObject({ code: 'E_ARGUMENT', message: expect.stringContaining('non-empty array') });
    expect(errorOf(() => openDataset({ streams: [{ name: 'a', files: [shards[0]!] }, { name: 'a', files: [shards[1]!] }] }))).toMatchObject({ message: expect.stringContaining('names two streams') });
    expect(errorOf(() => openDataset([shards[0]!, join(folder, 'missing.beton')]))).toMatchObject({ code: 'E_IO' });

    const other = join(folder, 'other.beton');
    await writeDataset(other, { id: int64(), blob: bytes(), vector: ndarray({ dtype: '<f4', shape: [4] }) }, { length: 3, get: (index) => ({ id: index, blob: new Uint8Array(1), vector: new Float32Array(4) }) });
    const mismatch = errorOf(() => openDataset([shards[0]!, other]));
    expect(mismatch.code).toBe('E_SCHEMA_MISMATCH');
    expect(mismatch.message).toContain(other);
    expect(mismatch.message).toContain('field "vector" arguments');
    const renamed = join(folder, 'renamed.beton');
    await writeDataset(renamed, { key: int64() }, { length: 1, get: () => ({ key: 1 }) });
    expect(errorOf(() => openDataset([shards[0]!, renamed]))).toMatchObject({ code: 'E_SCHEMA_MISMATCH', message: expect.stringContaining('in its fields') });
  });

  it('has no single field reader, keeps indices in range, and names unknown fields', () => {
    const multi = openDataset(shards);
    try {
      expect(errorOf(() => multi.field('id'))).toMatchObject({ code: 'E_ARGUMENT', message: expect.stringContaining('dataset.files[i].field') });
      expect(errorOf(() => multi.field('nope')).code).toBe('E_UNKNOWN_FIELD');
      expect(errorOf(() => multi.get(SAMPLES))).toMatchObject({ code: 'E_SAMPLE_INDEX', message: expect.stringContaining(`${SAMPLES} samples`) });
      expect(errorOf(() => multi.read(-1, 'id')).code).toBe('E_SAMPLE_INDEX');
    } finally {
      multi.close();
    }
    expect(errorOf(() => multi.get(0)).code).toBe('E_CLOSED');
  });
});

describe('a loader over several files', () => {
  for (const workers of [0, 2]) {
    for (const order of ['random', 'quasi-random'] as const) {
      it(`gives the merged file's batches (${order}, ${workers} workers)`, async () => {
        const options = { batchSize: 32, order, seed: 11, workers };
        const expected = await batchesOf(merged, options);
        expect(await batchesOf(shards, options)).toEqual(expected);
        expect(expected.flatMap((batch) => batch.ids).sort((a, b) => a - b)).toEqual(Array.from({ length: SAMPLES }, (_, index) => index));
      });
    }
  }

  it('resumes exactly from a state, also in a new loader with other workers', async () => {
    const options = { batchSize: 25, order: 'random' as const, seed: 3 };
    const all = await batchesOf(shards, options);
    const loader = createLoader(shards, { ...options, workers: 2 });
    let state: ReturnType<typeof loader.state> | undefined;
    let seen = 0;
    for await (const _batch of loader) {
      if (++seen === 9) {
        state = loader.state();
        break;
      }
    }
    await loader.close();
    expect(await batchesOf(shards, { ...options, resume: JSON.parse(JSON.stringify(state)) })).toEqual(all.slice(9));
    // The state belongs to these files in this order.
    const reversed = [...shards].reverse();
    const error = errorOf(() => createLoader(reversed, { ...options, resume: state }));
    expect(error.message).toContain('resume');
  });

  it('passes an open multi-file Dataset through, and refuses options it cannot take', async () => {
    const dataset: Dataset = openDataset(shards);
    try {
      const batches = await batchesOf(dataset, { batchSize: 100 });
      expect(batches.flatMap((batch) => batch.ids)).toEqual(Array.from({ length: SAMPLES }, (_, index) => index));
    } finally {
      dataset.close();
    }
    expect(errorOf(() => createLoader(shards, { batchSize: 4, sidecars: ['x.beton'] })).message).toContain('cannot take sidecars');
    expect(errorOf(() => createLoader(whole, { batchSize: 4, mix: {} })).message).toContain('mixing needs a dataset of several streams');
  });
});
