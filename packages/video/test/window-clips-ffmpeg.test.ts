/**
 * Window clips through the ffmpeg process backend (TESSERA_VIDEO_BACKEND=ffmpeg, this file only:
 * vitest runs each file in its own process), which decodes on drain — the run of packets a clip
 * needs is computed from its frames, so a window's variable frame count must bound it: the frames
 * whose PyAV pts is in [t, t + d), bit-exact against PyAV, with B-frames, VFR and an offset start.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Dataset, createOutputSlot, openDataset, writeDataset } from '@tessera/core';
import { compressedVideo, videoBackend, videoPlugin } from '@tessera/video';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, references, sha256 } from './fixture-references.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-video-window-ffmpeg-'));
const previous = process.env.TESSERA_VIDEO_BACKEND;
process.env.TESSERA_VIDEO_BACKEND = 'ffmpeg';
const FILES = ['bframes-gop12.mp4', 'vfr.mp4', 'offset-start.mp4'];
const byFile = new Map(references().map((reference) => [reference.file, reference]));
const path = join(directory, 'videos.beton');
let dataset: Dataset;

beforeAll(async () => {
  await writeDataset(path, { video: compressedVideo() }, FILES.map((file) => ({ video: fixturePath(file) })), { workers: 0 });
  dataset = openDataset(path, { plugins: [videoPlugin()] });
});
afterAll(() => {
  dataset?.close();
  rmSync(directory, { recursive: true, force: true });
  if (previous === undefined) delete process.env.TESSERA_VIDEO_BACKEND;
  else process.env.TESSERA_VIDEO_BACKEND = previous;
});

describe("sampler 'window' with the ffmpeg process backend", () => {
  it('decodes exactly the frames presented in the window, bit-exact against PyAV', () => {
    expect(videoBackend().name).toBe('ffmpeg');
    const frameBytes = 96 * 64 * 3;
    for (const [file, first, end, stride] of [
      ['bframes-gop12.mp4', 10, 29, 1],
      ['bframes-gop12.mp4', 3, 60, 4],
      ['vfr.mp4', 17, 26, 1],
      ['offset-start.mp4', 40, 75, 2],
    ] as const) {
      const reference = byFile.get(file)!;
      const sample = FILES.indexOf(file);
      const startSeconds = reference.frames[first]!.time;
      const endSeconds = end < reference.frames.length ? reference.frames[end]!.time : reference.frames.at(-1)!.time + 1;
      const decoder = dataset.createDecoder('video', 'frames', { sampler: 'window', frames: 24, stride });
      const slot = createOutputSlot(decoder.output);
      slot.bytes.fill(0xab);
      decoder.decode(sample, slot, { sampleIndex: sample, epoch: 0, random: { nextFloat: () => 0.5, nextInt: () => 0, nextUint32: () => 0 }, window: { startSeconds, durationSeconds: endSeconds - startSeconds } });
      const expected: number[] = [];
      for (let index = first; index < end && expected.length < 24; index += stride) expected.push(index);
      expect(slot.lengths[0]).toBe(expected.length);
      const hashes = expected.map((_, k) => sha256(slot.bytes.subarray(k * frameBytes, (k + 1) * frameBytes)));
      expect(hashes).toEqual(expected.map((index) => reference.frames[index]!.sha256));
      expect(slot.bytes.subarray(expected.length * frameBytes).every((value) => value === 0)).toBe(true);
    }
  });
});
