/**
 * A video and its optical flow decoded through one loader with `randomFrom: 'video'` get the same
 * clip: start frame, crop window and flip. The video is fixtures/flow-gradient.mp4 (lossless RGB,
 * R = 2x + 2, G = 3y + 2), so its decoded crop reveals the window and the flip; the flow (a 48×32
 * grid, half the video's size) encodes its own grid coordinates and pair index, so the decoded flow
 * reveals its window, flip and start exactly. Without randomFrom the two fields draw differently.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLoader, openDataset, writeDataset } from '@tessera/core';
import { type OpticalFlowValue, type StoredVideo, compressedVideo, opticalFlow, videoPlugin } from '@tessera/video';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath } from './fixture-references.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-video-flow-consistency-'));
const path = join(directory, 'video-and-flow.beton');
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const VIDEO = { width: 96, height: 64, frames: 12 };
const GRID = { width: 48, height: 32 };
const CONSTANT = 8;
const SIZE: [number, number] = [24, 32];
const clip = { frames: 5, sampler: 'random', crop: 'random-resized', flip: 0.5, scale: [0.15, 0.8] };

/** Pair k: even k (u, v) = (x + 100 k, y) in grid pixels; odd k a constant (8, 8). */
function flowValue(frameTimes: number[]): OpticalFlowValue {
  const pairs = VIDEO.frames - 1;
  const flow = new Float32Array(pairs * GRID.width * GRID.height * 2);
  for (let pair = 0; pair < pairs; pair++) {
    for (let y = 0; y < GRID.height; y++) {
      for (let x = 0; x < GRID.width; x++) {
        const at = ((pair * GRID.height + y) * GRID.width + x) * 2;
        flow[at] = pair % 2 === 0 ? x + 100 * pair : CONSTANT;
        flow[at + 1] = pair % 2 === 0 ? y : CONSTANT;
      }
    }
  }
  return { flow, ...GRID, frameTimes, videoWidth: VIDEO.width, videoHeight: VIDEO.height };
}

beforeAll(async () => {
  // The flow's frame times as the video field has them: (pts − first pts) × time base.
  const probe = join(directory, 'probe.beton');
  await writeDataset(probe, { video: compressedVideo() }, [{ video: fixturePath('flow-gradient.mp4') }]);
  const dataset = openDataset(probe, { plugins: [videoPlugin()] });
  const stored = dataset.read(0, 'video') as unknown as StoredVideo;
  dataset.close();
  const pts = stored.packets.map((packet) => packet.pts).sort((a, b) => a - b);
  const frameTimes = pts.map((value) => ((value - pts[0]!) * stored.timeBase[0]) / stored.timeBase[1]);
  expect(frameTimes.length).toBe(VIDEO.frames);
  await writeDataset(path, { video: compressedVideo(), flow: opticalFlow({ scale: 1 / 16 }) }, Array.from({ length: 8 }, () => ({ video: fixturePath('flow-gradient.mp4'), flow: flowValue(frameTimes) })));
});

interface ClipView {
  start: number;
  /** [x, y, width, height] in video pixels. */
  crop: [number, number, number, number];
  flip: boolean;
}

/** Reads start, window and flip from a decoded flow clip [4, H, W, 2]. */
function flowClip(data: Float32Array): ClipView {
  const [height, width] = SIZE;
  const at = (pair: number, y: number, x: number) => ((pair * height + y) * width + x) * 2;
  const constant = (pair: number) => data[at(pair, 0, 0)] === data[at(pair, height - 1, width - 1)] && data[at(pair, 0, 0) + 1] === data[at(pair, height - 1, width - 1) + 1];
  const odd = constant(0) ? 0 : 1;
  const even = 1 - odd;
  const uConstant = data[at(odd, 0, 0)]!;
  const flip = uConstant < 0;
  const sx = Math.abs(uConstant) / CONSTANT; // output pixels per grid pixel
  const sy = data[at(odd, 0, 0) + 1]! / CONSTANT;
  // An interior output point reads the grid at crop + (o + 0.5) / s − 0.5 (flipped: the mirrored column).
  const column = Math.floor(width / 2);
  const row = Math.floor(height / 2);
  const u = data[at(even, row, flip ? width - 1 - column : column)]! * (flip ? -1 : 1);
  const xPlusPair = u / sx - (column + 0.5) / sx + 0.5;
  const pair = Math.floor((xPlusPair + 1e-3) / 100);
  const cropX = xPlusPair - 100 * pair;
  const cropY = data[at(even, row, column) + 1]! / sy - (row + 0.5) / sy + 0.5;
  const scaleX = VIDEO.width / GRID.width;
  const scaleY = VIDEO.height / GRID.height;
  return { start: pair - even, crop: [cropX * scaleX, cropY * scaleY, (width / sx) * scaleX, (height / sy) * scaleY], flip };
}

/** Reads window and flip from the first decoded frame [T, H, W, 3] of the gradient video (least squares on interior points). */
function videoClip(data: Uint8Array): { crop: [number, number, number, number]; flip: boolean } {
  const [height, width] = SIZE;
  const leastSquares = (values: number[], offset: number) => {
    // value(o) ≈ a + b × o over interior o; returns [a, b]
    const points = values.map((value, index) => [index + offset, value] as const);
    const n = points.length;
    const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
    const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
    const slope = points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0) / points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
    return [meanY - slope * meanX, slope] as const;
  };
  const row = Math.floor(height / 2);
  const column = Math.floor(width / 2);
  const reds = Array.from({ length: width - 4 }, (_, index) => data[(row * width + index + 2) * 3]!);
  const greens = Array.from({ length: height - 4 }, (_, index) => data[((index + 2) * width + column) * 3 + 1]!);
  const [redAt0, redSlope] = leastSquares(reds, 2);
  const [greenAt0, greenSlope] = leastSquares(greens, 2);
  const flip = redSlope < 0;
  // R = 2 x + 2 at video column x = cropX + (o + 0.5) × cropWidth / width − 0.5 (o mirrored when flipped).
  const cropWidth = (Math.abs(redSlope) * width) / 2;
  const redAtFirstColumn = flip ? redAt0 + redSlope * (width - 1) : redAt0;
  const cropX = (redAtFirstColumn - 2) / 2 - (0.5 * cropWidth) / width + 0.5;
  const cropHeight = (greenSlope * height) / 3;
  const cropY = (greenAt0 - 2) / 3 - (0.5 * cropHeight) / height + 0.5;
  return { crop: [cropX, cropY, cropWidth, cropHeight], flip };
}

async function clips(randomFrom: string | undefined, epochs: number) {
  const loader = createLoader(path, {
    batchSize: 4,
    order: 'random',
    seed: 11,
    workers: 0,
    plugins: [videoPlugin()],
    pipelines: {
      video: { decoder: 'frames', decoderOptions: { ...clip, size: SIZE } },
      'video.times': { field: 'video', decoder: 'times', decoderOptions: clip },
      flow: { randomFrom, decoder: 'flow', decoderOptions: { ...clip, size: SIZE } },
    },
  });
  const found: Array<{ flow: ClipView; video: ReturnType<typeof videoClip>; start: number }> = [];
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      for await (const batch of loader) {
        const frames = batch.video!.data as Uint8Array;
        const flow = batch.flow!.data as Float32Array;
        const times = batch['video.times']!.data as Float64Array;
        const frameBytes = clip.frames * SIZE[0] * SIZE[1] * 3;
        const flowValues = (clip.frames - 1) * SIZE[0] * SIZE[1] * 2;
        for (let sample = 0; sample < 4; sample++) {
          found.push({
            flow: flowClip(flow.subarray(sample * flowValues, (sample + 1) * flowValues)),
            video: videoClip(frames.subarray(sample * frameBytes, (sample + 1) * frameBytes)),
            start: Math.round(times[sample * clip.frames]! * 25),
          });
        }
      }
    }
  } finally {
    await loader.close();
  }
  return found;
}

describe("randomFrom: 'video' gives the flow the video's clips", () => {
  it('same start, crop window (within 0.75 px of the one the video frames show) and flip, over 3 epochs × 8 samples', async () => {
    const found = await clips('video', 3);
    expect(found.length).toBe(24);
    let flips = 0;
    const crops = new Set<string>();
    for (const { flow, video, start } of found) {
      expect(flow.start).toBe(start);
      expect(flow.flip).toBe(video.flip);
      // The flow's window is exact: whole video pixels.
      for (const value of flow.crop) expect(Math.abs(value - Math.round(value))).toBeLessThan(1e-3);
      for (let index = 0; index < 4; index++) expect(Math.abs(flow.crop[index]! - video.crop[index]!), `${flow.crop} vs ${video.crop}`).toBeLessThan(0.75);
      flips += flow.flip ? 1 : 0;
      crops.add(flow.crop.map(Math.round).join(','));
    }
    // The draws vary: both flips occur and the windows differ.
    expect(flips).toBeGreaterThan(2);
    expect(flips).toBeLessThan(22);
    expect(crops.size).toBeGreaterThan(12);
  });

  it('without randomFrom the flow draws from its own streams: other clips', async () => {
    const found = await clips(undefined, 1);
    const same = found.filter(({ flow, video, start }) => flow.start === start && flow.flip === video.flip && flow.crop.every((value, index) => Math.abs(value - video.crop[index]!) < 0.75));
    expect(same.length).toBeLessThan(found.length / 2);
  });
});
