import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BuildJobError, type EnqueuedBuild, enqueueShardedBuild, runBuildWorker, shardOutputPath, waitForBuild } from '@tessera/bullmq';
import { TesseraError } from '@tessera/core';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRecipes, recipe } from './helpers/doc-recipes.js';
import { NO_REDIS, type RedisServer, hasRedisServer, startRedisServer } from './helpers/redis-server.js';
import { BULLMQ_CLI, TABLE_FIELDS, readSamples, runTessera, writeBinFolder, writeTable } from './helpers/tessera-cli.js';
import { type WorkerProcess, firstLine, signalGroup, startWorkerProcess } from './helpers/worker-process.js';

const execFileAsync = promisify(execFile);
const ROWS = 600;
const SHARDS = 6;
const BUILD_ARGS = ['table', 'rows.csv', ...TABLE_FIELDS];

let redis: RedisServer;
let directory: string;
/** The single-machine builds: the unsharded file's samples, the shards and their merge. */
const reference = { samples: [] as unknown[], shards: [] as Buffer[], merged: Buffer.alloc(0) };

beforeAll(async () => {
  if (!hasRedisServer) return;
  redis = await startRedisServer();
  directory = mkdtempSync(join(tmpdir(), 'tessera-bullmq-'));
  writeTable(join(directory, 'rows.csv'), ROWS);
  mkdirSync(join(directory, 'reference'));
  runTessera(['build', ...BUILD_ARGS, '--output', 'reference/whole.beton', '-q'], directory);
  reference.samples = readSamples(join(directory, 'reference/whole.beton'));
  const shardFiles = Array.from({ length: SHARDS }, (_, index) => `reference/shard-${index}.beton`);
  for (const [index, file] of shardFiles.entries()) runTessera(['build', ...BUILD_ARGS, '--shard', String(index), '--of', String(SHARDS), '--output', file, '-q'], directory);
  runTessera(['merge', 'reference/merged.beton', ...shardFiles], directory);
  reference.shards = shardFiles.map((file) => readFileSync(join(directory, file)));
  reference.merged = readFileSync(join(directory, 'reference/merged.beton'));
});

afterAll(async () => {
  await redis?.stop();
  if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
});

/** The build's files hold what the single-machine builds hold: the same shard and merge bytes, the unsharded samples. */
function expectSameAsSingleMachine(shards: readonly string[], merged: string): void {
  expect(shards).toHaveLength(SHARDS);
  for (const [index, shard] of shards.entries()) expect(readFileSync(shard).equals(reference.shards[index]!), `shard ${index}`).toBe(true);
  expect(readFileSync(merged).equals(reference.merged)).toBe(true);
  expect(readSamples(merged)).toEqual(reference.samples);
  runTessera(['verify', merged], directory);
}

function workerArgs(queueName: string, name: string): string[] {
  return [BULLMQ_CLI, 'worker', '--redis', redis.url, '--queue', queueName, '--name', name, '--json', '--lock-duration-ms', '4000', '--stalled-interval-ms', '1000'];
}

async function stopGracefully(workers: readonly WorkerProcess[]): Promise<void> {
  for (const worker of workers) signalGroup(worker, 'SIGTERM');
  for (const worker of workers) {
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(worker.lines.at(-1)).toMatchObject({ type: 'stopped' });
  }
}

describe.skipIf(!hasRedisServer)(`sharded builds on BullMQ with a real redis-server${NO_REDIS}`, () => {
  it('6 shards on 3 worker processes, one SIGKILLed mid-shard: its job is retried on another worker, and the result is the single-machine build', async () => {
    const queueName = 'kill-one';
    // Every shard job takes at least 1.5 s (the CLI runs meanwhile), so the kill lands mid-shard.
    const env = { ...process.env, TESSERA_BULLMQ_TEST_SHARD_DELAY_MS: '1500' };
    const workers = ['a', 'b', 'c'].map((name) => startWorkerProcess(process.execPath, workerArgs(queueName, name), { cwd: directory, env }));
    try {
      for (const worker of workers) await firstLine([worker], (line) => line.type === 'ready', 30_000);
      const { stdout } = await execFileAsync(
        process.execPath,
        [BULLMQ_CLI, 'enqueue', '--redis', redis.url, '--queue', queueName, '--shards', String(SHARDS), '--output', 'out/train.beton', '--merge-output', 'out/train.beton', '--json', '--', ...BUILD_ARGS],
        { cwd: directory },
      );
      const build = JSON.parse(stdout) as EnqueuedBuild;
      expect(build.shardOutputs).toEqual(Array.from({ length: SHARDS }, (_, index) => join(directory, shardOutputPath('out/train.beton', index, SHARDS))));

      // Kill the first worker to start a shard, with the tessera CLI it runs (its process group: a machine lost).
      const { worker: killed, line: started } = await firstLine(workers, (line) => line.type === 'started' && line.jobName === 'shard', 30_000);
      signalGroup(killed, 'SIGKILL');
      expect(await killed.exited).toEqual({ code: null, signal: 'SIGKILL' });

      const result = await waitForBuild({ connection: redis.connection, queueName, mergeJobId: build.mergeJobId, timeoutMs: 120_000 });
      expect(result).toMatchObject({ buildId: build.buildId, output: join(directory, 'out/train.beton'), shards: build.shardOutputs });
      expect(result.summary).toMatchObject({ numSamples: ROWS, inputs: SHARDS });
      expectSameAsSingleMachine(build.shardOutputs, result.output);
      // Nothing else was left in out/ but hidden temporary files (the killed CLI's, at most).
      expect(readdirSync(join(directory, 'out')).filter((name) => !name.startsWith('.')).sort()).toEqual(['train.beton', ...build.shardOutputs.map((path) => path.slice(path.lastIndexOf('/') + 1))].sort());

      // The killed job stalled once, was started twice, and completed on a live worker.
      const queue = new Queue(queueName, { connection: redis.connection });
      try {
        const job = await queue.getJob(started.jobId!);
        expect(job).toBeDefined();
        expect(job!.stalledCounter).toBe(1);
        expect(job!.attemptsStarted).toBe(2);
        expect(await job!.isCompleted()).toBe(true);
        expect(['b', 'c', 'a'].filter((name) => name !== started.worker)).toContain(job!.processedBy);
        expect(job!.returnvalue).toMatchObject({ worker: job!.processedBy, index: started.shard!.index, count: SHARDS });
        const retried = workers.flatMap((worker) => worker.lines).filter((line) => line.type === 'started' && line.jobId === started.jobId);
        expect(retried.map((line) => [line.worker, line.attempt])).toEqual([
          [started.worker, 1],
          [job!.processedBy, 2],
        ]);
      } finally {
        await queue.close();
      }
      await stopGracefully(workers.filter((worker) => worker !== killed));
    } finally {
      for (const worker of workers) signalGroup(worker, 'SIGKILL');
    }
  });

  it('a shard that keeps failing fails the build: BuildJobError names the shard job, its attempts and the CLI stderr; a bad command line is not retried', async () => {
    const { connection } = redis;
    const queueName = 'failures';
    const worker = await runBuildWorker({ connection, queueName, concurrency: 2 });
    try {
      const missing = await enqueueShardedBuild({
        connection,
        queueName,
        build: { args: ['table', 'missing.csv', ...TABLE_FIELDS], output: 'failed/missing.beton', cwd: directory },
        shards: 2,
        mergeOutput: 'failed/merged.beton',
        attempts: 2,
        backoff: 50,
      });
      const error = await waitForBuild({ connection, ...missing }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(BuildJobError);
      expect(TesseraError.is(error, 'E_WORKER')).toBe(true);
      const failure = error as BuildJobError;
      expect(failure).toMatchObject({ queueName, buildId: missing.buildId, jobName: 'shard', attemptsMade: 2, attemptsStarted: 2, exitCode: 1, cliCode: 'E_IO' });
      expect(missing.shardJobIds).toContain(failure.jobId);
      expect(failure.shard).toEqual({ index: missing.shardJobIds.indexOf(failure.jobId), count: 2 });
      expect(failure.stderr).toMatch(/^tessera: E_IO: cannot read the table .*missing\.csv/m);
      expect(failure.message).toContain(`shard ${failure.shard!.index} of 2 (job ${failure.jobId} in queue ${queueName}) failed after 2 attempts`);
      expect(failure.message).toContain('missing.csv');
      expect(existsSync(join(directory, 'failed/merged.beton'))).toBe(false);

      const typo = await enqueueShardedBuild({
        connection,
        queueName,
        build: { args: ['table', 'rows.csv', '--field', 'no_such_column=int64'], output: 'failed/typo-{index}.beton', cwd: directory },
        shards: 2,
        mergeOutput: 'failed/typo.beton',
        attempts: 3,
      });
      const usage = (await waitForBuild({ connection, ...typo }).catch((caught: unknown) => caught)) as BuildJobError;
      expect(usage).toBeInstanceOf(BuildJobError);
      expect(usage).toMatchObject({ attemptsMade: 1, exitCode: 2, cliCode: 'E_USAGE' });
      expect(usage.failedReason).toContain('no column "no_such_column"');
    } finally {
      await worker.close();
    }
  });

  it('enqueuing a build id again adds nothing, the same id with other jobs is refused, and waiting without workers times out saying how far the build got', async () => {
    const { connection } = redis;
    const queueName = 'no-workers';
    const options = {
      connection,
      queueName,
      build: { args: BUILD_ARGS, output: 'idle/train.beton', cwd: directory },
      shards: 3,
      mergeOutput: 'idle/merged.beton',
      buildId: 'train-v1',
    };
    const first = await enqueueShardedBuild(options);
    expect(first).toMatchObject({ buildId: 'train-v1', mergeJobId: 'train-v1-merge', shardJobIds: ['train-v1-shard-0', 'train-v1-shard-1', 'train-v1-shard-2'], alreadyQueued: false });
    expect(await enqueueShardedBuild(options)).toEqual({ ...first, alreadyQueued: true });
    await expect(enqueueShardedBuild({ ...options, mergeOutput: 'idle/other.beton' })).rejects.toMatchObject({ code: 'E_ARGUMENT', message: expect.stringContaining('already has build train-v1') });
    const waited = await waitForBuild({ connection, ...first, timeoutMs: 300 }).catch((caught: unknown) => caught);
    expect(waited).toMatchObject({ code: 'E_WORKER', message: expect.stringContaining('did not finish within 300 ms: 0 of 3 shards completed, 0 running, merge waiting-children') });
    await expect(waitForBuild({ connection, queueName, mergeJobId: 'nope-merge' })).rejects.toMatchObject({ code: 'E_ARGUMENT' });
  });

  it('the tessera-bullmq commands of docs/scale-out.md, run as written, build what one machine builds', async () => {
    const recipes = readRecipes();
    const data = join(directory, 'documented');
    writeTable(join(data, 'rows.csv'), ROWS);
    const env = { ...process.env, PATH: `${writeBinFolder(join(directory, 'bin'))}:${process.env.PATH}`, REDIS_URL: redis.url, DATA: data };
    const workerScript = recipe(recipes, 'bullmq-worker').text;
    const workers = [0, 1].map(() => startWorkerProcess('bash', ['-c', workerScript], { cwd: directory, env }));
    try {
      const { stdout } = await execFileAsync('bash', ['-c', recipe(recipes, 'bullmq-enqueue').text], { cwd: directory, env });
      expect(stdout).toMatch(new RegExp(`^merged ${data}/train.beton: ${ROWS} samples from ${SHARDS} shards$`, 'm'));
      expectSameAsSingleMachine(
        Array.from({ length: SHARDS }, (_, index) => join(data, `shards/train-${index}-of-${SHARDS}.beton`)),
        join(data, 'train.beton'),
      );
    } finally {
      for (const worker of workers) signalGroup(worker, 'SIGTERM');
      await Promise.all(workers.map((worker) => worker.exited));
    }
  });
});
