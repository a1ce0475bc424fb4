import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Batch, type LoaderOptions, TesseraError, createLoader, int64, openDataset, writeDataset } from '../src/index.js';
// @ts-expect-error: a plain ESM fixture without types
import { timedPlugin, timedSpans } from './fixtures/timed-plugin.mjs';
import { errorOf } from './helpers/error-of.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-sample-window-'));
const path = join(directory, 'timed.beton');
const withMissing = join(directory, 'missing.beton');
const NUM_SAMPLES = 40;
const plugin = timedPlugin();

/** Sample i: a stream from 0.5 + i/10 s lasting 3 + (i % 5) s, spans every 0.7 s (none for every 7th sample); `other` starts 1 s later. */
const streamOf = (index: number) => {
  const start = 0.5 + index / 10;
  const duration = 3 + (index % 5);
  const spans: Array<[number, number]> = [];
  if (index % 7 !== 3) for (let at = start + 0.2; at + 0.3 < start + duration; at += 0.7) spans.push([at, at + 0.3]);
  return { start, duration, spans };
};

beforeAll(async () => {
  await writeDataset(
    path,
    { id: int64(), stream: timedSpans(plugin), other: timedSpans(plugin) },
    { length: NUM_SAMPLES, get: (index: number) => ({ id: index, stream: streamOf(index), other: { ...streamOf(index), start: streamOf(index).start + 1 } }) },
    { workers: 0, pageSize: 4096 },
  );
  await writeDataset(
    withMissing,
    { stream: timedSpans(plugin) },
    { length: 6, get: (index: number) => ({ stream: index === 4 ? null : streamOf(index) }) },
    { workers: 0, pageSize: 4096 },
  );
});

afterAll(() => rmSync(directory, { recursive: true, force: true }));

const base = (window: LoaderOptions['window'], extra: Partial<LoaderOptions> = {}): LoaderOptions => ({ batchSize: 8, plugins: [plugin], window, ...extra });

/** Every batch's (sample, window start, window duration, what each window decoder saw). */
async function collect(options: LoaderOptions, epochs = 1): Promise<Array<{ sample: number; start: number; duration: number; seen: number[][] }>> {
  const loader = createLoader(path, options);
  const rows: Array<{ sample: number; start: number; duration: number; seen: number[][] }> = [];
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      for await (const batch of loader) {
        const ids = batch.id!.data as BigInt64Array;
        const window = (batch as Batch)[options.window?.output ?? 'window']!.data as Float64Array;
        const decoders = ['stream', 'other'].filter((name) => (batch as Batch)[name] !== undefined);
        for (let row = 0; row < ids.length; row++) {
          rows.push({
            sample: Number(ids[row]),
            start: window[2 * row]!,
            duration: window[2 * row + 1]!,
            seen: decoders.map((name) => Array.from(((batch as Batch)[name]!.data as Float64Array).subarray(2 * row, 2 * row + 2))),
          });
        }
      }
    }
  } finally {
    await loader.close();
  }
  return rows;
}


describe('the loader window option', () => {
  it('reads a stream field through the dataset (timeline, anchors)', () => {
    const dataset = openDataset(path, { plugins: [plugin] });
    try {
      expect(dataset.hasTimeline('stream')).toBe(true);
      expect(dataset.hasTimeline('id')).toBe(false);
      expect(dataset.timeline('stream', 3)).toEqual({ startSeconds: 0.8, durationSeconds: 6 });
      const spans = dataset.anchors('stream', 2, new Float64Array(2));
      expect(Array.from(spans)).toEqual(streamOf(2).spans.flat());
      expect(dataset.anchors('stream', 3).length).toBe(0);
      expect(errorOf(() => dataset.timeline('id', 0)).code).toBe('E_ARGUMENT');
    } finally {
      dataset.close();
    }
  });

  it('draws one random window per sample inside its timeline, seen by every field, the same with workers', async () => {
    const options = base({ timeline: 'stream', seconds: 1.5 }, { order: 'random', seed: 7 });
    const rows = await collect(options);
    expect(rows.map((row) => row.sample).sort((a, b) => a - b)).toEqual(Array.from({ length: NUM_SAMPLES }, (_, index) => index));
    for (const row of rows) {
      const { start, duration } = streamOf(row.sample);
      expect(row.duration).toBe(1.5);
      expect(row.start).toBeGreaterThanOrEqual(start);
      expect(row.start).toBeLessThanOrEqual(start + duration - 1.5 + 1e-12);
      // Both decoders (one per field) got exactly the batch's window.
      expect(row.seen).toEqual([
        [row.start, 1.5],
        [row.start, 1.5],
      ]);
    }
    expect(new Set(rows.map((row) => row.start - streamOf(row.sample).start)).size).toBeGreaterThan(30);
    const inWorkers = await collect({ ...options, workers: 2 });
    expect(inWorkers).toEqual(rows);
    const again = await collect(options);
    expect(again).toEqual(rows);
    const otherSeed = await collect({ ...options, seed: 8 });
    expect(otherSeed.map((row) => row.start)).not.toEqual(rows.map((row) => row.start));
  });

  it('changes the windows from epoch to epoch', async () => {
    const rows = await collect(base({ timeline: 'stream', seconds: 1 }), 2);
    const first = rows.slice(0, NUM_SAMPLES);
    const second = rows.slice(NUM_SAMPLES);
    expect(second.map((row) => row.sample)).toEqual(first.map((row) => row.sample));
    expect(second.filter((row, index) => row.start !== first[index]!.start).length).toBeGreaterThan(30);
  });

  it('regular windows: window k of each sample is occurrence k of repeat', async () => {
    const rows = await collect(base({ timeline: 'other', seconds: 0.5, sampler: 'regular', strideSeconds: 0.75 }, { repeat: 3 }));
    expect(rows.length).toBe(3 * NUM_SAMPLES);
    rows.forEach((row, position) => {
      const occurrence = Math.floor(position / NUM_SAMPLES);
      expect(row.start).toBeCloseTo(streamOf(row.sample).start + 1 + occurrence * 0.75, 12);
      expect(row.duration).toBe(0.5);
    });
  });

  it('centered windows: centred on one of the anchor spans, moved inside the timeline at its ends', async () => {
    const rows = await collect(base({ timeline: 'stream', seconds: 0.9, sampler: 'centered', anchors: 'stream' }, { order: 'random', seed: 3 }));
    let centred = 0;
    let moved = 0;
    for (const row of rows) {
      const { start, duration, spans } = streamOf(row.sample);
      expect(row.start).toBeGreaterThanOrEqual(start - 1e-12);
      expect(row.start + 0.9).toBeLessThanOrEqual(start + duration + 1e-12);
      if (spans.length === 0) continue;
      const middle = row.start + 0.45;
      const onSpan = spans.some(([from, to]) => Math.abs((from + to) / 2 - middle) < 1e-9);
      if (onSpan) centred++;
      else {
        // Only a span near an end of the stream moves its window: then the window touches that end.
        expect(Math.abs(row.start - start) < 1e-9 || Math.abs(row.start + 0.9 - start - duration) < 1e-9).toBe(true);
        moved++;
      }
    }
    expect(centred).toBeGreaterThan(15);
    expect(moved).toBeGreaterThan(0);
    expect(centred + moved).toBe(rows.filter((row) => streamOf(row.sample).spans.length > 0).length);
  });

  it('names the window output, and rejects bad options with E_ARGUMENT', () => {
    const bad = (window: unknown) => errorOf(() => createLoader(path, base(window as LoaderOptions['window'])));
    expect(bad({ timeline: 'stream', seconds: 1, stride: 2 }).message).toMatch(/strideSeconds/);
    expect(bad({ timeline: 'id', seconds: 1 }).message).toMatch(/field "id" has no time axis.*"stream", "other"/);
    expect(bad({ timeline: 'nope', seconds: 1 }).code).toBe('E_UNKNOWN_FIELD');
    expect(bad({ timeline: 'stream', seconds: 0 }).message).toMatch(/window.seconds/);
    expect(bad({ timeline: 'stream', seconds: 1, strideSeconds: 1 }).message).toMatch(/only with sampler 'regular'/);
    expect(bad({ timeline: 'stream', seconds: 1, sampler: 'centred' }).message).toMatch(/spelled 'centered'/);
    expect(bad({ timeline: 'stream', seconds: 1, sampler: 'centered', anchors: 'id' }).message).toMatch(/no spans/);
    expect(bad({ timeline: 'stream', seconds: 1, output: 'id' }).message).toMatch(/already an output/);
    for (const window of [{ timeline: 'stream', seconds: 1, stride: 2 }, { timeline: 'id', seconds: 1 }, { timeline: 'stream', seconds: 1, output: 'id' }]) {
      expect(bad(window).code).toBe('E_ARGUMENT');
    }
  });

  it('gives the window under another name', async () => {
    const rows = await collect(base({ timeline: 'stream', seconds: 2, output: 'span' }, { pipelines: { other: null } }));
    for (const row of rows) expect(row.seen).toEqual([[row.start, 2]]);
  });

  it('a sample without the timeline stream is E_MISSING_STREAM naming it, on the calling thread and in workers', async () => {
    for (const workers of [0, 1]) {
      const loader = createLoader(withMissing, { batchSize: 3, plugins: [plugin], workers, window: { timeline: 'stream', seconds: 1 } });
      let caught: unknown;
      try {
        for await (const _batch of loader) {
          // the second batch holds sample 4
        }
      } catch (error) {
        caught = error;
      } finally {
        await loader.close();
      }
      expect(caught).toBeInstanceOf(TesseraError);
      expect((caught as TesseraError).code).toBe('E_MISSING_STREAM');
      expect((caught as TesseraError).message).toMatch(/sample 4 has no stream in field "stream"/);
    }
  });
});
