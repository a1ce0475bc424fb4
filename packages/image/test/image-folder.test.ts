/** buildImageFolderDataset: classes from sorted subfolders, labels, options, and corrupt files (error or skip). */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDataset } from '@tessera/core';
import { type DecodedImage, buildImageFolderDataset, imagePlugin, listImageFolder } from '@tessera/image';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWithSharp, gradientImage } from './helpers/images.js';

let root: string;
let directory: string;
let truncated: string;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'tessera-image-folder-'));
  root = join(directory, 'train');
  const classes = { cat: 3, dog: 2, 'zebra fish': 1 };
  let seed = 0;
  for (const [name, count] of Object.entries(classes)) {
    mkdirSync(join(root, name, 'nested'), { recursive: true });
    for (let index = 0; index < count; index++) {
      const image = gradientImage(300 + seed * 10, 200, seed++);
      writeFileSync(join(root, name, index === 0 ? join('nested', `${index}.png`) : `${index}.jpg`), await encodeWithSharp(image, index === 0 ? 'png' : 'jpeg'));
    }
  }
  writeFileSync(join(root, 'cat', 'notes.txt'), 'not an image');
  writeFileSync(join(root, 'cat', '.hidden.jpg'), 'hidden');
  writeFileSync(join(root, 'README.md'), 'top-level files are not classes');
  const jpeg = await encodeWithSharp(gradientImage(64, 64, 9), 'jpeg');
  truncated = join(root, 'dog', 'broken.jpg');
  writeFileSync(truncated, jpeg.subarray(0, jpeg.length >> 1));
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('listImageFolder', () => {
  it('sorted classes, images by class then name, nested folders included, other files skipped', () => {
    const listing = listImageFolder(root);
    expect(listing.classes).toEqual(['cat', 'dog', 'zebra fish']);
    expect(listing.entries.map((entry) => [entry.path.slice(root.length + 1), entry.label])).toEqual([
      ['cat/1.jpg', 0],
      ['cat/2.jpg', 0],
      ['cat/nested/0.png', 0],
      ['dog/1.jpg', 1],
      ['dog/broken.jpg', 1],
      ['dog/nested/0.png', 1],
      ['zebra fish/nested/0.png', 2],
    ]);
    expect(() => listImageFolder(join(root, 'cat', 'nested'))).toThrow(/has no class subfolders/);
  });
});

describe('buildImageFolderDataset', () => {
  it('fails on a corrupt image with E_ENCODE naming the file, and writes nothing', async () => {
    const output = join(directory, 'strict.beton');
    await expect(buildImageFolderDataset({ root, output, workers: 0 })).rejects.toMatchObject({
      code: 'E_ENCODE',
      field: 'image',
      sampleIndex: 4,
      message: expect.stringContaining('broken.jpg'),
    });
    expect(() => openDataset(output)).toThrow();
  });

  it("skips and reports corrupt images with onInvalid: 'skip'; labels, sizes and progress", async () => {
    const output = join(directory, 'train.beton');
    const phases = new Set<string>();
    let last = 0;
    const summary = await buildImageFolderDataset({ root, output, maxResolution: 128, quality: 85, workers: 2, onInvalid: 'skip', onProgress: (progress) => {
      phases.add(progress.phase);
      if (progress.phase === 'writing') last = progress.done;
    } });
    expect(summary.classes).toEqual(['cat', 'dog', 'zebra fish']);
    expect(summary.numImages).toBe(7);
    expect(summary.numSamples).toBe(6);
    expect(summary.skipped).toEqual([{ path: truncated, label: 1, error: expect.any(String) }]);
    expect([...phases]).toEqual(['validating', 'writing']);
    expect(last).toBe(6);
    const dataset = openDataset(output, { plugins: [imagePlugin()] });
    try {
      expect(dataset.fields.map((field) => [field.name, field.codecId])).toEqual([['image', 'image/rgb'], ['label', 'core/int64']]);
      expect(Array.from({ length: 6 }, (_, index) => Number(dataset.read(index, 'label')))).toEqual([0, 0, 0, 1, 1, 2]);
      const image = dataset.read(0, 'image') as DecodedImage;
      expect(Math.max(image.width, image.height)).toBe(128);
      expect(dataset.extension?.info).toEqual({ source: 'image-folder', classes: ['cat', 'dog', 'zebra fish'] });
    } finally {
      dataset.close();
    }
  });

  it('channels: 1 writes a grayscale field', async () => {
    const output = join(directory, 'gray.beton');
    await buildImageFolderDataset({ root, output, channels: 1, onInvalid: 'skip', workers: 0, mode: 'raw', maxResolution: 32 });
    const dataset = openDataset(output, { plugins: [imagePlugin()] });
    try {
      expect(dataset.fields[0]).toMatchObject({ codecId: 'image/gray', typeId: 255 });
      expect(dataset.read(0, 'image')).toMatchObject({ channels: 1, mode: 'raw', width: 32 });
    } finally {
      dataset.close();
    }
  });
});
