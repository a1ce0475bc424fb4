/**
 * scale-out: combining shards. `mergeDatasets` of 4 shards (float32 [3, 64, 64] + int64 label, 48 KiB
 * a sample) against a plain copy of the same bytes (fs.copyFileSync of each shard: the kernel's
 * copy, no parsing) and against a pread + write loop through an 8 MiB buffer (the floor of any copy
 * that looks at the bytes, as the merge does to check each page's CRC-32), all writing to tmpfs (/dev/shm when it has room) so the figure is the merge's,
 * not the disk's. GB/s of shard bytes, best of N interleaved rounds, and the ratio.
 *
 * Section `mix` (mix.mjs): the mixed loader over 3 files in 2 weighted streams (stratified,
 * per-stream, proportions 0.7 / 0.3) against the same samples as one merged file, samples/s and the
 * ratio (goal ≥ 0.95×), workers 0 and 2. Section `build` (build.mjs, when present): the sharded
 * build's wall time with 1, 2, 3 BullMQ worker processes against the single-process build.
 *
 *   pnpm bench scale-out [--quick] [--repeats N] [--only merge,mix,build] [--write-dir DIR]
 *
 * Last stdout line: the JSON result.
 */
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { chooseWriteDirectory, createBenchRun, formatRatio, measureInterleaved, parseBenchOptions, printTable, progress, removePath } from '../lib/index.mjs';
import { core, coreSource } from '../lib/tessera-core.mjs';
import { benchMix } from './mix.mjs';

const { int64, mergeDatasets, ndarray, openDataset, writeDataset } = core;
const BENCH = 'scale-out';
const SHARDS = 4;
const SHAPE = [3, 64, 64];
const SAMPLE_BYTES = 3 * 64 * 64 * 4;

const options = parseBenchOptions({ usage: 'pnpm bench scale-out [--quick] [--repeats N] [--write-dir DIR]', sections: ['merge', 'mix', 'build'], extraOptions: { 'write-dir': { type: 'string' } } });
const { quick } = options;
const repeats = options.repeats ?? (quick ? 2 : 5);
const samplesPerShard = quick ? 1000 : 5000;
const directory = join(chooseWriteDirectory(options['write-dir'], 3 * SHARDS * samplesPerShard * SAMPLE_BYTES), `tessera-bench-scale-out-${process.pid}`);
mkdirSync(directory, { recursive: true });

const benchRun = createBenchRun(BENCH, { quick, repeats, core: coreSource, directory });
const { metrics } = benchRun;
try {
  if (options.sections.has('merge')) metrics.merge = await benchMerge();
  if (options.sections.has('mix')) metrics.mix = await benchMix({ directory, quick, repeats });
  if (options.sections.has('build') && !existsSync(new URL('./build.mjs', import.meta.url))) {
    progress('build: no build.mjs in this checkout; section skipped');
  } else if (options.sections.has('build')) {
    // build.mjs needs redis-server and @tessera/bullmq; loaded only when the section runs.
    const { benchBuild } = await import('./build.mjs');
    mkdirSync(join(directory, 'build'), { recursive: true });
    metrics.build = await benchBuild({ directory: join(directory, 'build'), quick, repeats });
  }
} finally {
  removePath(directory);
}
benchRun.finish();

async function benchMerge() {
  const values = new Float32Array(SAMPLE_BYTES / 4);
  const shards = [];
  for (let shard = 0; shard < SHARDS; shard++) {
    const path = join(directory, `shard-${shard}.beton`);
    progress(`writing shard ${shard + 1}/${SHARDS} (${samplesPerShard} × ${SAMPLE_BYTES} B)`);
    await writeDataset(path, { image: ndarray({ dtype: '<f4', shape: SHAPE }), label: int64() }, {
      length: samplesPerShard,
      get: (index) => ({ image: values.fill(shard * samplesPerShard + index, 0, 8), label: shard * samplesPerShard + index }),
    });
    shards.push(path);
  }
  const shardBytes = shards.reduce((sum, path) => sum + statSync(path).size, 0);
  const merged = join(directory, 'merged.beton');
  const copies = shards.map((_, index) => join(directory, `copy-${index}.beton`));
  progress(`measuring: merge vs copy of ${(shardBytes / 1e9).toFixed(2)} GB, 1 warmup + ${repeats} rounds`);
  const timings = await measureInterleaved(
    [
      { id: 'merge', run: () => mergeDatasets(merged, shards) },
      {
        id: 'copy',
        run: () => {
          for (const [index, path] of shards.entries()) copyFileSync(path, copies[index]);
        },
      },
      { id: 'loop', run: () => readWriteLoop(shards, join(directory, 'concatenated.bin')) },
    ],
    { warmup: 1, repeats, onRound: (round) => progress(`  ${round}`) },
  );
  // The merge holds every sample, in order.
  const dataset = openDataset(merged);
  const last = SHARDS * samplesPerShard - 1;
  if (dataset.numSamples !== SHARDS * samplesPerShard || dataset.get(last).label !== last || dataset.read(last, 'image').data[0] !== last) throw new Error('the merged file does not hold the shards');
  dataset.close();
  const gigabytesPerSecond = (id) => shardBytes / 1e9 / (timings.get(id).bestMs / 1000);
  const result = {
    loopGigabytesPerSecond: gigabytesPerSecond('loop'),
    mergeVsLoop: gigabytesPerSecond('merge') / gigabytesPerSecond('loop'),
    shards: SHARDS,
    shardBytes,
    mergeGigabytesPerSecond: gigabytesPerSecond('merge'),
    copyGigabytesPerSecond: gigabytesPerSecond('copy'),
    mergeVsCopy: gigabytesPerSecond('merge') / gigabytesPerSecond('copy'),
    mergeMs: timings.get('merge'),
    copyMs: timings.get('copy'),
  };
  printTable(`merge ${SHARDS} shards, ${(shardBytes / 1e9).toFixed(2)} GB (${directory})`, ['contender', 'GB/s (best)', 'median ms', 'vs copy'], [
    ['mergeDatasets (pages CRC-checked)', result.mergeGigabytesPerSecond.toFixed(2), timings.get('merge').medianMs.toFixed(0), formatRatio(result.mergeVsCopy)],
    ['fs.copyFileSync of the shards', result.copyGigabytesPerSecond.toFixed(2), timings.get('copy').medianMs.toFixed(0), '1.00×'],
    ['pread + write loop (8 MiB), no checks', result.loopGigabytesPerSecond.toFixed(2), timings.get('loop').medianMs.toFixed(0), formatRatio(result.loopGigabytesPerSecond / result.copyGigabytesPerSecond)],
  ]);
  return result;
}

/** The shards' bytes concatenated through one 8 MiB buffer: what any user-space copy costs. */
function readWriteLoop(paths, output) {
  const buffer = Buffer.allocUnsafe(8 * 1024 * 1024);
  const target = openSync(output, 'w');
  let position = 0;
  try {
    for (const path of paths) {
      const source = openSync(path, 'r');
      try {
        for (let count = readSync(source, buffer, 0, buffer.length, null); count > 0; count = readSync(source, buffer, 0, buffer.length, null)) {
          writeSync(target, buffer, 0, count, position);
          position += count;
        }
      } finally {
        closeSync(source);
      }
    }
  } finally {
    closeSync(target);
  }
}
