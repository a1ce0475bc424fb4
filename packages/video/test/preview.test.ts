/**
 * What `tessera view` shows of video fields: compressedVideo's stored packets remuxed into a
 * playable MP4 / WebM (read back by ffmpeg: same codec, frames, packet bytes and frame times) with
 * the first frame as its BMP poster (decoded, fitting maxSide); videoFrames' stored JPEG; and
 * { seconds, frames, width, height, fps } from the metadata — on a video made here with lavfi and
 * on the fixtures.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FieldPreview, openDataset, writeDataset } from '@tessera/core';
import { resolveFfmpeg } from '@tessera/ffmpeg';
import { type StoredJpegFrames, type StoredVideo, compressedVideo, videoFrames, videoPlugin } from '@tessera/video';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ffmpeg = (() => {
  try {
    return resolveFfmpeg().path;
  } catch {
    return undefined;
  }
})();
const directory = mkdtempSync(join(tmpdir(), 'tessera-video-preview-'));
const video = join(directory, 'testsrc.mp4');
const path = join(directory, 'preview.beton');
const [WIDTH, HEIGHT, FRAMES, FPS] = [64, 48, 10, 10];
/** Mean absolute difference allowed between our first frame and ffmpeg's (both swscale from the same yuv420p; rounding differs). */
const PIXEL_TOLERANCE = 3;

beforeAll(async () => {
  if (ffmpeg === undefined) return;
  execFileSync(ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${WIDTH}x${HEIGHT}:rate=${FPS}:duration=${FRAMES / FPS}`, '-c:v', 'libx264', '-g', '4', '-pix_fmt', 'yuv420p', video]);
  await writeDataset(path, { clip: compressedVideo(), frames: videoFrames() }, [{ clip: video, frames: video }], { plugins: [videoPlugin()], workers: 0 });
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe.skipIf(ffmpeg === undefined)('video previews and statistics', () => {
  it('compressedVideo: the poster is the first frame as a BMP, equal to ffmpeg’s first frame within rounding', async () => {
    const dataset = openDataset(path, { plugins: [videoPlugin()] });
    try {
      const preview = (await dataset.preview('clip', 0)) as Extract<FieldPreview, { kind: 'video' }>;
      expect(preview).toMatchObject({ kind: 'video', mimeType: 'video/mp4', width: WIDTH, height: HEIGHT, framesPerSecond: FPS, poster: { mimeType: 'image/bmp' } });
      expect(preview.durationSeconds).toBeCloseTo(FRAMES / FPS, 6);
      const bmp = preview.poster!.bytes;
      const view = new DataView(bmp.buffer, bmp.byteOffset, bmp.byteLength);
      expect([bmp[0], bmp[1], view.getInt32(18, true), view.getInt32(22, true)]).toEqual([0x42, 0x4d, WIDTH, -HEIGHT]);
      const reference = execFileSync(ffmpeg!, ['-v', 'error', '-i', video, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
      let difference = 0;
      for (let y = 0; y < HEIGHT; y++) {
        for (let x = 0; x < WIDTH; x++) {
          for (let channel = 0; channel < 3; channel++) {
            // BMP rows are BGR, 64 × 3 bytes (already a multiple of 4)
            difference += Math.abs(bmp[54 + y * WIDTH * 3 + x * 3 + (2 - channel)]! - reference[(y * WIDTH + x) * 3 + channel]!);
          }
        }
      }
      expect(difference / (WIDTH * HEIGHT * 3)).toBeLessThan(PIXEL_TOLERANCE);
      // a thumbnail's poster is scaled in the decoder to fit maxSide; the video keeps its size
      const thumbnail = (await dataset.preview('clip', 0, { maxSide: 32 })) as Extract<FieldPreview, { kind: 'video' }>;
      const thumbnailPoster = thumbnail.poster!.bytes;
      const thumbnailView = new DataView(thumbnailPoster.buffer, thumbnailPoster.byteOffset, thumbnailPoster.byteLength);
      expect([thumbnail.width, thumbnail.height, thumbnailView.getInt32(18, true), thumbnailView.getInt32(22, true)]).toEqual([WIDTH, HEIGHT, 32, -24]);
      // the same preview again (the decoder is reused, the muxer writes no random ids)
      const again = (await dataset.preview('clip', 0)) as Extract<FieldPreview, { kind: 'video' }>;
      expect(Buffer.compare(Buffer.from(again.poster!.bytes), Buffer.from(bmp))).toBe(0);
      expect(Buffer.compare(Buffer.from(again.bytes), Buffer.from(preview.bytes))).toBe(0);
    } finally {
      dataset.close();
    }
  });

  it('videoFrames: the first stored JPEG as it is', async () => {
    const dataset = openDataset(path, { plugins: [videoPlugin()] });
    try {
      const preview = (await dataset.preview('frames', 0)) as { bytes: Uint8Array };
      const stored = dataset.read(0, 'frames') as StoredJpegFrames;
      expect(preview).toMatchObject({ kind: 'image', mimeType: 'image/jpeg', width: stored.width, height: stored.height });
      expect(Buffer.compare(Buffer.from(preview.bytes), Buffer.from(stored.jpegs[0]!))).toBe(0);
    } finally {
      dataset.close();
    }
  });

  it('statistics: seconds, frames, size and rate from the metadata', () => {
    const dataset = openDataset(path, { plugins: [videoPlugin()] });
    try {
      for (const fieldName of ['clip', 'frames']) {
        const statistics = dataset.statistics(fieldName, 0);
        expect(statistics).toMatchObject({ frames: FRAMES, width: WIDTH, height: HEIGHT, fps: FPS });
        expect(statistics.seconds).toBeCloseTo(FRAMES / FPS, 6);
      }
    } finally {
      dataset.close();
    }
  });
});

/** What ffmpeg reads back of a file: codec, and per packet (file order) its pts in seconds, size and MD5. */
function readBack(file: string): { codec: string; packets: Array<{ seconds: number; bytes: string }> } {
  const lines = execFileSync(ffmpeg!, ['-v', 'error', '-i', file, '-map', '0:v:0', '-c', 'copy', '-f', 'framemd5', 'pipe:1']).toString().split('\n');
  const codec = lines.find((line) => line.startsWith('#codec_id 0:'))?.slice(12).trim() ?? '';
  const [num, den] = (lines.find((line) => line.startsWith('#tb 0:'))?.slice(6).trim() ?? '').split('/').map(Number) as [number, number];
  const packets = lines
    .filter((line) => /^\d/.test(line))
    .map((line) => line.split(',').map((part) => part.trim()))
    .map(([, , pts, , size, md5]) => ({ seconds: (Number(pts) * num) / den, bytes: `${size} ${md5}` }));
  return { codec, packets };
}

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;
const PREVIEW_CASES = [
  { name: 'cfr-gop30.mp4', codec: 'h264', mimeType: 'video/mp4', signature: (bytes: Uint8Array) => Buffer.from(bytes.subarray(4, 8)).toString('latin1') === 'ftyp' },
  { name: 'vfr.mp4', codec: 'h264', mimeType: 'video/mp4', signature: (bytes: Uint8Array) => Buffer.from(bytes.subarray(4, 8)).toString('latin1') === 'ftyp' },
  { name: 'odd-size-vp9.webm', codec: 'vp9', mimeType: 'video/webm', signature: (bytes: Uint8Array) => Buffer.from(bytes.subarray(0, 4)).equals(Buffer.from([0x1a, 0x45, 0xdf, 0xa3])) },
] as const;

describe.skipIf(ffmpeg === undefined).each(['node-av', 'ffmpeg'])('compressedVideo preview: the stored packets remuxed by the %s backend', (backend) => {
  const previewDirectory = join(directory, `remux-${backend}`);
  const previewPath = join(previewDirectory, 'fixtures.beton');
  let saved: string | undefined;
  beforeAll(async () => {
    saved = process.env.TESSERA_VIDEO_BACKEND;
    process.env.TESSERA_VIDEO_BACKEND = backend;
    execFileSync('mkdir', ['-p', previewDirectory]);
    const values = [...PREVIEW_CASES.map((entry) => ({ clip: fixture(entry.name) })), { clip: fixture('hevc.mp4') }];
    await writeDataset(previewPath, { clip: compressedVideo() }, values, { plugins: [videoPlugin()], workers: 0 });
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.TESSERA_VIDEO_BACKEND;
    else process.env.TESSERA_VIDEO_BACKEND = saved;
  });

  it.each(PREVIEW_CASES.map((entry, sampleIndex) => ({ ...entry, sampleIndex })))('$name: a $mimeType file ffmpeg reads back with the stored packets, byte for byte, at their times', async ({ name, codec, mimeType, signature, sampleIndex }) => {
    const dataset = openDataset(previewPath, { plugins: [videoPlugin()] });
    try {
      const preview = (await dataset.preview('clip', sampleIndex)) as Extract<FieldPreview, { kind: 'video' }>;
      const stored = dataset.read(sampleIndex, 'clip') as unknown as StoredVideo;
      expect(preview).toMatchObject({ kind: 'video', mimeType, width: stored.width, height: stored.height, poster: { mimeType: 'image/bmp' } });
      expect(preview.durationSeconds).toBe(stored.durationSeconds);
      expect(preview.framesPerSecond).toBeGreaterThan(0);
      expect(signature(preview.bytes)).toBe(true);
      const file = join(previewDirectory, `${name}.preview`);
      writeFileSync(file, preview.bytes);
      const back = readBack(file);
      expect(back.codec).toBe(codec);
      // the same packets in the same (decode) order, byte for byte
      expect(back.packets.map((packet) => packet.bytes)).toEqual(stored.packets.map((packet) => `${packet.data.byteLength} ${createHash('md5').update(packet.data).digest('hex')}`));
      // the same frame times (the file may start at another instant than the source)
      const [num, den] = stored.timeBase;
      const storedSeconds = stored.packets.map((packet) => (packet.pts * num) / den).sort((a, b) => a - b);
      const fileSeconds = back.packets.map((packet) => packet.seconds).sort((a, b) => a - b);
      expect(fileSeconds.map((seconds) => seconds - fileSeconds[0]!)).toEqual(storedSeconds.map((seconds) => expect.closeTo(seconds - storedSeconds[0]!, 6)));
      if (backend === 'node-av') expect(fileSeconds[0]).toBe(0);
    } finally {
      dataset.close();
    }
  });

  it(`H.265: ${backend === 'node-av' ? 'an MP4 too' : 'the poster alone (an IVF on stdin cannot carry H.265 for ffmpeg 5)'}`, async () => {
    const dataset = openDataset(previewPath, { plugins: [videoPlugin()] });
    try {
      const preview = await dataset.preview('clip', PREVIEW_CASES.length);
      expect(preview).toMatchObject(backend === 'node-av' ? { kind: 'video', mimeType: 'video/mp4' } : { kind: 'image', mimeType: 'image/bmp' });
    } finally {
      dataset.close();
    }
  });
});
