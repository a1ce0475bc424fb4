import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { TesseraError } from '@tessera/core';
import { type BackoffOptions, type ConnectionOptions, FlowProducer, Queue } from 'bullmq';
import { BUILD_JOB_VERSION, MERGE_JOB_NAME, type MergeJobData, SHARD_JOB_NAME, type ShardJobData, mergeJobId, shardJobId } from './build-job.js';
import { connectionOption, integerOption, optionsObject, queueNameOption, stringOption } from './option-checks.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, connectWithin } from './queue-connection.js';
import { shardOutputPath } from './shard-output.js';

/** The largest number of shards one flow holds (the CLI takes up to 1,000,000; a flow adds every job in one transaction). */
export const MAX_SHARDS = 10_000;

export interface ShardedBuildOptions {
  /** BullMQ connection options (`{ host, port }`, `{ url: 'redis://…' }`) or a Redis client. */
  connection: ConnectionOptions;
  queueName: string;
  build: {
    /**
     * The arguments after `tessera build`: the kind, its inputs and its options, e.g.
     * `['table', 'rows.csv', '--field', 'label=int64']`. Not the output, `--shard` or `--of`:
     * the adapter adds them for each shard.
     */
    args: readonly string[];
    /**
     * Where the shards are written: a pattern with `{index}` (and `{count}`), or a path whose
     * shards are `<path without .beton>.shard-<index>-of-<count>.beton` (see shardOutputPath).
     */
    output: string;
    /** The folder relative paths (in `args`, `output`, `mergeOutput`) resolve against, on the producer and on every worker. Default `process.cwd()`. */
    cwd?: string;
  };
  /** N: the number of shard jobs. */
  shards: number;
  /** The merged file, written by the merge job once every shard completed. */
  mergeOutput: string;
  /** Runs of each job before it fails for good (BullMQ `attempts`). Default 3. */
  attempts?: number;
  /** Wait between attempts: milliseconds (fixed) or BullMQ backoff options. Default exponential from 1000 ms. */
  backoff?: number | BackoffOptions;
  /** Names the build (job ids derive from it: letters, digits, `.`, `_`, `-`). Default: a random UUID. Enqueuing an id again adds nothing. */
  buildId?: string;
  /** Default 10000. */
  connectTimeoutMs?: number;
}

/** What was enqueued: everything needed to find the build again. */
export interface EnqueuedBuild {
  buildId: string;
  queueName: string;
  mergeJobId: string;
  /** In shard order. */
  shardJobIds: string[];
  /** Absolute paths of the shard files, in shard order. */
  shardOutputs: string[];
  /** Absolute path of the merged file. */
  mergeOutput: string;
  /** True when a build of this id was already in the queue (with the same jobs): nothing was added. */
  alreadyQueued: boolean;
}

/** The options tessera build must not be given here: the adapter sets them for each shard. */
const RESERVED_OPTIONS = ['--shard', '--of', '--output', '-o'];

/**
 * Adds one BullMQ flow for a sharded build: a `merge` job whose children are `shards` `shard`
 * jobs. Shard I runs `tessera build ARGS --shard I --of N --output <shard I's file>`; once all of
 * them completed, BullMQ runs the merge job, `tessera merge MERGE_OUTPUT SHARD_0 … SHARD_N-1`. A
 * shard that fails for good fails the merge job (failParentOnFailure), which waitForBuild reports.
 */
export async function enqueueShardedBuild(options: ShardedBuildOptions): Promise<EnqueuedBuild> {
  const where = 'enqueueShardedBuild';
  optionsObject(options, where);
  connectionOption(options.connection, where);
  const queueName = queueNameOption(options.queueName, where);
  const build = optionsObject(options.build, `${where}: build`);
  const args = buildArguments(build.args);
  const count = integerOption(options.shards, `${where}: shards`, Number.NaN, 1, MAX_SHARDS);
  if (Number.isNaN(count)) throw new TesseraError('E_ARGUMENT', `${where}: shards (the number of shard jobs) is required`);
  const attempts = integerOption(options.attempts, `${where}: attempts`, 3, 1, 1000);
  const backoff = backoffOption(options.backoff);
  const connectTimeoutMs = integerOption(options.connectTimeoutMs, `${where}: connectTimeoutMs`, DEFAULT_CONNECT_TIMEOUT_MS, 1);
  const buildId = options.buildId === undefined ? randomUUID() : stringOption(options.buildId, `${where}: buildId`);
  if (!/^[A-Za-z0-9._-]+$/.test(buildId) || /^\d+$/.test(buildId)) {
    throw new TesseraError('E_ARGUMENT', `${where}: buildId ${JSON.stringify(buildId)} must be letters, digits, '.', '_' and '-', and not only digits (BullMQ job ids derive from it)`);
  }
  const cwd = resolve(build.cwd === undefined ? process.cwd() : stringOption(build.cwd, `${where}: build.cwd`));
  const output = stringOption(build.output, `${where}: build.output`);
  const shardOutputs = Array.from({ length: count }, (_, index) => resolve(cwd, shardOutputPath(output, index, count)));
  if (new Set(shardOutputs).size < count) {
    throw new TesseraError('E_ARGUMENT', `${where}: build.output ${JSON.stringify(output)} gives the same file to several shards; use {index} in the pattern`);
  }
  const mergeOutput = resolve(cwd, stringOption(options.mergeOutput, `${where}: mergeOutput`));
  if (shardOutputs.includes(mergeOutput)) throw new TesseraError('E_ARGUMENT', `${where}: mergeOutput ${mergeOutput} is also a shard's file; write the merge elsewhere`);

  const shardJobIds = shardOutputs.map((_, index) => shardJobId(buildId, index));
  const mergeData: MergeJobData = { version: BUILD_JOB_VERSION, buildId, output: mergeOutput, shards: shardOutputs, shardJobIds, cwd };
  const shardData = (index: number): ShardJobData => ({ version: BUILD_JOB_VERSION, buildId, index, count, args, output: shardOutputs[index]!, cwd });
  const enqueued = { buildId, queueName, mergeJobId: mergeJobId(buildId), shardJobIds, shardOutputs, mergeOutput };

  const queue = new Queue(queueName, { connection: options.connection });
  const producer = new FlowProducer({ connection: options.connection });
  queue.on('error', () => {});
  producer.on('error', () => {});
  try {
    await connectWithin(producer, options.connection, connectTimeoutMs);
    await connectWithin(queue, options.connection, connectTimeoutMs);
    const existing = await queue.getJob(enqueued.mergeJobId);
    if (existing !== undefined) {
      const { lastFailure: _, ...data } = existing.data as MergeJobData;
      if (JSON.stringify(data) !== JSON.stringify(mergeData)) {
        throw new TesseraError('E_ARGUMENT', `${where}: queue ${queueName} already has build ${buildId} with other jobs (${existing.data?.output ?? 'unknown output'}); choose another buildId`);
      }
      return { ...enqueued, alreadyQueued: true };
    }
    const jobOptions = { attempts, backoff };
    await producer.add({
      name: MERGE_JOB_NAME,
      queueName,
      data: mergeData,
      opts: { ...jobOptions, jobId: enqueued.mergeJobId },
      children: shardJobIds.map((jobId, index) => ({
        name: SHARD_JOB_NAME,
        queueName,
        data: shardData(index),
        opts: { ...jobOptions, jobId, failParentOnFailure: true },
      })),
    });
    return { ...enqueued, alreadyQueued: false };
  } finally {
    await producer.close();
    await queue.close();
  }
}

function buildArguments(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.some((argument) => typeof argument !== 'string')) {
    throw new TesseraError('E_ARGUMENT', `enqueueShardedBuild: build.args must be the arguments after \`tessera build\` (strings, the kind first, e.g. ['table', 'rows.csv', '--field', 'label=int64']), got ${JSON.stringify(value)}`);
  }
  const args = value as string[];
  if (args[0] === 'build') throw new TesseraError('E_ARGUMENT', "enqueueShardedBuild: build.args start after `tessera build`: leave out the leading 'build'");
  for (const argument of args) {
    const name = argument.startsWith('--') ? argument.split('=')[0]! : argument.startsWith('-o') ? '-o' : argument;
    if (RESERVED_OPTIONS.includes(name)) {
      throw new TesseraError('E_ARGUMENT', `enqueueShardedBuild: build.args must not hold ${name}: each shard job adds --shard I --of N --output <its file> (set the files with build.output)`);
    }
  }
  if (args.length > 1 && args.at(-1)!.endsWith('.beton')) {
    throw new TesseraError('E_ARGUMENT', `enqueueShardedBuild: build.args ends with ${args.at(-1)}, an output file: set where the shards go with build.output instead`);
  }
  return [...args];
}

function backoffOption(value: unknown): number | BackoffOptions {
  if (value === undefined) return { type: 'exponential', delay: 1000 };
  if (typeof value === 'number') return integerOption(value, 'enqueueShardedBuild: backoff', 0, 0);
  if (typeof value === 'object' && value !== null && typeof (value as BackoffOptions).type === 'string') return value as BackoffOptions;
  throw new TesseraError('E_ARGUMENT', `enqueueShardedBuild: backoff must be milliseconds or BullMQ backoff options ({ type: 'exponential', delay: 1000 }), got ${JSON.stringify(value)}`);
}
