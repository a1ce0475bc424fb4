import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bytes, json, writeDataset } from '@tessera/core';
import { type Viewer, createViewer } from '@tessera/viewer';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, CHROMIUM_PATH, hasChromium, launchBrowser, openViewerPage, rowIndices } from './helpers/browser.js';
import {
  CLASSES,
  CLIP_START_SECONDS,
  DRIFTING_ROW,
  IMAGE_SAMPLE_COUNT,
  captionOf,
  clipSecondsOf,
  jpegSizeOf,
  labelOf,
  wordsOf,
  writeAudioDataset,
  writeDubbedDataset,
  writeGalleryDataset,
  writeImageDataset,
  writeTimelineDataset,
} from './helpers/fixtures.js';

/**
 * The README's screenshot is rewritten only on request (TESSERA_UPDATE_SCREENSHOT=1), so test runs
 * leave the committed file alone; every run saves the same view under artifacts/.
 */
const README_SCREENSHOT = fileURLToPath(new URL('../../../docs/images/viewer.png', import.meta.url));
const updateReadmeScreenshot = process.env.TESSERA_UPDATE_SCREENSHOT === '1';

if (!hasChromium) console.warn(`browser tests skipped: ${CHROMIUM_PATH} is missing (apt-get install chromium)`);

let directory: string;
let userDataDirectory: string;
let context: BrowserContext | undefined;
let imageViewer: Viewer;
let textViewer: Viewer;

beforeAll(async () => {
  if (!hasChromium) return;
  directory = mkdtempSync(join(tmpdir(), 'tessera-viewer-browser-'));
  userDataDirectory = mkdtempSync(join(tmpdir(), 'tessera-viewer-chromium-'));
  const { path } = await writeImageDataset(directory);
  const textPath = join(directory, 'captions.beton');
  await writeDataset(
    textPath,
    { caption: json(), raw: bytes() },
    Array.from({ length: IMAGE_SAMPLE_COUNT }, (_, index) => ({ caption: captionOf(index), raw: captionOf(index) })),
    { workers: 0 },
  );
  [imageViewer, textViewer] = await Promise.all([createViewer({ path }), createViewer({ path: textPath })]);
  context = await launchBrowser(userDataDirectory);
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await context?.close();
  await imageViewer?.close();
  await textViewer?.close();
  if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
  if (userDataDirectory !== undefined) rmSync(userDataDirectory, { recursive: true, force: true });
});

const openPage = (url: string) => openViewerPage(context!, url);

describe.skipIf(!hasChromium)('the viewer page in Chromium', () => {
  it('shows the header, the fields, thumbnails at their stored size, and pages', async () => {
    const page = await openPage(imageViewer.url);
    expect(await page.textContent('#sample-count')).toBe(String(IMAGE_SAMPLE_COUNT));
    const fieldNames = await page.$$eval('#grid thead th[data-field]', (cells) => cells.map((cell) => cell.textContent));
    expect(fieldNames).toEqual(['image', 'label', 'thumbnail', 'score', 'blob', 'meta', 'grid']);
    expect(await page.$$eval('#fields tbody tr', (rows) => rows.length)).toBe(7);
    expect(await rowIndices(page)).toEqual(Array.from({ length: 50 }, (_, index) => index));
    // The first rows' images decoded by the browser, at the size stored in the file.
    for (const row of [0, 1, 2]) {
      const image = page.locator(`#grid tr[data-row="${row}"] td[data-field="image"] img`);
      await image.scrollIntoViewIfNeeded();
      await page.waitForFunction((element) => (element as unknown as { complete: boolean; naturalWidth: number }).complete && (element as unknown as { naturalWidth: number }).naturalWidth > 0, await image.elementHandle());
      const size = await image.evaluate((element) => ({ width: (element as unknown as { naturalWidth: number }).naturalWidth, height: (element as unknown as { naturalHeight: number }).naturalHeight }));
      expect(size).toEqual(jpegSizeOf(row));
    }
    // A class id shows its name from info.
    expect(await page.textContent('#grid tr[data-row="2"] td[data-field="label"]')).toBe(`2 (${CLASSES[2]})`);
    // Statistics, with class names.
    await page.waitForSelector('.statistic[data-field="label"] .class-count');
    expect(await page.$$eval('.statistic[data-field="label"] .class-count .name', (names) => names.map((name) => name.textContent))).toEqual(CLASSES.map((name, index) => `${name} (${index})`));
    await page.screenshot({ path: join(ARTIFACTS, 'images-first-page.png') });

    await page.click('#next-page');
    await page.waitForSelector('#grid tbody tr[data-row="50"]');
    expect(await rowIndices(page)).toEqual(Array.from({ length: 50 }, (_, index) => 50 + index));
    expect(new URL(page.url()).searchParams.get('page')).toBe('2');
    expect(await page.textContent('#page-label')).toMatch(/rows 50–99 of 120/);
    expect((page as Page & { problems?: string[] }).problems).toEqual([]);
    await page.close();
  });

  it('?row=N opens that row; a class count filters the grid to that class', async () => {
    const page = await openPage(`${imageViewer.url}?row=57`);
    await page.waitForSelector('#detail-title');
    expect(await page.getAttribute('#detail-title', 'data-row')).toBe('57');
    expect(await page.textContent('#detail tr[data-field="meta"]')).toContain(captionOf(57));
    // The grid shows the page holding the row.
    expect((await rowIndices(page))[0]).toBe(50);

    await page.waitForSelector('.statistic[data-field="label"] .class-count[data-value="3"]');
    await page.click('.statistic[data-field="label"] .class-count[data-value="3"]');
    await page.waitForFunction(() => new URL((globalThis as unknown as { location: { href: string } }).location.href).searchParams.get('filter') === 'label.value:3:3');
    await page.waitForSelector('body[data-loading="false"]');
    const expected = Array.from({ length: IMAGE_SAMPLE_COUNT }, (_, row) => row).filter((row) => labelOf(row) === 3);
    expect(await rowIndices(page)).toEqual(expected);
    expect(await page.isHidden('#detail')).toBe(true);
    const labels = await page.$$eval('#grid td[data-field="label"]', (cells) => cells.map((cell) => cell.textContent));
    expect(new Set(labels)).toEqual(new Set([`3 (${CLASSES[3]})`]));
    await page.screenshot({ path: join(ARTIFACTS, 'images-filtered.png') });
    await page.close();
  });

  it('saves the README screenshot: an image dataset with class names, 1280×800', async () => {
    const path = await writeGalleryDataset(directory);
    const gallery = await createViewer({ path });
    try {
      const page = await openPage(gallery.url);
      await page.waitForSelector('.statistic[data-field="label"] .class-count');
      // The fields table is folded so the statistics and the first rows fit.
      await page.evaluate(() => ((globalThis as unknown as { document: { getElementById(id: string): { open: boolean } } }).document.getElementById('fields-details').open = false));
      await page.waitForFunction(() =>
        Array.from((globalThis as unknown as { document: { images: ArrayLike<{ complete: boolean; naturalWidth: number; getBoundingClientRect(): { top: number } }> } }).document.images)
          .filter((image) => image.getBoundingClientRect().top < 800)
          .every((image) => image.complete && image.naturalWidth > 0),
      );
      await page.screenshot({ path: join(ARTIFACTS, 'readme-viewer.png') });
      if (updateReadmeScreenshot) {
        mkdirSync(join(README_SCREENSHOT, '..'), { recursive: true });
        await page.screenshot({ path: README_SCREENSHOT });
      }
      await page.close();
    } finally {
      await gallery.close();
    }
  });

  it("an audio field: a player whose duration is the clip's, and a waveform strip", async () => {
    const { path, plugin } = await writeAudioDataset(directory);
    const clips = await createViewer({ path, plugins: [plugin] });
    try {
      const page = await openPage(clips.url);
      const player = page.locator('#grid tr[data-row="1"] td[data-field="clip"] audio');
      // The grid does not preload media; load this one (Chromium fetches it with Range requests).
      await player.evaluate((element) => {
        const audio = element as unknown as { preload: string; load(): void };
        audio.preload = 'metadata';
        audio.load();
      });
      await page.waitForFunction((element) => (element as unknown as { readyState: number }).readyState >= 1, await player.elementHandle());
      const duration = await player.evaluate((element) => (element as unknown as { duration: number }).duration);
      expect(duration).toBeCloseTo(clipSecondsOf(1), 2);
      expect(await page.locator('#grid tr[data-row="1"] td[data-field="clip"] canvas.waveform').count()).toBe(1);
      expect((page as Page & { problems?: string[] }).problems).toEqual([]);
      await page.close();
    } finally {
      await clips.close();
    }
  });

  it('a row with a clip and its words: one timeline, spans that seek the player, drift flagged', async () => {
    const { path, plugins } = await writeTimelineDataset(directory);
    const spoken = await createViewer({ path, plugins });
    try {
      const page = await openPage(`${spoken.url}?row=0`);
      await page.waitForSelector('#timeline .lane');
      expect(await page.$$eval('#timeline .lane', (lanes) => lanes.map((lane) => (lane as unknown as { dataset: { field: string } }).dataset.field))).toEqual(['clip', 'words']);
      expect(await page.locator('#timeline .lane[data-field="clip"] .stream-bar canvas.lane-waveform').count()).toBe(1);
      expect(await page.$$eval('#timeline .lane[data-field="words"] .span', (spans) => spans.map((span) => span.textContent))).toEqual(wordsOf(0).map((word) => word.label));
      expect(await page.getAttribute('#timeline-drift', 'data-flags')).toBe('0');
      const audio = page.locator('#detail tr[data-field="clip"] audio');
      await page.waitForFunction((element) => (element as unknown as { readyState: number }).readyState >= 1, await audio.elementHandle());
      // The second word starts 0.25 s into the clip, which starts at CLIP_START_SECONDS on the axis.
      const word = wordsOf(0)[1]!;
      await page.click(`#timeline .lane[data-field="words"] .span[data-start="${word.start}"]`);
      const currentTime = await audio.evaluate((element) => (element as unknown as { currentTime: number }).currentTime);
      expect(Math.abs(currentTime - (word.start - CLIP_START_SECONDS))).toBeLessThan(0.01);
      expect(Number(await page.getAttribute('#timeline .playhead', 'data-seconds'))).toBeCloseTo(word.start, 2);
      await page.screenshot({ path: join(ARTIFACTS, 'timeline-row.png') });
      expect((page as Page & { problems?: string[] }).problems).toEqual([]);
      await page.close();

      const drifting = await openPage(`${spoken.url}?row=${DRIFTING_ROW}`);
      await drifting.waitForSelector('#timeline-drift');
      expect(await drifting.getAttribute('#timeline-drift', 'data-flags')).toBe('1');
      expect(await drifting.textContent('#timeline-drift')).toContain(`words ends 0.30 s after clip`);
      await drifting.screenshot({ path: join(ARTIFACTS, 'timeline-drift.png') });
      await drifting.close();
      const tolerant = await openPage(`${spoken.url}?row=${DRIFTING_ROW}&tolerance=0.5`);
      await tolerant.waitForSelector('#timeline-drift');
      expect(await tolerant.getAttribute('#timeline-drift', 'data-flags')).toBe('0');
      expect(await tolerant.textContent('#timeline-drift')).toBe('no drift above 0.5 s');
      await tolerant.close();
    } finally {
      await spoken.close();
    }
  });

  it('two clips of different durations: three lanes and the duration drift', async () => {
    const { path, plugins } = await writeDubbedDataset(directory, 4);
    const dubbed = await createViewer({ path, plugins });
    try {
      const page = await openPage(`${dubbed.url}?row=0`);
      await page.waitForSelector('#timeline-drift');
      expect(await page.$$eval('#timeline .lane', (lanes) => lanes.map((lane) => (lane as unknown as { dataset: { field: string } }).dataset.field))).toEqual(['clip', 'dub', 'words']);
      expect(await page.textContent('#timeline-drift li[data-kind="duration"]')).toBe('drift: dub lasts 0.25 s longer than clip (0.75 s vs 0.50 s)');
      await page.close();
    } finally {
      await dubbed.close();
    }
  });

  it('verify shows a progress bar that reaches done', async () => {
    const page = await openPage(imageViewer.url);
    await page.click('#verify-button');
    await page.waitForSelector('#verify-status[data-state="done"]', { timeout: 20_000 });
    expect(await page.getAttribute('#verify-status', 'class')).toBe('ok');
    expect(await page.$eval('#verify-progress', (bar) => (bar as unknown as { value: number }).value)).toBe(1);
    expect(await page.textContent('#verify-label')).toMatch(/^OK \(\d+ pages checked\)$/);
    expect(await page.$$eval('#fields tbody tr[data-field="blob"] td.payload-bytes', (cells) => cells.map((cell) => cell.textContent))).toEqual([expect.stringMatching(/^\d+(\.\d)? bytes$/)]);
    // the JPEGs' stored sizes, from the image statistics' byteLength
    expect(await page.textContent('#fields tbody tr[data-field="image"] td.payload-bytes')).toMatch(/^\d+(\.\d)? bytes$/);
    await page.close();
  });

  it('a text-like dataset: JSON and bytes previews, and the search box', async () => {
    const page = await openPage(textViewer.url);
    expect(await page.textContent('#sample-count')).toBe(String(IMAGE_SAMPLE_COUNT));
    expect(await page.textContent('#grid tr[data-row="4"] td[data-field="caption"]')).toBe(JSON.stringify(captionOf(4)));
    expect(await page.textContent('#grid tr[data-row="4"] td[data-field="raw"] .hex')).toMatch(/^61 20 63 61 74/);
    await page.fill('#search-input', 'dog photographed at dawn, picture 1');
    await page.press('#search-input', 'Enter');
    await page.waitForFunction(() => new URL((globalThis as unknown as { location: { href: string } }).location.href).searchParams.has('search'));
    await page.waitForSelector('body[data-loading="false"]');
    const expected = Array.from({ length: IMAGE_SAMPLE_COUNT }, (_, row) => row).filter((row) => captionOf(row).includes('dog photographed at dawn, picture 1'));
    expect(expected.length).toBeGreaterThan(1);
    expect(await rowIndices(page)).toEqual(expected);
    await page.screenshot({ path: join(ARTIFACTS, 'text-search.png'), fullPage: true });
    await page.close();
  });
});
