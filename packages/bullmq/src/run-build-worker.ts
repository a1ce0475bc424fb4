import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { TesseraError } from '@tessera/core';
import { type ConnectionOptions, type Job, UnrecoverableError, Worker } from 'bullmq';
import {
  BUILD_JOB_VERSION,
  type JobFailure,
  MERGE_JOB_NAME,
  type MergeJobData,
  type MergeJobResult,
  SHARD_JOB_NAME,
  type ShardJobData,
  type ShardJobResult,
} from './build-job.js';
import { connectionOption, integerOption, optionsObject, queueNameOption, stringOption } from './option-checks.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, connectWithin } from './queue-connection.js';
import { defaultTesseraCommand, runTesseraCommand } from './run-tessera-command.js';
import { TesseraCommandError } from './tessera-command-error.js';

/**
 * Test-only: milliseconds every shard job takes at least (the CLI runs meanwhile), so that a test
 * can kill a worker in the middle of a shard. Not for production use.
 */
export const TEST_SHARD_DELAY_VARIABLE = 'TESSERA_BULLMQ_TEST_SHARD_DELAY_MS';

export interface BuildWorkerOptions {
  /** BullMQ connection options or a Redis client. */
  connection: ConnectionOptions;
  queueName: string;
  /** Jobs run at once (each one tessera CLI process). Default 1. */
  concurrency?: number;
  /** Stored on the jobs it processes (BullMQ `processedBy`) and in their results. Default `host:pid`. */
  name?: string;
  /**
   * How long a job's lock lasts without renewal (BullMQ `lockDuration`; renewed every half of it
   * while the job runs). A worker that dies stops renewing: its jobs are taken back after this,
   * at the next stalled check of a live worker. Default 30000.
   */
  lockDurationMs?: number;
  /** How often this worker looks for stalled jobs (BullMQ `stalledInterval`). Default 30000. */
  stalledIntervalMs?: number;
  /** Stalls (worker deaths) a job survives before it fails (BullMQ `maxStalledCount`). Default 1. */
  maxStalledCount?: number;
  /** The command that runs the CLI, e.g. `['tessera']`. Default: this Node.js and @tessera/cli's bin. */
  tesseraCommand?: readonly string[];
  /** Extra environment variables for the CLI. */
  env?: Readonly<Record<string, string>>;
  /** Called for every job start, completion and failure, and for connection errors. */
  onEvent?: (event: BuildWorkerEvent) => void;
  /** Default 10000. */
  connectTimeoutMs?: number;
}

export interface BuildWorkerJobEvent {
  type: 'started' | 'completed' | 'failed';
  worker: string;
  jobId: string;
  jobName: string;
  buildId: string;
  /** For a shard job. */
  shard?: { index: number; count: number };
  /** 1 for the first run of the job, 2 for its first retry (BullMQ attemptsStarted). */
  attempt: number;
  output: string;
  /** On completion and failure. */
  elapsedMs?: number;
  /** On failure: the message (the CLI's error line). */
  error?: string;
}

export type BuildWorkerEvent = BuildWorkerJobEvent | { type: 'error'; worker: string; error: string };

export interface BuildWorker {
  readonly name: string;
  /** The BullMQ Worker (for its events and counters). */
  readonly worker: Worker;
  /**
   * Stops taking jobs and resolves once the running ones finished. With `force`, the running
   * CLIs are stopped (SIGTERM) and their jobs fail this attempt (retried per their attempts).
   */
  close(options?: { force?: boolean }): Promise<void>;
}

/**
 * A BullMQ Worker for the jobs of `enqueueShardedBuild`: a `shard` job runs `tessera build …
 * --shard I --of N`, a `merge` job `tessera merge OUT SHARD…`, each in a child process. The CLI's
 * failure fails the job with its error line (and keeps its stderr on the job for waitForBuild); a
 * bad command line (exit code 2) fails it at once, since a retry cannot help. Resolves once the
 * worker is connected.
 */
export async function runBuildWorker(options: BuildWorkerOptions): Promise<BuildWorker> {
  const where = 'runBuildWorker';
  optionsObject(options, where);
  connectionOption(options.connection, where);
  const queueName = queueNameOption(options.queueName, where);
  const concurrency = integerOption(options.concurrency, `${where}: concurrency`, 1, 1, 1024);
  const lockDuration = integerOption(options.lockDurationMs, `${where}: lockDurationMs`, 30_000, 100);
  const stalledInterval = integerOption(options.stalledIntervalMs, `${where}: stalledIntervalMs`, 30_000, 100);
  const maxStalledCount = integerOption(options.maxStalledCount, `${where}: maxStalledCount`, 1, 0);
  const connectTimeoutMs = integerOption(options.connectTimeoutMs, `${where}: connectTimeoutMs`, DEFAULT_CONNECT_TIMEOUT_MS, 1);
  const name = options.name === undefined ? `${hostname()}:${process.pid}` : stringOption(options.name, `${where}: name`);
  const command = options.tesseraCommand === undefined ? defaultTesseraCommand() : commandOption(options.tesseraCommand);
  const env = options.env ?? {};
  const emit = options.onEvent ?? (() => {});

  const processJob = async (job: Job, _token?: string, signal?: AbortSignal): Promise<ShardJobResult | MergeJobResult> => {
    const data = job.data as (ShardJobData | MergeJobData) & { version?: unknown };
    if (job.name !== SHARD_JOB_NAME && job.name !== MERGE_JOB_NAME) {
      throw new UnrecoverableError(`job ${job.id} is named ${JSON.stringify(job.name)}: a tessera build queue holds only "shard" and "merge" jobs (is queue ${queueName} shared with something else?)`);
    }
    if (data?.version !== BUILD_JOB_VERSION) {
      throw new UnrecoverableError(`job ${job.id} holds build job data of version ${JSON.stringify(data?.version)}; this worker (@tessera/bullmq) reads version ${BUILD_JOB_VERSION}: run workers of the producer's version`);
    }
    const shard = job.name === SHARD_JOB_NAME ? (data as ShardJobData) : undefined;
    const merge = job.name === MERGE_JOB_NAME ? (data as MergeJobData) : undefined;
    const argv = shard
      ? ['build', ...shard.args, '--shard', String(shard.index), '--of', String(shard.count), '--output', shard.output, '--json', '--quiet']
      : ['merge', merge!.output, ...merge!.shards, '--json'];
    const jobEvent = {
      worker: name,
      jobId: String(job.id),
      jobName: job.name,
      buildId: data.buildId,
      ...(shard ? { shard: { index: shard.index, count: shard.count } } : {}),
      attempt: job.attemptsStarted,
      output: data.output,
    };
    emit({ type: 'started', ...jobEvent });
    const started = performance.now();
    try {
      mkdirSync(dirname(data.output), { recursive: true });
      const delayMs = shard ? Number(process.env[TEST_SHARD_DELAY_VARIABLE] ?? 0) : 0;
      const [run] = await Promise.all([
        runTesseraCommand({ command, argv, cwd: data.cwd, env, signal }),
        delayMs > 0 ? sleep(delayMs, undefined, { signal }) : undefined,
      ]);
      const elapsedMs = performance.now() - started;
      const summary = parseSummary(run.stdout);
      emit({ type: 'completed', ...jobEvent, elapsedMs });
      return shard
        ? { output: shard.output, index: shard.index, count: shard.count, worker: name, elapsedMs, summary }
        : { output: merge!.output, shards: merge!.shards, worker: name, elapsedMs, summary };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      emit({ type: 'failed', ...jobEvent, elapsedMs: performance.now() - started, error: message });
      const lastFailure: JobFailure = {
        exitCode: error instanceof TesseraCommandError ? error.exitCode : null,
        signal: error instanceof TesseraCommandError ? error.signal : null,
        stderr: error instanceof TesseraCommandError ? error.stderr : message,
        cliCode: error instanceof TesseraCommandError ? error.cliCode : error instanceof TesseraError ? error.code : undefined,
        argv,
        worker: name,
        attempt: job.attemptsStarted,
      };
      await job.updateData({ ...data, lastFailure }).catch(() => {});
      // Exit code 2 is a wrong command line: the same on every attempt.
      if (error instanceof TesseraCommandError && error.exitCode === 2) throw new UnrecoverableError(message);
      throw error;
    }
  };

  const worker = new Worker(queueName, processJob, {
    connection: options.connection,
    concurrency,
    name,
    lockDuration,
    stalledInterval,
    maxStalledCount,
    autorun: false,
  });
  worker.on('error', (error) => emit({ type: 'error', worker: name, error: error.message }));
  try {
    await connectWithin(worker, options.connection, connectTimeoutMs);
  } catch (error) {
    await worker.close(true);
    throw error;
  }
  worker.run().catch((error: unknown) => emit({ type: 'error', worker: name, error: error instanceof Error ? error.message : String(error) }));
  return {
    name,
    worker,
    async close(closeOptions = {}) {
      if (closeOptions.force === true) worker.cancelAllJobs('the worker is shutting down');
      await worker.close(closeOptions.force === true);
    },
  };
}

function commandOption(value: readonly string[]): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.some((part) => typeof part !== 'string' || part === '')) {
    throw new TesseraError('E_ARGUMENT', `runBuildWorker: tesseraCommand must be a non-empty array of strings (e.g. ['tessera'] or ['node', '/path/to/cli.js']), got ${JSON.stringify(value)}`);
  }
  return [...value];
}

/** The CLI's `--json` summary: its last line of stdout, parsed (the text itself when it is not JSON). */
function parseSummary(stdout: string): unknown {
  const line = stdout.trimEnd().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line);
  } catch {
    return stdout;
  }
}
