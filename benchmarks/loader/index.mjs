/**
 * loader: training-style epochs over 100,000 samples of a float32 [3, 32, 32] image (12,288 B) and an
 * int64 label, batches of 256, random order, page cache warm. Tessera's createLoader with 0, 1 and 2
 * decode workers (random and quasi-random orders) against a hand-written lmdb loop doing the same
 * work (same permutation, getBinaryFast per sample, copy into a preallocated [256, 3, 32, 32]
 * Float32Array and an Int32Array of labels), and a bare mmap+copy loop (one thread) as the physical
 * limit; FFCV 1.0's Loader figure on the same data printed beside. Then, cold cache: bytes one epoch
 * reads from the file with the loader's bounded process cache, random against quasi-random.
 *
 *   pnpm bench loader [--quick] [--repeats N] [--only SECTIONS] [--cache-mib N]
 *
 * SECTIONS: comma-separated from warm, cold. --quick: 20,000 samples, 3 repeats.
 * TESSERA_BENCH_CORE=/path/to/other/dist/index.js measures another build of @tessera/core (A/B a patch).
 *
 * One run = one epoch; contenders alternate round by round; figures are best of N (the machine is
 * shared), medians alongside. Last stdout line: the JSON result.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';
import {
  createBenchRun,
  environmentMetrics,
  formatCount,
  formatRatio,
  measureInterleaved,
  parseBenchOptions,
  printTable,
  progress,
} from '../lib/index.mjs';
import { core, coreInternals, coreSource } from '../lib/tessera-core.mjs';
import { bareMmapContender } from './bare-contender.mjs';
import { COLD_ORDERS, detectProcessCache, measureColdCache } from './cold-cache.mjs';
import { BATCH_SIZE, ORDER_SEED, PIPELINES, lmdbContender, tesseraContender } from './contenders.mjs';
import { IMAGE_BYTE_LENGTH, datasetSpec, ensureLoaderBeton, ensureLoaderLmdb } from './dataset.mjs';

const BENCH = 'loader';
const WORKER_COUNTS = [0, 1, 2];
/** FFCV 1.0's Loader on exactly this dataset, this machine (random and quasi-random, 2 workers, warm cache): context only. */
const FFCV_REFERENCE = { random: { samplesPerSecond: 530e3, workers: 2 }, 'quasi-random': { samplesPerSecond: 510e3, workers: 2 } };
const TARGETS = { samplesPerSecond: 530e3, tesseraVsLmdb: 1.5 };

const options = parseBenchOptions({
  usage: 'pnpm bench loader [--quick] [--repeats N] [--only warm,cold] [--cache-mib N]',
  sections: ['warm', 'cold'],
  extraOptions: { 'cache-mib': { type: 'string' } },
});
const { quick, sections } = options;
const repeats = options.repeats ?? (quick ? 3 : 7);
const cacheMiB = options['cache-mib'] === undefined ? 16 : Number(options['cache-mib']);
if (!(cacheMiB > 0)) throw new RangeError(`--cache-mib must be a positive number, got ${options['cache-mib']}`);

const benchRun = createBenchRun(BENCH, { quick, repeats, core: coreSource });
const { metrics } = benchRun;
progress(`measuring ${coreSource}${quick ? ' (--quick: 20,000 samples)' : ''}`);

const spec = datasetSpec(quick);
progress(`preparing ${spec.numSamples} samples`);
const beton = await ensureLoaderBeton(spec);
metrics.dataset = { numSamples: spec.numSamples, sampleByteLength: IMAGE_BYTE_LENGTH, batchSize: BATCH_SIZE, pageSize: beton.pageSize, fileByteLength: beton.fileByteLength };

if (sections.has('warm')) metrics.warm = await benchWarm();
if (sections.has('cold')) metrics.cold = await benchCold();

benchRun.finish();

/** Reads a file once, sequentially, so its pages are in the OS cache. */
function warmPageCache(path) {
  const chunk = Buffer.allocUnsafeSlow(16 << 20);
  const fd = openSync(path, 'r');
  try {
    while (readSync(fd, chunk, 0, chunk.length, null) > 0);
  } finally {
    closeSync(fd);
  }
}

/** The first batch of epoch 0 from Tessera (workers 0 and 2) and the lmdb loop: same samples, same bytes. */
async function checkSameBatches(lmdb) {
  const hashOf = (images, labels) => createHash('sha256').update(new Uint8Array(images.buffer, images.byteOffset, images.byteLength)).update(new Uint8Array(labels.buffer, labels.byteOffset, labels.byteLength)).digest('hex');
  const permutation = core.randomOrder().epochOrder(coreInternals.createOrderContext({ numSamples: spec.numSamples, seed: ORDER_SEED, epoch: 0 }));
  lmdb.fillBatch(permutation, 0, BATCH_SIZE);
  const expected = hashOf(lmdb.images, lmdb.labels);
  for (const workers of [0, 2]) {
    const loader = core.createLoader(beton.path, { batchSize: BATCH_SIZE, order: 'random', seed: ORDER_SEED, workers, pipelines: PIPELINES });
    try {
      for await (const batch of loader) {
        const indices = batch[core.BATCH_INFO].sampleIndices;
        if (!indices.every((index, position) => index === permutation[position])) throw new Error(`Tessera (workers ${workers}) and the lmdb loop do not use the same permutation`);
        if (hashOf(batch.image.data, batch.label.data) !== expected) throw new Error(`Tessera (workers ${workers}) and the lmdb loop produced different first batches`);
        break;
      }
    } finally {
      await loader.close();
    }
  }
}

async function benchWarm() {
  const lmdbPath = await ensureLoaderLmdb(spec);
  progress('warm: reading both files once into the page cache');
  warmPageCache(beton.path);
  warmPageCache(lmdbPath);

  const lmdb = lmdbContender(lmdbPath, spec.numSamples);
  await checkSameBatches(lmdb);
  const contenders = [];
  for (const order of ['random', 'quasi-random']) {
    for (const workers of WORKER_COUNTS) {
      contenders.push(tesseraContender(beton.path, { workers, order, id: `${order === 'random' ? 'random' : 'quasiRandom'}Workers${workers}`, label: `Tessera ${order}, workers ${workers}` }));
    }
  }
  contenders.push(lmdb, bareMmapContender(beton.path, spec.numSamples));

  progress(`  measuring ${contenders.length} contenders, one epoch each per round, 1 warmup + ${repeats} rounds`);
  const timings = await measureInterleaved(contenders, { warmup: 1, repeats, onRound: (round) => progress(`    ${round} (load ${environmentMetrics().loadAverage1m})`) });
  const checksums = new Map(contenders.filter((contender) => contender.order === 'random').map((contender) => [contender.id, contender.checksum]));
  if (new Set(checksums.values()).size !== 1) throw new Error(`random-order contenders read different data: ${JSON.stringify(Object.fromEntries(checksums))}`);

  const epochs = 1 + repeats;
  const figures = {};
  for (const contender of contenders) {
    const { bestMs, medianMs } = timings.get(contender.id);
    const figure = {
      samplesPerSecond: spec.numSamples / (bestMs / 1000),
      gigabytesPerSecond: (spec.numSamples * IMAGE_BYTE_LENGTH) / (bestMs / 1000) / 1e9,
      medianSamplesPerSecond: spec.numSamples / (medianMs / 1000),
      bestMs,
      medianMs,
    };
    if (contender.loader !== undefined) {
      const stats = contender.loader.stats();
      // Per epoch: decode time summed over the threads that decode, and the consumer's wait.
      figure.decodeMsPerEpoch = Object.values(stats.decodeMs).reduce((sum, value) => sum + value, 0) / epochs;
      figure.waitMsPerEpoch = stats.waitMs / epochs;
    }
    figures[contender.id] = figure;
  }
  for (const contender of contenders) await contender.close();

  const randomIds = WORKER_COUNTS.map((workers) => `randomWorkers${workers}`);
  const bestId = randomIds.reduce((best, id) => (figures[id].samplesPerSecond > figures[best].samplesPerSecond ? id : best));
  const bestWorkers = WORKER_COUNTS[randomIds.indexOf(bestId)];
  const quasiId = `quasiRandomWorkers${bestWorkers}`;
  const ratios = {
    tesseraBestVsLmdb: figures[bestId].samplesPerSecond / figures.lmdb.samplesPerSecond,
    tesseraBestVsFfcv: figures[bestId].samplesPerSecond / FFCV_REFERENCE.random.samplesPerSecond,
    quasiRandomVsFfcvQuasiRandom: figures[quasiId].samplesPerSecond / FFCV_REFERENCE['quasi-random'].samplesPerSecond,
    tesseraBestVsBare: figures[bestId].samplesPerSecond / figures.bare.samplesPerSecond,
    medianTesseraBestVsLmdb: figures[bestId].medianSamplesPerSecond / figures.lmdb.medianSamplesPerSecond,
  };
  const rows = contenders.map((contender) => {
    const figure = figures[contender.id];
    const reference = contender.loader !== undefined && contender.workers === 2 ? FFCV_REFERENCE[contender.order] : undefined;
    return [
      contender.label + (contender.id === bestId || contender.id === quasiId ? ' *' : ''),
      `${formatCount(figure.samplesPerSecond)}/s`,
      figure.gigabytesPerSecond.toFixed(2),
      `${formatCount(figure.medianSamplesPerSecond)}/s`,
      formatRatio(figure.samplesPerSecond / figures.lmdb.samplesPerSecond),
      figure.decodeMsPerEpoch === undefined ? '' : figure.decodeMsPerEpoch.toFixed(0),
      figure.waitMsPerEpoch === undefined ? '' : figure.waitMsPerEpoch.toFixed(0),
      reference === undefined ? '' : `${formatCount(reference.samplesPerSecond)}/s (${(reference.samplesPerSecond * IMAGE_BYTE_LENGTH / 1e9).toFixed(2)} GB/s)`,
    ];
  });
  printTable(
    `loader, warm cache: ${spec.numSamples} × ${IMAGE_BYTE_LENGTH} B float32 [3,32,32] + int64 label, batch ${BATCH_SIZE}, one epoch per run (best of ${repeats}; * = best worker count)`,
    ['contender', 'samples/s', 'GB/s', 'median', 'vs lmdb', 'decode ms/epoch (mean)', 'wait ms/epoch (mean)', 'FFCV 1.0 Loader, 2 workers'],
    rows,
  );
  const ffcvMet = figures[bestId].samplesPerSecond >= TARGETS.samplesPerSecond;
  const lmdbMet = ratios.tesseraBestVsLmdb >= TARGETS.tesseraVsLmdb;
  console.log(
    `Tessera best (random, workers ${bestWorkers}): ${formatCount(figures[bestId].samplesPerSecond)}/s = ${formatRatio(ratios.tesseraBestVsFfcv)} FFCV ` +
      `(target ≥ 1.00×, ${formatCount(TARGETS.samplesPerSecond)}/s: ${ffcvMet ? 'met' : 'MISSED'}), ${formatRatio(ratios.tesseraBestVsLmdb)} lmdb ` +
      `(target ≥ ${TARGETS.tesseraVsLmdb.toFixed(2)}×: ${lmdbMet ? 'met' : 'MISSED'}; median ${formatRatio(ratios.medianTesseraBestVsLmdb)}), ` +
      `${formatRatio(ratios.tesseraBestVsBare)} bare; quasi-random workers ${bestWorkers} = ${formatRatio(ratios.quasiRandomVsFfcvQuasiRandom)} FFCV quasi-random`,
  );
  return {
    contenders: figures,
    bestWorkers,
    ratios,
    targets: { ffcvMet, lmdbMet },
    reference: { ffcv: FFCV_REFERENCE },
  };
}

async function benchCold() {
  const cacheBytes = Math.round(cacheMiB * 2 ** 20);
  const detected = detectProcessCache(beton.path, cacheBytes);
  if (!detected.available) {
    console.log(`\ncold cache (quasi-random vs random bytes read with cache: 'process'): not available yet (${detected.reason})`);
    return { available: false, reason: detected.reason };
  }
  const coldRepeats = quick ? 1 : Math.min(repeats, 3);
  progress(`cold: one epoch per order with a fresh ${cacheMiB} MiB process cache, ${coldRepeats} round(s)`);
  const results = await measureColdCache(beton.path, { cacheBytes, repeats: coldRepeats, onRound: (round) => progress(`    ${round}`) });
  const payloadByteLength = spec.numSamples * IMAGE_BYTE_LENGTH;
  const figures = {};
  for (const order of COLD_ORDERS) {
    const result = results[order];
    figures[order] = {
      bytesRead: result.counters.bytesRead,
      readAmplification: result.counters.bytesRead / payloadByteLength,
      samplesPerSecond: result.samples / (result.bestMs / 1000),
      medianSamplesPerSecond: result.samples / (result.medianMs / 1000),
      counters: result.counters,
      countersVary: result.countersVary,
    };
  }
  const bytesRatio = figures.random.bytesRead / figures['quasi-random'].bytesRead;
  printTable(
    `cold cache: one epoch, cache: 'process' with a ${cacheMiB} MiB pool on a ${(beton.fileByteLength / 1e9).toFixed(2)} GB file (page size ${beton.pageSize} B), workers 0 (best of ${coldRepeats})`,
    ['order', 'bytes read', '× payload', 'pages read', 'hits', 'misses', 'prefetched', 'samples/s', 'median'],
    COLD_ORDERS.map((order) => {
      const figure = figures[order];
      return [
        order,
        `${(figure.bytesRead / 1e9).toFixed(2)} GB`,
        figure.readAmplification.toFixed(2),
        figure.counters.pagesRead,
        figure.counters.hits,
        figure.counters.misses,
        figure.counters.prefetched ?? '—',
        `${formatCount(figure.samplesPerSecond)}/s`,
        `${formatCount(figure.medianSamplesPerSecond)}/s`,
      ];
    }),
  );
  console.log(`random reads ${formatRatio(bytesRatio)} the bytes of quasi-random from a cold cache (payload ${(payloadByteLength / 1e9).toFixed(2)} GB per epoch)`);
  return { available: true, cacheBytes, pageSize: beton.pageSize, payloadByteLength, orders: figures, randomVsQuasiRandomBytes: bytesRatio };
}
