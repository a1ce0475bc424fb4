/**
 * The loader contenders. Each `run()` is one epoch: every batch of 256 consumed, one float and one
 * label read per batch into a running checksum (so nothing can be skipped), in a random order that
 * is a fresh permutation per epoch, the same permutation for Tessera's 'random' order and the lmdb
 * loop (epoch k of either uses the core's randomOrder for (seed, k)).
 */
import { openLmdbForRead } from '../lib/cached-datasets.mjs';
import { allocatePageAligned } from '../lib/index.mjs';
import { core, coreInternals } from '../lib/tessera-core.mjs';
import { IMAGE_BYTE_LENGTH, IMAGE_ELEMENT_COUNT } from './dataset.mjs';

const { createLoader, randomOrder } = core;
const { createOrderContext } = coreInternals;

export const BATCH_SIZE = 256;
export const ORDER_SEED = 0x10ade7;

/** The pipelines every Tessera contender uses: labels as Int32Array, like the lmdb loop's. */
export const PIPELINES = { label: { decoder: 'int32' } };

/**
 * Tessera's createLoader, one loader kept across runs (one run = the next epoch). `checksum` sums
 * the first pixel of every batch's last sample and every batch's first label.
 */
export function tesseraContender(betonPath, { workers, order, id, label, loaderOptions = {} }) {
  const loader = createLoader(betonPath, { batchSize: BATCH_SIZE, order, seed: ORDER_SEED, workers, pipelines: PIPELINES, ...loaderOptions });
  let checksum = 0;
  let samples = 0;
  return {
    id,
    label,
    loader,
    workers,
    order,
    async run() {
      for await (const batch of loader) {
        const { image, label: labels } = batch;
        const count = image.shape[0];
        checksum += image.data[(count - 1) * IMAGE_ELEMENT_COUNT] + labels.data[0];
        samples += count;
      }
    },
    get checksum() {
      return checksum;
    },
    get samples() {
      return samples;
    },
    close: () => loader.close(),
  };
}

/**
 * The hand-written lmdb loop: per epoch the random permutation, then per batch `getBinaryFast` per
 * sample (lmdb copies the value into its reusable buffer), the image bytes copied into a
 * preallocated page-aligned Float32Array [256, 3, 32, 32], the label into an Int32Array; then the
 * same cheap touch as the loader contenders.
 */
export function lmdbContender(lmdbPath, numSamples) {
  const db = openLmdbForRead(lmdbPath);
  const imageBytes = allocatePageAligned(BATCH_SIZE * IMAGE_BYTE_LENGTH);
  const images = new Float32Array(imageBytes.buffer, imageBytes.byteOffset, BATCH_SIZE * IMAGE_ELEMENT_COUNT);
  const labels = new Int32Array(BATCH_SIZE);
  const order = randomOrder();
  let epoch = 0;
  let checksum = 0;
  let samples = 0;
  const fillBatch = (permutation, start, count) => {
    for (let slot = 0; slot < count; slot++) {
      const value = db.getBinaryFast(permutation[start + slot]);
      // lmdb-js hands back its reusable buffer with `length` set to the value's size; cut the image out of it.
      imageBytes.set(value.subarray(0, IMAGE_BYTE_LENGTH), slot * IMAGE_BYTE_LENGTH);
      labels[slot] = value.readInt32LE(IMAGE_BYTE_LENGTH);
    }
  };
  return {
    id: 'lmdb',
    label: 'lmdb getBinaryFast loop',
    workers: 0,
    order: 'random',
    images,
    labels,
    fillBatch,
    run() {
      const permutation = order.epochOrder(createOrderContext({ numSamples, seed: ORDER_SEED, epoch: epoch++ }));
      for (let start = 0; start < permutation.length; start += BATCH_SIZE) {
        const count = Math.min(BATCH_SIZE, permutation.length - start);
        fillBatch(permutation, start, count);
        checksum += images[(count - 1) * IMAGE_ELEMENT_COUNT] + labels[0];
        samples += count;
      }
    },
    get checksum() {
      return checksum;
    },
    get samples() {
      return samples;
    },
    close: () => db.close(),
  };
}
