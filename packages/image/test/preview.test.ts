/** What `tessera view` shows of image fields: JPEG as stored, raw pixels as a lossless PNG; sizes as statistics. */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDataset, writeDataset } from '@tessera/core';
import { grayImage, imagePlugin, rgbImage } from '@tessera/image';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradientImage } from './helpers/images.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-image-preview-'));
const path = join(directory, 'preview.beton');
const samples = [0, 1].map((seed) => ({
  jpeg: gradientImage(33, 21, seed, 3),
  raw: gradientImage(33 - seed, 21 + seed, seed, 3),
  grayRaw: gradientImage(19, 7 + seed, seed, 1),
  grayJpeg: gradientImage(16, 16, seed, 1),
}));

beforeAll(async () => {
  await writeDataset(
    path,
    { jpeg: rgbImage(), raw: rgbImage({ mode: 'raw' }), grayRaw: grayImage({ mode: 'raw' }), grayJpeg: grayImage() },
    samples,
    { plugins: [imagePlugin()], workers: 0 },
  );
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('image previews and statistics', () => {
  it('a stored JPEG is served as it is (rgb and gray)', async () => {
    const dataset = openDataset(path, { plugins: [imagePlugin()] });
    try {
      for (const fieldName of ['jpeg', 'grayJpeg']) {
        for (let sampleIndex = 0; sampleIndex < samples.length; sampleIndex++) {
          const preview = await dataset.preview(fieldName, sampleIndex);
          const stored = dataset.toJSON(sampleIndex, fieldName) as { width: number; height: number; byteLength: number; sha256: string };
          expect(preview).toMatchObject({ kind: 'image', mimeType: 'image/jpeg', width: stored.width, height: stored.height });
          const bytes = (preview as { bytes: Uint8Array }).bytes;
          expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]);
          expect({ byteLength: bytes.byteLength, sha256: sha256(bytes) }).toEqual({ byteLength: stored.byteLength, sha256: stored.sha256 });
        }
      }
    } finally {
      dataset.close();
    }
  });

  it('raw pixels are a PNG that decodes to the stored pixels exactly (rgb and gray)', async () => {
    const dataset = openDataset(path, { plugins: [imagePlugin()] });
    try {
      for (const [fieldName, channels] of [
        ['raw', 3],
        ['grayRaw', 1],
      ] as const) {
        for (let sampleIndex = 0; sampleIndex < samples.length; sampleIndex++) {
          const written = samples[sampleIndex]![fieldName];
          const preview = await dataset.preview(fieldName, sampleIndex);
          expect(preview).toMatchObject({ kind: 'image', mimeType: 'image/png', width: written.width, height: written.height });
          const png = (preview as { bytes: Uint8Array }).bytes;
          expect(Array.from(png.subarray(0, 4))).toEqual([0x89, 0x50, 0x4e, 0x47]);
          expect((await sharp(png).metadata()).channels).toBe(channels);
          // sharp expands a gray PNG to sRGB on decode unless asked to keep one channel
          const decoder = channels === 1 ? sharp(png).toColourspace('b-w') : sharp(png);
          const { data, info } = await decoder.raw().toBuffer({ resolveWithObject: true });
          expect([info.width, info.height, info.channels]).toEqual([written.width, written.height, channels]);
          expect(Buffer.compare(data, Buffer.from(written.data))).toBe(0);
        }
      }
    } finally {
      dataset.close();
    }
  });

  it('statistics are the stored width, height and byte length', async () => {
    const dataset = openDataset(path, { plugins: [imagePlugin()] });
    try {
      expect(dataset.statistics('raw', 1)).toEqual({ width: 32, height: 22, byteLength: 32 * 22 * 3 });
      const grayJpeg = dataset.statistics('grayJpeg', 0);
      expect(grayJpeg).toMatchObject({ width: 16, height: 16 });
      // a JPEG's stored size: the bytes its preview serves as they are
      const preview = await dataset.preview('grayJpeg', 0);
      expect(grayJpeg.byteLength).toBe((preview as { bytes: Uint8Array }).bytes.byteLength);
      expect([dataset.hasPreview('jpeg'), dataset.hasStatistics('grayRaw')]).toEqual([true, true]);
    } finally {
      dataset.close();
    }
  });
});
