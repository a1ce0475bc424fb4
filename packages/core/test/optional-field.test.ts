import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Batch, createLoader, createOutputSlot, int64, openDataset, optional, readPluginRequirements, writeDataset } from '../src/index.js';
// @ts-expect-error: plain ESM fixtures without types
import { segments, segmentsPlugin } from './fixtures/segments-plugin.mjs';
// @ts-expect-error: plain ESM fixtures without types
import { timedPlugin, timedSpans } from './fixtures/timed-plugin.mjs';
import { rejectionOf } from './helpers/error-of.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-optional-'));
const path = join(directory, 'optional.beton');
const NUM_SAMPLES = 12;
const segmentPlugin = segmentsPlugin();
const timed = timedPlugin();
/** Samples 2, 5, 8, 11 have no segments (null, or the key left out for 5 and 11); 4 and 9 no stream. */
const segmentsOf = (index: number) => (index % 3 === 2 ? null : Array.from({ length: 1 + (index % 4) }, (_, k) => new Uint8Array(k + index + 1).fill(index)));
const sampleOf = (index: number) => {
  const sample: Record<string, unknown> = { id: index, stream: index === 4 || index === 9 ? null : { start: index, duration: 5, spans: [] } };
  if (index === 5 || index === 11) return sample;
  sample.segments = segmentsOf(index);
  return sample;
};

beforeAll(async () => {
  await writeDataset(
    path,
    { id: int64(), segments: optional(segments({ maxSegments: 4 }, segmentPlugin)), stream: optional(timedSpans(timed)) },
    { length: NUM_SAMPLES, get: sampleOf },
    { workers: 2, pageSize: 4096 },
  );
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));


describe('optional(field)', () => {
  it('stores absent samples (null or left out) and reads them back as null; present ones as the inner field', () => {
    const dataset = openDataset(path, { plugins: [segmentPlugin, timed] });
    try {
      const field = dataset.fields.find((entry) => entry.name === 'segments')!;
      expect(field.codecId).toBe('core/optional');
      expect(field.plugin).toBe('@demo/tessera-segments');
      for (let index = 0; index < NUM_SAMPLES; index++) {
        const expected = segmentsOf(index);
        expect(dataset.read(index, 'segments')).toEqual(expected);
        if (expected === null) expect(dataset.toJSON(index, 'segments')).toBeNull();
      }
      expect(dataset.timeline('stream', 3)).toEqual({ startSeconds: 3, durationSeconds: 5 });
      expect(dataset.timeline('stream', 4)).toBeUndefined();
    } finally {
      dataset.close();
    }
  });

  it("keeps the inner decoders (zeros and zero lengths for absent samples) and adds 'present'", () => {
    const dataset = openDataset(path, { plugins: [segmentPlugin, timed] });
    try {
      const lengths = dataset.createDecoder('segments', 'lengths');
      const present = dataset.createDecoder('segments', 'present');
      expect(present.output).toEqual({ dtype: 'uint8', shape: [] });
      const slot = createOutputSlot(lengths.output);
      const mask = createOutputSlot(present.output);
      for (let index = 0; index < NUM_SAMPLES; index++) {
        slot.bytes.fill(0xab);
        slot.lengths.fill(77);
        lengths.decode(index, slot);
        present.decode(index, mask);
        const expected = segmentsOf(index);
        expect(mask.data[0]).toBe(expected === null ? 0 : 1);
        expect(slot.lengths[0]).toBe(expected?.length ?? 0);
        expect(Array.from(slot.data as Int32Array)).toEqual(Array.from({ length: 4 }, (_, k) => expected?.[k]?.byteLength ?? 0));
      }
    } finally {
      dataset.close();
    }
  });

  it('the loader adds <name>.present to the batch, the same with workers', async () => {
    const run = async (workers: number) => {
      const loader = createLoader(path, { batchSize: 5, plugins: [segmentPlugin, timed], workers, pipelines: { stream: null } });
      const rows: Array<[number, number, number[]]> = [];
      expect(Object.keys(loader.outputs).sort()).toEqual(['id', 'segments', 'segments.present']);
      for await (const batch of loader) {
        const ids = (batch as Batch).id!.data as BigInt64Array;
        for (let row = 0; row < ids.length; row++) {
          const lengths = (batch as Batch).segments!.lengths!;
          rows.push([Number(ids[row]), (batch as Batch)['segments.present']!.data[row] as number, [lengths[row]!]]);
        }
      }
      await loader.close();
      return rows;
    };
    const calling = await run(0);
    expect(calling.map(([, present]) => present)).toEqual(Array.from({ length: NUM_SAMPLES }, (_, index) => (segmentsOf(index) === null ? 0 : 1)));
    expect(calling.map(([, , [length]]) => length)).toEqual(Array.from({ length: NUM_SAMPLES }, (_, index) => segmentsOf(index)?.length ?? 0));
    expect(await run(2)).toEqual(calling);
    // Named by the user, or the field dropped: no automatic mask.
    const named = createLoader(path, { batchSize: 5, plugins: [segmentPlugin, timed], pipelines: { stream: null, 'segments.present': null } });
    expect(Object.keys(named.outputs).sort()).toEqual(['id', 'segments']);
    await named.close();
  });

  it('a window over an optional stream is E_MISSING_STREAM at an absent sample', async () => {
    const loader = createLoader(path, { batchSize: 12, plugins: [segmentPlugin, timed], window: { timeline: 'stream', seconds: 1 } });
    const error = await rejectionOf(async () => {
      for await (const _batch of loader) {
        // sample 4 has no stream
      }
    });
    await loader.close();
    expect(error.code).toBe('E_MISSING_STREAM');
    expect(error.message).toMatch(/sample 4 has no stream in field "stream"/);
  });

  it('names the inner plugin when it is missing, and in the file requirements', async () => {
    const error = await rejectionOf(() => openDataset(path, { plugins: [timed] }));
    expect(error.code).toBe('E_PLUGIN_MISSING');
    expect(error.message).toMatch(/field "segments" needs codec demo\/segments from plugin @demo\/tessera-segments@1\.2\.0/);
    expect(readPluginRequirements(path).map((entry) => entry.plugin).sort()).toEqual(['@demo/tessera-segments', '@demo/tessera-timed']);
  });

  it("refuses FFCV's own fields and double wrapping (E_ARGUMENT)", async () => {
    const target = join(directory, 'bad.beton');
    const ffcv = await rejectionOf(() => writeDataset(target, { id: optional(int64()) }, { length: 1, get: () => ({ id: 1 }) }, { workers: 0 }));
    expect(ffcv.code).toBe('E_ARGUMENT');
    expect(ffcv.message).toMatch(/optional\(\) takes plugin fields/);
    expect((await rejectionOf(() => optional(optional(segments({ maxSegments: 1 }, segmentPlugin))))).message).toMatch(/optional already/);
  });
});
