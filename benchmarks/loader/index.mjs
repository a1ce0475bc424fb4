/**
 * loader: training-style epochs over 100,000 samples of a float32 [3, 32, 32] image (12,288 B) and an
 * int64 label, batches of 256, random order, page cache warm. Tessera's createLoader with 0, 1 and 2
 * decode workers (random and quasi-random orders) against a hand-written lmdb loop doing the same
 * work (same permutation, getBinaryFast per sample, copy into a preallocated [256, 3, 32, 32]
 * Float32Array and an Int32Array of labels), and a bare mmap+copy loop (one thread) as the physical
 * limit. FFCV 1.0, when TESSERA_FFCV_PYTHONPATH names a built FFCV tree (benchmarks/README.md): its
 * DatasetWriter writes the same values into a .beton of its own, and on that one file FFCV's Loader
 * (random and quasi-random, 2 workers, os_cache) and Tessera's loader (2 workers) run in the same
 * interleaved rounds; without FFCV its figures measured earlier on this machine are printed, marked
 * "reference, not measured". Then, cold cache: bytes one epoch reads from the file with the loader's
 * bounded process cache, random against quasi-random.
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
import { probeFfcv, startFfcvDriver } from '../ffcv/ffcv-driver.mjs';
import { core, coreInternals, coreSource } from '../lib/tessera-core.mjs';
import { bareMmapContender } from './bare-contender.mjs';
import { COLD_ORDERS, detectProcessCache, measureColdCache } from './cold-cache.mjs';
import { BATCH_SIZE, ORDER_SEED, PIPELINES, lmdbContender, tesseraContender } from './contenders.mjs';
import { IMAGE_BYTE_LENGTH, datasetSpec, ensureFfcvLoaderBeton, ensureLoaderBeton, ensureLoaderLmdb } from './dataset.mjs';

const BENCH = 'loader';
const WORKER_COUNTS = [0, 1, 2];
/** FFCV 1.0's Loader on exactly this dataset, this machine (random and quasi-random, 2 workers, warm cache), measured earlier: printed when FFCV is not measured. */
const FFCV_REFERENCE = { random: { samplesPerSecond: 530e3, workers: 2 }, 'quasi-random': { samplesPerSecond: 510e3, workers: 2 } };
/** FFCV's Loader and the Tessera loader beside it on FFCV's file: 2 workers each (FFCV `num_workers=2`). */
const FFCV_WORKERS = 2;
const ORDERS = ['random', 'quasi-random'];
const orderKey = (order) => (order === 'random' ? 'random' : 'quasiRandom');
const ffcvId = (order) => (order === 'random' ? 'ffcvRandom' : 'ffcvQuasiRandom');
const tesseraOnFfcvFileId = (order) => `${orderKey(order)}Workers${FFCV_WORKERS}FfcvFile`;
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

const ffcvProbe = probeFfcv();
metrics.ffcvMeasured = ffcvProbe.measured && sections.has('warm');
metrics.ffcv = ffcvProbe.measured ? { python: ffcvProbe.python, pythonPath: ffcvProbe.pythonPath, versions: ffcvProbe.versions } : { reason: ffcvProbe.reason };
progress(ffcvProbe.measured ? `FFCV ${ffcvProbe.versions.ffcv} from ${ffcvProbe.pythonPath}: measured in the same rounds` : `FFCV not measured (${ffcvProbe.reason}): its figures are reference, not measured`);

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

/**
 * The first sequential batch of FFCV's file, read by FFCV's Loader and by Tessera, against Tessera's
 * own file: the same samples 0..255, the same bytes (labels as int32).
 */
async function checkFfcvFileMatches(ffcvDriver, ffcvPath) {
  const digestOf = async (path) => {
    const loader = core.createLoader(path, { batchSize: BATCH_SIZE, order: 'sequential', workers: 0, pipelines: PIPELINES });
    try {
      for await (const batch of loader) {
        const { image, label } = batch;
        return createHash('sha256').update(new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength)).update(new Uint8Array(label.data.buffer, label.data.byteOffset, label.data.byteLength)).digest('hex');
      }
    } finally {
      await loader.close();
    }
  };
  const tesseraOwn = await digestOf(beton.path);
  const tesseraFfcvFile = await digestOf(ffcvPath);
  const ffcv = await ffcvDriver.firstBatchDigest(ffcvLoaderSettings(ffcvPath, 'sequential'));
  if (tesseraFfcvFile !== tesseraOwn) throw new Error(`Tessera reads a different first batch from FFCV's file (${tesseraFfcvFile}) than from its own (${tesseraOwn})`);
  if (ffcv.digest !== tesseraOwn) throw new Error(`FFCV's Loader reads a different first batch (${ffcv.digest}, ${ffcv.samples} samples) than Tessera (${tesseraOwn})`);
}

/** FFCV's Loader on this benchmark's data: NDArrayDecoder + ToTensor, IntDecoder + ToTensor, os_cache, no batch dropped (as Tessera's). */
function ffcvLoaderSettings(path, order) {
  return { path, kind: 'ndarray', order, batchSize: BATCH_SIZE, workers: FFCV_WORKERS, dropLast: false, seed: ORDER_SEED };
}

async function benchWarm() {
  const lmdbPath = await ensureLoaderLmdb(spec);
  const ffcvDriver = ffcvProbe.measured ? startFfcvDriver(ffcvProbe) : undefined;
  try {
    const ffcvBeton = ffcvDriver === undefined ? undefined : await ensureFfcvLoaderBeton(spec, ffcvDriver);
    return await measureWarm(lmdbPath, ffcvDriver, ffcvBeton);
  } finally {
    await ffcvDriver?.close();
  }
}

async function measureWarm(lmdbPath, ffcvDriver, ffcvBeton) {
  progress(`warm: reading the ${ffcvBeton === undefined ? 'two' : 'three'} files once into the page cache`);
  warmPageCache(beton.path);
  warmPageCache(lmdbPath);
  if (ffcvBeton !== undefined) warmPageCache(ffcvBeton.path);

  const lmdb = lmdbContender(lmdbPath, spec.numSamples);
  await checkSameBatches(lmdb);
  if (ffcvBeton !== undefined) await checkFfcvFileMatches(ffcvDriver, ffcvBeton.path);
  const contenders = [];
  for (const order of ORDERS) {
    for (const workers of WORKER_COUNTS) {
      contenders.push(tesseraContender(beton.path, { workers, order, id: `${orderKey(order)}Workers${workers}`, label: `Tessera ${order}, workers ${workers}` }));
    }
  }
  if (ffcvBeton !== undefined) {
    // The same-file pairs next to each other: a Tessera round, then an FFCV round.
    for (const order of ORDERS) {
      contenders.push(
        tesseraContender(ffcvBeton.path, { workers: FFCV_WORKERS, order, id: tesseraOnFfcvFileId(order), label: `Tessera ${order}, workers ${FFCV_WORKERS}, FFCV's file` }),
        ffcvDriver.loaderContender({
          id: ffcvId(order),
          label: `FFCV 1.0 Loader ${order}, ${FFCV_WORKERS} workers, FFCV's file`,
          settings: ffcvLoaderSettings(ffcvBeton.path, order),
          samplesPerEpoch: spec.numSamples,
          workers: FFCV_WORKERS,
          order,
        }),
      );
    }
    progress('  FFCV: making its loaders (numba compiles each pipeline; one untimed epoch each)');
    for (const contender of contenders) if (contender.engine === 'ffcv') await contender.start();
  }
  contenders.push(lmdb, bareMmapContender(beton.path, spec.numSamples));

  progress(`  measuring ${contenders.length} contenders, one epoch each per round, 1 warmup + ${repeats} rounds`);
  const timings = await measureInterleaved(contenders, { warmup: 1, repeats, onRound: (round) => progress(`    ${round} (load ${environmentMetrics().loadAverage1m})`) });
  // Tessera (either file) and the lmdb loop share one permutation, so they sum the same values; FFCV draws its own.
  const checksums = new Map(contenders.filter((contender) => contender.order === 'random' && contender.engine !== 'ffcv').map((contender) => [contender.id, contender.checksum]));
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
    if (contender.engine === 'ffcv') figure.warmupSeconds = contender.warmupSeconds;
    figures[contender.id] = figure;
  }
  for (const contender of contenders) await contender.close();

  /** FFCV's figure for an order: measured in these rounds, or the reference. */
  const ffcvFigure = (order) => (ffcvBeton === undefined ? FFCV_REFERENCE[order] : figures[ffcvId(order)]);
  const ffcvOrderOf = (contender) => (contender.order === 'quasi-random' ? 'quasi-random' : 'random');
  const randomIds = WORKER_COUNTS.map((workers) => `randomWorkers${workers}`);
  const bestId = randomIds.reduce((best, id) => (figures[id].samplesPerSecond > figures[best].samplesPerSecond ? id : best));
  const bestWorkers = WORKER_COUNTS[randomIds.indexOf(bestId)];
  const quasiId = `quasiRandomWorkers${bestWorkers}`;
  // Tessera beside FFCV at 2 workers each: on FFCV's own file when measured, else Tessera's file against the reference.
  const pairedId = (order) => (ffcvBeton === undefined ? `${orderKey(order)}Workers${FFCV_WORKERS}` : tesseraOnFfcvFileId(order));
  const ratios = {
    tesseraVsFfcvRandom: figures[pairedId('random')].samplesPerSecond / ffcvFigure('random').samplesPerSecond,
    tesseraVsFfcvQuasiRandom: figures[pairedId('quasi-random')].samplesPerSecond / ffcvFigure('quasi-random').samplesPerSecond,
    medianTesseraVsFfcvRandom: ffcvBeton === undefined ? undefined : figures[pairedId('random')].medianSamplesPerSecond / figures.ffcvRandom.medianSamplesPerSecond,
    medianTesseraVsFfcvQuasiRandom: ffcvBeton === undefined ? undefined : figures[pairedId('quasi-random')].medianSamplesPerSecond / figures.ffcvQuasiRandom.medianSamplesPerSecond,
    tesseraBestVsLmdb: figures[bestId].samplesPerSecond / figures.lmdb.samplesPerSecond,
    tesseraBestVsFfcv: figures[bestId].samplesPerSecond / ffcvFigure('random').samplesPerSecond,
    quasiRandomVsFfcvQuasiRandom: figures[quasiId].samplesPerSecond / ffcvFigure('quasi-random').samplesPerSecond,
    tesseraBestVsBare: figures[bestId].samplesPerSecond / figures.bare.samplesPerSecond,
    medianTesseraBestVsLmdb: figures[bestId].medianSamplesPerSecond / figures.lmdb.medianSamplesPerSecond,
  };
  const rows = contenders.map((contender) => {
    const figure = figures[contender.id];
    return [
      contender.label + (contender.id === bestId || contender.id === quasiId ? ' *' : ''),
      `${formatCount(figure.samplesPerSecond)}/s`,
      figure.gigabytesPerSecond.toFixed(2),
      `${formatCount(figure.medianSamplesPerSecond)}/s`,
      formatRatio(figure.samplesPerSecond / figures.lmdb.samplesPerSecond),
      formatRatio(figure.samplesPerSecond / ffcvFigure(ffcvOrderOf(contender)).samplesPerSecond),
      figure.decodeMsPerEpoch === undefined ? '' : figure.decodeMsPerEpoch.toFixed(0),
      figure.waitMsPerEpoch === undefined ? '' : figure.waitMsPerEpoch.toFixed(0),
    ];
  });
  if (ffcvBeton === undefined) {
    for (const order of ORDERS) {
      const reference = FFCV_REFERENCE[order];
      rows.push([`FFCV 1.0 Loader ${order}, ${reference.workers} workers (reference, not measured)`, `${formatCount(reference.samplesPerSecond)}/s`, ((reference.samplesPerSecond * IMAGE_BYTE_LENGTH) / 1e9).toFixed(2), '', '', '1.00×', '', '']);
    }
  }
  printTable(
    `loader, warm cache: ${spec.numSamples} × ${IMAGE_BYTE_LENGTH} B float32 [3,32,32] + int64 label, batch ${BATCH_SIZE}, one epoch per run (best of ${repeats}; * = best worker count); ` +
      (ffcvBeton === undefined ? `FFCV: reference, not measured (${ffcvProbe.reason})` : `FFCV ${ffcvProbe.versions.ffcv} measured in the same rounds (os_cache, drop_last=False)`),
    ['contender', 'samples/s', 'GB/s', 'median', 'vs lmdb', 'vs FFCV (same order)', 'decode ms/epoch (mean)', 'wait ms/epoch (mean)'],
    rows,
  );
  const ffcvTarget = ffcvBeton === undefined ? TARGETS.samplesPerSecond : figures.ffcvRandom.samplesPerSecond;
  const ffcvMet = figures[bestId].samplesPerSecond >= ffcvTarget;
  const lmdbMet = ratios.tesseraBestVsLmdb >= TARGETS.tesseraVsLmdb;
  const ffcvWord = ffcvBeton === undefined ? 'FFCV (reference, not measured)' : 'FFCV';
  console.log(
    `Tessera best (random, workers ${bestWorkers}): ${formatCount(figures[bestId].samplesPerSecond)}/s = ${formatRatio(ratios.tesseraBestVsFfcv)} ${ffcvWord} ` +
      `(target ≥ 1.00×, ${formatCount(ffcvTarget)}/s: ${ffcvMet ? 'met' : 'MISSED'}), ${formatRatio(ratios.tesseraBestVsLmdb)} lmdb ` +
      `(target ≥ ${TARGETS.tesseraVsLmdb.toFixed(2)}×: ${lmdbMet ? 'met' : 'MISSED'}; median ${formatRatio(ratios.medianTesseraBestVsLmdb)}), ` +
      `${formatRatio(ratios.tesseraBestVsBare)} bare; quasi-random workers ${bestWorkers} = ${formatRatio(ratios.quasiRandomVsFfcvQuasiRandom)} ${ffcvWord} quasi-random`,
  );
  console.log(
    ffcvBeton === undefined
      ? `Tessera/FFCV at ${FFCV_WORKERS} workers each (Tessera's file; FFCV reference, not measured): random ${formatRatio(ratios.tesseraVsFfcvRandom)}, quasi-random ${formatRatio(ratios.tesseraVsFfcvQuasiRandom)}`
      : `Tessera/FFCV on FFCV's file, ${FFCV_WORKERS} workers each: random ${formatRatio(ratios.tesseraVsFfcvRandom)} (median ${formatRatio(ratios.medianTesseraVsFfcvRandom)}), ` +
          `quasi-random ${formatRatio(ratios.tesseraVsFfcvQuasiRandom)} (median ${formatRatio(ratios.medianTesseraVsFfcvQuasiRandom)})`,
  );
  return {
    contenders: figures,
    bestWorkers,
    ratios,
    targets: { ffcvMet, ffcvTargetSamplesPerSecond: ffcvTarget, lmdbMet },
    ffcv:
      ffcvBeton === undefined
        ? { measured: false, reason: ffcvProbe.reason, reference: FFCV_REFERENCE }
        : {
            measured: true,
            workers: FFCV_WORKERS,
            file: { pageSize: ffcvBeton.pageSize, fileByteLength: ffcvBeton.fileByteLength, writeSeconds: ffcvBeton.writeSeconds },
            random: figures.ffcvRandom,
            quasiRandom: figures.ffcvQuasiRandom,
            reference: FFCV_REFERENCE,
          },
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
