/**
 * read-random: random-access reads with the page cache warm, each sample copied into a reused batch
 * of 256 slots (stride padded to 64 bytes, page-aligned batch memory), for 200,000 × 1 KiB and
 * 20,000 × 100 KiB samples. Tessera's reader against the bare limit (one mmap + Buffer#copy), LMDB and
 * one file per sample, same index sequence, same run. Also: time to open a 10,000,000-sample file and
 * writer throughput with 0/1/2 workers.
 *
 *   pnpm bench read-random [--quick] [--repeats N] [--only SECTIONS] [--write-dir DIR]
 *
 * SECTIONS: comma-separated from read (= read1KiB,read100KiB), read1KiB, read100KiB, open, write.
 * TESSERA_BENCH_CORE=/path/to/other/dist/index.js measures another build of @tessera/core (A/B a patch).
 *
 * Figures are best of N interleaved repeats (the machine is shared; the best run is the least
 * disturbed one), medians are reported alongside. Last stdout line: the JSON result.
 */
import { createHash } from 'node:crypto';
import {
  allocatePageAligned,
  alignedStride,
  chooseWriteDirectory,
  createBenchRun,
  formatCount,
  formatRatio,
  measureInterleaved,
  parseBenchOptions,
  printTable,
  progress,
  randomIndices,
} from '../lib/index.mjs';
import { coreSource } from '../lib/tessera-core.mjs';
import {
  BATCH_SLOTS,
  bareMmapContender,
  lmdbContender,
  readFileSyncContender,
  tesseraDecoderContender,
  tesseraFieldReaderContender,
} from './contenders.mjs';
import { ensureBeton, ensureFiles, ensureLmdb, readDatasetSpecs } from './datasets.mjs';
import { ensureOpenDataset, measureOpen, openSpec } from './open-10m.mjs';
import { measureWriter } from './writer-throughput.mjs';

const BENCH = 'read-random';
const INDEX_SEED = 0x7e55e7a;

/** Figures measured on this machine before this benchmark existed (FFCV: its own loader), printed for context only. */
const REFERENCE = {
  '1KiB': { bare: { samplesPerSecond: 2.19e6 }, lmdb: { samplesPerSecond: 637e3 }, ffcv: { samplesPerSecond: 0.86e6 } },
  '100KiB': { bare: { gigabytesPerSecond: 15.3 }, lmdb: { gigabytesPerSecond: 10.5 } },
};
const TARGETS = { tesseraVsBare: 0.9, tesseraVsLmdbAt1KiB: 3, open10MMs: 100 };

const options = parseBenchOptions({
  usage: 'pnpm bench read-random [--quick] [--repeats N] [--only read,read1KiB,read100KiB,open,write] [--write-dir DIR]',
  sections: ['read', 'read1KiB', 'read100KiB', 'open', 'write'],
  defaultSections: ['read', 'open', 'write'],
  extraOptions: { 'write-dir': { type: 'string' } },
});
const { quick, sections } = options;
const repeats = options.repeats ?? (quick ? 2 : 5);

const benchRun = createBenchRun(BENCH, { quick, repeats, core: coreSource });
const { metrics } = benchRun;
progress(`measuring ${coreSource}${quick ? ' (--quick: shrunk sizes)' : ''}`);

for (const spec of readDatasetSpecs(quick)) {
  if (sections.has('read') || sections.has(`read${spec.id}`)) metrics[`read${spec.id}`] = await benchRandomReads(spec);
}
if (sections.has('open')) metrics.open10M = await benchOpen();
if (sections.has('write')) metrics.writer = await benchWriter();

benchRun.finish();

async function benchRandomReads(spec) {
  const size = spec.sampleByteLength;
  progress(`read ${spec.id}: preparing ${spec.numSamples} samples of ${size} B`);
  const betonPath = await ensureBeton(spec);
  const lmdbPath = await ensureLmdb(spec);
  const files = ensureFiles(spec);

  const stride = alignedStride(size);
  const batch = allocatePageAligned(BATCH_SLOTS * stride);
  // The same copy into a batch from `new ArrayBuffer` (alignment left to malloc): what alignment is worth.
  const unalignedBatch = new Uint8Array(new ArrayBuffer(BATCH_SLOTS * stride));
  const contenders = [
    { ...bareMmapContender(betonPath, batch, stride), batch },
    { ...tesseraDecoderContender(betonPath, batch, stride), batch },
    { ...tesseraFieldReaderContender(betonPath, batch, stride), batch },
    { ...lmdbContender(lmdbPath, batch, stride), batch },
    { ...readFileSyncContender(files.paths, batch, stride), batch },
    {
      ...bareMmapContender(betonPath, unalignedBatch, stride, { id: 'bareArrayBuffer', label: 'bare mmap+copy → new ArrayBuffer batch' }),
      batch: unalignedBatch,
    },
  ];
  const tessera = contenders.find((contender) => contender.id === 'tessera');
  if (tessera.ioMode !== 'mmap') progress(`  warning: Tessera reads with ${tessera.ioMode}, not mmap`);

  // Warm the page cache and every mapping's page tables: one sequential pass per contender.
  const everyIndex = Uint32Array.from({ length: spec.numSamples }, (_, index) => index);
  for (const contender of contenders) {
    progress(`  warming ${contender.label}`);
    contender.run(everyIndex);
  }

  // Same output from everyone: the batch after the same reads hashes the same.
  const probe = randomIndices(2 * BATCH_SLOTS, spec.numSamples, INDEX_SEED ^ 0x5eed);
  const hashes = contenders.map((contender) => {
    contender.batch.fill(0);
    contender.run(probe);
    return createHash('sha256').update(contender.batch).digest('hex');
  });
  const mismatched = contenders.filter((_, position) => hashes[position] !== hashes[0]);
  if (mismatched.length > 0) throw new Error(`read ${spec.id}: ${mismatched.map((c) => c.label).join(', ')} copied different bytes than ${contenders[0].label}`);

  const indices = randomIndices(spec.reads, spec.numSamples, INDEX_SEED);
  progress(`  measuring ${spec.reads} random reads × ${contenders.length} contenders, 1 warmup + ${repeats} repeats`);
  const timings = await measureInterleaved(
    contenders.map((contender) => ({ id: contender.id, run: () => contender.run(indices) })),
    { warmup: 1, repeats, onRound: (round) => progress(`    ${round}`) },
  );
  for (const contender of contenders) await contender.close();

  const figures = {};
  for (const contender of contenders) {
    const { bestMs, medianMs } = timings.get(contender.id);
    figures[contender.id] = {
      samplesPerSecond: spec.reads / (bestMs / 1000),
      gigabytesPerSecond: (spec.reads * size) / (bestMs / 1000) / 1e9,
      medianSamplesPerSecond: spec.reads / (medianMs / 1000),
      bestMs,
      medianMs,
    };
  }
  const ratio = (a, b) => figures[a].samplesPerSecond / figures[b].samplesPerSecond;
  const medianRatio = (a, b) => figures[a].medianSamplesPerSecond / figures[b].medianSamplesPerSecond;
  const ratios = {
    tesseraVsBare: ratio('tessera', 'bare'),
    tesseraVsLmdb: ratio('tessera', 'lmdb'),
    tesseraVsReadFileSync: ratio('tessera', 'readFileSync'),
    tesseraCopyBytesVsBare: ratio('tesseraCopyBytes', 'bare'),
    bareVsBareArrayBuffer: ratio('bare', 'bareArrayBuffer'),
    medianTesseraVsBare: medianRatio('tessera', 'bare'),
    medianTesseraVsLmdb: medianRatio('tessera', 'lmdb'),
  };
  const reference = REFERENCE[spec.id] ?? {};
  const referenceText = (id) => {
    const entry = reference[id];
    if (entry === undefined) return '';
    return entry.samplesPerSecond !== undefined ? `${formatCount(entry.samplesPerSecond)}/s` : `${entry.gigabytesPerSecond} GB/s`;
  };
  const rows = contenders.map((contender) => {
    const figure = figures[contender.id];
    return [
      contender.label,
      `${formatCount(figure.samplesPerSecond)}/s`,
      figure.gigabytesPerSecond.toFixed(2),
      `${formatCount(figure.medianSamplesPerSecond)}/s`,
      formatRatio(figure.samplesPerSecond / figures.tessera.samplesPerSecond),
      referenceText(contender.id),
    ];
  });
  if (reference.ffcv) rows.push(["FFCV's own loader (reference only)", '', '', '', '', referenceText('ffcv')]);
  printTable(
    `read-random ${spec.id}: ${spec.numSamples} samples × ${size} B, ${spec.reads} random reads, batch ${BATCH_SLOTS} × ${stride} B (best of ${repeats})`,
    ['contender', 'samples/s', 'GB/s', 'median', 'vs Tessera', 'reference (this machine)'],
    rows,
  );
  const bareTargetMet = ratios.tesseraVsBare >= TARGETS.tesseraVsBare;
  console.log(
    `Tessera/bare ${formatRatio(ratios.tesseraVsBare)} (target ≥ ${TARGETS.tesseraVsBare}: ${bareTargetMet ? 'met' : 'MISSED'}), ` +
      `Tessera/lmdb ${formatRatio(ratios.tesseraVsLmdb)}${spec.id === '1KiB' ? ` (target ≥ ${TARGETS.tesseraVsLmdbAt1KiB}: ${ratios.tesseraVsLmdb >= TARGETS.tesseraVsLmdbAt1KiB ? 'met' : 'MISSED'})` : ''}, ` +
      `Tessera/readFileSync ${formatRatio(ratios.tesseraVsReadFileSync)}; copyBytes/bare ${formatRatio(ratios.tesseraCopyBytesVsBare)}; ` +
      `aligned/ArrayBuffer batch ${formatRatio(ratios.bareVsBareArrayBuffer)}`,
  );
  const targets = { tesseraVsBareMet: bareTargetMet };
  if (spec.id === '1KiB') targets.tesseraVsLmdbMet = ratios.tesseraVsLmdb >= TARGETS.tesseraVsLmdbAt1KiB;
  return {
    numSamples: spec.numSamples,
    sampleByteLength: size,
    reads: spec.reads,
    slotStride: stride,
    contenders: figures,
    ratios,
    targets,
    reference,
  };
}

async function benchOpen() {
  const spec = openSpec(quick);
  progress(`open: preparing a ${spec.numSamples}-sample file`);
  const path = await ensureOpenDataset(spec);
  progress('  measuring openDataset');
  const timing = await measureOpen(path, 5);
  const firstRead = await measureOpen(path, 5, { firstRead: true });
  const met = timing.medianMs < TARGETS.open10MMs;
  printTable(
    `open: openDataset of ${spec.numSamples} samples (int64 label + 8-byte bytes), page cache warm`,
    ['', 'median ms', 'best ms', 'target'],
    [
      ['openDataset', timing.medianMs.toFixed(1), timing.bestMs.toFixed(1), `< ${TARGETS.open10MMs} ms: ${met ? 'met' : 'MISSED'}`],
      ['open + first read (allocation table and columns checked)', firstRead.medianMs.toFixed(1), firstRead.bestMs.toFixed(1), ''],
    ],
  );
  return {
    numSamples: spec.numSamples,
    medianMs: timing.medianMs,
    bestMs: timing.bestMs,
    timesMs: timing.timesMs,
    firstReadMedianMs: firstRead.medianMs,
    firstReadBestMs: firstRead.bestMs,
    targetMs: TARGETS.open10MMs,
    met,
  };
}

async function benchWriter() {
  const spec = readDatasetSpecs(quick).find((candidate) => candidate.id === '100KiB');
  const payload = spec.numSamples * spec.sampleByteLength;
  const directory = chooseWriteDirectory(options['write-dir'], payload);
  const writeRepeats = options.repeats ?? (quick ? 1 : 4);
  progress(`write: ${spec.numSamples} × ${spec.sampleByteLength} B into ${directory}, ${writeRepeats} repeat(s)`);
  const { contenders, timings, payloadByteLength } = await measureWriter(spec, {
    workerCounts: [0, 1, 2],
    repeats: writeRepeats,
    directory,
    onRound: (round) => progress(`    ${round}`),
  });
  const figures = {};
  for (const contender of contenders) {
    const { bestMs, medianMs } = timings.get(contender.id);
    figures[contender.id] = { megabytesPerSecond: payloadByteLength / 1e6 / (bestMs / 1000), bestMs, medianMs };
  }
  const ratios = {
    workers2VsWorkers1: figures.workers2.megabytesPerSecond / figures.workers1.megabytesPerSecond,
    workers1VsWorkers0: figures.workers1.megabytesPerSecond / figures.workers0.megabytesPerSecond,
    workers2VsRawWrite: figures.workers2.megabytesPerSecond / figures.rawWrite.megabytesPerSecond,
    workers0VsRawWrite: figures.workers0.megabytesPerSecond / figures.rawWrite.megabytesPerSecond,
  };
  printTable(
    `write: writeDataset of ${spec.numSamples} × ${spec.sampleByteLength} B precomputed Buffers (${(payloadByteLength / 1e9).toFixed(2)} GB) into ${directory} (best of ${writeRepeats})`,
    ['contender', 'MB/s', 'best s', 'vs raw write'],
    contenders.map((contender) => {
      const figure = figures[contender.id];
      return [contender.label, figure.megabytesPerSecond.toFixed(0), (figure.bestMs / 1000).toFixed(2), formatRatio(figure.megabytesPerSecond / figures.rawWrite.megabytesPerSecond)];
    }),
  );
  console.log(`workers 2 vs 1: ${formatRatio(ratios.workers2VsWorkers1)}; workers 1 vs 0: ${formatRatio(ratios.workers1VsWorkers0)}`);
  return { numSamples: spec.numSamples, sampleByteLength: spec.sampleByteLength, payloadByteLength, directory, contenders: figures, ratios };
}
