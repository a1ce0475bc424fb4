import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDataset } from '@tessera/core';
import { imagePlugin } from '@tessera/image';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importImagePackage } from '../src/load-image-package.js';
import { ONE_LINE_ERROR, runCaptured } from './helpers/run-captured.js';

const CLI = new URL('../dist/cli.js', import.meta.url).pathname;
let directory: string;
let root: string;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'tessera-cli-image-folder-'));
  root = join(directory, 'images');
  // Real JPEGs made with sharp: 3 per class, 96–140 px wide (so --max-resolution 64 shrinks them).
  for (const [label, name] of ['cats', 'dogs'].entries()) {
    mkdirSync(join(root, name), { recursive: true });
    for (let index = 0; index < 3; index++) {
      const width = 96 + 22 * index;
      const height = 80 + 10 * label;
      const pixels = Buffer.alloc(width * height * 3);
      for (let offset = 0; offset < pixels.length; offset++) pixels[offset] = (offset * (7 + label) + index * 31) % 256;
      await sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toFile(join(root, name, `${index}.jpg`));
    }
  }
});

afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('tessera build image-folder', () => {
  it('writes image and label fields, shrunk to --max-resolution, with a one-line summary', async () => {
    const output = join(directory, 'train.beton');
    const { exitCode, stdout } = await runCaptured(['build', 'image-folder', root, output, '--max-resolution', '64', '--quality', '80', '--workers', '2']);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(new RegExp(`^wrote ${output}: 6 images in 2 classes, .* images/s, JPEG backend (native|wasm)\\)\\n$`));
    const dataset = openDataset(output, { plugins: [imagePlugin()] });
    try {
      expect(dataset.fields.map((field) => field.name)).toEqual(['image', 'label']);
      expect(Array.from({ length: 6 }, (_, index) => Number(dataset.read(index, 'label')))).toEqual([0, 0, 0, 1, 1, 1]);
      const image = dataset.read(0, 'image') as { width: number; height: number };
      expect(Math.max(image.width, image.height)).toBe(64);
    } finally {
      dataset.close();
    }
  });

  it('--skip-invalid leaves corrupt images out and lists them; without it, exit 1 naming the file', async () => {
    const broken = join(root, 'dogs', 'broken.jpg');
    writeFileSync(broken, 'not a jpeg at all');
    try {
      // the built CLI in its own process: in-process, vitest would load a second @tessera/core for the
      // dynamically imported @tessera/image, and its errors would not be instances of this one's TesseraError
      const strict = spawnSync(process.execPath, [CLI, 'build', 'image-folder', root, join(directory, 'strict.beton'), '--workers', '0', '-q'], { encoding: 'utf8' });
      expect(strict.status).toBe(1);
      expect(strict.stderr).toMatch(ONE_LINE_ERROR);
      expect(strict.stderr).toMatch(/^tessera: E_ENCODE: plugin @tessera\/image, encode\(\) of field "image" sample 6: cannot decode .*broken\.jpg/);
      const lenient = await runCaptured(['build', 'image-folder', root, join(directory, 'lenient.beton'), '--skip-invalid', '--json', '-q']);
      expect(lenient.exitCode).toBe(0);
      const summary = JSON.parse(lenient.stdout);
      expect(summary).toMatchObject({ numSamples: 6, numImages: 7, classes: ['cats', 'dogs'], skipped: [{ path: broken, label: 1 }] });
    } finally {
      rmSync(broken);
    }
  });

  it('usage errors exit 2', async () => {
    for (const argv of [
      ['build', 'image-folder', root],
      ['build', 'image-folder', root, 'x.beton', '--quality', '0'],
      ['build', 'image-folder', root, 'x.beton', '--mode', 'png'],
      ['build', 'image-folder', root, 'x.beton', '--mode', 'smart'],
    ]) {
      const { exitCode, stderr } = await runCaptured(argv);
      expect(exitCode, argv.join(' ')).toBe(2);
      expect(stderr).toMatch(/^tessera: E_USAGE: /);
    }
  });

  it('without @tessera/image installed: E_PLUGIN_MISSING saying what to install', async () => {
    await expect(importImagePackage(directory, '@tessera/image-not-installed')).rejects.toMatchObject({
      code: 'E_PLUGIN_MISSING',
      message: 'tessera build image-folder needs @tessera/image-not-installed: npm install @tessera/image-not-installed',
    });
    const image = await importImagePackage(directory);
    expect(typeof image.buildImageFolderDataset).toBe('function');
  });
});
