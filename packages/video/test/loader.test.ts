/**
 * Video clips through the real loader: random clips with a random-resized crop and flips decoded
 * in worker threads equal the calling thread's under one seed; one crop and one flip per clip
 * (every frame of a flipped clip is the mirror of the unflipped decode); stats name the decoder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BATCH_INFO, createLoader, writeDataset } from '@tessera/core';
import { compressedVideo, videoPlugin } from '@tessera/video';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath } from './fixture-references.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-video-loader-'));
const path = join(directory, 'clips.beton');
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const files = ['cfr-gop30.mp4', 'bframes-gop250.mp4', 'bframes-gop12.mp4', 'vfr.mp4', 'odd-size-vp9.webm', 'offset-start.mp4'];

beforeAll(async () => {
  await writeDataset(path, { video: compressedVideo() }, Array.from({ length: 12 }, (_, index) => ({ video: fixturePath(files[index % files.length]!) })));
});

async function collect(workers: number, decoderOptions: Record<string, unknown>, epochs = 1) {
  // The times decoder takes the clip options (no output size) and draws the same clips.
  const { size: _size, layout: _layout, ...clipOptions } = decoderOptions;
  const loader = createLoader(path, {
    batchSize: 4,
    order: 'random',
    seed: 21,
    workers,
    plugins: [videoPlugin()],
    pipelines: { video: { decoder: 'frames', decoderOptions: decoderOptions as never }, 'video.times': { field: 'video', decoder: 'times', decoderOptions: clipOptions as never } },
  });
  const batches: Array<{ indices: number[]; frames: Uint8Array; times: Float64Array; shape: readonly number[] }> = [];
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      for await (const batch of loader) {
        batches.push({ indices: Array.from(batch[BATCH_INFO].sampleIndices), frames: Uint8Array.from(batch.video!.data as Uint8Array), times: Float64Array.from(batch['video.times']!.data as Float64Array), shape: batch.video!.shape });
      }
    }
    return { batches, stats: loader.stats() };
  } finally {
    await loader.close();
  }
}

describe('video clips through the loader', () => {
  const augmented = { frames: 6, stride: 2, size: [40, 56], crop: 'random-resized', flip: 0.5 };

  it('random clips, crops and flips are identical with workers 0 and 2 under one seed, and differ by epoch', async () => {
    const single = await collect(0, augmented, 2);
    const threaded = await collect(2, augmented, 2);
    expect(threaded.batches).toEqual(single.batches);
    expect(single.batches[0]!.shape).toEqual([4, 6, 40, 56, 3]);
    expect(single.stats.decoders.video).toMatch(/^node-av \S+ \(FFmpeg /);
    expect(threaded.stats.placement.video).toEqual({ thread: 'worker' });
    // Epoch 1 draws other clips than epoch 0 for the same videos.
    const byEpoch = (epoch: number) => single.batches.slice(epoch * 3, epoch * 3 + 3);
    expect(byEpoch(1).map((batch) => Array.from(batch.times))).not.toEqual(byEpoch(0).map((batch) => Array.from(batch.times)));
  });

  it('one flip per clip: a flipped clip is the mirror image of the same clip unflipped, frame by frame', async () => {
    const always = await collect(0, { ...augmented, flip: 1 });
    const never = await collect(0, { ...augmented, flip: 0 });
    // flip draws after the clip and crop, so both runs choose the same clips and windows.
    for (let batch = 0; batch < always.batches.length; batch++) {
      expect(always.batches[batch]!.times).toEqual(never.batches[batch]!.times);
      const flipped = always.batches[batch]!.frames;
      const plain = never.batches[batch]!.frames;
      const width = 56;
      for (let row = 0; row < flipped.length / (width * 3); row++) {
        for (let x = 0; x < width; x++) {
          for (let channel = 0; channel < 3; channel++) {
            const a = flipped[(row * width + x) * 3 + channel];
            const b = plain[(row * width + (width - 1 - x)) * 3 + channel];
            if (a !== b) throw new Error(`row ${row} x ${x}: ${a} vs ${b}`);
          }
        }
      }
    }
  });

  it('uniform clips per video: clips=3 gives three clips spread over the video, first at 0 and last at the end', async () => {
    const { batches } = await collect(0, { frames: 4, stride: 1, sampler: 'uniform', clips: 3, size: [24, 32] });
    expect(batches[0]!.shape).toEqual([4, 3, 4, 24, 32, 3]);
    for (const batch of batches) {
      for (let sample = 0; sample < 4; sample++) {
        const times = batch.times.subarray(sample * 12, sample * 12 + 12);
        expect(times[0]).toBe(0);
        expect(times[4]!).toBeGreaterThan(times[0]!);
        expect(times[8]!).toBeGreaterThan(times[4]!);
      }
    }
  });

  it("several clips per video per epoch as separate samples: repeat 3 with 'uniform' gives the three clips of clips=3", async () => {
    const clipTimes = async (repeat: number, clips: number) => {
      const loader = createLoader(path, { batchSize: 5, order: 'random', seed: 2, repeat, workers: repeat === 1 ? 0 : 2, plugins: [videoPlugin()], pipelines: { video: { decoder: 'times', decoderOptions: { frames: 4, sampler: 'uniform', clips } } } });
      const bySample = new Map<number, number[][]>();
      try {
        for await (const batch of loader) {
          const times = batch.video!.data as Float64Array;
          batch[BATCH_INFO].sampleIndices.forEach((sample, position) => {
            const list = bySample.get(sample) ?? [];
            for (let clip = 0; clip < clips; clip++) list.push(Array.from(times.subarray((position * clips + clip) * 4, (position * clips + clip + 1) * 4)));
            bySample.set(sample, list);
          });
        }
      } finally {
        await loader.close();
      }
      return bySample;
    };
    const together = await clipTimes(1, 3);
    const apart = await clipTimes(3, 1);
    expect(apart.size).toBe(12);
    for (const [sample, clips] of together) {
      const sorted = (list: number[][]) => [...list].sort((a, b) => a[0]! - b[0]!);
      expect(sorted(apart.get(sample)!)).toEqual(sorted(clips));
      expect(new Set(clips.map((clip) => clip[0])).size).toBe(3);
    }
  });

  it("endPolicy 'error' names the sample when a clip is longer than a video", async () => {
    const loader = createLoader(path, { batchSize: 2, plugins: [videoPlugin()], pipelines: { video: { decoderOptions: { frames: 200, size: [16, 16], endPolicy: 'error' } } } });
    const error = await (async () => {
      for await (const _batch of loader) {
        // the first batch already fails
      }
    })().then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    await loader.close();
    expect(error?.message).toMatch(/sample \d+: the clip needs frame \d+, the video has \d+ frames \(endPolicy 'error'/);
  });
});
