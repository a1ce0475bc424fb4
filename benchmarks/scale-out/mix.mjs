/**
 * scale-out, mixed-loader section: a loader mixing two streams of several files against the
 * single-dataset loader over the merged file of the same samples (float32 [3, 32, 32] + int64
 * label, batch 256, random order), in the same run, interleaved, one epoch per round. The mixture
 * visits the same samples per epoch as the single loader (`repeat: 1` each, stratified), so the
 * figures compare the work per sample: what mixing adds is the dispatch of every sample to its
 * file's decoder (measured alone by the 3 files read as one stream) and the mixture's epoch order. Also measured: per-stream batching, and a
 * 0.7 / 0.3 proportion mixture (upsampling the small stream) of the same epoch size.
 *
 * Each contender runs alone in a fresh child process (this module, run as a script with
 * `--measure`), round after round (see benchMix for why).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatCount, formatRatio, printTable, progress, summarize } from '../lib/index.mjs';
import { core } from '../lib/tessera-core.mjs';

const { createLoader, int64, mergeDatasets, ndarray, writeDataset } = core;
const SHAPE = [3, 32, 32];
const ELEMENTS = 3 * 32 * 32;
const BATCH_SIZE = 256;

/** Writes the streams (web: 2 files, books: 1) and their merge; returns the paths. */
async function writeStreams(directory, quick) {
  // Full: 100,000 samples (1.2 GB), so that one epoch takes a few hundred milliseconds and the
  // figures are not those of timer noise.
  const perFile = quick ? 5000 : 40000;
  const books = quick ? 3000 : 20000;
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

/** The contenders, by id: label and createLoader source and options. */
function contenderSpecs({ files, merged, numSamples }, workers) {
  const streams = (web = {}, books = {}) => ({ streams: [{ name: 'web', files: files.web, ...web }, { name: 'books', files: files.books, ...books }] });
  return [
    { id: 'single', label: 'one merged file', source: merged, options: { workers } },
    { id: 'files', label: 'the 3 files as one stream (no mixing)', source: [...files.web, ...files.books], options: { workers } },
    { id: 'stratified', label: 'mix, stratified (repeat 1 each)', source: streams(), options: { workers } },
    { id: 'perStream', label: 'mix, per-stream batches', source: streams(), options: { workers, mix: { batching: 'per-stream' } } },
    { id: 'proportion', label: 'mix, proportions 0.7 / 0.3', source: { ...streams({ proportion: 0.7 }, { proportion: 0.3 }), samplesPerEpoch: numSamples }, options: { workers } },
  ];
}

/** One contender in a fresh process: `epochs` timed epochs after one untimed; returns their times and samples per epoch. */
function runChild(written, id, workers, epochs) {
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--measure', JSON.stringify({ ...written, id, workers, epochs })], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    env: process.env,
    maxBuffer: 1 << 24,
  });
  if (child.status !== 0) throw new Error(`the mix measurement process (${id}, workers ${workers}) failed (${child.error?.message ?? `exit ${child.status}, signal ${child.signal}`})`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1));
}

/**
 * The mixed-loader figures: samples/s of each contender and each mixture's ratio to the single
 * loader. Every contender runs alone in a fresh process (one untimed epoch, then 3 timed ones),
 * the contenders one after another, round after round: several loaders with decode workers alive
 * in one process stalled each other's epochs (2–3× longer, at random), and a process that has just
 * written datasets reads about 20 % slower for a while.
 */
export async function benchMix({ directory, quick, repeats, workerCounts = [0, 2] }) {
  const written = await writeStreams(directory, quick);
  const rounds = quick ? Math.min(repeats, 2) : Math.max(3, Math.ceil(repeats / 2));
  const epochs = 3;
  const result = { numSamples: written.numSamples, batchSize: BATCH_SIZE, measuredIn: `a fresh process per contender and round: ${rounds} rounds × (1 untimed + ${epochs} timed epochs)` };
  const rows = [];
  for (const workers of workerCounts) {
    const specs = contenderSpecs(written, workers);
    const times = new Map(specs.map((spec) => [spec.id, []]));
    const samples = new Map();
    for (let round = 0; round < rounds; round++) {
      progress(`mix: workers ${workers}, round ${round + 1}/${rounds}, ${specs.length} contenders, each in a fresh process`);
      for (const spec of specs) {
        const measured = runChild(written, spec.id, workers, epochs);
        times.get(spec.id).push(...measured.timesMs);
        samples.set(spec.id, measured.samplesPerEpoch);
      }
    }
    // Each contender reads one epoch of the same size (the stratified mixture exactly the single loader's samples).
    const perEpoch = specs.map((spec) => samples.get(spec.id));
    if (perEpoch.some((count) => Math.abs(count - written.numSamples) > BATCH_SIZE * 2)) throw new Error(`a contender did not read an epoch: ${perEpoch.join(', ')}`);
    const figures = {};
    for (const spec of specs) {
      const { bestMs, medianMs, timesMs } = summarize(times.get(spec.id));
      figures[spec.id] = { samplesPerSecond: samples.get(spec.id) / (bestMs / 1000), medianSamplesPerSecond: samples.get(spec.id) / (medianMs / 1000), bestMs, medianMs, timesMs };
    }
    const single = figures.single.samplesPerSecond;
    const entry = { ...figures };
    for (const id of ['files', 'stratified', 'perStream', 'proportion']) {
      entry[`${id}VsSingle`] = figures[id].samplesPerSecond / single;
      entry[`median${id[0].toUpperCase()}${id.slice(1)}VsSingle`] = figures[id].medianSamplesPerSecond / figures.single.medianSamplesPerSecond;
    }
    result[`workers${workers}`] = entry;
    for (const spec of specs) {
      rows.push([`${spec.label}, workers ${workers}`, formatCount(figures[spec.id].samplesPerSecond), formatCount(figures[spec.id].medianSamplesPerSecond), spec.id === 'single' ? '1.00×' : formatRatio(figures[spec.id].samplesPerSecond / single)]);
    }
  }
  printTable(`mixed loader vs single-dataset loader (${written.numSamples} samples, float32 [3,32,32], batch ${BATCH_SIZE}, random)`, ['contender', 'samples/s (best)', 'samples/s (median)', 'vs single'], rows);
  result.stratifiedVsSingleWorst = Math.min(...workerCounts.map((workers) => result[`workers${workers}`].stratifiedVsSingle));
  result.medianStratifiedVsSingleWorst = Math.min(...workerCounts.map((workers) => result[`workers${workers}`].medianStratifiedVsSingle));
  return result;
}

/** In the child: one contender, one untimed epoch then `epochs` timed ones. */
async function measureOne({ id, workers, epochs, ...written }) {
  const spec = contenderSpecs(written, workers).find((candidate) => candidate.id === id);
  const item = contender(spec.id, spec.label, spec.source, spec.options);
  const timesMs = [];
  for (let epoch = 0; epoch <= epochs; epoch++) {
    const started = performance.now();
    await item.run();
    if (epoch > 0) timesMs.push(performance.now() - started);
  }
  await item.close();
  return { timesMs, samplesPerEpoch: item.samples / (epochs + 1), checksum: item.checksum };
}

if (process.argv[2] === '--measure') {
  const measured = await measureOne(JSON.parse(process.argv[3]));
  process.stdout.write(`${JSON.stringify(measured)}\n`);
}
