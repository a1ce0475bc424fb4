/**
 * What an image field accepts: files and buffers in any format sharp reads, and raw pixels. Round
 * trips compare decoded pixels within stated tolerances (lossless formats stored raw: exact).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Dataset, TesseraError, int64, openDataset, writeDataset } from '@tessera/core';
import { type DecodedImage, type ImageInput, grayImage, imagePlugin, jpegBackend, rgbImage } from '@tessera/image';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWithSharp, gradientImage, maxAbsoluteDifference, meanAbsoluteDifference } from './helpers/images.js';

let directory: string;
beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'tessera-image-input-'));
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

let counter = 0;
async function roundTrip(field: ReturnType<typeof rgbImage>, values: ImageInput[], workers = 0): Promise<DecodedImage[]> {
  const path = join(directory, `round-trip-${counter++}.beton`);
  await writeDataset(path, { id: int64(), image: field }, values.map((image, id) => ({ id, image })), { workers });
  const dataset = openDataset(path, { plugins: [imagePlugin()] });
  try {
    return values.map((_, index) => dataset.read(index, 'image') as DecodedImage);
  } finally {
    dataset.close();
  }
}

const rgb = gradientImage(48, 32, 1);
const gray = gradientImage(48, 32, 2, 1);

describe('inputs', () => {
  it('raw RGB pixels, stored raw: exact', async () => {
    const [image] = await roundTrip(rgbImage({ mode: 'raw' }), [rgb]);
    expect(image).toMatchObject({ width: 48, height: 32, channels: 3, mode: 'raw' });
    expect(maxAbsoluteDifference(image!.data, rgb.data)).toBe(0);
  });

  it('a PNG with alpha: alpha dropped (default) or composited over a background', async () => {
    const rgba = new Uint8Array(48 * 32 * 4);
    for (let pixel = 0; pixel < 48 * 32; pixel++) {
      rgba.set(rgb.data.subarray(pixel * 3, pixel * 3 + 3), pixel * 4);
      rgba[pixel * 4 + 3] = pixel % 48 < 24 ? 255 : 0; // right half transparent
    }
    const png = await encodeWithSharp({ data: rgba, width: 48, height: 32, channels: 4 }, 'png');
    const [dropped] = await roundTrip(rgbImage({ mode: 'raw' }), [png]);
    expect(maxAbsoluteDifference(dropped!.data, rgb.data)).toBe(0);
    const [composited] = await roundTrip(rgbImage({ mode: 'raw', alpha: 'composite', background: [0, 0, 255] }), [png]);
    expect(Array.from(composited!.data.subarray((47 * 3), 47 * 3 + 3))).toEqual([0, 0, 255]);
    expect(Array.from(composited!.data.subarray(0, 3))).toEqual(Array.from(rgb.data.subarray(0, 3)));
  });

  it('a grayscale PNG is expanded to RGB in an rgbImage field, and kept at one channel in a grayImage field', async () => {
    const png = await encodeWithSharp(gray, 'png');
    const [expanded] = await roundTrip(rgbImage({ mode: 'raw' }), [png]);
    expect(expanded!.channels).toBe(3);
    for (let pixel = 0; pixel < 48 * 32; pixel++) {
      expect([expanded!.data[pixel * 3], expanded!.data[pixel * 3 + 1], expanded!.data[pixel * 3 + 2]]).toEqual([gray.data[pixel], gray.data[pixel], gray.data[pixel]]);
    }
    const [single] = await roundTrip(grayImage({ mode: 'raw' }), [png]);
    expect(single).toMatchObject({ width: 48, height: 32, channels: 1 });
    expect(single!.data.byteLength).toBe(48 * 32);
    expect(maxAbsoluteDifference(single!.data, gray.data)).toBe(0);
  });

  it('a grayscale JPEG in a grayImage field stays a 1-channel JPEG (quality 90: mean error < 2)', async () => {
    const jpeg = await encodeWithSharp(gray, 'jpeg', { quality: 95 });
    const [single] = await roundTrip(grayImage(), [jpeg]);
    expect(single).toMatchObject({ channels: 1, mode: 'jpg' });
    expect(meanAbsoluteDifference(single!.data, gray.data)).toBeLessThan(2);
  });

  it('an EXIF-rotated JPEG is stored upright (orientation 6: 90° clockwise, so width and height swap)', async () => {
    const jpeg = await sharp(Buffer.from(rgb.data), { raw: { width: 48, height: 32, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    const [image] = await roundTrip(rgbImage({ mode: 'raw' }), [jpeg]);
    expect([image!.width, image!.height]).toEqual([32, 48]);
    const upright = await sharp(Buffer.from(rgb.data), { raw: { width: 48, height: 32, channels: 3 } }).rotate(90).raw().toBuffer();
    expect(meanAbsoluteDifference(image!.data, upright)).toBeLessThan(2);
  });

  it('GIF (first frame), WebP (lossless), TIFF and AVIF decode through sharp', async () => {
    const gif = await sharp(Buffer.from(rgb.data), { raw: { width: 48, height: 32, channels: 3 } }).gif().toBuffer();
    const webp = await encodeWithSharp(rgb, 'webp', { lossless: true, exact: true });
    const tiff = await encodeWithSharp(rgb, 'tiff', { compression: 'lzw' });
    const avif = await encodeWithSharp(rgb, 'avif', { quality: 90 });
    const [fromGif, fromWebp, fromTiff, fromAvif] = await roundTrip(rgbImage({ mode: 'raw' }), [gif, webp, tiff, avif]);
    expect(meanAbsoluteDifference(fromGif!.data, rgb.data)).toBeLessThan(8); // 256-colour palette
    expect(maxAbsoluteDifference(fromWebp!.data, rgb.data)).toBe(0);
    expect(maxAbsoluteDifference(fromTiff!.data, rgb.data)).toBe(0);
    expect(meanAbsoluteDifference(fromAvif!.data, rgb.data)).toBeLessThan(4);
  });

  it('file paths, in writer worker threads too (the same bytes as with workers: 0)', async () => {
    const path = join(directory, 'picture.png');
    writeFileSync(path, await encodeWithSharp(rgb, 'png'));
    const [inline] = await roundTrip(rgbImage(), [path, path]);
    const [threaded] = await roundTrip(rgbImage(), [path, path], 2);
    expect(Buffer.compare(Buffer.from(inline!.data), Buffer.from(threaded!.data))).toBe(0);
    expect(meanAbsoluteDifference(inline!.data, rgb.data)).toBeLessThan(3);
  });
});

describe('write options', () => {
  it('maxResolution shrinks the longest side with FFCV\'s truncation (370x320 at 256 → 256x221)', async () => {
    const big = gradientImage(370, 320, 3);
    const [image] = await roundTrip(rgbImage({ maxResolution: 256, mode: 'raw' }), [big]);
    expect([image!.width, image!.height]).toEqual([256, Math.trunc((256 / 370) * 320)]);
    const small = gradientImage(100, 80, 3);
    const [unchanged] = await roundTrip(rgbImage({ maxResolution: 256, mode: 'raw' }), [small]);
    expect([unchanged!.width, unchanged!.height]).toEqual([100, 80]);
  });

  it('smart stores small images raw and large ones as JPEG; proportion is reproducible', async () => {
    const small = gradientImage(10, 10, 4);
    const large = gradientImage(64, 64, 5);
    const modes = (await roundTrip(rgbImage({ mode: 'smart', smartThreshold: 10 * 10 * 3 }), [small, large])).map((image) => image.mode);
    expect(modes).toEqual(['raw', 'jpg']);
    const values = Array.from({ length: 40 }, () => small);
    const first = (await roundTrip(rgbImage({ mode: 'proportion', compressProbability: 0.5 }), values)).map((image) => image.mode);
    const second = (await roundTrip(rgbImage({ mode: 'proportion', compressProbability: 0.5 }), values, 2)).map((image) => image.mode);
    expect(first).toEqual(second);
    const share = first.filter((mode) => mode === 'jpg').length / first.length;
    expect(share).toBeGreaterThan(0.2);
    expect(share).toBeLessThan(0.8);
  });

  it('rejects bad options, naming them', () => {
    expect(() => rgbImage({ mode: 'webp' as never })).toThrow(/mode must be one of 'jpg', 'raw', 'smart', 'proportion'/);
    expect(() => rgbImage({ quality: 0 })).toThrow(/quality must be an integer from 1 to 100/);
    expect(() => rgbImage({ mode: 'smart' })).toThrow(/needs smartThreshold/);
    expect(() => rgbImage({ maxResolution: 1.5 })).toThrow(/maxResolution must be an integer/);
    expect(() => rgbImage({ colour: 'red' } as never)).toThrow(/unknown image field option "colour"/);
  });
});

describe('corrupt and unreadable inputs', () => {
  const truncated = async () => {
    const jpeg = await encodeWithSharp(gradientImage(64, 64, 6), 'jpeg');
    return jpeg.subarray(0, Math.floor(jpeg.length / 2));
  };

  for (const workers of [0, 2]) {
    it(`a typed E_ENCODE error naming the field, the sample and the file (workers: ${workers}), and no output file`, async () => {
      const bad = join(directory, `truncated-${workers}.jpg`);
      writeFileSync(bad, await truncated());
      const output = join(directory, `never-${workers}.beton`);
      const good = gradientImage(8, 8, 7);
      let error: unknown;
      try {
        await writeDataset(output, { id: int64(), image: rgbImage() }, [{ id: 0, image: good }, { id: 1, image: bad }], { workers });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(TesseraError);
      expect(error).toMatchObject({ code: 'E_ENCODE', field: 'image', sampleIndex: 1 });
      expect((error as Error).message).toContain(bad);
      expect((error as Error).message).toMatch(/field "image" sample 1/);
      expect(() => openDataset(output)).toThrow();
    });
  }

  it('a JPEG header claiming 60000x60000 pixels is refused before any allocation, by the writer and by the decoder', async () => {
    const jpeg = await encodeWithSharp(gradientImage(64, 64, 8), 'jpeg');
    for (let offset = 2; offset < jpeg.length; ) {
      const marker = jpeg[offset + 1]!;
      if (marker === 0xc0 || marker === 0xc2) {
        jpeg.writeUInt16BE(60000, offset + 5);
        jpeg.writeUInt16BE(60000, offset + 7);
        break;
      }
      offset += 2 + jpeg.readUInt16BE(offset + 2);
    }
    await expect(writeDataset(join(directory, 'huge.beton'), { image: rgbImage({ maxResolution: 64 }) }, [{ image: jpeg }], { workers: 0 })).rejects.toMatchObject({
      code: 'E_ENCODE',
      message: expect.stringMatching(/exceeds pixel limit/),
    });
    expect(() => jpegBackend().decode(jpeg, 3, 0, 0, 64, 64, new Uint8Array(16 * 16 * 3), 16, 16, 3)).toThrow(/60000x60000, more than 268402689 pixels/);
  });

  it('missing files, non-images and bad raw pixels each name the problem', async () => {
    // A file the OS cannot read is E_IO (the user's path); bytes that are not an image are E_ENCODE.
    const cases: Array<[ImageInput, string, RegExp]> = [
      [join(directory, 'missing.png'), 'E_IO', /cannot read .*missing\.png: ENOENT/],
      [new TextEncoder().encode('plain text'), 'E_ENCODE', /cannot decode a 10-byte unknown-format buffer/],
      [{ data: new Uint8Array(5), width: 2, height: 2 }, 'E_ENCODE', /raw image 2x2 has 5 bytes/],
      [{ data: new Uint8Array(0), width: 0, height: 3 }, 'E_ENCODE', /raw image size 0x3/],
    ];
    for (const [value, code, message] of cases) {
      await expect(writeDataset(join(directory, 'bad.beton'), { image: rgbImage() }, [{ image: value }], { workers: 0 })).rejects.toMatchObject({
        code,
        message: expect.stringMatching(message),
      });
    }
  });
});

describe('reading without the plugin', () => {
  it('an rgbImage file opens through core (FFCV type id 2), the stored bytes only', async () => {
    const path = join(directory, 'core-only.beton');
    await writeDataset(path, { image: rgbImage() }, [{ image: rgb }], { workers: 0 });
    const dataset: Dataset = openDataset(path);
    try {
      expect(dataset.fields[0]).toMatchObject({ typeId: 2, codecId: 'core/ffcv-image' });
      expect(dataset.read(0, 'image')).toMatchObject({ mode: 'jpg', width: 48, height: 32 });
    } finally {
      dataset.close();
    }
  });
});
