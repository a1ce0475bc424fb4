/**
 * What `tessera view` shows of video fields: the first frame (compressedVideo: decoded, as a BMP fitting maxSide;
 * videoFrames: its stored JPEG) and { seconds, frames, width, height, fps } from the metadata, on a
 * video made here with lavfi.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDataset, writeDataset } from '@tessera/core';
import { resolveFfmpeg } from '@tessera/ffmpeg';
import { type StoredJpegFrames, compressedVideo, videoFrames, videoPlugin } from '@tessera/video';
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
  it('compressedVideo: the first frame as a BMP, equal to ffmpeg’s first frame within rounding', async () => {
    const dataset = openDataset(path, { plugins: [videoPlugin()] });
    try {
      const preview = (await dataset.preview('clip', 0)) as { kind: string; mimeType: string; bytes: Uint8Array; width: number; height: number };
      expect(preview).toMatchObject({ kind: 'image', mimeType: 'image/bmp', width: WIDTH, height: HEIGHT });
      const bmp = preview.bytes;
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
      // a thumbnail is scaled in the decoder to fit maxSide
      expect(await dataset.preview('clip', 0, { maxSide: 32 })).toMatchObject({ kind: 'image', mimeType: 'image/bmp', width: 32, height: 24 });
      // the same preview again (the decoder is reused)
      expect(Buffer.compare(Buffer.from(((await dataset.preview('clip', 0)) as { bytes: Uint8Array }).bytes), Buffer.from(bmp))).toBe(0);
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
