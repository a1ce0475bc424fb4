/**
 * Time to open a big file: 10,000,000 samples of `{ label: int64, data: bytes (8 B) }`, written once
 * and cached. openDataset validates the header, the field descriptors and the tables' bounds; the
 * allocation table's entries and every FFCV column's pointers against it are checked on first data
 * access, so "open + first read" is the fixed cost a loader pays before its first sample.
 */
import { reuseCachedBeton } from '../lib/cached-datasets.mjs';
import { benchDataPath, measure, progress } from '../lib/index.mjs';
import { core } from '../lib/tessera-core.mjs';

const { bytes, int64, openDataset, writeDataset } = core;

const RECIPE_VERSION = 1;

export function openSpec(quick) {
  return { numSamples: quick ? 1_000_000 : 10_000_000, dataByteLength: 8 };
}

function sampleAt(index) {
  // Own 8-byte buffer per sample (a pooled Buffer would be cloned whole into worker threads).
  const data = new Uint8Array(8);
  new DataView(data.buffer).setFloat64(0, index, true);
  return { label: index, data };
}

export async function ensureOpenDataset(spec) {
  const path = benchDataPath(`open-${spec.numSamples}-label-int64-data-${spec.dataByteLength}B-r${RECIPE_VERSION}.beton`);
  const last = spec.numSamples - 1;
  if (reuseCachedBeton(path, (dataset) => dataset.numSamples === spec.numSamples && dataset.read(last, 'label') === last)) return path;
  progress(`  writing ${path} (${spec.numSamples} samples; once, then cached)…`);
  let lastReport = performance.now();
  const summary = await writeDataset(
    path,
    { label: int64(), data: bytes() },
    { length: spec.numSamples, get: sampleAt },
    {
      workers: 0,
      chunkSize: 4096,
      onProgress({ samplesWritten, totalSamples }) {
        if (performance.now() - lastReport > 5000) {
          lastReport = performance.now();
          progress(`    ${((100 * samplesWritten) / totalSamples).toFixed(0)}%`);
        }
      },
    },
  );
  progress(`  wrote ${(summary.fileByteLength / 1e6).toFixed(0)} MB in ${(summary.elapsedMs / 1000).toFixed(1)} s`);
  return path;
}

/**
 * Median and best of `repeats` opens (plus one warmup open), each dataset closed right away; with
 * `firstRead`, each open is followed by one read of the last sample (the deferred checks run).
 */
export async function measureOpen(path, repeats, { firstRead = false } = {}) {
  let numSamples = 0;
  const timing = await measure(
    () => {
      const dataset = openDataset(path);
      numSamples = dataset.numSamples;
      if (firstRead && dataset.read(numSamples - 1, 'label') !== numSamples - 1) throw new Error('the last sample does not hold its label');
      dataset.close();
    },
    { warmup: 1, repeats },
  );
  return { ...timing, numSamples };
}
