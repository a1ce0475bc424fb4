/**
 * The ffmpeg process backend (TESSERA_VIDEO_BACKEND=ffmpeg; vitest runs each file in its own
 * forked process, so setting the variable here affects this file only): every frame of the H.264,
 * H.265 and VP9 fixtures bit-exact against PyAV at native size, resized clips within a stated
 * tolerance of node-av's swscale, the same stored packets as node-av writes, and corrupt packets as
 * E_VIDEO_FORMAT naming the sample.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Batch, type JsonValue, createLoader, openDataset, writeDataset } from '@tessera/core';
import { type StoredVideo, compressedVideo, videoBackend, videoPlugin } from '@tessera/video';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Reference, fixturePath, references, sha256 } from './fixture-references.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-video-ffmpeg-backend-'));
const previous = process.env.TESSERA_VIDEO_BACKEND;
process.env.TESSERA_VIDEO_BACKEND = 'ffmpeg';
afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
  if (previous === undefined) delete process.env.TESSERA_VIDEO_BACKEND;
  else process.env.TESSERA_VIDEO_BACKEND = previous;
});

/** Runs `body` with another backend forced (the selection is per TESSERA_VIDEO_BACKEND value). */
async function withBackend<T>(name: 'node-av' | 'ffmpeg', body: () => Promise<T>): Promise<T> {
  process.env.TESSERA_VIDEO_BACKEND = name;
  try {
    return await body();
  } finally {
    process.env.TESSERA_VIDEO_BACKEND = 'ffmpeg';
  }
}

const written = (name: string): string => join(directory, `${name}.beton`);
const FILES = ['cfr-gop30.mp4', 'bframes-gop12.mp4', 'bframes-gop250.mp4', 'hevc.mp4', 'odd-size-vp9.webm', 'vfr.mp4', 'offset-start.mp4', 'rotated.mp4', 'with-audio.mp4'];
const all = references().filter((reference) => FILES.includes(reference.file));

beforeAll(async () => {
  for (const reference of all) await writeDataset(written(reference.file), { video: compressedVideo() }, [{ video: fixturePath(reference.file) }], { workers: 0 });
});

async function clipBytes(path: string, decoderOptions: Record<string, JsonValue>, workers = 0): Promise<Uint8Array[]> {
  const loader = createLoader(path, { batchSize: 1, workers, plugins: [videoPlugin()], pipelines: { video: { decoder: 'frames', decoderOptions } } });
  const clips: Uint8Array[] = [];
  try {
    for await (const batch of loader as AsyncIterable<Batch>) {
      const column = batch.video!;
      clips.push(new Uint8Array(column.data.buffer, column.data.byteOffset, column.data.byteLength).slice());
    }
  } finally {
    await loader.close();
  }
  return clips;
}

function frameHashes(clip: Uint8Array, reference: Reference): string[] {
  const frameBytes = reference.stream.width * reference.stream.height * 3;
  return Array.from({ length: clip.length / frameBytes }, (_, k) => sha256(clip.subarray(k * frameBytes, (k + 1) * frameBytes)));
}

describe('the ffmpeg process backend', () => {
  it('is the active backend, named with its ffmpeg version', () => {
    const backend = videoBackend();
    expect(backend.name).toBe('ffmpeg');
    expect(backend.ffmpegVersion.length).toBeGreaterThan(0);
    expect(backend.description).toBe(`ffmpeg ${backend.version} process (${backend.description.match(/\((.+), from /)![1]}, from ${backend.description.match(/, from (.+)\)$/)![1]})`);
  });

  it('covers H.264 (with B-frames), H.265 and VP9', () => {
    expect(new Set(all.map((reference) => reference.stream.codec))).toEqual(new Set(['h264', 'hevc', 'vp9']));
  });

  for (const reference of all) {
    it(`${reference.file}: every frame at native size equals PyAV's bit for bit, in presentation order`, async () => {
      const [clip] = await clipBytes(written(reference.file), { frames: reference.frames.length, sampler: 'uniform' });
      expect(frameHashes(clip!, reference)).toEqual(reference.frames.map((frame) => frame.sha256));
    });
  }

  it('random clips through decode workers are the frames PyAV shows at those times (runs that skip non-reference frames)', async () => {
    for (const file of ['bframes-gop12.mp4', 'hevc.mp4', 'odd-size-vp9.webm']) {
      const reference = all.find((candidate) => candidate.file === file)!;
      const clip = { frames: 6, stride: 4, sampler: 'random', clips: 2 };
      const loader = createLoader(written(file), {
        batchSize: 1,
        seed: 3,
        workers: 1,
        plugins: [videoPlugin()],
        pipelines: { video: { decoder: 'frames', decoderOptions: clip }, 'video.times': { field: 'video', decoder: 'times', decoderOptions: clip } },
      });
      try {
        const first = reference.frames[0]!.time;
        for (let epoch = 0; epoch < 3; epoch++) {
          for await (const batch of loader) {
            const times = Array.from(batch['video.times']!.data as Float64Array);
            const expected = times.map((time) => reference.frames.find((frame) => Math.abs(frame.time - first - time) < 1e-9)!.sha256);
            const column = batch.video!;
            expect(frameHashes(new Uint8Array(column.data.buffer, column.data.byteOffset, column.data.byteLength), reference)).toEqual(expected);
          }
        }
        expect(loader.stats().decoders.video).toMatch(/^ffmpeg .+ process \(/);
      } finally {
        await loader.close();
      }
    }
  });

  /** Mean and largest absolute difference between two byte arrays of one length. */
  function difference(ours: Uint8Array, theirs: Uint8Array): { mean: number; max: number } {
    expect(ours.length).toBe(theirs.length);
    let sum = 0;
    let max = 0;
    for (let index = 0; index < ours.length; index++) {
      const delta = Math.abs(ours[index]! - theirs[index]!);
      sum += delta;
      max = Math.max(max, delta);
    }
    return { mean: sum / ours.length, max };
  }

  it('cropped and resized clips (ffmpeg’s crop and bilinear scale) are within tolerance of node-av’s swscale bilinear', async () => {
    const file = written('bframes-gop12.mp4');
    // Measured here with ffmpeg 5.1 and the 2018 static build against node-av's FFmpeg 8.1: equal
    // bytes whenever the height is scaled (or nothing is); a scaled width over unscaled rows comes
    // out of swscale's other vertical path, mean 2.8, max 104.
    const cases: Array<[Record<string, JsonValue>, number, number]> = [
      [{ size: [32, 48] }, 1, 8],
      [{ size: [128, 192] }, 1, 8],
      [{ crop: 'center', centerRatio: 0.75, size: [40, 56] }, 1, 8],
      [{ crop: 'center', centerRatio: 0.75, size: [96, 48] }, 1, 8],
      [{ crop: 'center', centerRatio: 0.75, size: [48, 96] }, 4, 128],
    ];
    for (const [options, meanBound, maxBound] of cases) {
      const decoderOptions = { frames: 12, sampler: 'uniform', ...options };
      const [ours] = await clipBytes(file, decoderOptions);
      const [theirs] = await withBackend('node-av', () => clipBytes(file, decoderOptions));
      const [height, width] = options.size as number[];
      expect(ours!.length).toBe(12 * height! * width! * 3);
      const { mean, max } = difference(ours!, theirs!);
      expect(mean, JSON.stringify(options)).toBeLessThanOrEqual(meanBound);
      expect(max, JSON.stringify(options)).toBeLessThanOrEqual(maxBound);
    }
  });

  // Measured: mean 3.2 (random windows on odd corners go through RGB, as node-av's do, but by another swscale path).
  it('clips with different random crops in one sample each get their own window', async () => {
    const decoderOptions = { frames: 6, clips: 3, sampler: 'random', crop: 'random-resized', size: [32, 32] };
    const file = written('cfr-gop30.mp4');
    const loader = (backend: 'node-av' | 'ffmpeg') =>
      withBackend(backend, async () => {
        const created = createLoader(file, { batchSize: 1, seed: 11, workers: 0, plugins: [videoPlugin()], pipelines: { video: { decoder: 'frames', decoderOptions } } });
        const clips: Uint8Array[] = [];
        try {
          for await (const batch of created) clips.push(new Uint8Array(batch.video!.data.buffer, batch.video!.data.byteOffset, batch.video!.data.byteLength).slice());
        } finally {
          await created.close();
        }
        return clips[0]!;
      });
    const ours = await loader('ffmpeg');
    const theirs = await loader('node-av');
    expect(ours.length).toBe(3 * 6 * 32 * 32 * 3);
    const clipBytesEach = ours.length / 3;
    for (let clip = 0; clip < 3; clip++) {
      const { mean } = difference(ours.subarray(clip * clipBytesEach, (clip + 1) * clipBytesEach), theirs.subarray(clip * clipBytesEach, (clip + 1) * clipBytesEach));
      expect(mean).toBeLessThanOrEqual(6);
    }
  });

  it('writes the same stream as node-av: packets, pts, dts, durations, key and disposable flags, time base, rotation', async () => {
    for (const reference of all) {
      const viaNodeAv = join(directory, `${reference.file}.node-av.beton`);
      await withBackend('node-av', () => writeDataset(viaNodeAv, { video: compressedVideo() }, [{ video: fixturePath(reference.file) }], { workers: 0 }));
      const read = (path: string): StoredVideo => {
        const dataset = openDataset(path, { plugins: [videoPlugin()] });
        try {
          return dataset.read(0, 'video') as unknown as StoredVideo;
        } finally {
          dataset.close();
        }
      };
      const ours = read(written(reference.file));
      const theirs = read(viaNodeAv);
      expect(ours.packets.length, reference.file).toBe(theirs.packets.length);
      expect(ours.packets.map(({ pts, dts, duration, key, disposable }) => [pts, dts, duration, key, disposable])).toEqual(theirs.packets.map(({ pts, dts, duration, key, disposable }) => [pts, dts, duration, key, disposable]));
      for (let index = 0; index < ours.packets.length; index++) expect(Buffer.from(ours.packets[index]!.data).equals(Buffer.from(theirs.packets[index]!.data)), `${reference.file} packet ${index}`).toBe(true);
      expect([ours.codecId, ours.width, ours.height, ours.timeBase, ours.rotation, ours.frames]).toEqual([theirs.codecId, theirs.width, theirs.height, theirs.timeBase, theirs.rotation, theirs.frames]);
      // node-av reads a file the ffmpeg backend wrote, frame for frame.
      const [clip] = await withBackend('node-av', () => clipBytes(written(reference.file), { frames: reference.frames.length, sampler: 'uniform' }));
      expect(frameHashes(clip!, reference)).toEqual(reference.frames.map((frame) => frame.sha256));
    }
  });

  it('a start/end range keeps the keyframe before start and the frames before end, as with node-av', async () => {
    const target = join(directory, 'range.beton');
    await writeDataset(target, { video: compressedVideo() }, [{ video: { path: fixturePath('cfr-gop30.mp4'), start: 1.5, end: 2.5 } }], { workers: 0 });
    const dataset = openDataset(target, { plugins: [videoPlugin()] });
    const stored = dataset.toJSON(0, 'video') as { frames: number; keyframes: number };
    dataset.close();
    expect(stored.frames).toBe(Math.round((2.5 - 1.2) * 25));
    expect(stored.keyframes).toBe(2);
  });

  it('unreadable inputs are E_VIDEO_INPUT naming the file', async () => {
    const failure = async (video: string) =>
      (await writeDataset(join(directory, 'bad.beton'), { video: compressedVideo() }, [{ video }], { workers: 0 }).then(
        () => undefined,
        (error: unknown) => error,
      )) as { code: string; message: string };
    const missing = await failure(join(directory, 'nope.mp4'));
    expect(missing.code).toBe('E_VIDEO_INPUT');
    expect(missing.message).toContain('nope.mp4');
    const audio = await failure(fixturePath('audio-only.m4a'));
    expect(audio.code).toBe('E_VIDEO_INPUT');
    expect(audio.message).toMatch(/audio-only\.m4a: it has no video stream \(streams: audio\)/);
    const truncated = await failure(fixturePath('truncated.mp4'));
    expect(truncated.code).toBe('E_VIDEO_INPUT');
    expect(truncated.message).toContain('truncated.mp4');
  });
});

describe('corrupt stored packets with the ffmpeg backend', () => {
  /** The dataset file with sample 1's keyframe packet changed by `damage`, read through a loader: the error. */
  async function corruptError(name: string, damage: (packet: Buffer) => void): Promise<{ code: string; message: string } | undefined> {
    const path = join(directory, `${name}.beton`);
    await writeDataset(path, { video: compressedVideo() }, [{ video: fixturePath('vfr.mp4') }, { video: fixturePath('cfr-gop30.mp4') }], { workers: 0 });
    const dataset = openDataset(path, { plugins: [videoPlugin()] });
    const packet = (dataset.read(1, 'video') as unknown as StoredVideo).packets[0]!.data;
    dataset.close();
    const bytes = readFileSync(path);
    const at = bytes.indexOf(Buffer.from(packet));
    expect(at).toBeGreaterThan(0);
    damage(bytes.subarray(at, at + packet.length));
    const corrupt = join(directory, `${name}.corrupt.beton`);
    writeFileSync(corrupt, bytes);
    const loader = createLoader(corrupt, { batchSize: 1, workers: 0, plugins: [videoPlugin()], pipelines: { video: { decoderOptions: { frames: 75, sampler: 'uniform' } } } });
    try {
      for await (const _batch of loader) {
        // sample 0 is intact
      }
      return undefined;
    } catch (error) {
      return error as { code: string; message: string };
    } finally {
      await loader.close();
    }
  }

  it('a NAL length running past its packet is E_VIDEO_FORMAT naming the sample and the packet', async () => {
    const error = await corruptError('nal-length', (packet) => packet.writeUInt32BE(0x7fffffff, 0));
    expect(error?.code).toBe('E_VIDEO_FORMAT');
    expect(error?.message).toMatch(/sample 1: the h264 packet at pts 0 is corrupt \(a NAL unit of 2147483647 bytes at byte 4 of its \d+\)/);
  });

  it('packet bytes ffmpeg cannot decode are E_VIDEO_FORMAT naming the sample, with ffmpeg’s words', async () => {
    // Keep the NAL structure, destroy each NAL unit's contents.
    const error = await corruptError('garbage', (packet) => {
      let at = 0;
      while (at + 4 <= packet.length) {
        const length = packet.readUInt32BE(at);
        packet.fill(0xff, at + 4, Math.min(at + 4 + length, packet.length));
        at += 4 + length;
      }
    });
    expect(error?.code).toBe('E_VIDEO_FORMAT');
    expect(error?.message).toMatch(/sample 1/);
  });
});
