/**
 * The random-read contenders. Each `run(indices)` reads the given samples in order, copying sample
 * k into batch slot k % BATCH_SLOTS (one batch buffer, reused, slots `stride` bytes apart). Nothing
 * of ours allocates on the measured path; what does is inherent to the API measured (readFileSync's
 * Buffer, lmdb's subarray, and Node 20's Buffer#copy, which makes a Uint8Array view per call, for
 * the bare baseline and Tessera alike).
 */
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { openLmdbForRead } from '../lib/cached-datasets.mjs';
import { core } from '../lib/tessera-core.mjs';

const { openDataset } = core;

export const BATCH_SLOTS = 256;

const require = createRequire(import.meta.url);

/** The raw mmap addon Tessera uses (its one native dependency): for the bare baseline only. */
function loadMmap() {
  return require('@riaskov/mmap-io');
}

/** Pointer and size of every sample, read once from the .beton metadata (setup, not measured). */
function readSampleTable(path) {
  const dataset = openDataset(path);
  const field = dataset.field('data');
  const pointers = new Float64Array(dataset.numSamples);
  const sizes = new Float64Array(dataset.numSamples);
  for (let index = 0; index < dataset.numSamples; index++) {
    const offset = field.recordOffset(index);
    pointers[index] = field.readUint64(offset);
    sizes[index] = field.readUint64(offset + 8);
  }
  const fileByteLength = dataset.layout.fileByteLength;
  dataset.close();
  return { pointers, sizes, fileByteLength };
}

/** The physical limit: one mapping of the whole file, precomputed offsets, Buffer#copy into the slot. */
export function bareMmapContender(betonPath, batch, stride, { id = 'bare', label = 'bare mmap+copy' } = {}) {
  const mmap = loadMmap();
  const { pointers, sizes, fileByteLength } = readSampleTable(betonPath);
  const fd = openSync(betonPath, 'r');
  const mapping = mmap.map(fileByteLength, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0);
  closeSync(fd);
  return {
    id,
    label,
    run(indices) {
      let slotOffset = 0;
      const batchByteLength = BATCH_SLOTS * stride;
      for (let position = 0; position < indices.length; position++) {
        const index = indices[position];
        const pointer = pointers[index];
        mapping.copy(batch, slotOffset, pointer, pointer + sizes[index]);
        slotOffset += stride;
        if (slotOffset === batchByteLength) slotOffset = 0;
      }
    },
    close() {},
  };
}

/** Tessera's reader: the field's default decoder (`bytes`) into preallocated slots. */
export function tesseraDecoderContender(betonPath, batch, stride) {
  const dataset = openDataset(betonPath);
  const decoder = dataset.createDecoder('data');
  const elementCount = decoder.output.shape[0];
  const slots = Array.from({ length: BATCH_SLOTS }, (_, slot) => {
    const bytes = batch.subarray(slot * stride, slot * stride + elementCount);
    return { bytes, data: bytes, lengths: new Int32Array(1) };
  });
  return {
    id: 'tessera',
    label: 'Tessera decoder',
    ioMode: dataset.ioMode,
    run(indices) {
      let slot = 0;
      for (let position = 0; position < indices.length; position++) {
        decoder.decode(indices[position], slots[slot]);
        if (++slot === BATCH_SLOTS) slot = 0;
      }
    },
    close: () => dataset.close(),
  };
}

/** Tessera one level down: FieldReader metadata reads + copyBytes, no decoder. */
export function tesseraFieldReaderContender(betonPath, batch, stride) {
  const dataset = openDataset(betonPath);
  const field = dataset.field('data');
  return {
    id: 'tesseraCopyBytes',
    label: 'Tessera FieldReader.copyBytes',
    run(indices) {
      let slotOffset = 0;
      const batchByteLength = BATCH_SLOTS * stride;
      for (let position = 0; position < indices.length; position++) {
        const offset = field.recordOffset(indices[position]);
        field.copyBytes(field.readUint64(offset), field.readUint64(offset + 8), batch, slotOffset);
        slotOffset += stride;
        if (slotOffset === batchByteLength) slotOffset = 0;
      }
    },
    close: () => dataset.close(),
  };
}

/**
 * LMDB: getBinaryFast (a view valid until the next get) copied into the slot. For values that fit its
 * reusable buffer lmdb-js returns that buffer with an own `length` property set to the value's size;
 * Node 20's Buffer#copy then copies the whole buffer (RangeError), so the value is cut with subarray.
 */
export function lmdbContender(lmdbPath, batch, stride) {
  const db = openLmdbForRead(lmdbPath);
  return {
    id: 'lmdb',
    label: 'lmdb getBinaryFast+copy',
    run(indices) {
      let slotOffset = 0;
      const batchByteLength = BATCH_SLOTS * stride;
      for (let position = 0; position < indices.length; position++) {
        const value = db.getBinaryFast(indices[position]);
        batch.set(value.byteLength === value.length ? value : value.subarray(0, value.length), slotOffset);
        slotOffset += stride;
        if (slotOffset === batchByteLength) slotOffset = 0;
      }
    },
    close: () => db.close(),
  };
}

/** One file per sample: readFileSync, then copy into the slot. */
export function readFileSyncContender(paths, batch, stride) {
  return {
    id: 'readFileSync',
    label: 'fs.readFileSync per file',
    run(indices) {
      let slotOffset = 0;
      const batchByteLength = BATCH_SLOTS * stride;
      for (let position = 0; position < indices.length; position++) {
        readFileSync(paths[indices[position]]).copy(batch, slotOffset);
        slotOffset += stride;
        if (slotOffset === batchByteLength) slotOffset = 0;
      }
    },
    close() {},
  };
}
