/**
 * Short-side resize + center crop, random crop, and normalizeClip, on the 96×64 CFR fixture whose
 * frame 0 ships as raw RGB (PyAV's decode).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TesseraError, createLoader, openDataset, writeDataset } from '@tessera/core';
import { compressedVideo, normalizeClip, videoPlugin } from '@tessera/video';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath } from './fixture-references.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-video-spatial-'));
const path = join(directory, 'spatial.beton');
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const WIDTH = 96;
const HEIGHT = 64;
const frame0 = new Uint8Array(readFileSync(fixturePath('cfr-gop30.mp4.frame0.rgb')));

beforeAll(async () => {
  await writeDataset(path, { video: compressedVideo() }, Array.from({ length: 12 }, () => ({ video: fixturePath('cfr-gop30.mp4') })));
});

/** Frame 0 of every sample (one-frame clips from the start), decoded with `options`. */
async function firstFrames(options: Record<string, unknown>, workers = 0, operations: unknown[] = []) {
  const loader = createLoader(path, { batchSize: 4, order: 'random', seed: 8, workers, plugins: [videoPlugin()], pipelines: { video: { decoderOptions: { frames: 1, sampler: 'regular', ...options } as never, operations: operations as never } } });
  const frames: Array<Uint8Array | Float32Array> = [];
  try {
    for await (const batch of loader) {
      const data = batch.video!.data as Uint8Array | Float32Array;
      const per = data.length / batch.video!.shape[0]!;
      for (let sample = 0; sample < batch.video!.shape[0]!; sample++) frames.push(data.slice(sample * per, (sample + 1) * per));
    }
  } finally {
    await loader.close();
  }
  return frames;
}

/** Mean absolute difference between `frame` (h × w RGB) and the window of frame 0 at (x, y). */
function windowDifference(frame: Uint8Array, x: number, y: number, width: number, height: number): number {
  let sum = 0;
  for (let row = 0; row < height; row++) {
    for (let column = 0; column < width * 3; column++) sum += Math.abs(frame[row * width * 3 + column]! - frame0[((y + row) * WIDTH + x) * 3 + column]!);
  }
  return sum / (width * height * 3);
}

describe('spatial operations, one set of parameters per clip', () => {
  it("crop 'center' with shortSide: Resize(shortSide) + CenterCrop(size); at scale 1 the window's pixels exactly", async () => {
    // Short side 64 → scale 1: the 80×48 window at (8, 8), no resize.
    const [exact] = await firstFrames({ crop: 'center', shortSide: 64, size: [48, 80] });
    expect(windowDifference(exact as Uint8Array, 8, 8, 80, 48)).toBe(0);
    // Short side 32 → the frame seen at half size: a 40×24 output covers the 80×48 center window.
    const [half] = await firstFrames({ crop: 'center', shortSide: 32, size: [24, 40] });
    // Against frame 0 box-averaged 2 × 2 over a window at (x, y): the center window (8, 8) is the
    // closest one (swscale's bilinear downscale is not a box filter: close, not equal).
    const difference = (x: number, y: number) => {
      let sum = 0;
      for (let row = 0; row < 24; row++) {
        for (let column = 0; column < 40; column++) {
          for (let channel = 0; channel < 3; channel++) {
            let box = 0;
            for (const [dy, dx] of [[0, 0], [0, 1], [1, 0], [1, 1]] as const) box += frame0[((y + 2 * row + dy) * WIDTH + x + 2 * column + dx) * 3 + channel]!;
            sum += Math.abs(box / 4 - (half as Uint8Array)[(row * 40 + column) * 3 + channel]!);
          }
        }
      }
      return sum / (24 * 40 * 3);
    };
    const centered = difference(8, 8);
    for (const [x, y] of [[6, 8], [10, 8], [8, 6], [8, 10], [4, 4], [12, 12]] as const) expect(difference(x, y)).toBeGreaterThan(centered);
    expect(centered).toBeLessThan(16);
  });

  it("crop 'random' takes a window of the output size at a random place per clip, the same with workers 0 and 2", async () => {
    const options = { crop: 'random', size: [32, 48] };
    const single = await firstFrames(options);
    expect(await firstFrames(options, 2)).toEqual(single);
    const places = new Set<string>();
    for (const frame of single) {
      let best = { difference: Number.POSITIVE_INFINITY, place: '' };
      for (let y = 0; y <= HEIGHT - 32; y++) {
        for (let x = 0; x <= WIDTH - 48; x++) {
          const difference = windowDifference(frame as Uint8Array, x, y, 48, 32);
          if (difference < best.difference) best = { difference, place: `${x},${y}` };
        }
      }
      // Odd offsets of 4:2:0 video shift the chroma by half a sample: close, not always exact.
      expect(best.difference).toBeLessThan(1.5);
      places.add(best.place);
    }
    expect(places.size).toBeGreaterThan(4);
  });

  it('normalizeClip: (pixel − mean) / std per channel to float32, THWC and CTHW, in workers too', async () => {
    const mean = [120, 110, 100];
    const std = [60, 50, 40];
    const options = { size: [16, 24] };
    const raw = (await firstFrames(options)) as Uint8Array[];
    const thwc = (await firstFrames(options, 2, [normalizeClip({ mean, std })])) as Float32Array[];
    const cthw = (await firstFrames({ ...options, layout: 'CTHW' }, 0, [normalizeClip({ mean, std, layout: 'CTHW' })])) as Float32Array[];
    const pixels = 16 * 24;
    for (let sample = 0; sample < raw.length; sample++) {
      for (let pixel = 0; pixel < pixels; pixel++) {
        for (let channel = 0; channel < 3; channel++) {
          const expected = Math.fround((raw[sample]![pixel * 3 + channel]! - mean[channel]!) * Math.fround(1 / std[channel]!));
          expect(thwc[sample]![pixel * 3 + channel]).toBeCloseTo(expected, 5);
          expect(cthw[sample]![channel * pixels + pixel]).toBeCloseTo(expected, 5);
        }
      }
    }
    const dataset = openDataset(path, { plugins: [videoPlugin()] });
    try {
      expect(() => normalizeClip({ mean: [1, 2], std: [1] }).setup({ dtype: 'uint8', shape: [1, 16, 24, 3] })).toThrow(/mean has 2 values/);
      expect(() => normalizeClip({ mean: [1], std: [0] })).toThrow(TesseraError);
      expect(() => normalizeClip({ mean: [1], std: [1] }).setup({ dtype: 'float32', shape: [1, 16, 24, 3] })).toThrow(/needs uint8 THWC clips/);
      expect(() => createLoader(dataset, { batchSize: 2, plugins: [videoPlugin()], pipelines: { video: { decoderOptions: { shortSide: 32, size: [8, 8] } } } })).toThrow(/shortSide must be given with crop 'center' or 'random'/);
    } finally {
      dataset.close();
    }
  });
});
