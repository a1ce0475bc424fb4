/**
 * videoFrames(): what is stored and what is decoded, on real bytes.
 *   - each stored JPEG is @tessera/image's encoding of PyAV's RGB24 frame (the reference's sha256
 *     ties the pixels to PyAV), byte for byte; frames decoded at native size are exactly
 *     jpegBackend().decode of the stored JPEG, and within a stated tolerance of PyAV's pixels;
 *   - fps resampling stores the frame PyAV shows at each k / fps instant (VFR fixture), repeats
 *     share their bytes; maxSide; ranges; pre-extracted JPEGs stored as given;
 *   - a clip decodes only the JPEGs it shows (decode calls counted, a corrupt unneeded frame is
 *     never touched), a repeated frame once; corrupt and truncated JPEGs, a corrupt index:
 *     E_VIDEO_FORMAT naming the sample, with workers 0 and 2;
 *   - the same pipeline options work on compressedVideo and videoFrames (same shapes and times);
 *     workers 0 and 2 give identical batches;
 *   - stored bytes per second of video against compressedVideo (logged).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { BATCH_INFO, type FieldSpec, createLoader, openDataset, writeDataset } from '@tessera/core';
import { JPEG_DCT_SCALING, JPEG_FAST_DCT, jpegBackend } from '@tessera/image';
import { type StoredJpegFrames, compressedVideo, videoFrames, videoPlugin } from '@tessera/video';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, references, sha256 } from './fixture-references.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-video-frames-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const all = references();
const byFile = new Map(all.map((reference) => [reference.file, reference]));
const slotOf = (length: number, dtype: 'uint8' | 'float64' = 'uint8') => {
  const bytes = new Uint8Array(length * (dtype === 'uint8' ? 1 : 8));
  return { bytes, data: dtype === 'uint8' ? bytes : new Float64Array(bytes.buffer), lengths: new Int32Array(0) };
};
const elements = (shape: readonly number[]) => shape.reduce((product, extent) => product * extent, 1);

/** PyAV's RGB24 frames of a fixture: compressedVideo's decode, checked frame by frame against PyAV's sha256. */
const pyavFrames = new Map<string, Uint8Array[]>();

async function write(name: string, field: FieldSpec, videos: unknown[]): Promise<string> {
  const path = join(directory, `${name}.beton`);
  await writeDataset(path, { video: field }, videos.map((video) => ({ video })));
  return path;
}

function readStored(path: string, sample = 0): StoredJpegFrames {
  const dataset = openDataset(path, { plugins: [videoPlugin()] });
  try {
    return dataset.read(sample, 'video') as unknown as StoredJpegFrames;
  } finally {
    dataset.close();
  }
}

/** Decodes every frame of a sample at native size with the field's "frames" decoder. */
function decodeAll(path: string, sample = 0, extra: Record<string, unknown> = {}): { data: Uint8Array; shape: readonly number[] } {
  const dataset = openDataset(path, { plugins: [videoPlugin()] });
  try {
    const stored = dataset.read(sample, 'video') as unknown as StoredJpegFrames;
    const decoder = dataset.createDecoder('video', 'frames', { frames: stored.frames, sampler: 'uniform', size: [stored.height, stored.width], ...extra } as never);
    const slot = slotOf(elements(decoder.output.shape));
    decoder.decode(sample, slot);
    return { data: slot.bytes, shape: decoder.output.shape };
  } finally {
    dataset.close();
  }
}

const meanAbsDifference = (a: Uint8Array, b: Uint8Array): number => {
  let sum = 0;
  for (let index = 0; index < a.length; index++) sum += Math.abs(a[index]! - b[index]!);
  return sum / a.length;
};
const lumaDifference = (a: Uint8Array, b: Uint8Array): number => {
  let sum = 0;
  for (let index = 0; index < a.length; index += 3) {
    sum += Math.abs(0.299 * (a[index]! - b[index]!) + 0.587 * (a[index + 1]! - b[index + 1]!) + 0.114 * (a[index + 2]! - b[index + 2]!));
  }
  return sum / (a.length / 3);
};

const videoFiles = ['cfr-gop30.mp4', 'vfr.mp4', 'bframes-gop12.mp4', 'odd-size-vp9.webm', 'hevc.mp4', 'offset-start.mp4', 'rotated.mp4', 'with-audio.mp4'].filter((file) => byFile.has(file));

beforeAll(async () => {
  for (const file of videoFiles) {
    const reference = byFile.get(file)!;
    const path = await write(`compressed-${file}`, compressedVideo(), [fixturePath(file)]);
    const dataset = openDataset(path, { plugins: [videoPlugin()] });
    const { width, height } = reference.stream;
    const decoder = dataset.createDecoder('video', 'frames', { frames: reference.frames.length, sampler: 'uniform' });
    const slot = slotOf(elements(decoder.output.shape));
    decoder.decode(0, slot);
    dataset.close();
    const frameBytes = width * height * 3;
    const frames = reference.frames.map((frame, k) => {
      const rgb = slot.bytes.slice(k * frameBytes, (k + 1) * frameBytes);
      if (sha256(rgb) !== frame.sha256) throw new Error(`${file} frame ${k}: compressedVideo's decode is not PyAV's`);
      return rgb;
    });
    pyavFrames.set(file, frames);
  }
});

describe('frames extracted at write time', () => {
  for (const file of videoFiles) {
    it(`${file}: every stored JPEG is the encoding of PyAV's frame; decoded at native size it is jpegBackend().decode of that JPEG, close to PyAV's pixels`, async () => {
      const reference = byFile.get(file)!;
      const { width, height } = reference.stream;
      const path = await write(`frames-${file}`, videoFrames(), [fixturePath(file)]);
      const stored = readStored(path);
      const frames = pyavFrames.get(file)!;
      expect([stored.frames, stored.width, stored.height, stored.rotation, stored.quality, stored.resampled]).toEqual([frames.length, width, height, reference.stream.rotation, 90, false]);
      expect(stored.pts).toEqual(reference.frames.map((frame) => frame.pts));
      expect(stored.firstSeconds).toBeCloseTo(reference.frames[0]!.time, 9);
      const backend = jpegBackend();
      for (let k = 0; k < frames.length; k++) {
        const expected = backend.encode!(frames[k]!, width, height, 3, 90);
        if (Buffer.compare(Buffer.from(expected), Buffer.from(stored.jpegs[k]!)) !== 0) throw new Error(`frame ${k}: the stored JPEG is not the encoding of PyAV's frame`);
      }
      const decoded = decodeAll(path);
      expect(decoded.shape).toEqual([frames.length, height, width, 3]);
      const frameBytes = width * height * 3;
      const direct = new Uint8Array(frameBytes);
      let worstRgb = 0;
      let worstLuma = 0;
      for (let k = 0; k < frames.length; k++) {
        const frame = decoded.data.subarray(k * frameBytes, (k + 1) * frameBytes);
        backend.decode(stored.jpegs[k]!, 3, 0, 0, width, height, direct, width, height, JPEG_FAST_DCT | JPEG_DCT_SCALING);
        if (Buffer.compare(Buffer.from(frame), Buffer.from(direct)) !== 0) throw new Error(`frame ${k}: not jpegBackend().decode of the stored JPEG`);
        worstRgb = Math.max(worstRgb, meanAbsDifference(frame, frames[k]!));
        worstLuma = Math.max(worstLuma, lumaDifference(frame, frames[k]!));
      }
      // Tolerance at quality 90 on these fixtures — 96×64 testsrc2 with per-pixel temporal noise
      // and saturated one-pixel colour detail, the worst case for 4:2:0 JPEG (PIL's own q90 JPEG of
      // frame 0 is 7.7 away): mean absolute difference per RGB value < 10, per luma value < 4.
      expect(worstRgb).toBeLessThan(10);
      expect(worstLuma).toBeLessThan(4);
    });
  }

  it("cfr-gop30.mp4 frames 0 and 7 against PyAV's raw RGB24 bytes: within the tolerance", async () => {
    const path = join(directory, 'frames-cfr-gop30.mp4.beton');
    const decoded = decodeAll(path);
    const frameBytes = 96 * 64 * 3;
    for (const index of [0, 7]) {
      const expected = new Uint8Array(readFileSync(fixturePath(`cfr-gop30.mp4.frame${index}.rgb`)));
      expect(meanAbsDifference(decoded.data.subarray(index * frameBytes, (index + 1) * frameBytes), expected)).toBeLessThan(10);
    }
  });

  it('fps resampling (VFR: 25 fps then 10 fps) stores the frame PyAV shows at each k / fps instant; repeats share their bytes', async () => {
    const reference = byFile.get('vfr.mp4')!;
    const frames = pyavFrames.get('vfr.mp4')!;
    const first = reference.frames[0]!.time;
    const backend = jpegBackend();
    const compressedInfo = slotOf(7, 'float64');
    const compressed = openDataset(join(directory, 'compressed-vfr.mp4.beton'), { plugins: [videoPlugin()] });
    compressed.createDecoder('video', 'info').decode(0, compressedInfo);
    compressed.close();
    const duration = (compressedInfo.data as Float64Array)[1]!;
    for (const fps of [8, 30]) {
      const path = await write(`vfr-${fps}`, videoFrames({ fps }), [fixturePath('vfr.mp4')]);
      const stored = readStored(path);
      expect(stored.frames).toBe(Math.ceil(duration * fps - 1e-9));
      expect([stored.resampled, stored.frameRate, stored.timeBase]).toEqual([true, [fps, 1], [1, fps]]);
      expect(stored.pts).toEqual(Array.from({ length: stored.frames }, (_, k) => k));
      const shown: number[] = [];
      for (let k = 0; k < stored.frames; k++) {
        let expected = 0;
        for (let index = 0; index < reference.frames.length; index++) if (reference.frames[index]!.time - first <= k / fps + 1e-9) expected = index;
        shown.push(expected);
        const jpeg = backend.encode!(frames[expected]!, 96, 64, 3, 90);
        if (Buffer.compare(Buffer.from(jpeg), Buffer.from(stored.jpegs[k]!)) !== 0) throw new Error(`fps ${fps}, instant ${k}: not PyAV's frame ${expected}`);
      }
      // At 30 fps the 25 and 10 fps frames repeat: one copy of their bytes in the file.
      const distinct = new Set(shown).size;
      if (fps === 30) expect(distinct).toBeLessThan(stored.frames);
      const dataset = openDataset(path, { plugins: [videoPlugin()] });
      const payload = (dataset.toJSON(0, 'video') as { byteLength: number }).byteLength;
      const distinctBytes = [...new Set(shown)].reduce((sum, index) => sum + stored.jpegs[shown.indexOf(index)]!.byteLength, 0);
      expect(payload).toBe(Math.ceil((56 + 16 * stored.frames) / 8) * 8 + distinctBytes);
      // The times decoder reports the instants; info the rate.
      const times = dataset.createDecoder('video', 'times', { frames: stored.frames, sampler: 'uniform' });
      const timesSlot = slotOf(stored.frames, 'float64');
      times.decode(0, timesSlot);
      const info = slotOf(7, 'float64');
      dataset.createDecoder('video', 'info').decode(0, info);
      dataset.close();
      for (const [k, time] of Array.from(timesSlot.data as Float64Array).entries()) expect(time).toBeCloseTo(k / fps, 12);
      expect(Array.from(info.data as Float64Array)).toEqual([stored.frames, stored.frames / fps, fps, 96, 64, 0, first]);
    }
  });

  it('a [start, end) range with fps: the instants start + k / fps before end', async () => {
    const reference = byFile.get('vfr.mp4')!;
    const frames = pyavFrames.get('vfr.mp4')!;
    const path = await write('vfr-range', videoFrames({ fps: 8 }), [{ path: fixturePath('vfr.mp4'), start: 0.5, end: 2 }]);
    const stored = readStored(path);
    expect(stored.frames).toBe(12);
    expect(stored.firstSeconds).toBeCloseTo(0.5, 12);
    for (let k = 0; k < 12; k++) {
      let expected = 0;
      for (let index = 0; index < reference.frames.length; index++) if (reference.frames[index]!.time <= 0.5 + k / 8 + 1e-9) expected = index;
      expect(Buffer.from(stored.jpegs[k]!).equals(Buffer.from(jpegBackend().encode!(frames[expected]!, 96, 64, 3, 90)))).toBe(true);
    }
  });

  it('a range without fps keeps the frames presented in [start, end)', async () => {
    const frames = pyavFrames.get('cfr-gop30.mp4')!;
    const path = await write('cfr-range', videoFrames({ quality: 70 }), [{ path: fixturePath('cfr-gop30.mp4'), start: 1.5, end: 2.5 }]);
    const stored = readStored(path);
    // 25 fps: frames 37.5 → 38 … 62 (2.48 s)
    expect(stored.frames).toBe(25);
    expect(stored.firstSeconds).toBeCloseTo(38 / 25, 9);
    expect(Buffer.from(stored.jpegs[0]!).equals(Buffer.from(jpegBackend().encode!(frames[38]!, 96, 64, 3, 70)))).toBe(true);
  });

  it('maxSide resizes the longer side (aspect kept, never enlarged) with swscale before encoding', async () => {
    const path = await write('max-side', videoFrames({ maxSide: 48 }), [fixturePath('cfr-gop30.mp4'), fixturePath('odd-size-vp9.webm')]);
    const first = readStored(path, 0);
    const second = readStored(path, 1);
    expect([first.width, first.height, first.sourceWidth, first.sourceHeight]).toEqual([48, 32, 96, 64]);
    expect([second.width, second.height]).toEqual([48, Math.round((62 * 48) / 90)]);
    for (const jpeg of first.jpegs) expect(jpegBackend().readHeader(jpeg)).toMatchObject({ width: 48, height: 32 });
    // Each JPEG encodes the picture swscale resizes (bilinear) from the decoded frame: what
    // compressedVideo's "frames" decoder gives for size [32, 48] without a crop.
    const compressed = openDataset(join(directory, 'compressed-cfr-gop30.mp4.beton'), { plugins: [videoPlugin()] });
    const decoder = compressed.createDecoder('video', 'frames', { frames: first.frames, sampler: 'uniform', size: [32, 48] });
    const resized = slotOf(elements(decoder.output.shape));
    decoder.decode(0, resized);
    compressed.close();
    const frameBytes = 48 * 32 * 3;
    for (let k = 0; k < first.frames; k++) {
      const expected = jpegBackend().encode!(resized.bytes.subarray(k * frameBytes, (k + 1) * frameBytes), 48, 32, 3, 90);
      if (Buffer.compare(Buffer.from(expected), Buffer.from(first.jpegs[k]!)) !== 0) throw new Error(`frame ${k}: not the JPEG of the resized picture`);
    }
    const unchanged = await write('max-side-large', videoFrames({ maxSide: 500 }), [fixturePath('cfr-gop30.mp4')]);
    expect(readStored(unchanged)).toMatchObject({ width: 96, height: 64 });
  });
});

describe('pre-extracted JPEG frames', () => {
  const jpegs = [0, 1, 2, 3, 4, 5].map((seed) => {
    const pixels = new Uint8Array(64 * 40 * 3);
    for (let index = 0; index < pixels.length; index++) pixels[index] = (index * (seed + 3) + seed * 40) & 255;
    return jpegBackend().encode!(pixels, 64, 40, 3, 80);
  });

  it('files and bytes come back byte for byte from read(); fps and size are recorded', async () => {
    const files = jpegs.slice(0, 3).map((jpeg, index) => {
      const path = join(directory, `given-${index}.jpg`);
      writeFileSync(path, jpeg);
      return path;
    });
    const path = await write('pre-extracted', videoFrames(), [{ frames: files, fps: 15 }, { frames: jpegs, fps: 24000 / 1001 }]);
    const fromFiles = readStored(path, 0);
    const fromBytes = readStored(path, 1);
    expect(fromFiles.jpegs.map((jpeg) => Buffer.from(jpeg))).toEqual(jpegs.slice(0, 3).map((jpeg) => Buffer.from(jpeg)));
    expect(fromBytes.jpegs.map((jpeg) => Buffer.from(jpeg))).toEqual(jpegs.map((jpeg) => Buffer.from(jpeg)));
    expect(fromFiles).toMatchObject({ width: 64, height: 40, frames: 3, frameRate: [15, 1], timeBase: [1, 15], quality: 0, preExtracted: true, resampled: false, codecId: 7 });
    expect(fromBytes.frameRate).toEqual([24000, 1001]);
    expect(fromBytes.durationSeconds).toBeCloseTo((6 * 1001) / 24000, 12);
  });

  it('fps resampling picks given frames without re-encoding them; maxSide re-encodes only frames that are too large', async () => {
    const path = await write('pre-extracted-resampled', videoFrames({ fps: 5, maxSide: 64 }), [{ frames: jpegs, fps: 10 }]);
    const stored = readStored(path);
    expect(stored.jpegs.map((jpeg) => Buffer.from(jpeg))).toEqual([0, 2, 4].map((index) => Buffer.from(jpegs[index]!)));
    const resized = readStored(await write('pre-extracted-resized', videoFrames({ maxSide: 32, quality: 95 }), [{ frames: jpegs.slice(0, 2), fps: 10 }]));
    expect(resized).toMatchObject({ width: 32, height: 20, sourceWidth: 64, sourceHeight: 40, quality: 95 });
    expect(jpegBackend().readHeader(resized.jpegs[1]!)).toMatchObject({ width: 32, height: 20 });
  });
});

describe('clip reads', () => {
  let path: string;
  beforeAll(async () => {
    path = await write('clips', videoFrames(), [fixturePath('cfr-gop30.mp4'), fixturePath('cfr-gop30.mp4')]);
  });

  /** Counts the JPEG decodes of one call (the backend object is @tessera/image's, shared with the plugin). */
  function countDecodes<T>(run: () => T): { result: T; jpegs: Uint8Array[] } {
    const backend = jpegBackend();
    const original = backend.decode;
    const jpegs: Uint8Array[] = [];
    (backend as { decode: typeof original }).decode = (jpeg, ...rest) => {
      jpegs.push(jpeg.slice());
      original.call(backend, jpeg, ...rest);
    };
    try {
      return { result: run(), jpegs };
    } finally {
      (backend as { decode: typeof original }).decode = original;
    }
  }

  it('decode only the JPEGs of the clip’s frames, a repeated frame (repeat_last) once, in both layouts', () => {
    const stored = readStored(path);
    const dataset = openDataset(path, { plugins: [videoPlugin()] });
    try {
      for (const layout of ['THWC', 'CTHW']) {
        // Frames 0, 20, 40, 60, then 74 (the last) five times.
        const decoder = dataset.createDecoder('video', 'frames', { frames: 9, stride: 20, sampler: 'uniform', layout } as never);
        const slot = slotOf(elements(decoder.output.shape));
        const { jpegs } = countDecodes(() => decoder.decode(0, slot));
        expect(jpegs.map((jpeg) => sha256(jpeg))).toEqual([0, 20, 40, 60, 74].map((index) => sha256(stored.jpegs[index]!)));
        const frameBytes = 96 * 64 * 3;
        const frame = (k: number) =>
          layout === 'THWC'
            ? Buffer.from(slot.bytes.subarray(k * frameBytes, (k + 1) * frameBytes))
            : Buffer.concat([0, 1, 2].map((channel) => Buffer.from(slot.bytes.subarray((channel * 9 + k) * 96 * 64, (channel * 9 + k + 1) * 96 * 64))));
        for (let k = 5; k < 9; k++) expect(frame(k).equals(frame(4))).toBe(true);
      }
      // A random-resized crop with a flip decodes the same four JPEGs (one crop per clip).
      const cropped = dataset.createDecoder('video', 'frames', { frames: 4, stride: 3, size: [24, 24], crop: 'random-resized', flip: 1 } as never);
      const { jpegs } = countDecodes(() => cropped.decode(1, slotOf(elements(cropped.output.shape))));
      expect(jpegs).toHaveLength(4);
    } finally {
      dataset.close();
    }
  });

  /** A copy of the dataset with sample 1's frame `frame` JPEG changed by `damage`. */
  function damaged(name: string, frame: number, damage: (bytes: Buffer, jpegAt: number, lengthAt: number) => void): string {
    const dataset = openDataset(path, { plugins: [videoPlugin()] });
    const field = dataset.field('video');
    const pointer = field.readUint64(field.recordOffset(1));
    dataset.close();
    const bytes = readFileSync(path);
    const n = 75;
    const offsetAt = pointer + 56 + 8 * n + 4 * frame;
    const lengthAt = pointer + 56 + 12 * n + 4 * frame;
    const table = Math.ceil((56 + 16 * n) / 8) * 8;
    damage(bytes, pointer + table + bytes.readUInt32LE(offsetAt), lengthAt);
    const target = join(directory, `${name}.beton`);
    writeFileSync(target, bytes);
    return target;
  }

  async function loaderError(target: string, workers: number, decoderOptions: Record<string, unknown>): Promise<{ code: string; message: string } | undefined> {
    const loader = createLoader(target, { batchSize: 1, workers, plugins: [videoPlugin()], pipelines: { video: { decoderOptions: decoderOptions as never } } });
    try {
      for await (const _batch of loader) {
        // sample 0 is intact
      }
      return undefined;
    } catch (caught) {
      return caught as { code: string; message: string };
    } finally {
      await loader.close();
    }
  }

  it('a corrupt JPEG the clip does not show is never read; one it shows is E_VIDEO_FORMAT naming the sample (workers 0 and 2)', async () => {
    // Frame 1's SOI marker and header overwritten.
    const corrupt = damaged('corrupt-jpeg', 1, (bytes, at) => bytes.fill(0x5a, at, at + 64));
    const clip = { frames: 4, stride: 2, sampler: 'regular' }; // frames 0, 2, 4, 6
    const intact = decodeAll(path, 1, clip);
    expect(Buffer.from(decodeAll(corrupt, 1, clip).data).equals(Buffer.from(intact.data))).toBe(true);
    for (const workers of [0, 2]) {
      const error = await loaderError(corrupt, workers, { frames: 4, stride: 1, sampler: 'regular' });
      expect(error?.code).toBe('E_VIDEO_FORMAT');
      expect(error?.message).toMatch(/sample 1: the JPEG of frame 1 does not decode/);
    }
  });

  it('a truncated JPEG (its stored length halved) is E_VIDEO_FORMAT naming the sample and frame', async () => {
    const truncated = damaged('truncated-jpeg', 2, (bytes, _at, lengthAt) => bytes.writeUInt32LE(bytes.readUInt32LE(lengthAt) >> 1, lengthAt));
    for (const workers of [0, 2]) {
      const error = await loaderError(truncated, workers, { frames: 3, sampler: 'regular' });
      expect(error?.code).toBe('E_VIDEO_FORMAT');
      expect(error?.message).toMatch(/sample 1: the JPEG of frame 2 does not decode/);
    }
  });

  it('an index entry pointing past the payload is E_VIDEO_FORMAT naming the sample when it is loaded', async () => {
    const outside = damaged('bad-offset', 10, (bytes, _at, lengthAt) => bytes.writeUInt32LE(0xfffffff0, lengthAt));
    for (const workers of [0, 2]) {
      const error = await loaderError(outside, workers, { frames: 2, sampler: 'regular' });
      expect(error?.code).toBe('E_VIDEO_FORMAT');
      expect(error?.message).toMatch(/sample 1: frame 10's JPEG \(4294967280 bytes at \d+\) lies outside/);
    }
  });
});

describe('through the loader', () => {
  const files = ['cfr-gop30.mp4', 'bframes-gop12.mp4', 'vfr.mp4', 'odd-size-vp9.webm'];
  let framesPath: string;
  let compressedPath: string;
  beforeAll(async () => {
    const videos = Array.from({ length: 8 }, (_, index) => fixturePath(files[index % files.length]!));
    framesPath = await write('loader-frames', videoFrames(), videos);
    compressedPath = await write('loader-compressed', compressedVideo(), videos);
  });

  async function collect(path: string, workers: number, decoderOptions: Record<string, unknown>) {
    const { size: _size, layout: _layout, ...clip } = decoderOptions;
    const loader = createLoader(path, {
      batchSize: 4,
      order: 'random',
      seed: 5,
      workers,
      plugins: [videoPlugin()],
      pipelines: { video: { decoder: 'frames', decoderOptions: decoderOptions as never }, 'video.times': { field: 'video', decoder: 'times', decoderOptions: clip as never } },
    });
    const batches: Array<{ indices: number[]; frames: Uint8Array; times: number[]; shape: readonly number[] }> = [];
    try {
      for (let epoch = 0; epoch < 2; epoch++) {
        for await (const batch of loader) batches.push({ indices: Array.from(batch[BATCH_INFO].sampleIndices), frames: Uint8Array.from(batch.video!.data as Uint8Array), times: Array.from(batch['video.times']!.data as Float64Array), shape: batch.video!.shape });
      }
      return { batches, stats: loader.stats() };
    } finally {
      await loader.close();
    }
  }

  it('random clips, crops and flips: workers 0 and 2 give identical batches; the decoder is the JPEG backend', async () => {
    const options = { frames: 5, stride: 2, size: [32, 40], crop: 'random-resized', flip: 0.5 };
    const single = await collect(framesPath, 0, options);
    const threaded = await collect(framesPath, 2, options);
    expect(threaded.batches).toEqual(single.batches);
    expect(single.batches[0]!.shape).toEqual([4, 5, 32, 40, 3]);
    expect(single.stats.decoders.video).toBe(jpegBackend().description);
    expect(threaded.stats.placement.video).toEqual({ thread: 'worker' });
  });

  it('the same pipeline on compressedVideo and videoFrames: same shapes, same clips (times), close pixels', async () => {
    const options = { frames: 6, fps: 10, sampler: 'random', clips: 2, size: [64, 96], layout: 'CTHW' };
    const frames = await collect(framesPath, 0, options);
    const compressed = await collect(compressedPath, 0, options);
    expect(frames.batches.map((batch) => [batch.indices, batch.times, batch.shape])).toEqual(compressed.batches.map((batch) => [batch.indices, batch.times, batch.shape]));
    for (let index = 0; index < frames.batches.length; index++) expect(meanAbsDifference(frames.batches[index]!.frames, compressed.batches[index]!.frames)).toBeLessThan(10);
  });
});

describe('storage', () => {
  const hasFfmpeg = (() => {
    try {
      execFileSync('ffmpeg', ['-hide_banner', '-version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!hasFfmpeg)('stored bytes per second of video: a 10-s 320×240 testsrc2 (generated), frames at q90 and q75 vs compressed', async () => {
    const video = join(directory, 'testsrc2-320x240-10s.mp4');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25:duration=10', '-c:v', 'libx264', '-preset', 'medium', '-threads', '1', '-pix_fmt', 'yuv420p', video]);
    const sizes: Record<string, number> = {};
    for (const [name, field] of [
      ['compressed', compressedVideo()],
      ['frames q90', videoFrames()],
      ['frames q75', videoFrames({ quality: 75 })],
      ['frames q90 maxSide 160', videoFrames({ maxSide: 160 })],
    ] as const) {
      const path = await write(`storage-${name.replace(/ /g, '-')}`, field, [video]);
      const dataset = openDataset(path, { plugins: [videoPlugin()] });
      const stored = dataset.toJSON(0, 'video') as { byteLength: number; durationSeconds: number; frames: number };
      dataset.close();
      expect(stored.frames).toBe(250);
      expect(stored.durationSeconds).toBeCloseTo(10, 9);
      sizes[name] = stored.byteLength / stored.durationSeconds;
    }
    console.log(`stored bytes per second of video (320×240 testsrc2, 25 fps, source mp4 ${statSync(video).size} bytes): ${Object.entries(sizes).map(([name, perSecond]) => `${name} ${Math.round(perSecond)} B/s (×${(perSecond / sizes.compressed!).toFixed(1)})`).join(', ')}`);
    expect(sizes['frames q90']!).toBeGreaterThan(sizes['frames q75']!);
    expect(sizes['frames q75']!).toBeGreaterThan(sizes['frames q90 maxSide 160']!);
  });
});

describe('without a JPEG encoder (@tessera/image forced to its wasm backend, in a worker thread)', () => {
  it('extracting frames is E_VIDEO_BACKEND saying what to do; pre-extracted JPEGs still write and decode', async () => {
    const packageRoot = fileURLToPath(new URL('..', import.meta.url));
    const jpeg = jpegBackend().encode!(new Uint8Array(32 * 16 * 3).fill(128), 32, 16, 3, 90);
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      (async () => {
        const core = await import(workerData.core);
        const video = await import(workerData.video);
        const image = await import(workerData.image);
        const result = { backend: image.jpegBackend().name };
        try {
          await core.writeDataset(workerData.target + '-video.beton', { video: video.videoFrames() }, [{ video: workerData.input }]);
        } catch (error) {
          result.code = error.code;
          result.message = error.message;
        }
        const target = workerData.target + '-given.beton';
        await core.writeDataset(target, { video: video.videoFrames() }, [{ video: { frames: [workerData.jpeg, workerData.jpeg], fps: 5 } }]);
        const dataset = core.openDataset(target, { plugins: [video.videoPlugin()] });
        const decoder = dataset.createDecoder('video', 'frames', { frames: 2, sampler: 'regular' });
        const bytes = new Uint8Array(2 * 16 * 32 * 3);
        decoder.decode(0, { bytes, data: bytes, lengths: new Int32Array(0) });
        result.description = decoder.description;
        result.mean = bytes.reduce((sum, value) => sum + value, 0) / bytes.length;
        dataset.close();
        parentPort.postMessage(result);
      })().catch((error) => parentPort.postMessage({ failed: String(error && error.stack || error) }));
    `;
    const worker = new Worker(code, {
      eval: true,
      env: { ...process.env, TESSERA_IMAGE_JPEG_BACKEND: 'wasm' },
      workerData: {
        core: pathToFileURL(join(packageRoot, 'node_modules/@tessera/core/dist/index.js')).href,
        image: pathToFileURL(join(packageRoot, 'node_modules/@tessera/image/dist/index.js')).href,
        video: pathToFileURL(join(packageRoot, 'dist/index.js')).href,
        input: fixturePath('cfr-gop30.mp4'),
        target: join(directory, 'wasm'),
        jpeg,
      },
    });
    const result = await new Promise<Record<string, unknown>>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(result.failed).toBeUndefined();
    expect(result.backend).toBe('wasm');
    expect(result.code).toBe('E_VIDEO_BACKEND');
    expect(result.message).toMatch(/cannot encode\. Fix: build @tessera\/image's native libjpeg-turbo addon .* or store pre-extracted JPEG frames/);
    expect(result.description).toMatch(/WebAssembly/);
    expect(Math.abs((result.mean as number) - 128)).toBeLessThan(2);
  });
});

describe('arguments', () => {
  it('bad options are E_ARGUMENT naming the option', async () => {
    for (const [options, pattern] of [
      [{ quality: 0 }, /quality must be an integer from 1 to 100/],
      [{ maxSide: 1.5 }, /maxSide must be an integer/],
      [{ fps: -1 }, /fps must be a number/],
    ] as const) {
      const error = await writeDataset(join(directory, 'bad.beton'), { video: videoFrames(options as never) }, [{ video: fixturePath('cfr-gop30.mp4') }]).then(
        () => undefined,
        (caught: unknown) => caught as { code: string; message: string },
      );
      expect(error?.code).toMatch(/^E_(ARGUMENT|FIELD_ARGUMENTS)$/);
      expect(error?.message).toMatch(pattern);
    }
  });
});
