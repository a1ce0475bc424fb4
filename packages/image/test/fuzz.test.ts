import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeDataset } from '@tessera/core';
import { grayImage, imagePlugin, rgbImage } from '@tessera/image';
import { afterAll, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM helper of @tessera/core's tests (no types)
import { runFuzzInChild } from '../../core/test/fuzz/run-fuzz-child.mjs';
import { encodeWithSharp, gradientImage } from './helpers/images.js';

/**
 * Issue 9's fuzz suite over image files: JPEG and raw RGB and gray images, mutated by core's
 * seeded runner; every mutant must give a typed error, identical pixels, or damage verify reports.
 */
const directory = mkdtempSync(join(tmpdir(), 'tessera-image-fuzz-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

it('classifies every mutant of an image file as a typed error, identical data, or damage verify reports', async () => {
  const path = join(directory, 'images.beton');
  const samples = await Promise.all(
    Array.from({ length: 12 }, async (_, index) => {
      const image = gradientImage(24 + index, 16 + (index % 5), index);
      return { jpeg: await encodeWithSharp(image, 'jpeg', { quality: 80 }), raw: image, gray: gradientImage(8, 8 + index, index, 1) };
    }),
  );
  await writeDataset(path, { jpeg: rgbImage({ mode: 'jpg' }), raw: rgbImage({ mode: 'raw' }), gray: grayImage({ mode: 'raw' }) }, samples, {
    plugins: [imagePlugin()],
    pageSize: 4096,
    workers: 0,
  });
  const plugin = `${pathToFileURL(join(import.meta.dirname, '../dist/index.js')).href}#imagePlugin`;
  const { summary, crash } = await runFuzzInChild(['--only-bases', '--base', path, '--plugin', plugin, '--mutants', '300']);
  expect(crash).toBeUndefined();
  console.log(`image fuzz outcomes: ${JSON.stringify(summary.counts)}`);
  expect(summary.failures).toEqual([]);
  for (const outcome of ['typed-error', 'identical', 'flagged-by-verify']) expect(summary.counts[outcome]).toBeGreaterThan(20);
}, 300_000);
