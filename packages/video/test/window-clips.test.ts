/**
 * The time axis (`timeline`) and window clips (`sampler: 'window'`) of the video fields, on real
 * bytes: the shipped fixtures with PyAV's references (CFR, VFR, a first pts of 1.5 s, B-frames) and
 * a video generated here with ffmpeg lavfi (an offset start in a Matroska 1/1000 time base), whose
 * reference times come from ffprobe.
 *   - timeline: first pts × time base (not shifted to 0) and the end of the last frame, equal to
 *     PyAV's times and stream duration; videoFrames (as stored and resampled) and opticalFlow too;
 *     a last frame stored without a duration ends one average frame later; a corrupt index is
 *     E_VIDEO_FORMAT;
 *   - window decode: exactly the frames whose reference pts is in [t, t + d) — a frame at t is in,
 *     a frame at t + d out — compared by SHA-256 with PyAV's RGB24 frames, their times with PyAV's;
 *     stride and the `frames` cap; windows outside the stream (0 frames, the slot zeroed); CTHW
 *     with a variable T (dimension 1); videoFrames and flow decode the same windows;
 *   - the random draws of a window clip (crop, flip) are those of a clip of the other samplers;
 *   - option errors and a missing window: E_ARGUMENT naming the option.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Dataset, type DecodeContext, type RandomNumbers, type SampleWindow, type StreamSpan, createOutputSlot, openDataset, writeDataset } from '@tessera/core';
import { type OpticalFlowValue, compressedVideo, opticalFlow, videoFrames, videoPlugin } from '@tessera/video';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asRecord, clipOptions } from '../src/clips/clip-options.js';
import { createPlans, planClips } from '../src/clips/clip-sampler.js';
import { type Reference, fixturePath, references, sha256 } from './fixture-references.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-video-window-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const FILES = ['cfr-gop30.mp4', 'vfr.mp4', 'offset-start.mp4', 'bframes-gop12.mp4'];
const byFile = new Map(references().map((reference) => [reference.file, reference]));
const referenceOf = (file: string): Reference => byFile.get(file)!;
const WIDTH = 96;
const HEIGHT = 64;
const FRAME_BYTES = WIDTH * HEIGHT * 3;

const paths = { compressed: join(directory, 'compressed.beton'), frames: join(directory, 'frames.beton'), resampled: join(directory, 'resampled.beton'), flow: join(directory, 'flow.beton') };
const datasets: Record<keyof typeof paths, Dataset> = {} as never;

/** Flow of a 25 fps video whose first frame is at 1.5 s: pair k is the constant (k + 1, −(k + 1)). */
const FLOW = { width: 8, height: 6, pairs: 11, fps: 25, start: 1.5 };
function flowValue(): OpticalFlowValue {
  const flow = new Float32Array(FLOW.pairs * FLOW.width * FLOW.height * 2);
  for (let pair = 0; pair < FLOW.pairs; pair++) {
    for (let point = 0; point < FLOW.width * FLOW.height; point++) {
      flow[(pair * FLOW.width * FLOW.height + point) * 2] = pair + 1;
      flow[(pair * FLOW.width * FLOW.height + point) * 2 + 1] = -(pair + 1);
    }
  }
  return { flow, width: FLOW.width, height: FLOW.height, fps: FLOW.fps, startSeconds: FLOW.start };
}

beforeAll(async () => {
  const videos = FILES.map((file) => ({ video: fixturePath(file) }));
  await writeDataset(paths.compressed, { video: compressedVideo() }, videos);
  await writeDataset(paths.frames, { video: videoFrames() }, videos);
  await writeDataset(paths.resampled, { video: videoFrames({ fps: 10 }) }, [{ video: fixturePath('offset-start.mp4') }]);
  await writeDataset(paths.flow, { flow: opticalFlow() }, [{ flow: flowValue() }]);
  for (const key of Object.keys(paths) as (keyof typeof paths)[]) datasets[key] = openDataset(paths[key], { plugins: [videoPlugin()] });
});
afterAll(() => {
  for (const dataset of Object.values(datasets)) dataset?.close();
});

/** The codec's `timeline` hook, called as the loader calls it. */
function timelineOf(dataset: Dataset, sample: number, field = 'video'): StreamSpan | false {
  const reader = dataset.field(field);
  const codec = dataset.registry.byCodecId(reader.codecId)!.codec;
  const out: StreamSpan = { startSeconds: Number.NaN, durationSeconds: Number.NaN };
  return codec.timeline!(reader, sample, out) ? out : false;
}

/** A scripted random source (an LCG). */
function scripted(seed: number): RandomNumbers & { draws: number } {
  let state = seed >>> 0;
  const source = {
    draws: 0,
    nextUint32: () => {
      source.draws++;
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state;
    },
    nextFloat: () => source.nextUint32() / 2 ** 32,
    nextInt: (bound: number) => Math.floor((source.nextUint32() / 2 ** 32) * bound),
  };
  return source;
}

const contextOf = (sample: number, window: SampleWindow | undefined, seed = 1): DecodeContext => ({ sampleIndex: sample, epoch: 0, random: scripted(seed), ...(window === undefined ? {} : { window }) });

interface Decoded {
  output: { dtype: string; shape: readonly number[]; variableDims?: readonly number[] };
  data: ArrayLike<number>;
  bytes: Uint8Array;
  count: number;
}

function decode(dataset: Dataset, decoder: string, options: Record<string, unknown>, sample: number, window: SampleWindow | undefined, seed = 1, field = 'video'): Decoded {
  const instance = dataset.createDecoder(field, decoder, { sampler: 'window', ...options } as never);
  const slot = createOutputSlot(instance.output);
  slot.bytes.fill(0xab); // a reused slot: the padding must be rewritten
  instance.decode(sample, slot, contextOf(sample, window, seed));
  return { output: instance.output, data: slot.data as ArrayLike<number>, bytes: slot.bytes, count: slot.lengths[0]! };
}

/** SHA-256 of each of the first `count` frames of a THWC clip. */
const hashes = (bytes: Uint8Array, count: number): string[] => Array.from({ length: count }, (_, k) => sha256(bytes.subarray(k * FRAME_BYTES, (k + 1) * FRAME_BYTES)));
const isZero = (bytes: ArrayLike<number>, from: number, to: number): boolean => {
  for (let index = from; index < to; index++) if (bytes[index] !== 0) return false;
  return true;
};
const range = (from: number, to: number, step = 1): number[] => {
  const out: number[] = [];
  for (let k = from; k < to; k += step) out.push(k);
  return out;
};

describe('timeline: the stream on its own presentation axis', () => {
  FILES.forEach((file, sample) => {
    it(`${file}: compressedVideo starts at PyAV's first pts × time base and lasts its stream duration`, () => {
      const reference = referenceOf(file);
      const span = timelineOf(datasets.compressed, sample);
      expect(span).not.toBe(false);
      const { startSeconds, durationSeconds } = span as StreamSpan;
      const [num, den] = reference.stream.timeBase;
      const firstPts = Math.min(...reference.frames.map((frame) => frame.pts));
      expect(startSeconds).toBe((firstPts * num) / den);
      expect(startSeconds).toBe(reference.frames[0]!.time);
      expect(durationSeconds).toBeCloseTo(reference.stream.durationSeconds, 6);
      // The end is after the last frame by one frame interval of the stream's rate here.
      const end = startSeconds + durationSeconds;
      expect(end).toBeGreaterThan(reference.frames.at(-1)!.time);
      // info reports the same first time and duration.
      const info = datasets.compressed.createDecoder('video', 'info');
      const slot = createOutputSlot(info.output);
      info.decode(sample, slot);
      expect(slot.data[6]).toBe(startSeconds);
      expect(slot.data[1]).toBe(durationSeconds);
    });

    it(`${file}: videoFrames (frames as decoded) has the same timeline`, () => {
      const compressed = timelineOf(datasets.compressed, sample) as StreamSpan;
      const frames = timelineOf(datasets.frames, sample) as StreamSpan;
      expect(frames.startSeconds).toBe(compressed.startSeconds);
      expect(frames.durationSeconds).toBeCloseTo(compressed.durationSeconds, 12);
    });
  });

  it('offset-start.mp4 starts at 1.5 s, not 0', () => {
    expect(timelineOf(datasets.compressed, FILES.indexOf('offset-start.mp4'))).toEqual({ startSeconds: 1.5, durationSeconds: 3 });
  });

  it('videoFrames resampled to 10 fps: from the first frame’s source time, one 1/10 s per frame', () => {
    const span = timelineOf(datasets.resampled, 0) as StreamSpan;
    expect(span.startSeconds).toBe(1.5);
    expect(span.durationSeconds).toBeCloseTo(3, 12);
  });

  it('opticalFlow: the start and duration its value stored (fps given: frames / fps)', () => {
    const span = timelineOf(datasets.flow, 0, 'flow') as StreamSpan;
    expect(span.startSeconds).toBe(FLOW.start);
    expect(span.durationSeconds).toBeCloseTo((FLOW.pairs + 1) / FLOW.fps, 12);
  });
});

describe('timeline on patched bytes', () => {
  /** A copy of the compressed dataset with `patch(view, pointer, n)` applied to sample 0's stored stream. */
  function patched(name: string, patch: (file: DataView, pointer: number, frames: number) => void): Dataset {
    const copy = join(directory, `${name}.beton`);
    const bytes = readFileSync(paths.compressed);
    const reader = datasets.compressed.field('video');
    const pointer = reader.readUint64(reader.recordOffset(0));
    const file = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const frames = file.getUint32(pointer + 8, true);
    patch(file, pointer, frames);
    writeFileSync(copy, bytes);
    return openDataset(copy, { plugins: [videoPlugin()] });
  }
  // The stored stream's header is 16 + 4 × 15 codec parameters + 4 bytes (stored-stream.ts); then pts, dts, durations, offsets, order.
  const INDEX = 80;
  const orderAt = (frames: number) => INDEX + 24 * frames + 4 * (frames + 1);

  it('a last frame without a duration: the average frame duration (25 fps) ends it, timeline and info agree', () => {
    const dataset = patched('no-last-duration', (file, pointer, frames) => {
      const last = file.getUint32(pointer + orderAt(frames) + 4 * (frames - 1), true);
      expect(file.getFloat64(pointer + INDEX + 16 * frames + 8 * last, true)).toBe(512);
      file.setFloat64(pointer + INDEX + 16 * frames + 8 * last, 0, true);
    });
    try {
      expect(timelineOf(dataset, 0)).toEqual({ startSeconds: 0, durationSeconds: 3 });
      const info = dataset.createDecoder('video', 'info');
      const slot = createOutputSlot(info.output);
      info.decode(0, slot);
      expect(slot.data[1]).toBe(3);
    } finally {
      dataset.close();
    }
  });

  it('a presentation order naming a packet past the stream: E_VIDEO_FORMAT naming the sample', () => {
    const dataset = patched('bad-order', (file, pointer, frames) => file.setUint32(pointer + orderAt(frames), frames + 7, true));
    try {
      expect(() => timelineOf(dataset, 0)).toThrow(expect.objectContaining({ code: 'E_VIDEO_FORMAT', message: expect.stringMatching(/sample 0: the presentation order names packet 82 of 75/) }));
    } finally {
      dataset.close();
    }
  });
});

describe("sampler 'window': the frames presented in [t, t + d)", () => {
  /** Decodes a window and checks frames (by PyAV hash), times (PyAV's) and padding against the expected presentation indices. */
  function expectWindow(file: string, window: SampleWindow, options: Record<string, unknown>, expected: number[]): void {
    const reference = referenceOf(file);
    const sample = FILES.indexOf(file);
    const frames = (options.frames as number | undefined) ?? 16;
    const pixels = decode(datasets.compressed, 'frames', options, sample, window);
    expect(pixels.output).toEqual({ dtype: 'uint8', shape: [frames, HEIGHT, WIDTH, 3], variableDims: [0] });
    expect(pixels.count).toBe(expected.length);
    expect(hashes(pixels.bytes, pixels.count)).toEqual(expected.map((index) => reference.frames[index]!.sha256));
    expect(isZero(pixels.bytes, expected.length * FRAME_BYTES, pixels.bytes.length)).toBe(true);
    const times = decode(datasets.compressed, 'times', options, sample, window);
    expect(times.output).toEqual({ dtype: 'float64', shape: [frames], variableDims: [0] });
    expect(times.count).toBe(expected.length);
    expect(Array.from(times.data).slice(0, times.count)).toEqual(expected.map((index) => reference.frames[index]!.time));
    expect(isZero(times.data, times.count, frames)).toBe(true);
  }

  const time = (file: string, index: number) => referenceOf(file).frames[index]!.time;

  it('edges: a frame exactly at t is in, a frame exactly at t + d is out (CFR, B-frames)', () => {
    for (const file of ['cfr-gop30.mp4', 'bframes-gop12.mp4']) {
      // [frame 5, frame 12): frames 5 … 11, with t + d computed in floating point.
      const start = time(file, 5);
      expectWindow(file, { startSeconds: start, durationSeconds: time(file, 12) - start }, { frames: 16 }, range(5, 12));
      // Edges between frames: from the next frame on, to the one before the end.
      const middle = (time(file, 30) + time(file, 31)) / 2;
      expectWindow(file, { startSeconds: middle, durationSeconds: (time(file, 35) + time(file, 36)) / 2 - middle }, { frames: 16 }, range(31, 36));
    }
    // 0.04 + 0.2 is 0.24000000000000002 in floating point: the frame at 0.24 s is still out.
    expectWindow('cfr-gop30.mp4', { startSeconds: 0.04, durationSeconds: 0.2 }, { frames: 16 }, range(1, 6));
  });

  it('stride and the frames cap: every stride-th frame from the first in the window, the first `frames` of them', () => {
    const file = 'bframes-gop12.mp4';
    const start = time(file, 7);
    expectWindow(file, { startSeconds: start, durationSeconds: time(file, 40) - start }, { frames: 16, stride: 3 }, range(7, 40, 3));
    expectWindow(file, { startSeconds: start, durationSeconds: time(file, 40) - start }, { frames: 4, stride: 3 }, [7, 10, 13, 16]);
    expectWindow(file, { startSeconds: start, durationSeconds: 10 }, { frames: 8, stride: 20 }, [7, 27, 47, 67, 87]);
  });

  it('VFR: across the change from 25 to 10 fps, by presentation time', () => {
    const file = 'vfr.mp4';
    // [0.7, 1.25): 0.72 0.76 0.8 (25 fps), then 0.9 1.0 1.1 1.2 (10 fps).
    expectWindow(file, { startSeconds: 0.7, durationSeconds: 0.55 }, { frames: 16 }, range(18, 25));
    expectWindow(file, { startSeconds: 1, durationSeconds: 0.5 }, { frames: 16 }, range(22, 27));
  });

  it('offset start: windows on the absolute axis (the first frame is at 1.5 s)', () => {
    const file = 'offset-start.mp4';
    expectWindow(file, { startSeconds: 1.5, durationSeconds: 0.2 }, { frames: 16 }, range(0, 5));
    // Partly before the stream: only the frames from 1.5 s.
    expectWindow(file, { startSeconds: 1, durationSeconds: 0.62 }, { frames: 16 }, range(0, 3));
    // Frame k is at 1.5 + k / 25: [3, 3.16) holds frames 38 (3.02 s) to 41 (3.14 s).
    expectWindow(file, { startSeconds: 3.0, durationSeconds: 0.16 }, { frames: 16 }, range(38, 42));
  });

  it('a window outside the stream holds no frame: lengths 0, the slot all zero (not an error)', () => {
    expectWindow('offset-start.mp4', { startSeconds: 0, durationSeconds: 1.5 }, { frames: 8 }, []);
    expectWindow('offset-start.mp4', { startSeconds: 4.5, durationSeconds: 2 }, { frames: 8 }, []);
    expectWindow('vfr.mp4', { startSeconds: 100, durationSeconds: 1 }, { frames: 8 }, []);
    expectWindow('vfr.mp4', { startSeconds: 0.5, durationSeconds: 0 }, { frames: 8 }, []);
  });

  it('the last frame is in a window that reaches the stream’s end', () => {
    const file = 'cfr-gop30.mp4';
    const span = timelineOf(datasets.compressed, 0) as StreamSpan;
    expectWindow(file, { startSeconds: time(file, 70), durationSeconds: span.startSeconds + span.durationSeconds - time(file, 70) }, { frames: 16 }, range(70, 75));
  });

  it('CTHW: [3, T, H, W] variable in dimension 1; each channel plane padded after its lengths[0] frames', () => {
    const file = 'bframes-gop12.mp4';
    const sample = FILES.indexOf(file);
    const window = { startSeconds: time(file, 3), durationSeconds: time(file, 8) - time(file, 3) };
    const thwc = decode(datasets.compressed, 'frames', { frames: 6 }, sample, window);
    const cthw = decode(datasets.compressed, 'frames', { frames: 6, layout: 'CTHW' }, sample, window);
    expect(cthw.output).toEqual({ dtype: 'uint8', shape: [3, 6, HEIGHT, WIDTH], variableDims: [1] });
    expect(cthw.count).toBe(5);
    const pixels = HEIGHT * WIDTH;
    for (let channel = 0; channel < 3; channel++) {
      for (let k = 0; k < 6; k++) {
        const plane = cthw.bytes.subarray((channel * 6 + k) * pixels, (channel * 6 + k + 1) * pixels);
        if (k >= 5) {
          expect(isZero(plane, 0, pixels)).toBe(true);
          continue;
        }
        for (let pixel = 0; pixel < pixels; pixel += 7) expect(plane[pixel]).toBe(thwc.bytes[k * FRAME_BYTES + pixel * 3 + channel]);
      }
    }
  });

  it('videoFrames: the same frames and times as compressedVideo for the same windows (VFR, offset)', () => {
    for (const [file, window] of [
      ['vfr.mp4', { startSeconds: 0.7, durationSeconds: 0.55 }],
      ['offset-start.mp4', { startSeconds: 1, durationSeconds: 0.62 }],
      ['bframes-gop12.mp4', { startSeconds: 1, durationSeconds: 0.5 }],
    ] as const) {
      const sample = FILES.indexOf(file);
      const compressedTimes = decode(datasets.compressed, 'times', { frames: 20 }, sample, window);
      const framesTimes = decode(datasets.frames, 'times', { frames: 20 }, sample, window);
      expect(framesTimes.count).toBe(compressedTimes.count);
      expect(Array.from(framesTimes.data)).toEqual(Array.from(compressedTimes.data));
      // The pixels are the stored JPEGs of those frames: the 'uniform' decode of every frame, at the same indices.
      const reference = referenceOf(file);
      const all = datasets.frames.createDecoder('video', 'frames', { frames: reference.frames.length, sampler: 'uniform' });
      const allSlot = createOutputSlot(all.output);
      all.decode(sample, allSlot);
      const windowed = decode(datasets.frames, 'frames', { frames: 20 }, sample, window);
      expect(windowed.count).toBe(compressedTimes.count);
      const first = reference.frames.findIndex((frame) => frame.time === compressedTimes.data[0]);
      expect(first).toBeGreaterThanOrEqual(0);
      expect(Buffer.from(windowed.bytes.subarray(0, windowed.count * FRAME_BYTES)).equals(Buffer.from(allSlot.bytes.subarray(first * FRAME_BYTES, (first + windowed.count) * FRAME_BYTES)))).toBe(true);
      expect(isZero(windowed.bytes, windowed.count * FRAME_BYTES, windowed.bytes.length)).toBe(true);
    }
  });

  it('videoFrames resampled (10 fps from 1.5 s): times 1.5 + k / 10 on the source axis', () => {
    const times = decode(datasets.resampled, 'times', { frames: 8 }, 0, { startSeconds: 2, durationSeconds: 0.5 });
    expect(times.count).toBe(5);
    const expected = [2, 2.1, 2.2, 2.3, 2.4];
    for (let k = 0; k < 5; k++) expect(times.data[k]).toBeCloseTo(expected[k]!, 12);
  });

  it('opticalFlow: the window’s frames − 1 pairs (variable), each the flow from its frame', () => {
    // Frames 2 … 5 (1.58 s to 1.70 s) → pairs 2, 3, 4, whose values are 3, 4, 5.
    const window = { startSeconds: FLOW.start + 2 / FLOW.fps, durationSeconds: 4 / FLOW.fps };
    const points = FLOW.width * FLOW.height;
    const thwc = decode(datasets.flow, 'flow', { frames: 8 }, 0, window, 1, 'flow');
    expect(thwc.output).toEqual({ dtype: 'float32', shape: [7, FLOW.height, FLOW.width, 2], variableDims: [0] });
    expect(thwc.count).toBe(3);
    for (let pair = 0; pair < 3; pair++) {
      for (let point = 0; point < points; point++) {
        expect(thwc.data[(pair * points + point) * 2]).toBeCloseTo(pair + 3, 5);
        expect(thwc.data[(pair * points + point) * 2 + 1]).toBeCloseTo(-(pair + 3), 5);
      }
    }
    expect(isZero(thwc.data, 3 * points * 2, 7 * points * 2)).toBe(true);
    const cthw = decode(datasets.flow, 'flow', { frames: 8, layout: 'CTHW' }, 0, window, 1, 'flow');
    expect(cthw.output).toEqual({ dtype: 'float32', shape: [2, 7, FLOW.height, FLOW.width], variableDims: [1] });
    expect(cthw.count).toBe(3);
    for (let component = 0; component < 2; component++) {
      for (let pair = 0; pair < 7; pair++) {
        const value = pair < 3 ? (component === 0 ? pair + 3 : -(pair + 3)) : 0;
        const base = (component * 7 + pair) * points;
        for (let point = 0; point < points; point++) expect(cthw.data[base + point]).toBeCloseTo(value, 5);
      }
    }
    // One frame in the window: no pair. A window after the flow: none.
    expect(decode(datasets.flow, 'flow', { frames: 8 }, 0, { startSeconds: FLOW.start, durationSeconds: 0.02 }, 1, 'flow').count).toBe(0);
    const after = decode(datasets.flow, 'flow', { frames: 8 }, 0, { startSeconds: 10, durationSeconds: 1 }, 1, 'flow');
    expect(after.count).toBe(0);
    expect(isZero(after.data, 0, after.data.length)).toBe(true);
  });
});

describe('window clips draw crops and flips like the other samplers', () => {
  it("planClips: a window clip's crop and flip are those of a 'regular' clip under the same draws, and it draws as many", () => {
    const view = { frames: 75, width: 96, height: 64, frameTime: (k: number) => k / 25, presentationSeconds: (k: number) => 1.5 + k / 25, durationSeconds: () => 3 };
    for (const crop of [{ crop: 'random-resized' }, { crop: 'random', size: [32, 48] }, { crop: 'center', shortSide: 48, size: [32, 32] }] as const) {
      const base = { frames: 4, flip: 0.5, ...crop };
      const windowOptions = clipOptions(asRecord({ ...base, sampler: 'window' }, 'test'), 'test');
      const regularOptions = clipOptions(asRecord({ ...base, sampler: 'regular' }, 'test'), 'test');
      const size = (crop as { size?: readonly [number, number] }).size;
      if (size !== undefined) windowOptions.outputSize = regularOptions.outputSize = [size[0], size[1]];
      const windowPlans = createPlans(windowOptions);
      const regularPlans = createPlans(regularOptions);
      for (let seed = 1; seed <= 10; seed++) {
        const windowRandom = scripted(seed);
        const regularRandom = scripted(seed);
        planClips(view, windowOptions, { sampleIndex: 0, epoch: 0, random: windowRandom, window: { startSeconds: 1.5, durationSeconds: 4 / 25 } }, windowPlans, 'test');
        planClips(view, regularOptions, { sampleIndex: 0, epoch: 0, random: regularRandom }, regularPlans, 'test');
        expect(windowPlans[0]!.count).toBe(4);
        expect(Array.from(windowPlans[0]!.frames)).toEqual(Array.from(regularPlans[0]!.frames));
        expect(windowPlans[0]!.crop).toEqual(regularPlans[0]!.crop);
        expect(windowPlans[0]!.flip).toBe(regularPlans[0]!.flip);
        expect(windowRandom.draws).toBe(regularRandom.draws);
      }
    }
  });

  it("pixels: a window over frames 0 … 3 with a random-resized crop and flip equals the 'regular' clip of 4 frames", () => {
    const options = { frames: 4, crop: 'random-resized', flip: 0.5, size: [24, 32] };
    const sample = FILES.indexOf('cfr-gop30.mp4');
    for (let seed = 1; seed <= 4; seed++) {
      const windowed = decode(datasets.compressed, 'frames', options, sample, { startSeconds: 0, durationSeconds: 0.16 }, seed);
      const regular = decode(datasets.compressed, 'frames', { ...options, sampler: 'regular' }, sample, undefined, seed);
      expect(windowed.count).toBe(4);
      expect(Buffer.from(windowed.bytes).equals(Buffer.from(regular.bytes))).toBe(true);
    }
  });
});

describe('options and a missing window', () => {
  const expectArgumentError = (run: () => unknown, pattern: RegExp) => {
    let error: unknown;
    try {
      run();
    } catch (caught) {
      error = caught;
    }
    expect((error as { code?: string } | undefined)?.code).toBe('E_ARGUMENT');
    expect(String((error as Error).message)).toMatch(pattern);
  };

  it('fps, interval and endPolicy are rejected with sampler window, clips must be 1: E_ARGUMENT naming the option', () => {
    for (const decoder of ['frames', 'times']) {
      for (const [options, name] of [
        [{ fps: 8 }, /fps must be left out with sampler 'window'/],
        [{ interval: 4 }, /interval must be left out with sampler 'window'/],
        [{ endPolicy: 'wrap' }, /endPolicy must be left out with sampler 'window'/],
        [{ clips: 2 }, /clips must be 1 with sampler 'window'/],
      ] as const) {
        expectArgumentError(() => datasets.compressed.createDecoder('video', decoder, { sampler: 'window', ...options } as never), name);
      }
      // clips: 1 is accepted.
      expect(datasets.compressed.createDecoder('video', decoder, { sampler: 'window', clips: 1 }).output.variableDims).toEqual([0]);
    }
    expectArgumentError(() => datasets.flow.createDecoder('flow', 'flow', { sampler: 'window', fps: 8 } as never), /fps must be left out/);
    expectArgumentError(() => datasets.frames.createDecoder('video', 'frames', { sampler: 'window', endPolicy: 'repeat_last' } as never), /endPolicy must be left out/);
  });

  it('no window in the context (or no context at all): E_ARGUMENT naming the loader option window', () => {
    for (const [dataset, field, decoder] of [
      [datasets.compressed, 'video', 'frames'],
      [datasets.compressed, 'video', 'times'],
      [datasets.frames, 'video', 'frames'],
      [datasets.flow, 'flow', 'flow'],
    ] as const) {
      const instance = dataset.createDecoder(field, decoder, { sampler: 'window', frames: 4 });
      const slot = createOutputSlot(instance.output);
      expectArgumentError(() => instance.decode(0, slot, contextOf(0, undefined)), /sampler 'window'.*loader option window/);
      expectArgumentError(() => instance.decode(0, slot), /loader option window/);
    }
  });

  it('a window without a finite start or a duration ≥ 0: E_ARGUMENT', () => {
    const instance = datasets.compressed.createDecoder('video', 'times', { sampler: 'window', frames: 4 });
    const slot = createOutputSlot(instance.output);
    for (const window of [
      { startSeconds: Number.NaN, durationSeconds: 1 },
      { startSeconds: 0, durationSeconds: -1 },
      { startSeconds: 0, durationSeconds: Number.POSITIVE_INFINITY },
    ]) {
      expectArgumentError(() => instance.decode(0, slot, contextOf(0, window)), /finite start/);
    }
  });
});

let hasFfmpeg = true;
try {
  execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' });
  execFileSync('ffprobe', ['-version'], { stdio: 'ignore' });
} catch {
  hasFfmpeg = false;
}

describe.skipIf(!hasFfmpeg)('a generated video (lavfi, Matroska, first frame at 0.25 s, 12 fps)', () => {
  const video = join(directory, 'generated.mkv');
  const dataset = join(directory, 'generated.beton');
  let frameTimes: number[] = [];
  let opened: Dataset;

  beforeAll(async () => {
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=12:duration=2', '-c:v', 'libx264', '-g', '8', '-bf', '2', '-pix_fmt', 'yuv420p', '-output_ts_offset', '0.25', video]);
    // ffprobe's presentation times of the frames (the reference).
    const probed = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=pts,pts_time:stream=time_base', '-of', 'json', video], { encoding: 'utf8' })) as {
      frames: Array<{ pts: number }>;
      streams: Array<{ time_base: string }>;
    };
    const [num, den] = probed.streams[0]!.time_base.split('/').map(Number) as [number, number];
    frameTimes = probed.frames.map((frame) => (frame.pts * num) / den).sort((a, b) => a - b);
    await writeDataset(dataset, { video: compressedVideo() }, [{ video }]);
    opened = openDataset(dataset, { plugins: [videoPlugin()] });
  });
  afterAll(() => opened?.close());

  it('timeline: ffprobe’s first frame time; the end one frame after the last', () => {
    expect(frameTimes.length).toBe(24);
    const span = timelineOf(opened, 0) as StreamSpan;
    expect(span.startSeconds).toBe(frameTimes[0]);
    expect(span.startSeconds).toBeCloseTo(0.25, 3);
    expect(span.startSeconds + span.durationSeconds).toBeCloseTo(frameTimes.at(-1)! + 1 / 12, 3);
  });

  it('window decode: the frames at ffprobe’s times in [t, t + d), every second one', () => {
    const window = { startSeconds: frameTimes[5]!, durationSeconds: frameTimes[15]! - frameTimes[5]! };
    const times = decode(opened, 'times', { frames: 16, stride: 2 }, 0, window);
    expect(times.count).toBe(5);
    expect(Array.from(times.data).slice(0, 5)).toEqual([5, 7, 9, 11, 13].map((index) => frameTimes[index]));
    // The pixels are those of the same frames decoded by the 'uniform' sampler over the whole video.
    const all = opened.createDecoder('video', 'frames', { frames: 24, sampler: 'uniform' });
    const allSlot = createOutputSlot(all.output);
    all.decode(0, allSlot);
    const frames = decode(opened, 'frames', { frames: 16, stride: 2 }, 0, window);
    const frameBytes = 64 * 48 * 3;
    expect(frames.count).toBe(5);
    for (const [k, index] of [5, 7, 9, 11, 13].entries()) {
      expect(sha256(frames.bytes.subarray(k * frameBytes, (k + 1) * frameBytes))).toBe(sha256(allSlot.bytes.subarray(index * frameBytes, (index + 1) * frameBytes)));
    }
    expect(isZero(frames.bytes, 5 * frameBytes, frames.bytes.length)).toBe(true);
  });
});
