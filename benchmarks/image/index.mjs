/**
 * image: the headline path on 2,000 JPEGs — by default synthetic ones generated once into .bench-data/
 * (benchmarks/lib/synthetic-images.mjs), or `--images DIR` (a folder with MANIFEST.json, such as the set
 * FFCV 1.0's reference figures below were measured on): writing them as a dataset (jpg, quality 90, max side 256, 2 workers,
 * from the files) and loading it back as batches of 64 random-order 224×224 crops (RandomResizedCrop
 * and CenterCrop) with 2 decode workers. Tessera against a naive loop (fs.readFile + sharp per image,
 * as many images in flight as a batch holds), same run; FFCV's figures printed beside as the
 * reference. Tessera's loader is also measured with its WebAssembly fallback backend.
 *
 *   pnpm bench image [--quick] [--repeats N] [--only write,load] [--images DIR]
 *
 * Figures are best of N interleaved rounds (the machine is shared: the best run is the least
 * disturbed one), medians alongside; the load average is reported. Last stdout line: the JSON result.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jpegBackendStatus } from '@tessera/image';
import {
  benchDataPath,
  createBenchRun,
  formatCount,
  formatRatio,
  measureInterleaved,
  parseBenchOptions,
  printTable,
  progress,
} from '../lib/index.mjs';
import { ensureSyntheticImages } from '../lib/synthetic-images.mjs';
import { core, coreSource } from '../lib/tessera-core.mjs';
import { BATCH_SIZE, WORKERS, naiveLoader, naiveWriter, tesseraLoader, tesseraWriter } from './contenders.mjs';

const BENCH = 'image';
/** FFCV 1.0 on these 2,000 images, this machine (2 workers): context only. */
const FFCV_REFERENCE = { writeImagesPerSecond: 614, randomResizedCropImagesPerSecond: 5271, centerCropImagesPerSecond: 5265 };
const TARGET_VS_FFCV = 1.0;

const options = parseBenchOptions({
  usage: 'pnpm bench image [--quick] [--repeats N] [--only write,load] [--images DIR]',
  sections: ['write', 'load'],
  extraOptions: { images: { type: 'string' } },
});
const { quick, sections } = options;
const repeats = options.repeats ?? (quick ? 2 : 5);

const imagesDirectory = options.images ?? (await ensureSyntheticImages(quick ? 512 : 2000, { onProgress: (done, total) => progress(`  generating synthetic JPEGs: ${done}/${total}`) }));
const manifest = JSON.parse(readFileSync(join(imagesDirectory, 'MANIFEST.json'), 'utf8'));
const records = manifest.images.slice(0, quick ? 512 : undefined).map((entry) => ({ image: join(imagesDirectory, entry.file), label: entry.label }));
const betonPath = benchDataPath(`image-bench-${records.length}.beton`);

const backend = jpegBackendStatus();
const benchRun = createBenchRun(BENCH, { quick, repeats, core: coreSource, images: records.length, jpegBackend: backend.backend.name, jpegBackendReason: backend.reason });
const { metrics } = benchRun;
progress(`${records.length} images from ${imagesDirectory}; JPEG backend ${backend.backend.name} (${backend.reason})`);

if (sections.has('write')) metrics.write = await benchWrite();
if (sections.has('load')) metrics.load = await benchLoad();

benchRun.finish();

async function benchWrite() {
  const contenders = [tesseraWriter(records, betonPath), naiveWriter(records, BATCH_SIZE)];
  progress(`write: ${records.length} images × ${contenders.length} contenders, 1 warmup + ${repeats} rounds`);
  const timings = await measureInterleaved(contenders, { warmup: 1, repeats, onRound: (round) => progress(`  ${round}`) });
  const figures = {};
  for (const contender of contenders) {
    const { bestMs, medianMs } = timings.get(contender.id);
    figures[contender.id] = { imagesPerSecond: records.length / (bestMs / 1000), medianImagesPerSecond: records.length / (medianMs / 1000), bestMs, medianMs };
  }
  const tessera = figures.tesseraWrite.imagesPerSecond;
  printTable(
    `write: ${records.length} JPEGs → .beton (jpg q90, max side 256), best of ${repeats}`,
    ['contender', 'images/s', 'median', 'vs FFCV'],
    [
      ...contenders.map((contender) => [contender.label, formatCount(figures[contender.id].imagesPerSecond), formatCount(figures[contender.id].medianImagesPerSecond), formatRatio(figures[contender.id].imagesPerSecond / FFCV_REFERENCE.writeImagesPerSecond)]),
      ['FFCV 1.0 writer, 2 workers (reference, this machine)', formatCount(FFCV_REFERENCE.writeImagesPerSecond), '', '1.00×'],
    ],
  );
  const vsFfcv = tessera / FFCV_REFERENCE.writeImagesPerSecond;
  console.log(`Tessera/FFCV ${formatRatio(vsFfcv)} (target ≥ ${TARGET_VS_FFCV}: ${vsFfcv >= TARGET_VS_FFCV ? 'met' : 'MISSED'}), Tessera/naive ${formatRatio(tessera / figures.naiveWrite.imagesPerSecond)}`);
  return { contenders: figures, ffcvReference: FFCV_REFERENCE.writeImagesPerSecond, tesseraVsFfcv: vsFfcv, tesseraVsNaive: tessera / figures.naiveWrite.imagesPerSecond, targetMet: vsFfcv >= TARGET_VS_FFCV };
}

/** The stored 256-px JPEGs as files, for the naive loop (the same bytes Tessera decodes). */
function extractStoredJpegs() {
  const directory = benchDataPath(`image-bench-${records.length}-stored`);
  mkdirSync(directory, { recursive: true });
  const dataset = core.openDataset(betonPath); // without @tessera/image: core's codec gives the stored bytes
  const files = [];
  const sizes = [];
  try {
    for (let index = 0; index < dataset.numSamples; index++) {
      const stored = dataset.read(index, 'image');
      const file = join(directory, `${index}.jpg`);
      writeFileSync(file, stored.data);
      files.push(file);
      sizes.push([stored.width, stored.height]);
    }
  } finally {
    dataset.close();
  }
  return { files, sizes };
}

async function benchLoad() {
  if (!sections.has('write')) {
    progress(`load: writing ${betonPath}`);
    await tesseraWriter(records, betonPath).run();
  }
  const { files, sizes } = extractStoredJpegs();
  const perEpoch = Math.floor(files.length / BATCH_SIZE) * BATCH_SIZE;
  const contenders = [
    tesseraLoader(betonPath, { id: 'tesseraRrc', label: `Tessera RandomResizedCrop 224 (${WORKERS} workers, ${backend.backend.name})`, decoder: 'random-resized-crop' }),
    tesseraLoader(betonPath, { id: 'tesseraCenter', label: `Tessera CenterCrop 224 (${WORKERS} workers, ${backend.backend.name})`, decoder: 'center-crop' }),
    tesseraLoader(betonPath, { id: 'tesseraRrcWasm', label: `Tessera RandomResizedCrop 224 (${WORKERS} workers, wasm fallback)`, decoder: 'random-resized-crop', env: { TESSERA_IMAGE_JPEG_BACKEND: 'wasm' } }),
    naiveLoader(files, sizes, { id: 'naiveRrc', label: `naive readFile + sharp RandomResizedCrop 224 (${BATCH_SIZE} in flight)`, crop: 'random' }),
    naiveLoader(files, sizes, { id: 'naiveCenter', label: `naive readFile + sharp CenterCrop 224 (${BATCH_SIZE} in flight)`, crop: 'center' }),
  ];
  for (const contender of contenders) await contender.start();
  progress(`load: ${perEpoch} images per epoch × ${contenders.length} contenders, 1 warmup + ${repeats} rounds`);
  const timings = await measureInterleaved(contenders, { warmup: 1, repeats, onRound: (round) => progress(`  ${round}`) });
  for (const contender of contenders) await contender.close();
  const figures = {};
  for (const contender of contenders) {
    const { bestMs, medianMs } = timings.get(contender.id);
    figures[contender.id] = { imagesPerSecond: perEpoch / (bestMs / 1000), medianImagesPerSecond: perEpoch / (medianMs / 1000), bestMs, medianMs };
  }
  const reference = { tesseraRrc: FFCV_REFERENCE.randomResizedCropImagesPerSecond, tesseraRrcWasm: FFCV_REFERENCE.randomResizedCropImagesPerSecond, naiveRrc: FFCV_REFERENCE.randomResizedCropImagesPerSecond };
  const referenceOf = (id) => reference[id] ?? FFCV_REFERENCE.centerCropImagesPerSecond;
  printTable(
    `load: ${perEpoch} images per epoch, batch ${BATCH_SIZE}, random order, 224×224 uint8, best of ${repeats}`,
    ['contender', 'images/s', 'median', 'vs FFCV'],
    [
      ...contenders.map((contender) => [contender.label, formatCount(figures[contender.id].imagesPerSecond), formatCount(figures[contender.id].medianImagesPerSecond), formatRatio(figures[contender.id].imagesPerSecond / referenceOf(contender.id))]),
      ['FFCV 1.0 RandomResizedCrop 224, 2 workers (reference, this machine)', formatCount(FFCV_REFERENCE.randomResizedCropImagesPerSecond), '', '1.00×'],
      ['FFCV 1.0 CenterCrop 224, 2 workers (reference, this machine)', formatCount(FFCV_REFERENCE.centerCropImagesPerSecond), '', '1.00×'],
    ],
  );
  const ratios = {
    rrcVsFfcv: figures.tesseraRrc.imagesPerSecond / FFCV_REFERENCE.randomResizedCropImagesPerSecond,
    centerVsFfcv: figures.tesseraCenter.imagesPerSecond / FFCV_REFERENCE.centerCropImagesPerSecond,
    rrcVsNaive: figures.tesseraRrc.imagesPerSecond / figures.naiveRrc.imagesPerSecond,
    centerVsNaive: figures.tesseraCenter.imagesPerSecond / figures.naiveCenter.imagesPerSecond,
    rrcWasmVsFfcv: figures.tesseraRrcWasm.imagesPerSecond / FFCV_REFERENCE.randomResizedCropImagesPerSecond,
  };
  console.log(
    `RandomResizedCrop Tessera/FFCV ${formatRatio(ratios.rrcVsFfcv)} (target ≥ ${TARGET_VS_FFCV}: ${ratios.rrcVsFfcv >= TARGET_VS_FFCV ? 'met' : 'MISSED'}), ` +
      `CenterCrop Tessera/FFCV ${formatRatio(ratios.centerVsFfcv)}; Tessera/naive ${formatRatio(ratios.rrcVsNaive)} (RRC), ${formatRatio(ratios.centerVsNaive)} (center); wasm fallback/FFCV ${formatRatio(ratios.rrcWasmVsFfcv)}`,
  );
  return { imagesPerEpoch: perEpoch, contenders: figures, ffcvReference: FFCV_REFERENCE, ratios, targetMet: ratios.rrcVsFfcv >= TARGET_VS_FFCV };
}
