/**
 * `pnpm bench viewer [--quick] [--repeats N] [--samples N]`
 *
 * How fast `tessera view` shows a large file: a 10,000,000-sample .beton (--quick: 1,000,000) with a
 * class id (int64, 10 classes named in `info`), a score (float64) and a short caption (bytes, 12–40
 * B), written once into .bench-data/. Each round starts `tessera view FILE --port 0` in a fresh Node
 * process and times, from the spawn, (1) the URL printed, (2) /api/summary, (3) the first page of
 * 50 rows (/api/rows) and (4) the first class-count statistics (/api/statistics/label: a seeded
 * sample of rows, marked partial) — what the page needs to show its first screen — and, when Debian's
 * Chromium is installed (/usr/bin/chromium, driven by playwright-core), (5) the page itself rendered
 * in a second cold start, with its 50 rows in the DOM. Target: the first page in under 1 s. Beside
 * it, in the same run, the cost a viewer that scans the data would pay: reading every sample's class
 * id and caption length from the file (dataset.statistics over all samples), which `tessera view`
 * never does. The last line is the JSON result.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytes, float64, int64, openDataset, writeDataset } from '@tessera/core';
import { benchDataPath, createBenchRun, formatRatio, parseBenchOptions, printTable, progress, repositoryRoot } from '../lib/index.mjs';

const BENCH = 'viewer';
const TARGET_MS = 1000;
const options = parseBenchOptions({ usage: 'pnpm bench viewer [--quick] [--repeats N] [--samples N]', sections: ['view', 'scan'], extraOptions: { samples: { type: 'string' } } });
const numSamples = Number(options.samples ?? (options.quick ? 1_000_000 : 10_000_000));
if (!Number.isSafeInteger(numSamples) || numSamples < 1000) throw new RangeError(`--samples must be an integer ≥ 1000, got ${options.samples}`);
const repeats = options.repeats ?? (options.quick ? 3 : 5);
const CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
const WORDS = ['a', 'small', 'red', 'boat', 'on', 'the', 'river', 'near', 'an', 'old', 'stone', 'bridge'];
const path = benchDataPath(`viewer-${numSamples}.beton`);
const cli = join(repositoryRoot, 'packages', 'cli', 'dist', 'cli.js');

const benchRun = createBenchRun(BENCH, { quick: options.quick, repeats, samples: numSamples });
const { metrics } = benchRun;

if (!existsSync(path)) {
  progress(`writing ${numSamples.toLocaleString('en')} samples to ${path}`);
  const started = performance.now();
  const caption = (index) => {
    const count = 3 + (index % 6);
    const words = [];
    for (let k = 0; k < count; k++) words.push(WORDS[(index * 7 + k * 3) % WORDS.length]);
    return words.join(' ');
  };
  await writeDataset(
    path,
    { label: int64(), score: float64(), caption: bytes() },
    { length: numSamples, get: (index) => ({ label: index % 10, score: ((index * 2654435761) % 1000) / 1000, caption: caption(index) }) },
    { workers: 2, info: { classes: CLASSES } },
  );
  progress(`written in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
metrics.fileByteLength = statSync(path).size;

const CHROMIUM = '/usr/bin/chromium';
let browser;
let browserDirectory;
if (options.sections.has('view') && existsSync(CHROMIUM)) {
  const { chromium } = await import('playwright-core');
  browserDirectory = mkdtempSync(join(tmpdir(), 'tessera-bench-viewer-'));
  browser = await chromium.launchPersistentContext(browserDirectory, {
    headless: true,
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1280, height: 800 },
  });
} else if (options.sections.has('view')) {
  progress(`${CHROMIUM} is missing: the page is not rendered in a browser (apt-get install chromium)`);
}

/** Spawns `tessera view` and waits for the URL it prints; `stop()` ends it. */
async function startViewer() {
  const child = spawn(process.execPath, [cli, 'view', path, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const stop = async () => {
    child.kill('SIGINT');
    await new Promise((resolve) => (child.exitCode === null ? child.on('exit', resolve) : resolve()));
  };
  try {
    const url = await new Promise((resolve, reject) => {
      let stdout = '';
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        const match = /(http:\/\/127\.0\.0\.1:\d+)\S*/.exec(stdout);
        if (match) resolve(match[1]);
      });
      child.on('exit', (code) => reject(new Error(`tessera view exited with ${code} before printing its URL: ${stderr}`)));
    });
    return { url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** One cold start of the viewer: spawn → URL → summary → first page → class counts (→ the page rendered in Chromium). */
async function viewOnce() {
  const started = performance.now();
  const viewer = await startViewer();
  let result;
  try {
    const urlMs = performance.now() - started;
    const summary = await (await fetch(`${viewer.url}/api/summary`)).json();
    if (summary.numSamples !== numSamples) throw new Error(`the summary says ${summary.numSamples} samples, the file has ${numSamples}`);
    const summaryMs = performance.now() - started;
    const rows = await (await fetch(`${viewer.url}/api/rows?offset=0&limit=50`)).json();
    if (!Array.isArray(rows.rows) || rows.rows.length !== 50) throw new Error(`the first page has ${rows.rows?.length} rows, expected 50`);
    const firstPageMs = performance.now() - started;
    const statistics = await (await fetch(`${viewer.url}/api/statistics/label`)).json();
    const statisticsMs = performance.now() - started;
    result = { urlMs, summaryMs, firstPageMs, statisticsMs, partial: statistics.partial === true };
  } finally {
    await viewer.stop();
  }
  // A second cold start for the browser: the page's own requests, from spawn to 50 rows in the DOM.
  if (browser !== undefined) result.renderedMs = await renderOnce();
  return result;
}

/** Spawn → the page open in Chromium with its first 50 rows rendered. */
async function renderOnce() {
  const started = performance.now();
  const viewer = await startViewer();
  try {
    const page = await browser.newPage();
    try {
      await page.goto(`${viewer.url}/`);
      await page.waitForFunction(() => document.querySelectorAll('#grid tbody tr').length >= 50, undefined, { timeout: 30_000 });
      return performance.now() - started;
    } finally {
      await page.close();
    }
  } finally {
    await viewer.stop();
  }
}

/** What scanning costs: every sample's statistics of two fields, read from the open file. */
function scanOnce() {
  const started = performance.now();
  const dataset = openDataset(path);
  try {
    let sum = 0;
    for (let index = 0; index < dataset.numSamples; index++) sum += dataset.statistics('label', index).value + dataset.statistics('caption', index).byteLength;
    if (!(sum > 0)) throw new Error('scan read nothing');
  } finally {
    dataset.close();
  }
  return performance.now() - started;
}

const runs = [];
const scans = [];
for (let round = 0; round < repeats + 1; round++) {
  if (options.sections.has('view')) {
    const run = await viewOnce();
    if (round > 0) runs.push(run);
  }
  if (options.sections.has('scan') && (round === 0 || round === repeats)) {
    const scanMs = scanOnce();
    if (round > 0) scans.push(scanMs);
  }
  progress(round === 0 ? 'warmup done' : `round ${round}/${repeats}`);
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const rows = [];
if (runs.length > 0) {
  for (const key of ['urlMs', 'summaryMs', 'firstPageMs', 'statisticsMs', 'renderedMs']) {
    const values = runs.map((run) => run[key]).filter((value) => value !== undefined);
    if (values.length === 0) continue;
    metrics[key] = { bestMs: Math.min(...values), medianMs: median(values) };
    rows.push([key.replace(/Ms$/, ''), Math.min(...values).toFixed(0), median(values).toFixed(0)]);
  }
  metrics.statisticsPartial = runs.every((run) => run.partial);
  metrics.firstPageVsTarget = TARGET_MS / metrics.firstPageMs.medianMs;
  if (metrics.renderedMs !== undefined) metrics.renderedVsTarget = TARGET_MS / metrics.renderedMs.medianMs;
}
if (scans.length > 0) {
  metrics.scanAllMs = median(scans);
  rows.push(['scan every sample (what the viewer avoids)', metrics.scanAllMs.toFixed(0), metrics.scanAllMs.toFixed(0)]);
  if (metrics.firstPageMs !== undefined) metrics.scanVsFirstPage = metrics.scanAllMs / metrics.firstPageMs.medianMs;
}
printTable(`tessera view on ${numSamples.toLocaleString('en')} samples (${(metrics.fileByteLength / 2 ** 20).toFixed(0)} MiB), ms from spawning the process`, ['step', 'best ms', 'median ms'], rows);
await browser?.close();
if (browserDirectory !== undefined) rmSync(browserDirectory, { recursive: true, force: true });
if (metrics.renderedMs !== undefined) {
  console.log(`\nthe page rendered in Chromium with its 50 rows: ${metrics.renderedMs.medianMs.toFixed(0)} ms after spawning tessera view (target < ${TARGET_MS} ms: ${metrics.renderedMs.medianMs < TARGET_MS ? 'met' : 'NOT met'})`);
}
if (metrics.firstPageMs !== undefined) {
  console.log(`first page in ${metrics.firstPageMs.medianMs.toFixed(0)} ms (target < ${TARGET_MS} ms: ${metrics.firstPageMs.medianMs < TARGET_MS ? 'met' : 'NOT met'}, ${formatRatio(metrics.firstPageVsTarget)} of the budget left over)`);
}
benchRun.finish();
