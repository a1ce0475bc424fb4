/**
 * The default image set of the image benchmark: `count` JPEGs (q95, 300–500 × 240–400 px, smooth
 * gradients plus seeded noise, 10 classes), written once into `.bench-data/` with a MANIFEST.json in
 * the layout `--images DIR` expects, then reused. A larger external set is passed with `--images`.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { benchDataPath } from './data-directory.mjs';

const RECIPE = 'synthetic-images-v1';

/** The folder holding MANIFEST.json and the images (generated on first use). */
export async function ensureSyntheticImages(count, { onProgress } = {}) {
  const directory = benchDataPath(`${RECIPE}-${count}`);
  const manifestPath = join(directory, 'MANIFEST.json');
  if (existsSync(manifestPath) && JSON.parse(readFileSync(manifestPath, 'utf8')).images.length === count) return directory;
  const staging = `${directory}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const images = [];
  for (let index = 0; index < count; index++) {
    const random = mulberry32(1234 + index);
    const width = 300 + Math.floor(random() * 201);
    const height = 240 + Math.floor(random() * 161);
    const pixels = Buffer.allocUnsafe(width * height * 3);
    const [red, green, blue] = [random() * 255, random() * 255, random() * 255];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const offset = (y * width + x) * 3;
        const noise = random() * 24 - 12;
        pixels[offset] = clamp(red * (x / width) + 40 + noise);
        pixels[offset + 1] = clamp(green * (y / height) + 30 + noise);
        pixels[offset + 2] = clamp(blue * (1 - x / width) + 20 + noise);
      }
    }
    const file = `img_${String(index).padStart(5, '0')}.jpg`;
    await sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 95 }).toFile(join(staging, file));
    images.push({ file, width, height, label: index % 10 });
    if (onProgress !== undefined && (index + 1) % 250 === 0) onProgress(index + 1, count);
  }
  writeFileSync(join(staging, 'MANIFEST.json'), `${JSON.stringify({ spec: { n: count, generator: RECIPE, jpeg_quality: 95 }, images }, null, 1)}\n`);
  rmSync(directory, { recursive: true, force: true });
  renameSync(staging, directory);
  return directory;
}

const clamp = (value) => Math.max(0, Math.min(255, Math.round(value)));

function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}
