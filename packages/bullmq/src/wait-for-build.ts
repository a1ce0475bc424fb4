import { TesseraError } from '@tessera/core';
import { type ConnectionOptions, type Job, Queue, QueueEvents } from 'bullmq';
import type { MergeJobData, MergeJobResult, ShardJobData } from './build-job.js';
import { BuildJobError } from './build-job-error.js';
import { connectionOption, integerOption, optionsObject, queueNameOption, stringOption } from './option-checks.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, connectWithin } from './queue-connection.js';

export interface WaitForBuildOptions {
  connection: ConnectionOptions;
  queueName: string;
  /** The build's merge job (`EnqueuedBuild.mergeJobId`). */
  mergeJobId: string;
  /** Give up after this long (E_WORKER, saying how far the build got). Default: wait as long as it takes. */
  timeoutMs?: number;
  /** Default 10000. */
  connectTimeoutMs?: number;
}

export interface BuildResult extends MergeJobResult {
  buildId: string;
  mergeJobId: string;
}

/**
 * Resolves when the build's merge job completed, with its result (the merged file, the shards,
 * the CLI's merge summary). Rejects with a BuildJobError naming the job that failed for good
 * (a shard, or the merge itself), its reason, BullMQ's counters and the CLI's stderr.
 * `await waitForBuild({ connection, ...await enqueueShardedBuild(…) })` works.
 */
export async function waitForBuild(options: WaitForBuildOptions): Promise<BuildResult> {
  const where = 'waitForBuild';
  optionsObject(options, where);
  connectionOption(options.connection, where);
  const queueName = queueNameOption(options.queueName, where);
  const jobId = stringOption(options.mergeJobId, `${where}: mergeJobId`);
  const timeoutMs = options.timeoutMs === undefined ? undefined : integerOption(options.timeoutMs, `${where}: timeoutMs`, 0, 1);
  const connectTimeoutMs = integerOption(options.connectTimeoutMs, `${where}: connectTimeoutMs`, DEFAULT_CONNECT_TIMEOUT_MS, 1);

  const queue = new Queue(queueName, { connection: options.connection });
  const events = new QueueEvents(queueName, { connection: options.connection });
  // Connection errors while waiting are ioredis reconnecting: not fatal, and not to be thrown as 'error' events.
  queue.on('error', () => {});
  events.on('error', () => {});
  let timer: NodeJS.Timeout | undefined;
  try {
    await connectWithin(queue, options.connection, connectTimeoutMs);
    const job = (await queue.getJob(jobId)) as Job<MergeJobData, MergeJobResult> | undefined;
    if (job === undefined) throw new TesseraError('E_ARGUMENT', `${where}: queue ${queueName} has no job ${jobId} (removed, or enqueued in another queue or Redis?)`);
    await connectWithin(events, options.connection, connectTimeoutMs);
    const finished = job.waitUntilFinished(events).then(
      (value) => ({ value: value as MergeJobResult }),
      (error: unknown) => ({ error }),
    );
    const outcome = await (timeoutMs === undefined
      ? finished
      : Promise.race([finished, new Promise<{ timedOut: true }>((resolve) => (timer = setTimeout(() => resolve({ timedOut: true }), timeoutMs)))]));
    if ('value' in outcome) return { ...outcome.value, buildId: job.data.buildId, mergeJobId: jobId };
    if ('timedOut' in outcome) throw await timeoutError(queue, job, timeoutMs!);
    throw await failureOf(queue, jobId);
  } finally {
    clearTimeout(timer);
    await events.close();
    await queue.close();
  }
}

/** The BullMQ failure of a build as a BuildJobError: its first failed shard, else the merge job. */
async function failureOf(queue: Queue, mergeJobId: string): Promise<BuildJobError | TesseraError> {
  const merge = (await queue.getJob(mergeJobId)) as Job<MergeJobData> | undefined;
  if (merge === undefined) return new TesseraError('E_WORKER', `build job ${mergeJobId} of queue ${queue.name} was removed before it finished`);
  for (const shardJobId of merge.data.shardJobIds) {
    const shard = (await queue.getJob(shardJobId)) as Job<ShardJobData> | undefined;
    if (shard !== undefined && (await shard.isFailed())) return jobError(queue.name, shard);
  }
  return jobError(queue.name, merge);
}

function jobError(queueName: string, job: Job<ShardJobData | MergeJobData>): BuildJobError {
  const data = job.data;
  const shard = 'index' in data ? { index: data.index, count: data.count } : undefined;
  const what = shard === undefined ? 'the merge' : `shard ${shard.index} of ${shard.count}`;
  const failure = data.lastFailure;
  const runs = `${job.attemptsMade} attempt${job.attemptsMade === 1 ? '' : 's'}${job.stalledCounter > 0 ? `, ${job.stalledCounter} stalled` : ''}`;
  return new BuildJobError(`build ${data.buildId}: ${what} (job ${job.id} in queue ${queueName}) failed after ${runs}: ${job.failedReason}`, {
    queueName,
    buildId: data.buildId,
    jobId: String(job.id),
    jobName: job.name,
    shard,
    failedReason: job.failedReason,
    attemptsMade: job.attemptsMade,
    attemptsStarted: job.attemptsStarted,
    stalledCounter: job.stalledCounter,
    exitCode: failure?.exitCode,
    stderr: failure?.stderr,
    cliCode: failure?.cliCode,
  });
}

async function timeoutError(queue: Queue, merge: Job<MergeJobData>, timeoutMs: number): Promise<TesseraError> {
  const states = await Promise.all(merge.data.shardJobIds.map((id) => queue.getJobState(id)));
  const completed = states.filter((state) => state === 'completed').length;
  const active = states.filter((state) => state === 'active').length;
  const state = await queue.getJobState(String(merge.id));
  return new TesseraError(
    'E_WORKER',
    `build ${merge.data.buildId} (merge job ${merge.id} in queue ${queue.name}) did not finish within ${timeoutMs} ms: ${completed} of ${states.length} shards completed, ${active} running, merge ${state}; are workers running (tessera-bullmq worker --queue ${queue.name})?`,
  );
}
