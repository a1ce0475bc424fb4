import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, type Page, chromium } from 'playwright-core';

/** Debian's Chromium (apt-get install chromium); CI installs it. No browser is downloaded. */
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM_PATH);
/** Screenshots of every run land here (not committed). */
export const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));

/** A page that records its uncaught errors and console errors, so a test can assert there were none. */
export type CheckedPage = Page & { problems: string[] };

/** Chromium with a fresh profile in `userDataDirectory` (launchPersistentContext is how Playwright passes --user-data-dir). */
export function launchBrowser(userDataDirectory: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDirectory, {
    headless: true,
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1280, height: 800 },
  });
}

/** Opens the viewer at `url` and waits until its first render and statistics are done. */
export async function openViewerPage(context: BrowserContext, url: string): Promise<CheckedPage> {
  const page = (await context.newPage()) as CheckedPage;
  page.problems = [];
  page.on('pageerror', (error) => page.problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') page.problems.push(message.text());
  });
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]');
  await page.waitForSelector('body[data-loading="false"]');
  return page;
}

/** The sample indices of the grid's rows, in order. */
export const rowIndices = (page: Page) => page.$$eval('#grid tbody tr', (rows) => rows.map((row) => Number((row as unknown as { dataset: { row: string } }).dataset.row)));
