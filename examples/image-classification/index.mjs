// Image classification with Tessera: build a dataset from an ImageFolder directory (one subfolder
// per class), then iterate augmented, normalized batches — RandomResizedCrop 224 decoded in worker
// threads, a horizontal flip, color jitter, normalization to float32 CHW, and MixUp soft labels —
// and print the throughput.
//
//   node index.mjs [--images N] [--epochs N] [--check] [--folder DIR]
//
// By default the image folder is generated: N synthetic JPEGs (300–460 px) in 10 class folders,
// made once into .output/images-N/ and reused. --folder DIR uses your own ImageFolder instead.
// --check runs a small smoke version (128 images, 1 epoch) and asserts shapes and values.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BATCH_INFO, createLoader } from '@tessera/core';
import {
  IMAGENET_MEAN,
  IMAGENET_STD,
  buildImageFolderDataset,
  colorJitter,
  imagePlugin,
  jpegBackendStatus,
  mixUp,
  normalize,
  randomHorizontalFlip,
} from '@tessera/image';
import sharp from 'sharp';

const USAGE = 'usage: node index.mjs [--images N] [--epochs N] [--check] [--folder DIR]';
// A mistake (a bad option, a missing folder: a TesseraError with a code) is one line, not a stack trace.
process.on('uncaughtException', (error) => {
  console.error(error.code === undefined || error.code === 'E_INTERNAL' ? error : `image-classification: ${error.code}: ${error.message}`);
  process.exit(1);
});
let values;
try {
  ({ values } = parseArgs({
    options: { images: { type: 'string' }, epochs: { type: 'string' }, check: { type: 'boolean', default: false }, folder: { type: 'string' } },
  }));
} catch (error) {
  console.error(`image-classification: ${error.message}\n${USAGE}`);
  process.exit(2);
}
const check = values.check;
const imageCount = positiveInteger('--images', values.images ?? (check ? '128' : '2000'));
const epochs = positiveInteger('--epochs', values.epochs ?? (check ? '1' : '3'));
const CLASSES = 10;

// 1. An ImageFolder directory: <root>/<class>/<image>. By default: synthetic JPEGs made with sharp
//    (a smooth gradient per class plus seeded noise), so the example needs nothing outside the repository.
const output = join(import.meta.dirname, '.output');
mkdirSync(output, { recursive: true });
const root = values.folder ?? (await syntheticImageFolder(join(output, `images-${imageCount}`)));

// 2. Build the dataset: JPEG quality 90, longest side 256, encoded in 2 worker threads.
const path = join(output, 'train.beton');
console.log(`JPEG backend: ${jpegBackendStatus().backend.name} (${jpegBackendStatus().reason})`);
const built = await buildImageFolderDataset({
  root,
  output: path,
  maxResolution: 256,
  quality: 90,
  workers: 2,
  onProgress: ({ phase, done, total }) => {
    if (done === total) console.log(`  ${phase}: ${done}/${total} images`);
  },
});
console.log(
  `built ${path}: ${built.numSamples} images, ${built.classes.length} classes, ${(built.fileByteLength / 2 ** 20).toFixed(1)} MiB in ${(built.elapsedMs / 1000).toFixed(2)} s ` +
    `(${Math.round(built.numSamples / (built.elapsedMs / 1000))} images/s)`,
);

// 3. The training pipeline: decode a random crop straight to 224×224, augment, normalize to CHW float32.
const loader = createLoader(path, {
  batchSize: 64,
  order: 'random',
  seed: 42,
  workers: 2,
  plugins: [imagePlugin()],
  pipelines: {
    image: {
      decoder: 'random-resized-crop',
      decoderOptions: { outputSize: 224 },
      operations: [
        randomHorizontalFlip(),
        colorJitter({ brightness: 0.2, contrast: 0.2, saturation: 0.2 }),
        normalize({ mean: IMAGENET_MEAN, std: IMAGENET_STD, layout: 'chw' }),
      ],
    },
    label: { decoder: 'int32' },
  },
  batchOperations: [mixUp({ numClasses: built.classes.length, alpha: 0.2 })],
});
console.log(`batches: image ${JSON.stringify(loader.outputs.image)}, label ${JSON.stringify(loader.outputs.label)}`);

for (let epoch = 0; epoch < epochs; epoch++) {
  const started = performance.now();
  let images = 0;
  let pixelSum = 0;
  for await (const batch of loader) {
    const { image, label } = batch;
    images += image.shape[0];
    pixelSum += image.data[0]; // a training step would go here (tf.tensor(image.data, image.shape), ...)
    if (check) {
      if (image.dtype !== 'float32' || image.shape.join() !== `${image.shape[0]},3,224,224`) throw new Error(`image batch is ${image.dtype} ${image.shape}`);
      for (let row = 0; row < label.shape[0]; row++) {
        let sum = 0;
        for (let k = 0; k < built.classes.length; k++) sum += label.data[row * built.classes.length + k];
        if (Math.abs(sum - 1) > 1e-5) throw new Error(`soft label row ${row} of batch ${batch[BATCH_INFO].index} sums to ${sum}`);
      }
      for (let index = 0; index < image.data.length; index += 997) {
        if (!Number.isFinite(image.data[index]) || Math.abs(image.data[index]) > 3) throw new Error(`normalized pixel ${image.data[index]} out of range`);
      }
    }
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`epoch ${epoch}: ${images} images in ${seconds.toFixed(2)} s = ${Math.round(images / seconds)} images/s (checksum ${pixelSum.toFixed(3)})`);
}
const stats = loader.stats();
console.log(`loader: decode ${Math.round(stats.decodeMs.image)} ms, transforms ${Object.entries(stats.transformMs).map(([name, ms]) => `${name} ${Math.round(ms)} ms`).join(', ')} (summed over workers)`);
await loader.close();
if (check) console.log('check passed');

/** `value` as a whole number ≥ 1, or exit 2 with the usage. */
function positiveInteger(name, value) {
  const number = Number(value);
  if (Number.isInteger(number) && number >= 1) return number;
  console.error(`image-classification: ${name} must be a whole number of at least 1, not ${JSON.stringify(value)}\n${USAGE}`);
  process.exit(2);
}

/** The generated ImageFolder in `directory`: made once (in a staging folder, then renamed), then reused. */
async function syntheticImageFolder(directory) {
  const complete = join(directory, '.complete');
  if (existsSync(complete)) return directory;
  const staging = `${directory}.partial`;
  rmSync(staging, { recursive: true, force: true });
  for (let index = 0; index < imageCount; index++) {
    const label = index % CLASSES;
    const classDirectory = join(staging, `class-${String(label).padStart(2, '0')}`);
    mkdirSync(classDirectory, { recursive: true });
    await syntheticJpeg(index, label, join(classDirectory, `img_${String(index).padStart(5, '0')}.jpg`));
  }
  writeFileSync(join(staging, '.complete'), `${imageCount} synthetic JPEGs\n`);
  rmSync(directory, { recursive: true, force: true });
  renameSync(staging, directory);
  return directory;
}

/** One JPEG: a class-coloured gradient with seeded noise (deterministic per index). */
async function syntheticJpeg(index, label, path) {
  let state = (index * 2654435761) >>> 0;
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const width = 300 + Math.floor(random() * 160);
  const height = 240 + Math.floor(random() * 160);
  const pixels = Buffer.allocUnsafe(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const offset = (y * width + x) * 3;
      const noise = random() * 20 - 10;
      pixels[offset] = Math.max(0, Math.min(255, 25 * label + 60 * (x / width) + noise));
      pixels[offset + 1] = Math.max(0, Math.min(255, 250 - 25 * label + noise));
      pixels[offset + 2] = Math.max(0, Math.min(255, 120 * (y / height) + 40 + noise));
    }
  }
  await sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toFile(path);
}
