/**
 * image: the headline path on 2,000 JPEGs — by default synthetic ones generated once into .bench-data/
 * (benchmarks/lib/synthetic-images.mjs), or `--images DIR` (a folder with MANIFEST.json, such as the set
 * FFCV 1.0's reference figures below were measured on): writing them as a dataset (jpg, quality 90, max side 256, 2 workers,
 * from the files) and loading it back as batches of 64 random-order 224×224 crops (RandomResizedCrop
 * and CenterCrop) with 2 decode workers. Tessera against a naive loop (fs.readFile + sharp per image,
 * as many images in flight as a batch holds), same run. FFCV 1.0, when TESSERA_FFCV_PYTHONPATH names
 * a built FFCV tree (benchmarks/README.md), in the same interleaved rounds: its DatasetWriter
 * (RGBImageField jpg q90, max side 256, 2 workers) on the same files, and its Loader (RandomResizedCrop
 * and CenterCrop 224 decoders, same batch, 2 workers) on its own file, which Tessera's loader also
 * reads; without FFCV its figures measured earlier are printed, marked "reference, not measured".
 * Tessera's loader is also measured with its WebAssembly fallback backend.
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
import { probeFfcv, startFfcvDriver } from '../ffcv/ffcv-driver.mjs';
import { ensureSyntheticImages } from '../lib/synthetic-images.mjs';
import { core, coreSource } from '../lib/tessera-core.mjs';
import {
  BATCH_SIZE,
  CENTER_CROP_RATIO,
  MAX_RESOLUTION,
  OUTPUT_SIZE,
  QUALITY,
  SEED,
  WORKERS,
  naiveLoader,
  naiveWriter,
  tesseraLoader,
  tesseraWriter,
} from './contenders.mjs';

const BENCH = 'image';
/** FFCV 1.0 on these 2,000 images, this machine (2 workers), measured earlier: printed when FFCV is not measured. */
const FFCV_REFERENCE = { writeImagesPerSecond: 614, randomResizedCropImagesPerSecond: 5271, centerCropImagesPerSecond: 5265 };
const REFERENCE_MARK = '(reference, not measured)';
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
const ffcvBetonPath = benchDataPath(`image-bench-${records.length}-ffcv.beton`);

const backend = jpegBackendStatus();
const benchRun = createBenchRun(BENCH, { quick, repeats, core: coreSource, images: records.length, jpegBackend: backend.backend.name, jpegBackendReason: backend.reason });
const { metrics } = benchRun;
progress(`${records.length} images from ${imagesDirectory}; JPEG backend ${backend.backend.name} (${backend.reason})`);

const ffcvProbe = probeFfcv();
metrics.ffcvMeasured = ffcvProbe.measured;
metrics.ffcv = ffcvProbe.measured ? { python: ffcvProbe.python, pythonPath: ffcvProbe.pythonPath, versions: ffcvProbe.versions } : { reason: ffcvProbe.reason, reference: FFCV_REFERENCE };
progress(ffcvProbe.measured ? `FFCV ${ffcvProbe.versions.ffcv} from ${ffcvProbe.pythonPath}: measured in the same rounds` : `FFCV not measured (${ffcvProbe.reason}): its figures are reference, not measured`);
const ffcvDriver = ffcvProbe.measured ? startFfcvDriver(ffcvProbe) : undefined;
/** FFCV's DatasetWriter on the same files: RGBImageField(write_mode='jpg', jpeg_quality=90, max_resolution=256), IntField, 2 workers. */
const ffcvWriteCommand = {
  op: 'write-images',
  path: ffcvBetonPath,
  files: records.map((record) => record.image),
  labels: records.map((record) => record.label),
  maxResolution: MAX_RESOLUTION,
  jpegQuality: QUALITY,
  workers: WORKERS,
};

try {
  if (sections.has('write')) metrics.write = await benchWrite();
  if (sections.has('load')) metrics.load = await benchLoad();
} finally {
  await ffcvDriver?.close();
}

benchRun.finish();

async function benchWrite() {
  const contenders = [tesseraWriter(records, betonPath)];
  if (ffcvDriver !== undefined) contenders.push(ffcvDriver.writerContender({ id: 'ffcvWrite', label: `FFCV 1.0 DatasetWriter (${WORKERS} workers)`, command: ffcvWriteCommand }));
  contenders.push(naiveWriter(records, BATCH_SIZE));
  progress(`write: ${records.length} images × ${contenders.length} contenders, 1 warmup + ${repeats} rounds`);
  const timings = await measureInterleaved(contenders, { warmup: 1, repeats, onRound: (round) => progress(`  ${round}`) });
  const figures = {};
  for (const contender of contenders) {
    const { bestMs, medianMs } = timings.get(contender.id);
    figures[contender.id] = { imagesPerSecond: records.length / (bestMs / 1000), medianImagesPerSecond: records.length / (medianMs / 1000), bestMs, medianMs };
  }
  const tessera = figures.tesseraWrite.imagesPerSecond;
  const ffcv = ffcvDriver === undefined ? FFCV_REFERENCE.writeImagesPerSecond : figures.ffcvWrite.imagesPerSecond;
  const rows = contenders.map((contender) => [contender.label, formatCount(figures[contender.id].imagesPerSecond), formatCount(figures[contender.id].medianImagesPerSecond), formatRatio(figures[contender.id].imagesPerSecond / ffcv)]);
  if (ffcvDriver === undefined) rows.push([`FFCV 1.0 writer, 2 workers ${REFERENCE_MARK}`, formatCount(FFCV_REFERENCE.writeImagesPerSecond), '', '1.00×']);
  printTable(`write: ${records.length} JPEGs → .beton (jpg q90, max side 256), best of ${repeats}${ffcvDriver === undefined ? `; FFCV ${REFERENCE_MARK}: ${ffcvProbe.reason}` : '; FFCV measured in the same rounds'}`, ['contender', 'images/s', 'median', 'vs FFCV'], rows);
  const vsFfcv = tessera / ffcv;
  const medianVsFfcv = ffcvDriver === undefined ? undefined : figures.tesseraWrite.medianImagesPerSecond / figures.ffcvWrite.medianImagesPerSecond;
  console.log(
    `Tessera/FFCV${ffcvDriver === undefined ? ` ${REFERENCE_MARK}` : ''} ${formatRatio(vsFfcv)}${medianVsFfcv === undefined ? '' : ` (median ${formatRatio(medianVsFfcv)})`} ` +
      `(target ≥ ${TARGET_VS_FFCV}: ${vsFfcv >= TARGET_VS_FFCV ? 'met' : 'MISSED'}), Tessera/naive ${formatRatio(tessera / figures.naiveWrite.imagesPerSecond)}`,
  );
  return {
    contenders: figures,
    ffcvMeasured: ffcvDriver !== undefined,
    ffcvImagesPerSecond: ffcv,
    ffcvReference: FFCV_REFERENCE.writeImagesPerSecond,
    tesseraVsFfcv: vsFfcv,
    medianTesseraVsFfcv: medianVsFfcv,
    tesseraVsNaive: tessera / figures.naiveWrite.imagesPerSecond,
    targetMet: vsFfcv >= TARGET_VS_FFCV,
  };
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

/** FFCV's Loader on its own file: RandomResizedCrop or CenterCrop 224 (+ ToTensor), IntDecoder, random order, os_cache, drop_last. */
function ffcvLoaderSettings(decoder) {
  return { path: ffcvBetonPath, kind: 'image', order: 'random', batchSize: BATCH_SIZE, workers: WORKERS, dropLast: true, seed: SEED, decoder, outputSize: OUTPUT_SIZE, cropRatio: CENTER_CROP_RATIO };
}

async function benchLoad() {
  if (!sections.has('write')) {
    progress(`load: writing ${betonPath}`);
    await tesseraWriter(records, betonPath).run();
    if (ffcvDriver !== undefined) {
      progress(`load: FFCV writing ${ffcvBetonPath}`);
      await ffcvDriver.request(ffcvWriteCommand);
    }
  }
  const { files, sizes } = extractStoredJpegs();
  const perEpoch = Math.floor(files.length / BATCH_SIZE) * BATCH_SIZE;
  const contenders = [
    tesseraLoader(betonPath, { id: 'tesseraRrc', label: `Tessera RandomResizedCrop 224 (${WORKERS} workers, ${backend.backend.name})`, decoder: 'random-resized-crop' }),
    tesseraLoader(betonPath, { id: 'tesseraCenter', label: `Tessera CenterCrop 224 (${WORKERS} workers, ${backend.backend.name})`, decoder: 'center-crop' }),
  ];
  if (ffcvDriver !== undefined) {
    // Each FFCV round next to Tessera's: FFCV on its own file, then Tessera on FFCV's file (the same JPEG bytes).
    const ffcvLoader = (id, label, decoder) => ffcvDriver.loaderContender({ id, label, settings: ffcvLoaderSettings(decoder), samplesPerEpoch: perEpoch, workers: WORKERS, order: 'random' });
    contenders.splice(
      1,
      0,
      ffcvLoader('ffcvRrc', `FFCV 1.0 RandomResizedCrop 224 (${WORKERS} workers, FFCV's file)`, 'random-resized-crop'),
      tesseraLoader(ffcvBetonPath, { id: 'tesseraRrcFfcvFile', label: `Tessera RandomResizedCrop 224 (${WORKERS} workers, ${backend.backend.name}, FFCV's file)`, decoder: 'random-resized-crop' }),
    );
    contenders.push(
      ffcvLoader('ffcvCenter', `FFCV 1.0 CenterCrop 224 (${WORKERS} workers, FFCV's file)`, 'center-crop'),
      tesseraLoader(ffcvBetonPath, { id: 'tesseraCenterFfcvFile', label: `Tessera CenterCrop 224 (${WORKERS} workers, ${backend.backend.name}, FFCV's file)`, decoder: 'center-crop' }),
    );
  }
  contenders.push(
    tesseraLoader(betonPath, { id: 'tesseraRrcWasm', label: `Tessera RandomResizedCrop 224 (${WORKERS} workers, wasm fallback)`, decoder: 'random-resized-crop', env: { TESSERA_IMAGE_JPEG_BACKEND: 'wasm' } }),
    naiveLoader(files, sizes, { id: 'naiveRrc', label: `naive readFile + sharp RandomResizedCrop 224 (${BATCH_SIZE} in flight)`, crop: 'random' }),
    naiveLoader(files, sizes, { id: 'naiveCenter', label: `naive readFile + sharp CenterCrop 224 (${BATCH_SIZE} in flight)`, crop: 'center' }),
  );
  if (ffcvDriver !== undefined) progress('load: FFCV making its loaders (numba compiles each pipeline; one untimed epoch each)');
  for (const contender of contenders) await contender.start();
  progress(`load: ${perEpoch} images per epoch × ${contenders.length} contenders, 1 warmup + ${repeats} rounds`);
  const timings = await measureInterleaved(contenders, { warmup: 1, repeats, onRound: (round) => progress(`  ${round}`) });
  for (const contender of contenders) await contender.close();
  const figures = {};
  for (const contender of contenders) {
    const { bestMs, medianMs } = timings.get(contender.id);
    figures[contender.id] = { imagesPerSecond: perEpoch / (bestMs / 1000), medianImagesPerSecond: perEpoch / (medianMs / 1000), bestMs, medianMs };
    if (contender.engine === 'ffcv') figures[contender.id].warmupSeconds = contender.warmupSeconds;
  }
  const measured = ffcvDriver !== undefined;
  const ffcv = {
    randomResizedCrop: measured ? figures.ffcvRrc.imagesPerSecond : FFCV_REFERENCE.randomResizedCropImagesPerSecond,
    centerCrop: measured ? figures.ffcvCenter.imagesPerSecond : FFCV_REFERENCE.centerCropImagesPerSecond,
  };
  const isCenter = (id) => id.toLowerCase().includes('center');
  const ffcvOf = (id) => (isCenter(id) ? ffcv.centerCrop : ffcv.randomResizedCrop);
  const rows = contenders.map((contender) => [contender.label, formatCount(figures[contender.id].imagesPerSecond), formatCount(figures[contender.id].medianImagesPerSecond), formatRatio(figures[contender.id].imagesPerSecond / ffcvOf(contender.id))]);
  if (!measured) {
    rows.push(
      [`FFCV 1.0 RandomResizedCrop 224, 2 workers ${REFERENCE_MARK}`, formatCount(FFCV_REFERENCE.randomResizedCropImagesPerSecond), '', '1.00×'],
      [`FFCV 1.0 CenterCrop 224, 2 workers ${REFERENCE_MARK}`, formatCount(FFCV_REFERENCE.centerCropImagesPerSecond), '', '1.00×'],
    );
  }
  printTable(
    `load: ${perEpoch} images per epoch, batch ${BATCH_SIZE}, random order, 224×224 uint8, best of ${repeats}${measured ? '; FFCV measured in the same rounds' : `; FFCV ${REFERENCE_MARK}: ${ffcvProbe.reason}`}`,
    ['contender', 'images/s', 'median', 'vs FFCV'],
    rows,
  );
  const ratios = {
    rrcVsFfcv: figures.tesseraRrc.imagesPerSecond / ffcv.randomResizedCrop,
    centerVsFfcv: figures.tesseraCenter.imagesPerSecond / ffcv.centerCrop,
    medianRrcVsFfcv: measured ? figures.tesseraRrc.medianImagesPerSecond / figures.ffcvRrc.medianImagesPerSecond : undefined,
    medianCenterVsFfcv: measured ? figures.tesseraCenter.medianImagesPerSecond / figures.ffcvCenter.medianImagesPerSecond : undefined,
    rrcOnFfcvFileVsFfcv: measured ? figures.tesseraRrcFfcvFile.imagesPerSecond / ffcv.randomResizedCrop : undefined,
    centerOnFfcvFileVsFfcv: measured ? figures.tesseraCenterFfcvFile.imagesPerSecond / ffcv.centerCrop : undefined,
    rrcVsNaive: figures.tesseraRrc.imagesPerSecond / figures.naiveRrc.imagesPerSecond,
    centerVsNaive: figures.tesseraCenter.imagesPerSecond / figures.naiveCenter.imagesPerSecond,
    rrcWasmVsFfcv: figures.tesseraRrcWasm.imagesPerSecond / ffcv.randomResizedCrop,
  };
  const ffcvWord = measured ? 'FFCV' : `FFCV ${REFERENCE_MARK}`;
  console.log(
    `RandomResizedCrop Tessera/${ffcvWord} ${formatRatio(ratios.rrcVsFfcv)} (target ≥ ${TARGET_VS_FFCV}: ${ratios.rrcVsFfcv >= TARGET_VS_FFCV ? 'met' : 'MISSED'}), ` +
      `CenterCrop Tessera/${ffcvWord} ${formatRatio(ratios.centerVsFfcv)}; Tessera/naive ${formatRatio(ratios.rrcVsNaive)} (RRC), ${formatRatio(ratios.centerVsNaive)} (center); wasm fallback/FFCV ${formatRatio(ratios.rrcWasmVsFfcv)}`,
  );
  if (measured) {
    console.log(
      `medians: RRC Tessera/FFCV ${formatRatio(ratios.medianRrcVsFfcv)}, CenterCrop ${formatRatio(ratios.medianCenterVsFfcv)}; ` +
        `Tessera on FFCV's file (the same JPEG bytes)/FFCV: RRC ${formatRatio(ratios.rrcOnFfcvFileVsFfcv)}, CenterCrop ${formatRatio(ratios.centerOnFfcvFileVsFfcv)}`,
    );
  }
  return {
    imagesPerEpoch: perEpoch,
    contenders: figures,
    ffcvMeasured: measured,
    ffcv: { randomResizedCropImagesPerSecond: ffcv.randomResizedCrop, centerCropImagesPerSecond: ffcv.centerCrop },
    ffcvReference: FFCV_REFERENCE,
    ratios,
    targetMet: ratios.rrcVsFfcv >= TARGET_VS_FFCV,
  };
}
