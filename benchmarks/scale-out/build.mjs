/**
 * scale-out, sharded-build section: the wall time of one sharded `tessera build image-folder` (6
 * shards, then `tessera merge`) on a BullMQ queue with 1, 2 and 3 worker processes on this
 * machine, against the single-process `tessera build` of the same folder, in the same run,
 * interleaved. The images are synthetic JPEGs of one size (made once into `.bench-data/`, see
 * classFolder), in 10 class folders; redis-server (/usr/bin/redis-server) is started
 * by the bench on a free loopback port.
 *
 * Each figure is enqueue → merged file, as `waitForBuild` sees it: the queue's overhead (a CLI
 * start per shard, the merge) is in it, and `overheadPerShardMs` isolates it. Each shard's CLI
 * uses its default encoder threads, so on one 2-core machine a single process already has both
 * cores and the worker processes can only add overhead: the figures measure that cost. On N
 * machines the shards run side by side, each with its machine's cores.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { benchDataPath, formatRatio, measureInterleaved, mulberry32, printTable, progress, removePath } from '../lib/index.mjs';

// The workspace builds (the benchmarks package does not list @tessera/bullmq; the CLI runs from scripts/tessera.mjs).
const bullmqModule = new URL('../../packages/bullmq/dist/index.js', import.meta.url);
const BULLMQ_CLI = fileURLToPath(new URL('../../packages/bullmq/dist/cli.js', import.meta.url));
const TESSERA = fileURLToPath(new URL('../../scripts/tessera.mjs', import.meta.url));
const REDIS_SERVER = '/usr/bin/redis-server';
const SHARDS = 6;
const WORKER_COUNTS = [1, 2, 3];
const CLASSES = 10;

/** The sharded-build figures: milliseconds per build of each contender and the ratios to the single process. */
export async function benchBuild({ directory, quick, repeats }) {
  if (!existsSync(REDIS_SERVER)) {
    progress(`build: skipped, no ${REDIS_SERVER} (apt-get install redis-server)`);
    return { skipped: `no ${REDIS_SERVER}` };
  }
  if (!existsSync(BULLMQ_CLI)) throw new Error(`@tessera/bullmq is not built (no ${BULLMQ_CLI}): run npx -y pnpm@10 build first`);
  const { enqueueShardedBuild, waitForBuild } = await import(bullmqModule.href);
  const imageCount = quick ? 600 : 2000;
  const work = mkdtempSync(join(directory, 'tessera-bench-build-'));
  const input = await classFolder(imageCount, join(work, 'images'));
  const redis = await startRedis(work);
  const connection = { host: '127.0.0.1', port: redis.port };
  const workerGroups = [];
  try {
    for (const count of WORKER_COUNTS) {
      const queueName = `bench-build-${count}`;
      progress(`build: starting ${count} worker process${count === 1 ? '' : 'es'} on queue ${queueName}`);
      workerGroups.push({ count, queueName, processes: await Promise.all(Array.from({ length: count }, () => startWorker(redis.port, queueName))) });
    }
    const sizes = new Map();
    const single = {
      id: 'single',
      run: async () => {
        await run(process.execPath, [TESSERA, 'build', 'image-folder', input, '--output', join(work, 'single.beton'), '-q']);
      },
    };
    const queued = workerGroups.map(({ count, queueName }) => ({
      id: `workers${count}`,
      run: async () => {
        const build = await enqueueShardedBuild({
          connection,
          queueName,
          build: { args: ['image-folder', input], output: join(work, `shards-${count}`, 'shard-{index}.beton') },
          shards: SHARDS,
          mergeOutput: join(work, `merged-${count}.beton`),
          attempts: 1,
        });
        const result = await waitForBuild({ connection, ...build, timeoutMs: 600_000 });
        sizes.set(count, result.summary.numSamples);
        removePath(join(work, `shards-${count}`));
      },
    }));
    progress(`build: ${imageCount} JPEGs, ${SHARDS} shards; single process vs ${WORKER_COUNTS.join('/')} workers, 1 warmup + ${repeats} rounds`);
    const timings = await measureInterleaved([single, ...queued], { warmup: 1, repeats, onRound: (label) => progress(`  ${label}`) });
    for (const [count, numSamples] of sizes) if (numSamples !== imageCount) throw new Error(`the ${count}-worker build merged ${numSamples} samples, not ${imageCount}`);
    const singleMs = timings.get('single').bestMs;
    const result = { images: imageCount, shards: SHARDS, cores: availableParallelism(), singleMs: timings.get('single') };
    const rows = [['tessera build, one process', singleMs.toFixed(0), timings.get('single').medianMs.toFixed(0), '1.00×']];
    for (const count of WORKER_COUNTS) {
      const timing = timings.get(`workers${count}`);
      result[`workers${count}Ms`] = timing;
      result[`workers${count}VsSingle`] = singleMs / timing.bestMs;
      rows.push([`BullMQ, ${count} worker process${count === 1 ? '' : 'es'} (${SHARDS} shards + merge)`, timing.bestMs.toFixed(0), timing.medianMs.toFixed(0), formatRatio(singleMs / timing.bestMs)]);
    }
    result.threeVsOneWorker = timings.get('workers1').bestMs / timings.get('workers3').bestMs;
    // What one shard costs beyond its share of the work: a CLI start (plugins, encoder threads), its own file, its job.
    result.overheadPerShardMs = (timings.get('workers1').bestMs - singleMs) / SHARDS;
    printTable(
      `sharded build of ${imageCount} images on ${result.cores} cores (speed-up: single ms / ms; ${result.overheadPerShardMs.toFixed(0)} ms of overhead per shard)`,
      ['contender', 'best ms', 'median ms', 'speed-up'],
      rows,
    );
    return result;
  } finally {
    for (const group of workerGroups) for (const worker of group.processes) worker.kill('SIGTERM');
    await Promise.all(workerGroups.flatMap((group) => group.processes.map((worker) => worker.exited)));
    await redis.stop();
    removePath(work);
  }
}

/**
 * `count` JPEGs (q90) of one size, 320 × 240 (a smooth gradient plus seeded noise: 22–23 KB each),
 * in CLASSES class folders, made once into `.bench-data/`, and linked into `root`. One size on
 * purpose: `tessera build` chooses each shard's page size from its samples (a power of two, 16 × the
 * largest sample of its first chunk), and `tessera merge` needs every shard's to be the same; images
 * of very different sizes can give shards of different page sizes, which do not merge.
 */
async function classFolder(count, root) {
  const cached = benchDataPath(`scale-out-build-images-v1-${count}`);
  if (!existsSync(cached)) {
    const staging = `${cached}.partial`;
    removePath(staging);
    for (let index = 0; index < count; index++) {
      const random = mulberry32(5678 + index);
      const [width, height] = [320, 240];
      const pixels = Buffer.allocUnsafe(width * height * 3);
      const [red, green, blue] = [random() * 255, random() * 255, random() * 255];
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const offset = (y * width + x) * 3;
          const noise = random() * 24 - 12;
          pixels[offset] = clamp(red * (x / width) + 40 + noise);
          pixels[offset + 1] = clamp(green * (y / height) + 30 + noise);
          pixels[offset + 2] = clamp(blue * (1 - x / width) + 20 + noise);
        }
      }
      const folder = join(staging, `class-${index % CLASSES}`);
      mkdirSync(folder, { recursive: true });
      await sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toFile(join(folder, `img-${String(index).padStart(5, '0')}.jpg`));
      if ((index + 1) % 500 === 0) progress(`build: generating images ${index + 1}/${count}`);
    }
    renameSync(staging, cached);
  }
  for (const name of readdirSync(cached)) {
    mkdirSync(join(root, name), { recursive: true });
    for (const file of readdirSync(join(cached, name))) symlinkSync(join(cached, name, file), join(root, name, file));
  }
  const linked = readdirSync(root).reduce((sum, name) => sum + readdirSync(join(root, name)).length, 0);
  if (linked !== count) throw new Error(`linked ${linked} images, expected ${count}`);
  return root;
}

const clamp = (value) => Math.max(0, Math.min(255, Math.round(value)));

function run(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${args.slice(1).join(' ')} exited with ${code ?? signal}: ${stderr}`))));
  });
}

/** A `tessera-bullmq worker` process, resolved once it said it is ready. */
function startWorker(port, queueName) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BULLMQ_CLI, 'worker', '--redis', `redis://127.0.0.1:${port}`, '--queue', queueName, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise((done) => child.once('exit', done));
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (output.includes('"type":"ready"')) resolve({ kill: (signal) => child.kill(signal), exited });
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    exited.then((code) => reject(new Error(`a worker exited (${code}) before it was ready: ${output}`)));
  });
}

/** redis-server on a free loopback port, without persistence, its folder under `work`. */
async function startRedis(work) {
  const port = await new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port: free } = server.address();
      server.close(() => resolve(free));
    });
  });
  const folder = join(work, 'redis');
  mkdirSync(folder);
  const child = spawn(REDIS_SERVER, ['--save', '', '--appendonly', 'no', '--port', String(port), '--bind', '127.0.0.1', '--dir', folder], { stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (output.includes('Ready to accept connections')) resolve();
    });
    exited.then(() => reject(new Error(`redis-server exited before it was ready: ${output}`)));
  });
  return {
    port,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
