/** Crop geometry (FFCV's and torchvision's rules), decoder outputs, partial and DCT-scaled decoding. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLoader, createOutputSlot, createSampleRandom, int64, openDataset, writeDataset } from '@tessera/core';
import { type DecodedImage, centerCrop, fallbackCrop, grayImage, imagePlugin, randomResizedCrop, rgbImage, roundHalfEven } from '@tessera/image';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradientImage, meanAbsoluteDifference, referenceAreaResize } from './helpers/images.js';
import { replayRandom } from './helpers/slots.js';

describe('crop geometry', () => {
  it("roundHalfEven is Python's round()", () => {
    expect([0.5, 1.5, 2.5, 3.5, 2.4999, 2.5001, 103.923].map(roundHalfEven)).toEqual([0, 2, 2, 4, 2, 3, 104]);
  });

  it("centerCrop is FFCV's get_center_crop: side int(ratio × min), offsets floor-divided", () => {
    expect(centerCrop(256, 199, 224 / 256)).toEqual([41, 12, 174, 174]);
    expect(centerCrop(10, 300, 1)).toEqual([0, 145, 10, 10]);
    expect(centerCrop(1, 1, 0.5)).toEqual([0, 0, 1, 1]);
  });

  it('randomResizedCrop follows torchvision: a window drawn from scale and log-ratio, else the clamped center', () => {
    // area 20000 × (0.08 + 0.92 × 0.5) = 10800, aspect e^0 = 1 → 104 × 104 does not fit a height of 100,
    // ten times; then the fallback: the ratio 2 is above 4/3, so height 100 and width round(133.3) = 133.
    expect(randomResizedCrop(200, 100, [0.08, 1], [3 / 4, 4 / 3], replayRandom([0.5]))).toEqual([33, 0, 133, 100]);
    // first draw fits: area 20000 × (0.08 + 0.92 × 0.25) = 6200, aspect e^(ln 3/4 + 0.75 × ln 16/9) = 1.1547
    // → w = round(√(6200 × 1.1547)) = 85, h = round(√(6200 / 1.1547)) = 73; top = floor(0.25 × 28), left = floor(0.75 × 116)
    expect(randomResizedCrop(200, 100, [0.08, 1], [3 / 4, 4 / 3], replayRandom([0.25, 0.75, 0.25, 0.75]))).toEqual([87, 7, 85, 73]);
    expect(fallbackCrop(1000, 10, [3 / 4, 4 / 3])).toEqual([493, 0, 13, 10]);
    expect(fallbackCrop(10, 1000, [3 / 4, 4 / 3])).toEqual([0, 493, 10, 13]);
    expect(fallbackCrop(300, 250, [3 / 4, 4 / 3])).toEqual([0, 0, 300, 250]);
  });

  it('randomResizedCrop windows stay inside the image, within the scale and ratio ranges (5,000 draws)', () => {
    const random = createSampleRandom();
    random.reseed(7, 0, 0, 0);
    let fallbacks = 0;
    for (let draw = 0; draw < 5000; draw++) {
      const [x, y, width, height] = randomResizedCrop(256, 199, [0.08, 1], [3 / 4, 4 / 3], random);
      expect(x >= 0 && y >= 0 && x + width <= 256 && y + height <= 199).toBe(true);
      if (width === 256 && height === 199) {
        fallbacks += 1;
        continue;
      }
      const share = (width * height) / (256 * 199);
      expect(share).toBeGreaterThan(0.08 * 0.95);
      expect(share).toBeLessThanOrEqual(1);
      expect(width / height).toBeGreaterThan((3 / 4) * 0.95);
      expect(width / height).toBeLessThan((4 / 3) * 1.05);
    }
    expect(fallbacks).toBeLessThan(50);
  });
});

let directory: string;
let path: string;
const images = [gradientImage(256, 199, 0), gradientImage(300, 220, 1), gradientImage(64, 512, 2), gradientImage(1024, 768, 3)];

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'tessera-image-decoders-'));
  path = join(directory, 'images.beton');
  await writeDataset(
    path,
    { jpeg: rgbImage({ quality: 95 }), raw: rgbImage({ mode: 'raw' }), gray: grayImage({ quality: 95 }), label: int64() },
    images.map((image, label) => ({ jpeg: image, raw: image, gray: { ...image, channels: 3 }, label })),
    { workers: 0 },
  );
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('decoders', () => {
  it('declare uint8 [height, width, channels]: one number is a square, a pair is [height, width]', () => {
    const dataset = openDataset(path, { plugins: [imagePlugin()] });
    try {
      expect(dataset.createDecoder('jpeg', 'center-crop', { outputSize: 224 }).output).toEqual({ dtype: 'uint8', shape: [224, 224, 3] });
      expect(dataset.createDecoder('raw', 'random-resized-crop', { outputSize: [100, 150] }).output).toEqual({ dtype: 'uint8', shape: [100, 150, 3] });
      expect(dataset.createDecoder('raw', 'random-resized-crop', { outputSize: [100, 150] }).random).toBe(true);
      expect(dataset.createDecoder('gray', 'center-crop', { outputSize: 32 }).output).toEqual({ dtype: 'uint8', shape: [32, 32, 1] });
      expect(() => dataset.createDecoder('jpeg', 'center-crop')).toThrow(/needs outputSize/);
      expect(() => dataset.createDecoder('jpeg', 'random-resized-crop', { outputSize: 8, scale: [0.9, 0.1] })).toThrow(/scale must be \[low, high\]/);
      expect(() => dataset.createDecoder('jpeg', 'center-crop', { outputSize: 8, ratio: 2 })).toThrow(/ratio must be in \(0, 1\]/);
    } finally {
      dataset.close();
    }
  });

  it('center-crop of JPEG and raw samples matches an INTER_AREA reference (DCT-scaled for the 1024x768 sample)', () => {
    const dataset = openDataset(path, { plugins: [imagePlugin()] });
    try {
      for (const [size, tolerance] of [[224, 2.5], [48, 2.5]] as const) {
        for (const field of ['jpeg', 'raw']) {
          const decoder = dataset.createDecoder(field, 'center-crop', { outputSize: size });
          const slot = createOutputSlot(decoder.output);
          images.forEach((image, sampleIndex) => {
            decoder.decode(sampleIndex, slot);
            const expected = referenceAreaResize(image.data, image.width, 3, centerCrop(image.width, image.height, 224 / 256), size, size);
            const difference = meanAbsoluteDifference(expected, slot.bytes);
            expect(difference, `${field} sample ${sampleIndex} at ${size}`).toBeLessThan(field === 'raw' ? 1 : tolerance);
          });
        }
      }
    } finally {
      dataset.close();
    }
  });

  it('random-resized-crop through the loader: the drawn windows decoded only in part match the full decode', async () => {
    const dataset = openDataset(path, { plugins: [imagePlugin()] });
    const full = images.map((_, sampleIndex) => dataset.read(sampleIndex, 'jpeg') as DecodedImage);
    dataset.close();
    const loader = createLoader(path, {
      batchSize: 4,
      seed: 3,
      plugins: [imagePlugin()],
      pipelines: { jpeg: { decoder: 'random-resized-crop', decoderOptions: { outputSize: 64 } }, raw: null, gray: null },
    });
    // replay the loader's draws: the decoder's random source is seeded from (seed, epoch, sample, stage salt 0)
    const random = createSampleRandom();
    for await (const batch of loader) {
      const data = batch.jpeg!.data as Uint8Array;
      for (let position = 0; position < 4; position++) {
        const image = images[position]!;
        random.reseed(3, 0, position, 0);
        const window = randomResizedCrop(image.width, image.height, [0.08, 1], [3 / 4, 4 / 3], random);
        const expected = referenceAreaResize(full[position]!.data, image.width, 3, window, 64, 64);
        expect(meanAbsoluteDifference(expected, data.subarray(position * 64 * 64 * 3, (position + 1) * 64 * 64 * 3)), `sample ${position}`).toBeLessThan(2);
      }
    }
    await loader.close();
  });

  it('a corrupted JPEG payload fails the batch with a PluginError naming field, stage and sample, never a crash', async () => {
    const { readFileSync, writeFileSync } = await import('node:fs');
    const corrupt = join(directory, 'corrupt.beton');
    await writeDataset(corrupt, { image: rgbImage() }, [{ image: gradientImage(64, 64, 1) }, { image: gradientImage(64, 64, 2) }], { workers: 0 });
    const dataset = openDataset(corrupt, { plugins: [imagePlugin()] });
    const [[pointer, byteLength]] = dataset.field('image').sampleAllocations(1) as [[number, number]];
    dataset.close();
    const bytes = readFileSync(corrupt);
    bytes.fill(0xff, pointer + 20, pointer + byteLength); // markers and entropy data destroyed, header kept
    writeFileSync(corrupt, bytes);
    for (const workers of [0, 1]) {
      const loader = createLoader(corrupt, { batchSize: 2, workers, plugins: [imagePlugin()], pipelines: { image: { decoder: 'center-crop', decoderOptions: { outputSize: 16 } } } });
      let error: unknown;
      try {
        for await (const _ of loader) {
        }
      } catch (caught) {
        error = caught;
      }
      await loader.close();
      expect(error, `workers ${workers}`).toMatchObject({ code: 'E_PLUGIN', field: 'image', sampleIndex: 1 });
    }
  });

  it('simple decodes whole images of one size, exactly as read()', async () => {
    const uniform = join(directory, 'uniform.beton');
    await writeDataset(uniform, { image: rgbImage() }, [{ image: gradientImage(40, 30, 1) }, { image: gradientImage(40, 30, 2) }], { workers: 0 });
    const dataset = openDataset(uniform, { plugins: [imagePlugin()] });
    try {
      const decoder = dataset.createDecoder('image', 'simple');
      expect(decoder.output).toEqual({ dtype: 'uint8', shape: [30, 40, 3] });
      const slot = createOutputSlot(decoder.output);
      for (const sampleIndex of [0, 1]) {
        decoder.decode(sampleIndex, slot);
        expect(Buffer.from(slot.bytes).equals(Buffer.from((dataset.read(sampleIndex, 'image') as DecodedImage).data))).toBe(true);
      }
    } finally {
      dataset.close();
    }
  });
});

describe('decoder options', () => {
  it('a misspelled option is E_ARGUMENT naming the decoder and the nearest option (checked by the loader from the declared list)', () => {
    const plugins = [imagePlugin()];
    let thrown: unknown;
    try {
      createLoader(path, { batchSize: 2, plugins, pipelines: { jpeg: { decoder: 'center-crop', decoderOptions: { outputSize: 32, ratoi: 0.5 } } } });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({ code: 'E_ARGUMENT', argument: 'pipelines.jpeg.decoderOptions.ratoi' });
    expect((thrown as Error).message).toMatch(/decoder "center-crop" of field "jpeg": unknown option "ratoi"; did you mean ratio\?/);
    expect(() => createLoader(path, { batchSize: 2, plugins, pipelines: { jpeg: { decoder: 'random-resized-crop', decoderOptions: { outputSize: 32, dct_scaling: false } } } })).toThrow(
      /did you mean dctScaling\?/,
    );
    expect(() => createLoader(path, { batchSize: 2, plugins, pipelines: { jpeg: null, gray: null, raw: { decoder: 'stored', decoderOptions: { outputSize: 32 } } } })).toThrow(/decoder "stored" of field "raw" takes no options/);
  });
});
