// Training from a remote dataset: write a dataset, serve it over HTTP (a stand-in for your object
// store or CDN, here with 10 ms of latency per request), and load shuffled batches from its URL with
// 2 decode workers, exactly as from the local file; then resume an interrupted epoch and compare.
// Run: `node examples/remote-dataset/index.mjs`   (add --check to assert the batches)
//
// For S3: `npm install @tessera/s3`, then
//   createLoader('s3://bucket/train.beton', { byteSources: [s3({ region: 'eu-west-1' })], ... })
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createLoader, int64, ndarray, writeDataset } from '@tessera/core';
import { startFaultProxy, startStaticServer } from '@tessera/test-kit/servers';

const check = process.argv.includes('--check');
const directory = join(import.meta.dirname, '.output');
mkdirSync(directory, { recursive: true });
const path = join(directory, 'train.beton');
const cacheDirectory = join(directory, 'cache');
rmSync(cacheDirectory, { recursive: true, force: true });

// 1. A dataset: 5,000 samples of 3×32×32 floats and a label (61 MB).
const numSamples = 5_000;
await writeDataset(
  path,
  { image: ndarray({ dtype: '<f4', shape: [3, 32, 32] }), label: int64() },
  { length: numSamples, get: (index) => ({ image: new Float32Array(3 * 32 * 32).fill(index % 251), label: index % 10 }) },
  { workers: 2 },
);

// 2. Somewhere to read it from. The servers run in worker threads: Tessera's reader waits for bytes
//    synchronously, so a server sharing its thread could never answer.
const origin = await startStaticServer({ root: directory });
const link = await startFaultProxy({ target: origin.url, latencyMs: 10 });
const url = `${link.url}/train.beton`;

// 3. The same loader as for a local file, plus where to cache. Read-ahead fetches the blocks of the
//    next batches while these decode.
const options = { batchSize: 256, order: 'quasi-random', seed: 1, workers: 2, remote: { cacheDirectory, cacheBytes: 256 * 2 ** 20 } };
async function epoch(source, extra = {}, stopAfter = Number.POSITIVE_INFINITY) {
  const started = performance.now();
  const loader = createLoader(source, { ...options, ...extra });
  const labels = [];
  let firstBatchMs;
  let state;
  for await (const batch of loader) {
    firstBatchMs ??= performance.now() - started;
    labels.push(Array.from(batch.label.data, Number).join(','));
    if (labels.length === stopAfter) {
      state = loader.state();
      break;
    }
  }
  const stats = loader.stats();
  await loader.close();
  return { labels, state, firstBatchMs, ms: performance.now() - started, remote: stats.remote };
}

try {
  const local = await epoch(path);
  const remote = await epoch(url);
  console.log(`local file : ${local.labels.length} batches in ${local.ms.toFixed(0)} ms`);
  console.log(`over HTTP  : ${remote.labels.length} batches in ${remote.ms.toFixed(0)} ms, first batch after ${remote.firstBatchMs.toFixed(0)} ms`);
  console.log(`             ${remote.remote.requests} requests, ${(remote.remote.bytesFetched / 1e6).toFixed(1)} MB fetched, ${remote.remote.readAheadBlocks} blocks read ahead, decoders waited ${remote.remote.networkWaitMs.toFixed(0)} ms`);

  // 4. An interrupted epoch resumes exactly, from the disk cache where the blocks are still there.
  const interrupted = await epoch(url, {}, 10);
  const resumed = await epoch(url, { resume: interrupted.state });
  console.log(`resumed    : ${interrupted.labels.length} + ${resumed.labels.length} batches, ${resumed.remote.bytesFetched} bytes fetched again`);

  if (check) {
    const same = (a, b) => a.length === b.length && a.every((batch, index) => batch === b[index]);
    if (!same(remote.labels, local.labels)) throw new Error('the remote epoch differs from the local one');
    if (!same([...interrupted.labels, ...resumed.labels], local.labels)) throw new Error('the resumed epoch differs from the local one');
    if (remote.remote.bytesFetched > 1.1 * (await import('node:fs')).statSync(path).size) throw new Error('fetched more than the file');
    console.log('check: remote, resumed and local epochs are identical');
  }
} finally {
  await link.close();
  await origin.close();
}
