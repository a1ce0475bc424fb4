/**
 * The image contenders. Writers: Tessera's writeDataset (rgbImage, jpg q90, max side 256, 2 encoder
 * workers, from the files) and a naive loop (fs.readFile + sharp resize + JPEG encode, 64 images in
 * flight). Loaders: Tessera's createLoader (RandomResizedCrop or CenterCrop 224, batch 64, random
 * order, 2 decode workers) and a naive loop reading the same stored JPEGs as files (fs.readFile +
 * sharp extract/resize to 224 + copy into a preallocated batch, the 64 images of a batch in flight,
 * the same crop rule). One run = one epoch of every image.
 */
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { centerCrop, imagePlugin, randomResizedCrop, rgbImage } from '@tessera/image';
import sharp from 'sharp';
import { core } from '../lib/tessera-core.mjs';

const { createLoader, createSampleRandom, int64, writeDataset } = core;

export const BATCH_SIZE = 64;
export const OUTPUT_SIZE = 224;
export const MAX_RESOLUTION = 256;
export const QUALITY = 90;
export const WORKERS = 2;
export const SEED = 0x1a6e;
/** CenterCrop's side as a share of the shorter side (Tessera's and FFCV's default). */
export const CENTER_CROP_RATIO = 224 / 256;

// One libvips thread per image; parallelism comes from images in flight (sharp's own advice for many small images).
sharp.concurrency(1);

export function tesseraWriter(records, output) {
  return {
    id: 'tesseraWrite',
    label: `Tessera writeDataset (${WORKERS} workers)`,
    async run() {
      await writeDataset(output, { image: rgbImage({ maxResolution: MAX_RESOLUTION, quality: QUALITY }), label: int64() }, records, { workers: WORKERS });
    },
  };
}

/** fs.readFile + sharp resize (fit inside 256) + JPEG q90, `inFlight` images at a time; the bytes are kept like a writer would. */
export function naiveWriter(records, inFlight = BATCH_SIZE) {
  let kept = 0;
  return {
    id: 'naiveWrite',
    label: `naive readFile + sharp resize/encode (${inFlight} in flight)`,
    async run() {
      kept = 0;
      let next = 0;
      const lane = async () => {
        while (next < records.length) {
          const record = records[next++];
          const input = await readFile(record.image);
          const jpeg = await sharp(input).resize(MAX_RESOLUTION, MAX_RESOLUTION, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: QUALITY }).toBuffer();
          kept += jpeg.byteLength;
        }
      };
      await Promise.all(Array.from({ length: inFlight }, lane));
    },
    get bytes() {
      return kept;
    },
  };
}

/** Tessera's loader, kept across runs (a run is the next epoch); `env` is what its decode workers see (they copy process.env when created). */
export function tesseraLoader(betonPath, { id, label, decoder, env = {} }) {
  const saved = {};
  for (const [key, value] of Object.entries(env)) {
    saved[key] = process.env[key];
    process.env[key] = value;
  }
  const loader = createLoader(betonPath, {
    batchSize: BATCH_SIZE,
    order: 'random',
    seed: SEED,
    workers: WORKERS,
    dropLast: true,
    plugins: [imagePlugin()],
    pipelines: { image: { decoder, decoderOptions: { outputSize: OUTPUT_SIZE } }, label: { decoder: 'int32' } },
  });
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  let samples = 0;
  let checksum = 0;
  return {
    id,
    label,
    /** Waits for the decode workers (the first batch), outside the timed runs. */
    async start() {
      const iterator = loader[Symbol.asyncIterator]();
      const first = await iterator.next();
      if (!first.done) samples += first.value.image.shape[0];
      await iterator.return?.();
    },
    async run() {
      for await (const batch of loader) {
        const count = batch.image.shape[0];
        checksum += batch.image.data[count * OUTPUT_SIZE * OUTPUT_SIZE * 3 - 1] + batch.label.data[0];
        samples += count;
      }
    },
    get samples() {
      return samples;
    },
    /** Reads of every batch (so no work can be skipped). */
    get checksum() {
      return checksum;
    },
    close: () => loader.close(),
  };
}

/**
 * The naive loop: per epoch a seeded permutation, per batch 64 × (readFile → sharp extract(crop) →
 * resize 224×224 → raw) in flight, each copied into a preallocated uint8 [64, 224, 224, 3] batch.
 */
export function naiveLoader(files, sizes, { id, label, crop }) {
  const batch = new Uint8Array(BATCH_SIZE * OUTPUT_SIZE * OUTPUT_SIZE * 3);
  const random = createSampleRandom();
  const window = [0, 0, 0, 0];
  let epoch = 0;
  let samples = 0;
  const loadOne = async (fileIndex, position, cropWindow) => {
    const input = await readFile(files[fileIndex]);
    const [left, top, width, height] = cropWindow;
    const pixels = await sharp(input).extract({ left, top, width, height }).resize(OUTPUT_SIZE, OUTPUT_SIZE, { fit: 'fill' }).raw().toBuffer();
    batch.set(pixels, position * OUTPUT_SIZE * OUTPUT_SIZE * 3);
  };
  return {
    id,
    label,
    async start() {},
    async run() {
      random.reseed(SEED, epoch, 0, 1);
      const order = Uint32Array.from({ length: files.length }, (_, index) => index);
      for (let index = order.length - 1; index > 0; index--) {
        const other = random.nextInt(index + 1);
        [order[index], order[other]] = [order[other], order[index]];
      }
      const batches = Math.floor(order.length / BATCH_SIZE);
      for (let batchIndex = 0; batchIndex < batches; batchIndex++) {
        const pending = [];
        for (let position = 0; position < BATCH_SIZE; position++) {
          const fileIndex = order[batchIndex * BATCH_SIZE + position];
          const [width, height] = sizes[fileIndex];
          if (crop === 'center') centerCrop(width, height, CENTER_CROP_RATIO, window);
          else randomResizedCrop(width, height, [0.08, 1], [3 / 4, 4 / 3], random, window);
          pending.push(loadOne(fileIndex, position, [...window]));
        }
        await Promise.all(pending);
        samples += BATCH_SIZE;
      }
      epoch += 1;
    },
    get samples() {
      return samples;
    },
    get digest() {
      return createHash('sha256').update(batch).digest('hex').slice(0, 8);
    },
    close: async () => {},
  };
}
