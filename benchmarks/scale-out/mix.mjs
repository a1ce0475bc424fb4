/**
 * scale-out, mixed-loader section: a loader mixing two streams of several files against the
 * single-dataset loader over the merged file of the same samples (float32 [3, 32, 32] + int64
 * label, batch 256, random order), in the same run, interleaved, one epoch per round. The mixture
 * visits the same samples per epoch as the single loader (`repeat: 1` each, stratified), so the
 * figures compare the work per sample: what mixing adds is the dispatch of every sample to its
 * file's decoder (measured alone by the 3 files read as one stream) and the mixture's epoch order. Also measured: per-stream batching, and a
 * 0.7 / 0.3 proportion mixture (upsampling the small stream) of the same epoch size.
 */
import { join } from 'node:path';
import { formatCount, formatRatio, measureInterleaved, printTable, progress } from '../lib/index.mjs';
import { core } from '../lib/tessera-core.mjs';

const { createLoader, int64, mergeDatasets, ndarray, writeDataset } = core;
const SHAPE = [3, 32, 32];
const ELEMENTS = 3 * 32 * 32;
const BATCH_SIZE = 256;

/** Writes the streams (web: 2 files, books: 1) and their merge; returns the paths. */
async function writeStreams(directory, quick) {
  const perFile = quick ? 5000 : 15000;
  const books = quick ? 3000 : 10000;
  const files = { web: [join(directory, 'mix-web-0.beton'), join(directory, 'mix-web-1.beton')], books: [join(directory, 'mix-books.beton')] };
  const values = new Float32Array(ELEMENTS);
  const write = (path, first, count) =>
    writeDataset(path, { image: ndarray({ dtype: '<f4', shape: SHAPE }), label: int64() }, { length: count, get: (index) => ({ image: values.fill(first + index, 0, 4), label: first + index }) });
  progress(`mix: writing 2 streams, ${2 * perFile} + ${books} samples of ${ELEMENTS * 4} B`);
  await write(files.web[0], 0, perFile);
  await write(files.web[1], perFile, perFile);
  await write(files.books[0], 2 * perFile, books);
  const merged = join(directory, 'mix-merged.beton');
  await mergeDatasets(merged, [...files.web, ...files.books]);
  return { files, merged, numSamples: 2 * perFile + books };
}

function contender(id, label, source, options) {
  const loader = createLoader(source, { batchSize: BATCH_SIZE, order: 'random', seed: 7, pipelines: { label: { decoder: 'int32' } }, ...options });
  let checksum = 0;
  let samples = 0;
  return {
    id,
    label,
    loader,
    async run() {
      for await (const batch of loader) {
        const count = batch.image.shape[0];
        checksum += batch.image.data[(count - 1) * ELEMENTS] + batch.label.data[0];
        samples += count;
      }
    },
    get samples() {
      return samples;
    },
    get checksum() {
      return checksum;
    },
    close: () => loader.close(),
  };
}

/** The mixed-loader figures: samples/s of each contender and each mixture's ratio to the single loader. */
export async function benchMix({ directory, quick, repeats, workerCounts = [0, 2] }) {
  const { files, merged, numSamples } = await writeStreams(directory, quick);
  const streams = (web = {}, books = {}) => ({ streams: [{ name: 'web', files: files.web, ...web }, { name: 'books', files: files.books, ...books }] });
  const result = { numSamples, batchSize: BATCH_SIZE };
  const rows = [];
  for (const workers of workerCounts) {
    const contenders = [
      contender('single', 'one merged file', merged, { workers }),
      contender('files', 'the 3 files as one stream (no mixing)', [...files.web, ...files.books], { workers }),
      contender('stratified', 'mix, stratified (repeat 1 each)', streams(), { workers }),
      contender('perStream', 'mix, per-stream batches', streams(), { workers, mix: { batching: 'per-stream' } }),
      contender('proportion', 'mix, proportions 0.7 / 0.3', { ...streams({ proportion: 0.7 }, { proportion: 0.3 }), samplesPerEpoch: numSamples }, { workers }),
    ];
    progress(`mix: workers ${workers}, ${contenders.length} contenders, one epoch each per round, 1 warmup + ${repeats} rounds`);
    const timings = await measureInterleaved(contenders, { warmup: 1, repeats, onRound: (round) => progress(`  ${round}`) });
    // The stratified mixture visits exactly the single loader's samples: same checksum of labels and pixels is not
    // expected (other order), but the same number of samples is.
    const perEpoch = contenders.map((item) => item.samples / (1 + repeats));
    if (perEpoch.some((count) => Math.abs(count - numSamples) > BATCH_SIZE * 2)) throw new Error(`a contender did not read an epoch: ${perEpoch.join(', ')}`);
    const figures = {};
    for (const [index, item] of contenders.entries()) {
      const { bestMs, medianMs } = timings.get(item.id);
      figures[item.id] = { samplesPerSecond: perEpoch[index] / (bestMs / 1000), medianSamplesPerSecond: perEpoch[index] / (medianMs / 1000), bestMs, medianMs };
    }
    for (const item of contenders) await item.close();
    const single = figures.single.samplesPerSecond;
    const entry = { ...figures };
    for (const id of ['files', 'stratified', 'perStream', 'proportion']) {
      entry[`${id}VsSingle`] = figures[id].samplesPerSecond / single;
      entry[`median${id[0].toUpperCase()}${id.slice(1)}VsSingle`] = figures[id].medianSamplesPerSecond / figures.single.medianSamplesPerSecond;
    }
    result[`workers${workers}`] = entry;
    for (const item of contenders) {
      rows.push([`${item.label}, workers ${workers}`, formatCount(figures[item.id].samplesPerSecond), formatCount(figures[item.id].medianSamplesPerSecond), item.id === 'single' ? '1.00×' : formatRatio(figures[item.id].samplesPerSecond / single)]);
    }
  }
  printTable(`mixed loader vs single-dataset loader (${numSamples} samples, float32 [3,32,32], batch ${BATCH_SIZE}, random)`, ['contender', 'samples/s (best)', 'samples/s (median)', 'vs single'], rows);
  const worst = Math.min(...workerCounts.map((workers) => result[`workers${workers}`].stratifiedVsSingle));
  result.stratifiedVsSingleWorst = worst;
  return result;
}
