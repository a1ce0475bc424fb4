import { copyFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_INFO, SidecarError, TesseraError, createLoader, int64, json, ndarray, openDataset, writeDataset, writeSidecar } from '../src/index.js';
// @ts-expect-error: a plain ESM fixture without types
import { timedPlugin, timedSpans } from './fixtures/timed-plugin.mjs';
import { rejectionOf } from './helpers/error-of.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-sidecar-'));
const basePath = join(directory, 'base.beton');
const sidecarPath = join(directory, 'captions.beton');
const NUM_SAMPLES = 37;

const baseSchema = { id: int64(), image: ndarray({ dtype: '<f4', shape: [4] }) };
const baseSample = (index: number, offset = 0) => ({ id: 1000 + index + offset, image: new Float32Array([index, index + 0.5, -index, 2 * index + offset]) });
const sidecarSchema = { caption: json(), embedding: ndarray({ dtype: '<f4', shape: [3] }) };
const captionOf = (index: number) => ({ text: `sample ${index}${'!'.repeat(index % 4)}`, words: index % 5 });
const sidecarSample = (index: number) => ({ caption: captionOf(index), embedding: new Float32Array([index * 0.25, -index, 7]) });


beforeAll(async () => {
  await writeDataset(basePath, baseSchema, { length: NUM_SAMPLES, get: (index) => baseSample(index) }, { workers: 0, pageSize: 4096 });
  await writeSidecar(basePath, sidecarPath, sidecarSchema, { length: NUM_SAMPLES, get: sidecarSample }, { workers: 0, pageSize: 4096 });
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('writeSidecar / openDataset({ sidecars })', () => {
  it('records the base identity in the sidecar, which is an ordinary .beton file', () => {
    const sidecar = openDataset(sidecarPath);
    try {
      expect(sidecar.numSamples).toBe(NUM_SAMPLES);
      expect(sidecar.fields.map((field) => field.name)).toEqual(['caption', 'embedding']);
      const recorded = sidecar.extension!.sidecarOf!;
      expect(recorded).toMatchObject({ fileName: 'base.beton', numSamples: NUM_SAMPLES, fields: ['id', 'image'], digestOf: 'checksums' });
      expect(recorded.digest).toMatch(/^[0-9a-f]{32}$/);
      expect(sidecar.read(3, 'caption')).toEqual(captionOf(3));
    } finally {
      sidecar.close();
    }
  });

  it('joins the sidecar fields to the base by sample index, each read from its own file', () => {
    const dataset = openDataset(basePath, { sidecars: [sidecarPath] });
    try {
      expect(dataset.fields.map((field) => [field.name, field.sidecar])).toEqual([
        ['id', undefined],
        ['image', undefined],
        ['caption', sidecarPath],
        ['embedding', sidecarPath],
      ]);
      expect(dataset.sidecars.map((sidecar) => sidecar.path)).toEqual([sidecarPath]);
      expect(dataset.path).toBe(basePath);
      expect(dataset.hasField('caption') && dataset.hasField('id') && !dataset.hasField('nope')).toBe(true);
      for (const index of [0, 1, 17, NUM_SAMPLES - 1]) {
        const sample = dataset.get(index);
        expect(sample.id).toBe(1000 + index);
        expect(Array.from((sample.image as { data: Float32Array }).data)).toEqual(Array.from(baseSample(index).image));
        expect(sample.caption).toEqual(captionOf(index));
        expect(Array.from((sample.embedding as { data: Float32Array }).data)).toEqual([index * 0.25, -index, 7]);
        expect(dataset.read(index, 'caption')).toEqual(captionOf(index));
      }
      // A codec's reader.otherField sees the fields of the other file too (same sample indices).
      const other = dataset.field('caption').otherField('id');
      expect(other.name).toBe('id');
      expect(other.numSamples).toBe(NUM_SAMPLES);
      expect(() => dataset.read(0, 'nope')).toThrow(/has no field "nope"; its fields are "id", "image", "caption", "embedding"/);
      expect(TesseraError.is(errorOfSync(() => dataset.field('nope')), 'E_UNKNOWN_FIELD')).toBe(true);
    } finally {
      dataset.close();
    }
    expect(TesseraError.is(errorOfSync(() => dataset.read(0, 'caption')), 'E_CLOSED')).toBe(true);
  });

  it('loads sidecar fields like the base fields: random order, workers 0 and 2 give identical batches', async () => {
    const collect = async (workers: number) => {
      const loader = createLoader(basePath, { batchSize: 8, order: 'random', seed: 5, workers, sidecars: [sidecarPath] });
      const rows: Array<{ sample: number; id: bigint; image: number[]; caption: string; embedding: number[] }> = [];
      try {
        expect(Object.keys(loader.outputs)).toEqual(['id', 'image', 'caption', 'embedding']);
        if (workers > 0) expect(loader.stats().placement.caption).toEqual({ thread: 'worker' });
        for await (const batch of loader) {
          const info = batch[BATCH_INFO];
          const caption = batch.caption!;
          const width = caption.shape[1]!;
          for (let position = 0; position < info.count; position++) {
            const length = caption.lengths![position]! - 1; // the stored text ends in one NUL
            rows.push({
              sample: info.sampleIndices[position]!,
              id: (batch.id!.data as BigInt64Array)[position]!,
              image: Array.from(batch.image!.data.subarray(position * 4, position * 4 + 4) as Float32Array),
              caption: new TextDecoder().decode(caption.data.subarray(position * width, position * width + length) as Uint8Array),
              embedding: Array.from(batch.embedding!.data.subarray(position * 3, position * 3 + 3) as Float32Array),
            });
          }
        }
      } finally {
        await loader.close();
      }
      return rows;
    };
    const inline = await collect(0);
    expect(inline.map((row) => row.sample).sort((a, b) => a - b)).toEqual(Array.from({ length: NUM_SAMPLES }, (_, index) => index));
    expect(inline.map((row) => row.sample)).not.toEqual(Array.from({ length: NUM_SAMPLES }, (_, index) => index));
    for (const row of inline) {
      expect(row.id).toBe(BigInt(1000 + row.sample));
      expect(row.image).toEqual(Array.from(baseSample(row.sample).image));
      expect(JSON.parse(row.caption)).toEqual(captionOf(row.sample));
      expect(row.embedding).toEqual([row.sample * 0.25, -row.sample, 7]);
    }
    expect(await collect(2)).toEqual(inline);
  });

  it('draws loader windows over a sidecar stream (alignments added to a dataset), the same with workers', async () => {
    const timed = timedPlugin();
    const streams = join(directory, 'streams.beton');
    const streamOf = (index: number) => ({ start: index / 4, duration: 3 + (index % 3), spans: [[index / 4 + 0.5, index / 4 + 1]] });
    await writeSidecar(basePath, streams, { stream: timedSpans(timed) }, { length: NUM_SAMPLES, get: (index) => ({ stream: streamOf(index) }) }, { workers: 0, plugins: [timed] });
    const joined = openDataset(basePath, { sidecars: [streams], plugins: [timed] });
    try {
      expect(joined.hasTimeline('stream') && !joined.hasTimeline('id')).toBe(true);
      expect(joined.timeline('stream', 6)).toEqual({ startSeconds: 1.5, durationSeconds: 3 });
      expect(Array.from(joined.anchors('stream', 6))).toEqual([2, 2.5]);
      expect(joined.lengths('stream')[6]).toBe(1);
    } finally {
      joined.close();
    }
    const collect = async (workers: number) => {
      const loader = createLoader(basePath, { batchSize: 8, order: 'random', seed: 2, workers, plugins: [timed], sidecars: [streams], window: { timeline: 'stream', seconds: 1.25 } });
      const rows: Array<{ sample: number; id: bigint; window: number[]; seen: number[] }> = [];
      try {
        for await (const batch of loader) {
          const { count, sampleIndices } = batch[BATCH_INFO];
          for (let position = 0; position < count; position++) {
            rows.push({
              sample: sampleIndices[position]!,
              id: (batch.id!.data as BigInt64Array)[position]!,
              window: Array.from(batch.window!.data.subarray(2 * position, 2 * position + 2) as Float64Array),
              seen: Array.from(batch.stream!.data.subarray(2 * position, 2 * position + 2) as Float64Array),
            });
          }
        }
      } finally {
        await loader.close();
      }
      return rows;
    };
    const rows = await collect(0);
    expect(rows).toHaveLength(NUM_SAMPLES);
    for (const row of rows) {
      const { start, duration } = streamOf(row.sample);
      expect(row.id).toBe(BigInt(1000 + row.sample));
      expect(row.window[1]).toBe(1.25);
      expect(row.window[0]).toBeGreaterThanOrEqual(start);
      expect(row.window[0]).toBeLessThanOrEqual(start + duration - 1.25 + 1e-12);
      expect(row.seen).toEqual(row.window);
    }
    expect(await collect(2)).toEqual(rows);
  });

  it('refuses a sidecar written for another base (E_SIDECAR_MISMATCH naming both files and what differs)', async () => {
    const otherContent = join(directory, 'other-content.beton');
    await writeDataset(otherContent, baseSchema, { length: NUM_SAMPLES, get: (index) => baseSample(index, 1) }, { workers: 0, pageSize: 4096 });
    const content = await rejectionOf(() => openDataset(otherContent, { sidecars: [sidecarPath] }));
    expect(content).toBeInstanceOf(SidecarError);
    expect(content).toMatchObject({ code: 'E_SIDECAR_MISMATCH', property: 'content', path: sidecarPath, basePath: otherContent });
    expect(content.message).toContain(sidecarPath);
    expect(content.message).toContain(otherContent);
    expect(content.message).toContain('base.beton');

    const otherCount = join(directory, 'other-count.beton');
    await writeDataset(otherCount, baseSchema, { length: NUM_SAMPLES + 1, get: (index) => baseSample(index) }, { workers: 0 });
    const count = await rejectionOf(() => createLoader(otherCount, { batchSize: 4, sidecars: [sidecarPath] }));
    expect(count).toMatchObject({ code: 'E_SIDECAR_MISMATCH', property: 'numSamples', expected: String(NUM_SAMPLES), actual: String(NUM_SAMPLES + 1) });
    expect(count.message).toMatch(/with 37 samples, but .*other-count\.beton has 38/);

    const otherFields = join(directory, 'other-fields.beton');
    await writeDataset(otherFields, { id: int64(), pixels: ndarray({ dtype: '<f4', shape: [4] }) }, { length: NUM_SAMPLES, get: (index) => ({ id: index, pixels: baseSample(index).image }) }, { workers: 0 });
    const fields = await rejectionOf(() => openDataset(otherFields, { sidecars: [sidecarPath] }));
    expect(fields).toMatchObject({ code: 'E_SIDECAR_MISMATCH', property: 'fields', expected: 'id,image', actual: 'id,pixels' });

    // An ordinary dataset is not a sidecar, even with the right sample count.
    const plain = await rejectionOf(() => openDataset(basePath, { sidecars: [otherContent] }));
    expect(plain).toMatchObject({ code: 'E_SIDECAR_MISMATCH', property: 'sidecar' });
    expect(plain.message).toMatch(/is not a sidecar file/);
  });

  it('refuses a sidecar once its base was rewritten with other values (same sample count and fields)', async () => {
    for (const integrity of [true, false]) {
      const base = join(directory, `rewritten-${integrity}.beton`);
      const sidecar = join(directory, `rewritten-${integrity}.captions.beton`);
      await writeDataset(base, baseSchema, { length: NUM_SAMPLES, get: (index) => baseSample(index) }, { workers: 0, integrity });
      await writeSidecar(base, sidecar, sidecarSchema, { length: NUM_SAMPLES, get: sidecarSample }, { workers: 0 });
      const recorded = openDataset(sidecar);
      expect(recorded.extension!.sidecarOf!.digestOf).toBe(integrity ? 'checksums' : 'tables');
      recorded.close();
      openDataset(base, { sidecars: [sidecar] }).close();
      // Rewritten: same shape, the id labels (stored inline in the metadata) differ.
      await writeDataset(base, baseSchema, { length: NUM_SAMPLES, get: (index) => baseSample(index, 5) }, { workers: 0, integrity });
      const error = await rejectionOf(() => openDataset(base, { sidecars: [sidecar] }));
      expect(error).toMatchObject({ code: 'E_SIDECAR_MISMATCH', property: 'content', path: sidecar, basePath: base });
      expect(error.message).toMatch(/the base was rewritten since/);
      expect((await rejectionOf(() => createLoader(base, { batchSize: 4, workers: 2, sidecars: [sidecar] }))).code).toBe('E_SIDECAR_MISMATCH');
    }
  });

  it('reports a truncated sidecar through the ordinary E_TRUNCATED checks', async () => {
    const truncated = join(directory, 'truncated.beton');
    copyFileSync(sidecarPath, truncated);
    truncateSync(truncated, Math.floor(statSync(truncated).size / 2));
    const error = await rejectionOf(() => openDataset(basePath, { sidecars: [truncated] }));
    expect(error.code).toBe('E_TRUNCATED');
    expect(error.message).toContain(truncated);
  });

  it('stops a loader whose sidecar is truncated in place under it (E_IO), workers included', async () => {
    const sidecar = join(directory, 'shrinking.beton');
    copyFileSync(sidecarPath, sidecar);
    const loader = createLoader(basePath, { batchSize: 8, workers: 2, sidecars: [sidecar], pipelines: { id: null, image: null } });
    truncateSync(sidecar, statSync(sidecar).size - 4096);
    const error = await rejectionOf(async () => {
      for await (const _ of loader) {
        // the first batch fails
      }
    });
    expect(error.code).toBe('E_IO');
    expect(error.message).toContain(sidecar);
    await loader.close();
  });

  it('keeps reading the sidecar the loader opened when another file is renamed over it; an open joined Dataset loads the same', async () => {
    const sidecar = join(directory, 'replaced.beton');
    const replacement = join(directory, 'replacement.beton');
    copyFileSync(sidecarPath, sidecar);
    await writeSidecar(basePath, replacement, sidecarSchema, { length: NUM_SAMPLES, get: (index) => ({ ...sidecarSample(index), caption: 'replaced' }) }, { workers: 0 });
    const captions = async (loader: ReturnType<typeof createLoader>) => {
      const seen: string[] = [];
      try {
        for await (const batch of loader) {
          const { count } = batch[BATCH_INFO];
          const width = batch.caption!.shape[1]!;
          for (let position = 0; position < count; position++) {
            const length = batch.caption!.lengths![position]! - 1;
            seen.push(JSON.parse(new TextDecoder().decode(batch.caption!.data.subarray(position * width, position * width + length) as Uint8Array)).text);
          }
        }
      } finally {
        await loader.close();
      }
      return seen;
    };
    const expected = Array.from({ length: NUM_SAMPLES }, (_, index) => captionOf(index).text);
    const loader = createLoader(basePath, { batchSize: 8, workers: 2, sidecars: [sidecar], pipelines: { image: null } });
    renameSync(replacement, sidecar);
    expect(await captions(loader)).toEqual(expected);

    const joined = openDataset(basePath, { sidecars: [sidecarPath] });
    try {
      expect(await captions(createLoader(joined, { batchSize: 8, workers: 2 }))).toEqual(expected);
      expect((await rejectionOf(() => createLoader(joined, { batchSize: 8, sidecars: [sidecarPath] }))).code).toBe('E_ARGUMENT');
    } finally {
      joined.close();
    }
  });

  it('refuses field names the base (or another sidecar) already has', async () => {
    const target = join(directory, 'collision.beton');
    const error = await rejectionOf(() => writeSidecar(basePath, target, { caption: json(), id: int64() }, { length: NUM_SAMPLES, get: (index) => ({ caption: null, id: index }) }));
    expect(error).toMatchObject({ code: 'E_ARGUMENT', argument: 'schema.id' });
    expect(error.message).toMatch(/already has a field "id"/);
    expect(existsSync(target)).toBe(false);
    const over = await rejectionOf(() => writeSidecar(basePath, join(directory, '.', 'base.beton'), { caption: json() }, { length: NUM_SAMPLES, get: () => ({ caption: null }) }));
    expect(over).toMatchObject({ code: 'E_ARGUMENT', argument: 'sidecarPath' });
    openDataset(basePath).close();

    const twin = join(directory, 'twin.beton');
    copyFileSync(sidecarPath, twin);
    const duplicate = await rejectionOf(() => openDataset(basePath, { sidecars: [sidecarPath, twin] }));
    expect(duplicate).toMatchObject({ code: 'E_ARGUMENT', argument: 'sidecars' });
    expect(duplicate.message).toMatch(/field "caption" is stored in both/);
  });

  it('refuses a source whose sample count differs from the base, before committing anything', async () => {
    const target = join(directory, 'count.beton');
    const short = await rejectionOf(() => writeSidecar(basePath, target, sidecarSchema, Array.from({ length: NUM_SAMPLES - 1 }, (_, index) => sidecarSample(index))));
    expect(short).toMatchObject({ code: 'E_ARGUMENT', argument: 'source' });
    expect(short.message).toMatch(/has 37 samples .* but the source has 36/);
    function* samples(count: number) {
      for (let index = 0; index < count; index++) yield sidecarSample(index);
    }
    expect((await rejectionOf(() => writeSidecar(basePath, target, sidecarSchema, samples(NUM_SAMPLES + 3)))).message).toMatch(/the source has more/);
    expect((await rejectionOf(() => writeSidecar(basePath, target, sidecarSchema, samples(NUM_SAMPLES - 2)))).message).toMatch(/the source has 35/);
    expect(existsSync(target)).toBe(false);
    // An iterable of the right length writes the same bytes as an indexed source.
    await writeSidecar(basePath, target, sidecarSchema, samples(NUM_SAMPLES), { workers: 0, pageSize: 4096 });
    expect(readFileSync(target).equals(readFileSync(sidecarPath))).toBe(true);
    expect((await rejectionOf(() => writeSidecar(basePath, target, sidecarSchema, samples(NUM_SAMPLES), { integrity: false }))).code).toBe('E_ARGUMENT');
  });
});

function errorOfSync(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
