/**
 * Cold cache: what one epoch reads from the file when the data does not fit in memory, random
 * against quasi-random. Uses the loader's `cache: 'process'` (pages read with pread into a bounded
 * pool, counters in `loader.stats().cache`), with a pool far smaller than the file, so the bytes the
 * pool reads are the bytes a cold OS cache would fetch from disk (the OS cache itself stays warm:
 * this measures traffic, not disk speed). Each run is a fresh loader (an empty pool) and one epoch.
 * Until the option exists, `available: false` says so.
 */
import { core } from '../lib/tessera-core.mjs';
import { nowMs, summarize } from '../lib/index.mjs';
import { BATCH_SIZE, ORDER_SEED, PIPELINES } from './contenders.mjs';

const { createLoader } = core;

export const COLD_ORDERS = ['random', 'quasi-random'];

function createColdLoader(path, order, cacheBytes, workers) {
  return createLoader(path, { batchSize: BATCH_SIZE, order, seed: ORDER_SEED, workers, pipelines: PIPELINES, cache: 'process', cacheBytes });
}

/** `{ available: false, reason }` when this build of @tessera/core has no `cache: 'process'`. */
export function detectProcessCache(path, cacheBytes) {
  let loader;
  try {
    loader = createColdLoader(path, 'random', cacheBytes, 0);
  } catch (error) {
    if (error?.code === 'E_ARGUMENT') return { available: false, reason: error.message.split('\n')[0] };
    throw error;
  }
  const available = typeof loader.stats().cache === 'object';
  loader.close();
  return available ? { available: true } : { available: false, reason: "createLoader accepted cache: 'process' but stats() has no cache counters" };
}

/**
 * `repeats` rounds of (one cold epoch per order), alternating orders. Returns per order the timing
 * summary, samples per epoch and the cache counters of its first run (they are deterministic: same
 * seed, same epoch, same pool size; later runs are checked against it).
 */
export async function measureColdCache(path, { cacheBytes, repeats, workers = 0, onRound }) {
  const results = Object.fromEntries(COLD_ORDERS.map((order) => [order, { timesMs: [], counters: undefined, samples: 0, countersVary: false }]));
  for (let round = 0; round < repeats; round++) {
    for (const order of COLD_ORDERS) {
      const loader = createColdLoader(path, order, cacheBytes, workers);
      const result = results[order];
      let samples = 0;
      let touched = 0;
      try {
        const started = nowMs();
        for await (const batch of loader) {
          samples += batch.image.shape[0];
          touched += batch.image.data[0];
        }
        result.timesMs.push(nowMs() - started);
        const counters = await settledCounters(loader);
        if (result.counters === undefined) result.counters = counters;
        else if (counters.bytesRead !== result.counters.bytesRead) result.countersVary = true;
        result.samples = samples;
        result.touched = touched;
      } finally {
        await loader.close();
      }
    }
    onRound?.(`cold round ${round + 1}/${repeats}`);
  }
  return Object.fromEntries(COLD_ORDERS.map((order) => [order, { ...results[order], ...summarize(results[order].timesMs) }]));
}

/**
 * The pool's counters once read-ahead issued during the epoch has landed: with workers 0 the epoch
 * never yields to the event loop, so prefetch reads complete (and are counted) only after it ends.
 * Polls until two reads 50 ms apart agree (at most 2 s).
 */
async function settledCounters(loader) {
  let counters = { ...loader.stats().cache };
  for (let attempt = 0; attempt < 40; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const next = { ...loader.stats().cache };
    if (next.pagesRead === counters.pagesRead && next.prefetched === counters.prefetched) return next;
    counters = next;
  }
  return counters;
}
