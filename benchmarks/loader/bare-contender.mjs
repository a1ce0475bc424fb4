/**
 * The physical limit of one thread: the .beton file mapped once (the mmap addon Tessera itself uses),
 * every sample's pointer read up front, then per epoch the same permutation as the other contenders
 * and one Buffer#copy of 12,288 bytes per sample into a page-aligned batch. No labels, no loader.
 */
import { closeSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { allocatePageAligned } from '../lib/index.mjs';
import { core, coreInternals } from '../lib/tessera-core.mjs';
import { BATCH_SIZE, ORDER_SEED } from './contenders.mjs';
import { IMAGE_BYTE_LENGTH, IMAGE_ELEMENT_COUNT } from './dataset.mjs';

const require = createRequire(import.meta.url);

export function bareMmapContender(betonPath, numSamples) {
  const mmap = require('@riaskov/mmap-io');
  const dataset = core.openDataset(betonPath);
  const field = dataset.field('image');
  const pointers = new Float64Array(dataset.numSamples);
  for (let index = 0; index < dataset.numSamples; index++) pointers[index] = field.readUint64(field.recordOffset(index));
  const fileByteLength = dataset.layout.fileByteLength;
  dataset.close();
  const fd = openSync(betonPath, 'r');
  const mapping = mmap.map(fileByteLength, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0);
  closeSync(fd);
  const batch = allocatePageAligned(BATCH_SIZE * IMAGE_BYTE_LENGTH);
  const images = new Float32Array(batch.buffer, batch.byteOffset, BATCH_SIZE * IMAGE_ELEMENT_COUNT);
  const order = core.randomOrder();
  let epoch = 0;
  let checksum = 0;
  return {
    id: 'bare',
    label: 'bare mmap+copy, 1 thread (limit)',
    workers: 0,
    order: 'bare',
    run() {
      const permutation = order.epochOrder(coreInternals.createOrderContext({ numSamples, seed: ORDER_SEED, epoch: epoch++ }));
      for (let start = 0; start < permutation.length; start += BATCH_SIZE) {
        const count = Math.min(BATCH_SIZE, permutation.length - start);
        for (let slot = 0; slot < count; slot++) {
          const pointer = pointers[permutation[start + slot]];
          mapping.copy(batch, slot * IMAGE_BYTE_LENGTH, pointer, pointer + IMAGE_BYTE_LENGTH);
        }
        checksum += images[(count - 1) * IMAGE_ELEMENT_COUNT];
      }
    },
    get checksum() {
      return checksum;
    },
    close() {},
  };
}
