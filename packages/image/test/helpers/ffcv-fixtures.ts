import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { type TesseraPlugin, createOutputSlot, openDataset } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { centerCrop, fallbackCrop } from '@tessera/image';
import { meanAbsoluteDifference, referenceAreaResize } from './images.js';

export const FIXTURES = new URL('../../../core/test/fixtures/ffcv/', import.meta.url);
export const IMAGE_FIXTURES = ['f01_all_fields_1', 'f02_all_fields_37', 'f07_images_var'];

/**
 * FFCV decoded its JPEGs with libjpeg-turbo's fast integer IDCT and fancy upsampling; decoding them
 * the same way should give FFCV's pixels. The stated tolerance is 1 level per value (SIMD and plain
 * C builds of the fast IDCT are specified to agree exactly; 0 is what is observed).
 */
export const JPEG_TOLERANCE = 1;

interface SampleImage {
  mode: 'jpg' | 'raw';
  width: number;
  height: number;
  decoded_sha256: string;
  decoded_offset?: number;
}

/** One looping golden test: every image of every fixture, through `dataset.read()` and the `simple` decoder. */
export function describeFfcvImageFixtures(title: string, plugin: () => TesseraPlugin, expectedBackend: () => string): void {
  describe(title, () => {
    let directory: string;
    beforeAll(() => {
      directory = mkdtempSync(join(tmpdir(), 'tessera-image-ffcv-'));
    });
    afterAll(() => rmSync(directory, { recursive: true, force: true }));

    it('uses the expected JPEG backend', () => {
      expect(expectedBackend()).toMatch(/native|wasm/);
    });

    for (const name of IMAGE_FIXTURES) {
      it(`${name}: sizes as stored, raw pixels exact, JPEG within ${JPEG_TOLERANCE} of FFCV's decoded pixels`, () => {
        const path = join(directory, `${name}.beton`);
        writeFileSync(path, gunzipSync(readFileSync(new URL(`${name}.beton.gz`, FIXTURES))));
        const twin = JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8')) as { samples: Array<Record<string, unknown>> };
        const decoded = readFileSync(new URL(`${name}.decoded_rgb.bin`, FIXTURES));
        const dataset = openDataset(path, { plugins: [plugin()] });
        try {
          const fields = dataset.fields.filter((field) => field.typeId === 2);
          expect(fields.length).toBeGreaterThan(0);
          for (const field of fields) expect(field.codecId).toBe('image/rgb');
          let jpegValues = 0;
          let maxDifference = 0;
          twin.samples.forEach((sample, sampleIndex) => {
            for (const field of fields) {
              const expected = sample[field.name] as SampleImage;
              const image = dataset.read(sampleIndex, field.name) as { data: Uint8Array; width: number; height: number; mode: string };
              const where = `${name} sample ${sampleIndex} field ${field.name}`;
              expect([image.width, image.height, image.mode], where).toEqual([expected.width, expected.height, expected.mode]);
              if (expected.mode === 'raw') {
                expect(createHash('sha256').update(image.data).digest('hex'), where).toBe(expected.decoded_sha256);
              } else {
                const reference = decoded.subarray(expected.decoded_offset!, expected.decoded_offset! + image.data.byteLength);
                for (let index = 0; index < reference.byteLength; index++) maxDifference = Math.max(maxDifference, Math.abs(reference[index]! - image.data[index]!));
                jpegValues += reference.byteLength;
              }
              // the `simple` decoder gives the same pixels as read()
              const decoder = dataset.createDecoder(field.name, 'stored');
              const slot = createOutputSlot(decoder.output);
              decoder.decode(sampleIndex, slot);
              expect(slot.lengths[0]).toBeGreaterThan(0);
            }
          });
          expect(maxDifference).toBeLessThanOrEqual(JPEG_TOLERANCE);
          if (name !== 'f01_all_fields_1') expect(jpegValues).toBeGreaterThan(1000);
        } finally {
          dataset.close();
        }
      });
    }

    it('f07 (1x1 to 128x128, 128x2 …): crop decoders, decoding only the crop, match an INTER_AREA resize of the full decode', () => {
      // Without DCT scaling the crop decode gives the full decode's pixels, so only the fixed-point
      // resampling differs (< 0.5 on average); DCT-domain downscaling is another low-pass filter:
      // on these noise-like synthetic images it moves pixels by up to ~3.7 on average (< 4; the most
      // for 4×4 outputs of 8×8 crops).
      const path = join(directory, 'f07.beton');
      writeFileSync(path, gunzipSync(readFileSync(new URL('f07_images_var.beton.gz', FIXTURES))));
      const dataset = openDataset(path, { plugins: [plugin()] });
      try {
        for (const name of ['jpg', 'raw', 'jpg_q50_full', 'smart']) {
          const cases: Array<[string, { outputSize: number | [number, number]; ratio?: number; dctScaling?: boolean }, number, number, number]> = [
            ['center-crop', { outputSize: 24, dctScaling: false }, 24, 24, 0.5],
            ['random-resized-crop', { outputSize: [20, 30], dctScaling: false }, 20, 30, 0.5],
            ['center-crop', { outputSize: 4, ratio: 0.5, dctScaling: false }, 4, 4, 0.5],
            ['center-crop', { outputSize: 24 }, 24, 24, 4],
            ['center-crop', { outputSize: 4, ratio: 0.5 }, 4, 4, 4],
          ];
          for (const [decoder, options, height, width, tolerance] of cases) {
            const instance = dataset.createDecoder(name, decoder, options);
            const slot = createOutputSlot(instance.output);
            for (let sampleIndex = 0; sampleIndex < dataset.numSamples; sampleIndex++) {
              const image = dataset.read(sampleIndex, name) as { data: Uint8Array; width: number; height: number };
              instance.decode(sampleIndex, slot);
              const window = decoder === 'center-crop' ? centerCrop(image.width, image.height, options.ratio ?? 224 / 256) : fallbackCrop(image.width, image.height, [3 / 4, 4 / 3]);
              const expected = referenceAreaResize(image.data, image.width, 3, window, width, height);
              expect(meanAbsoluteDifference(expected, slot.bytes), `${name} ${decoder} sample ${sampleIndex} (${image.width}x${image.height})`).toBeLessThan(tolerance);
            }
          }
        }
      } finally {
        dataset.close();
      }
    });

    it('f02: the simple decoder refuses images of different sizes, as FFCV\'s does', () => {
      const path = join(directory, 'f02.beton');
      writeFileSync(path, gunzipSync(readFileSync(new URL('f02_all_fields_37.beton.gz', FIXTURES))));
      const dataset = openDataset(path, { plugins: [plugin()] });
      try {
        expect(() => dataset.createDecoder('jpg', 'simple')).toThrow(/needs images of one size, but sample 0 is 27x18 and sample 1 is 25x37/);
      } finally {
        dataset.close();
      }
    });
  });
}
