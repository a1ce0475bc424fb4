/**
 * Benchmark datasets cached under .bench-data/: a cached copy is reused only after a spot check
 * (a few samples compared with freshly generated ones), otherwise removed and rebuilt. LMDB copies
 * use uint32 keys and raw binary values, no compression.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { open as openLmdb } from 'lmdb';
import { removePath } from './data-directory.mjs';
import { progress } from './report.mjs';
import { core } from './tessera-core.mjs';

/** True when `isIntact(index)` holds for the first, second, middle and last of `numSamples` samples. */
export function spotCheckSamples(numSamples, isIntact) {
  return [0, 1, Math.floor(numSamples / 2), numSamples - 1].every((index) => isIntact(index));
}

/**
 * Opens the cached .beton at `path`, if any, and returns what `check(dataset)` returns when that is
 * truthy (the copy is reused). Otherwise (no file, a failed check, a file that does not open) the
 * file is removed and undefined returned: the caller writes it again.
 */
export function reuseCachedBeton(path, check) {
  if (!existsSync(path)) return undefined;
  try {
    const dataset = core.openDataset(path);
    let reused;
    try {
      reused = check(dataset);
    } finally {
      dataset.close();
    }
    if (reused) return reused;
    progress(`  cached ${path} does not match; rebuilding`);
  } catch (error) {
    progress(`  cached ${path} is unusable (${error.message.split('\n')[0]}); rebuilding`);
  }
  removePath(path);
  return undefined;
}

/** A cached LMDB database opened for reading. */
export function openLmdbForRead(path) {
  return openLmdb({ path, compression: false, encoding: 'binary', keyEncoding: 'uint32', readOnly: true, cache: false });
}

/**
 * The LMDB database at `path`: keys 0..numSamples-1, `valueAt(index)` as values (each
 * `valueByteLength` bytes; lmdb copies it, so one buffer may be reused). A cached copy is reused when
 * its completion marker exists and `matches(db)` holds; else it is rebuilt and the marker (holding
 * `tag`) written last. `mapSizeFactor` sizes the map from the payload: values over a page go to
 * overflow pages, so leave room for page rounding and the B-tree. Returns the path.
 */
export async function ensureLmdbDatabase(path, { tag, numSamples, valueByteLength, mapSizeFactor, valueAt, matches }) {
  const marker = `${path}.complete`;
  if (existsSync(marker) && existsSync(path)) {
    const db = openLmdbForRead(path);
    const valid = matches(db);
    await db.close();
    if (valid) return path;
    progress(`  cached ${path} does not match; rebuilding`);
  }
  removePath(marker);
  removePath(path);
  removePath(`${path}-lock`);
  progress(`  writing ${path} (LMDB, ${numSamples} values of ${valueByteLength} B)…`);
  const started = performance.now();
  const payloadByteLength = numSamples * valueByteLength;
  const db = openLmdb({
    path,
    compression: false,
    encoding: 'binary',
    keyEncoding: 'uint32',
    noSync: true,
    mapSize: Math.ceil((payloadByteLength * mapSizeFactor + (64 << 20)) / 4096) * 4096,
  });
  const chunk = 1000;
  for (let first = 0; first < numSamples; first += chunk) {
    const end = Math.min(numSamples, first + chunk);
    db.transactionSync(() => {
      for (let index = first; index < end; index++) db.putSync(index, valueAt(index));
    });
  }
  await db.flushed;
  await db.close();
  writeFileSync(marker, tag);
  progress(`  wrote LMDB in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return path;
}
