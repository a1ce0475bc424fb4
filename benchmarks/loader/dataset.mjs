/**
 * The loader benchmark's data: N samples of `image: ndarray('<f4', [3, 32, 32])` (12,288 bytes) and
 * `label: int64()`, stored as a .beton file (the writer's own page size) and as an LMDB database
 * (one key per sample), built once under .bench-data/ and reused while their tag matches; when FFCV
 * is measured, also as a .beton written by FFCV's own DatasetWriter from the same values. Cached
 * copies are spot-checked against freshly generated samples before use.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { ensureLmdbDatabase, reuseCachedBeton, spotCheckSamples } from '../lib/cached-datasets.mjs';
import { benchDataPath, createByteStream, progress, removePath } from '../lib/index.mjs';
import { core } from '../lib/tessera-core.mjs';

const { int64, ndarray, writeDataset } = core;

/** Bump when the way data is generated or stored changes: every cached file is then rebuilt. */
const RECIPE_VERSION = 1;
export const IMAGE_SHAPE = [3, 32, 32];
export const IMAGE_ELEMENT_COUNT = 3 * 32 * 32;
export const IMAGE_BYTE_LENGTH = IMAGE_ELEMENT_COUNT * 4;
export const LABEL_COUNT = 1000;
/**
 * LMDB value: the image's 12,288 bytes then the label as int32 little-endian. One key per sample is
 * the faster honest layout: image and label under separate keys measured 0.78–0.85× of it (best of 8
 * epochs, two runs: two B-tree lookups and two native calls per sample for 4 bytes of label).
 */
export const LMDB_VALUE_BYTE_LENGTH = IMAGE_BYTE_LENGTH + 4;

export function datasetSpec(quick) {
  return { numSamples: quick ? 20_000 : 100_000, seed: 1 };
}

export function specTag(spec) {
  return `${spec.numSamples}x3x32x32f4-int64-seed${spec.seed}-r${RECIPE_VERSION}`;
}

/** Label of sample i: a fixed hash of (seed, i) in [0, LABEL_COUNT). */
export function labelOf(spec, index) {
  let hash = Math.imul(index ^ 0x9e3779b9, 0x85ebca6b) ^ spec.seed;
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return ((hash ^ (hash >>> 16)) >>> 0) % LABEL_COUNT;
}

/**
 * Image of sample i: floats in [0, 1) from the spec's seeded byte stream (23 random mantissa bits per
 * value, so no NaN or denormal can slow anyone down). Returns a fresh Float32Array of its own.
 */
export function createSampleSource(spec) {
  const stream = createByteStream(specTag(spec));
  const imageOf = (index) => {
    const image = new Float32Array(IMAGE_ELEMENT_COUNT);
    const bits = new Uint32Array(image.buffer);
    stream.fill(new Uint8Array(image.buffer), index * IMAGE_BYTE_LENGTH);
    for (let position = 0; position < bits.length; position++) bits[position] = (bits[position] >>> 9) | 0x3f800000;
    for (let position = 0; position < image.length; position++) image[position] -= 1;
    return image;
  };
  return {
    length: spec.numSamples,
    imageOf,
    get(index) {
      return { image: imageOf(index), label: labelOf(spec, index) };
    },
  };
}

/** True when `read(i)` gives back sample i's image bytes and label for the spot-checked samples. */
function matchesSource(spec, read) {
  const source = createSampleSource(spec);
  return spotCheckSamples(spec.numSamples, (index) => {
    const actual = read(index);
    if (actual === undefined) return false;
    const expected = source.imageOf(index);
    return Buffer.from(actual.image.buffer, actual.image.byteOffset, actual.image.byteLength).equals(Buffer.from(expected.buffer)) && actual.label === labelOf(spec, index);
  });
}

/** The .beton file; returns { path, pageSize, fileByteLength }. */
export async function ensureLoaderBeton(spec) {
  const path = benchDataPath(`loader-${specTag(spec)}.beton`);
  const cached = reuseCachedBeton(path, (dataset) => {
    const valid = dataset.numSamples === spec.numSamples && matchesSource(spec, (index) => ({ image: dataset.read(index, 'image').data, label: dataset.read(index, 'label') }));
    return valid && { path, pageSize: dataset.pageSize, fileByteLength: dataset.layout.fileByteLength };
  });
  if (cached) return cached;
  progress(`  writing ${path} (${spec.numSamples} × ${IMAGE_BYTE_LENGTH} B images + int64 labels)…`);
  const summary = await writeDataset(path, { image: ndarray({ dtype: '<f4', shape: IMAGE_SHAPE }), label: int64() }, createSampleSource(spec), { workers: 2 });
  progress(`  wrote ${(summary.fileByteLength / 1e9).toFixed(2)} GB (page size ${summary.pageSize} B) in ${(summary.elapsedMs / 1000).toFixed(1)} s`);
  return { path, pageSize: summary.pageSize, fileByteLength: summary.fileByteLength };
}

/** The LMDB database (uint32 keys, values of LMDB_VALUE_BYTE_LENGTH bytes); returns its path. */
export async function ensureLoaderLmdb(spec) {
  const source = createSampleSource(spec);
  const value = Buffer.alloc(LMDB_VALUE_BYTE_LENGTH);
  return ensureLmdbDatabase(benchDataPath(`loader-${specTag(spec)}.lmdb`), {
    tag: specTag(spec),
    numSamples: spec.numSamples,
    valueByteLength: LMDB_VALUE_BYTE_LENGTH,
    mapSizeFactor: 1.4,
    valueAt(index) {
      value.set(new Uint8Array(source.imageOf(index).buffer), 0);
      value.writeInt32LE(labelOf(spec, index), IMAGE_BYTE_LENGTH);
      return value;
    },
    matches: (db) =>
      matchesSource(spec, (index) => {
        const stored = db.getBinary(index);
        if (stored === undefined || stored.length !== LMDB_VALUE_BYTE_LENGTH) return undefined;
        return { image: stored.subarray(0, IMAGE_BYTE_LENGTH), label: stored.readInt32LE(IMAGE_BYTE_LENGTH) };
      }),
  });
}

/**
 * The same samples written by FFCV's DatasetWriter (NDArrayField float32 [3, 32, 32] + IntField, its
 * default page size, 2 workers), so Tessera and FFCV read one file. Node writes the values once
 * into a raw file (every image, then every label as int64), FFCV's writer reads it with
 * numpy.memmap; the raw file is removed afterwards. Tessera then checks the written file holds the
 * spec's values. Returns { path, pageSize, fileByteLength, writeSeconds (undefined when reused) }.
 */
export async function ensureFfcvLoaderBeton(spec, ffcvDriver) {
  const path = benchDataPath(`loader-${specTag(spec)}-ffcv.beton`);
  const check = (dataset) => {
    const valid = dataset.numSamples === spec.numSamples && matchesSource(spec, (index) => ({ image: dataset.read(index, 'image').data, label: dataset.read(index, 'label') }));
    return valid && { path, pageSize: dataset.pageSize, fileByteLength: dataset.layout.fileByteLength };
  };
  const cached = reuseCachedBeton(path, check);
  if (cached) return { ...cached, writeSeconds: undefined };
  const rawPath = benchDataPath(`loader-${specTag(spec)}.raw`);
  progress(`  writing ${rawPath} (the same values, raw, for FFCV's writer)…`);
  writeRawSamples(spec, rawPath);
  progress(`  FFCV's DatasetWriter: ${path}…`);
  let reply;
  try {
    reply = await ffcvDriver.writeNdarray({ path, raw: rawPath, numSamples: spec.numSamples, shape: IMAGE_SHAPE, workers: 2 });
  } finally {
    removePath(rawPath);
  }
  const dataset = core.openDataset(path);
  let written;
  try {
    written = check(dataset);
  } finally {
    dataset.close();
  }
  if (!written) throw new Error(`FFCV wrote ${path}, but Tessera does not read the spec's values back from it (samples 0, 1, ${Math.floor(spec.numSamples / 2)}, ${spec.numSamples - 1} checked)`);
  progress(`  FFCV wrote ${(written.fileByteLength / 1e9).toFixed(2)} GB (page size ${written.pageSize} B) in ${reply.seconds.toFixed(1)} s`);
  return { ...written, writeSeconds: reply.seconds };
}

/** Every image's float32 bytes, sample by sample, then every label as int64 little-endian. */
function writeRawSamples(spec, rawPath) {
  const source = createSampleSource(spec);
  const chunkSamples = 1024;
  const chunk = Buffer.allocUnsafe(chunkSamples * IMAGE_BYTE_LENGTH);
  const fd = openSync(rawPath, 'w');
  try {
    for (let first = 0; first < spec.numSamples; first += chunkSamples) {
      const count = Math.min(chunkSamples, spec.numSamples - first);
      for (let slot = 0; slot < count; slot++) chunk.set(new Uint8Array(source.imageOf(first + slot).buffer), slot * IMAGE_BYTE_LENGTH);
      writeSync(fd, chunk, 0, count * IMAGE_BYTE_LENGTH);
    }
    const labels = new BigInt64Array(spec.numSamples);
    for (let index = 0; index < spec.numSamples; index++) labels[index] = BigInt(labelOf(spec, index));
    writeSync(fd, new Uint8Array(labels.buffer));
  } finally {
    closeSync(fd);
  }
}
