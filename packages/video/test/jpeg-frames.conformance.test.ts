/**
 * The videoFrames field (one JPEG per frame) through @tessera/test-kit's conformance suite, with
 * the plugin imported from the built dist/ (worker threads rebuild it from its origin). Values are
 * fixture videos (frames extracted at write time) and pre-extracted JPEG frames, as bytes and as
 * files; pre-extracted JPEGs must come back byte for byte.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jpegBackend } from '@tessera/image';
import { runFieldConformance } from '@tessera/test-kit';
import { type PreExtractedFrames, type StoredJpegFrames, type VideoFramesInput, videoFrames, videoPlugin } from '@tessera/video';
import { afterAll } from 'vitest';
import { assertNotFlat, fixturePath, references } from './fixture-references.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-video-frames-conformance-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** A 40×24 JPEG whose pixels depend on `seed` (a diagonal gradient, not flat). */
function syntheticJpeg(seed: number, width = 40, height = 24): Uint8Array {
  const pixels = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 3;
      pixels[at] = (x * 6 + seed * 20) & 255;
      pixels[at + 1] = (y * 10) & 255;
      pixels[at + 2] = (255 - x * 6) & 255;
    }
  }
  return jpegBackend().encode!(pixels, width, height, 3, 85);
}

const jpegFiles = [0, 1, 2].map((seed) => {
  const path = join(directory, `frame-${seed}.jpg`);
  writeFileSync(path, syntheticJpeg(seed));
  return path;
});
const preExtractedBytes = { frames: [3, 4, 5, 6].map((seed) => syntheticJpeg(seed)), fps: 12 };
const preExtractedFiles = { frames: jpegFiles, fps: 30000 / 1001 };
const singleFrame = { frames: [syntheticJpeg(9)], fps: 1 };

const byPath = new Map(references().map((reference) => [fixturePath(reference.file), reference]));
const isPreExtracted = (value: VideoFramesInput): value is PreExtractedFrames => typeof value === 'object' && 'frames' in value;
const givenJpegs = (value: { frames: ReadonlyArray<string | Uint8Array> }) => value.frames.map((frame) => (typeof frame === 'string' ? new Uint8Array(readFileSync(frame)) : frame));
const frameCount = (value: VideoFramesInput) => (isPreExtracted(value) ? value.frames.length : byPath.get(typeof value === 'string' ? value : value.path)!.frames.length);

runFieldConformance<VideoFramesInput>({
  name: 'video/frames',
  plugin: () => videoPlugin(),
  field: videoFrames({ quality: 80 }),
  values: [fixturePath('cfr-gop30.mp4'), preExtractedBytes, fixturePath('odd-size-vp9.webm'), preExtractedFiles],
  edgeValues: [singleFrame, fixturePath('bframes-gop12.mp4'), fixturePath('rotated.mp4')],
  invalidValues: [
    42,
    null,
    { file: 'x' },
    fixturePath('no-such-video.mp4'),
    fixturePath('audio-only.m4a'),
    fixturePath('truncated.mp4'),
    { frames: [], fps: 10 },
    { frames: [new Uint8Array([1, 2, 3, 4])], fps: 10 },
    { frames: [syntheticJpeg(1), syntheticJpeg(2, 32, 24)], fps: 10 },
    { frames: [syntheticJpeg(1)], fps: 0 },
    { frames: [join(directory, 'missing.jpg')], fps: 10 },
  ],
  invalidValueCodes: ['E_VIDEO_INPUT'],
  equals(written, read) {
    const stored = read as unknown as StoredJpegFrames;
    if (isPreExtracted(written)) {
      const given = givenJpegs(written);
      if (stored.frames !== given.length || !stored.preExtracted || stored.quality !== 0) throw new Error(`${stored.frames} frames, preExtracted ${stored.preExtracted}, quality ${stored.quality}`);
      given.forEach((jpeg, k) => {
        if (Buffer.compare(Buffer.from(jpeg), Buffer.from(stored.jpegs[k]!)) !== 0) throw new Error(`frame ${k}: the stored JPEG differs from the one given`);
      });
      return stored.width === 40 && stored.height === 24;
    }
    const reference = byPath.get(written as string)!;
    if (stored.width !== reference.stream.width || stored.height !== reference.stream.height) throw new Error(`size ${stored.width}×${stored.height}`);
    if (stored.rotation !== reference.stream.rotation) throw new Error(`rotation ${stored.rotation}`);
    const first = reference.frames[0]!.pts;
    const expected = reference.frames.map((frame) => frame.pts);
    if (JSON.stringify(stored.pts) !== JSON.stringify(expected)) throw new Error(`pts ${stored.pts.slice(0, 3)} vs PyAV's ${expected.slice(0, 3)} (first ${first})`);
    for (const jpeg of stored.jpegs) {
      const header = jpegBackend().readHeader(jpeg);
      if (header?.width !== stored.width || header.height !== stored.height) throw new Error('a stored JPEG has another size');
    }
    return stored.frames === reference.frames.length && stored.quality === 80;
  },
  decoders: {
    info: undefined,
    times: { frames: 6, stride: 2, sampler: 'uniform' },
    'times#random': { frames: 6, stride: 2, sampler: 'random', clips: 2 },
    'frames#resized': { frames: 4, stride: 3, size: [32, 48], crop: 'random-resized', flip: 0.5 },
    'frames#center': { frames: 3, sampler: 'uniform', size: [20, 20], crop: 'center', layout: 'CTHW' },
    'frames#fps': { frames: 5, fps: 9, sampler: 'random', size: [16, 24], clips: 2 },
  },
  checkDecoded(written, slot, _output, { decoder }) {
    const n = frameCount(written);
    if (decoder === 'info') {
      const info = slot.data as Float64Array;
      if (info[0] !== n) throw new Error(`info frames ${info[0]}, expected ${n}`);
      if (isPreExtracted(written) && (info[3] !== 40 || info[4] !== 24 || Math.abs(info[2]! - written.fps) > 1e-9 || Math.abs(info[1]! - n / written.fps) > 1e-9)) throw new Error(`info ${Array.from(info)}`);
      return;
    }
    if (decoder.startsWith('times')) {
      const times = Array.from(slot.data as Float64Array);
      const frameTimes = isPreExtracted(written)
        ? Array.from({ length: n }, (_, k) => k / written.fps)
        : byPath.get(written as string)!.frames.map((frame, _k, frames) => frame.time - frames[0]!.time);
      const indices = times.map((time) => frameTimes.findIndex((frameTime) => Math.abs(frameTime - time) < 1e-9));
      if (indices.some((index) => index < 0)) throw new Error(`times ${times} are not all frame times`);
      for (let k = 1; k < indices.length; k++) {
        if (k % 6 === 0) continue;
        if (indices[k] !== Math.min(indices[k - 1]! + 2, n - 1)) throw new Error(`frames ${indices} are not 2 apart`);
      }
      return;
    }
    assertNotFlat(slot.data as Uint8Array);
  },
});

/**
 * The window clips (issue 12) with the kit's `window` option: every decode gets context.window =
 * [first frame's presentation time + 0.05 s, + 0.5 s); a window clip holds the frames presented in
 * it (t ≤ time + 1 ns < t + d), every stride-th, at most `frames` — none for the single frame at 0.
 */
const WINDOW = { seconds: 0.5, offsetSeconds: 0.05 };
/** Presentation times of the stored frames: PyAV's for videos, k / fps for pre-extracted frames. */
const presentationTimes = (value: VideoFramesInput): number[] =>
  isPreExtracted(value) ? Array.from({ length: value.frames.length }, (_, k) => k / value.fps) : byPath.get(typeof value === 'string' ? value : value.path)!.frames.map((frame) => frame.time);

runFieldConformance<VideoFramesInput>({
  name: 'video/frames, time window',
  plugin: () => videoPlugin(),
  field: videoFrames({ quality: 80 }),
  values: [fixturePath('cfr-gop30.mp4'), preExtractedBytes, fixturePath('odd-size-vp9.webm'), preExtractedFiles],
  edgeValues: [singleFrame, fixturePath('bframes-gop12.mp4'), fixturePath('rotated.mp4')],
  // The JPEGs are compared in the suite above; here the frame count.
  equals: (written, read) => (read as unknown as StoredJpegFrames).frames === frameCount(written),
  decoders: {
    'times#window': { sampler: 'window', frames: 16 },
    'times#window-stride': { sampler: 'window', frames: 2, stride: 3 },
    'frames#window': { sampler: 'window', frames: 6, size: [20, 30] },
  },
  window: WINDOW,
  checkDecoded(written, slot, output, { decoderOptions, window }) {
    if (window === undefined) throw new Error('no context.window with the window option');
    const { frames: most, stride = 1 } = decoderOptions as { frames: number; stride?: number };
    const times = presentationTimes(written);
    const end = window.startSeconds + window.durationSeconds;
    const first = times.findIndex((time) => time + 1e-9 >= window.startSeconds);
    const expected: number[] = [];
    for (let k = first; first >= 0 && k < times.length && expected.length < most && times[k]! + 1e-9 < end; k += stride) expected.push(times[k]!);
    if (slot.lengths[0] !== expected.length) throw new Error(`lengths[0] is ${slot.lengths[0]}, expected ${expected.length} frames at ${expected} in [${window.startSeconds}, ${end})`);
    if (output.dtype === 'float64') {
      const decoded = Array.from(slot.data as Float64Array).slice(0, expected.length);
      if (decoded.some((time, k) => Math.abs(time - expected[k]!) > 1e-9)) throw new Error(`times ${decoded}, expected ${expected}`);
      return;
    }
    if (expected.length === 0) return;
    assertNotFlat((slot.data as Uint8Array).subarray(0, expected.length * 20 * 30 * 3));
  },
});
