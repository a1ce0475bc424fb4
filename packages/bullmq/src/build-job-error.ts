import { TesseraError } from '@tessera/core';

/**
 * A job of a sharded build failed for good (its attempts used up, or a failure not worth retrying
 * such as a bad command line): what waitForBuild rejects with. Names the job (`jobName` `shard` or
 * `merge`, `jobId`, the shard), BullMQ's counters and reason, and, when the tessera CLI failed, its
 * exit code and stderr. Code `E_WORKER`.
 */
export class BuildJobError extends TesseraError {
  readonly queueName: string;
  readonly buildId: string;
  readonly jobId: string;
  readonly jobName: string;
  /** The failed shard (for a `shard` job). */
  readonly shard: { index: number; count: number } | undefined;
  /** BullMQ's reason: the message the job failed with. */
  readonly failedReason: string;
  /** Runs that ended (BullMQ attemptsMade), started (attemptsStarted), and stalls (stalledCounter). */
  readonly attemptsMade: number;
  readonly attemptsStarted: number;
  readonly stalledCounter: number;
  /** From the last failed run of the tessera CLI, when it ran. */
  readonly exitCode: number | null | undefined;
  readonly stderr: string | undefined;
  readonly cliCode: string | undefined;

  constructor(
    message: string,
    details: {
      queueName: string;
      buildId: string;
      jobId: string;
      jobName: string;
      shard?: { index: number; count: number } | undefined;
      failedReason: string;
      attemptsMade: number;
      attemptsStarted: number;
      stalledCounter: number;
      exitCode?: number | null | undefined;
      stderr?: string | undefined;
      cliCode?: string | undefined;
    },
  ) {
    super('E_WORKER', message);
    this.name = 'BuildJobError';
    this.queueName = details.queueName;
    this.buildId = details.buildId;
    this.jobId = details.jobId;
    this.jobName = details.jobName;
    this.shard = details.shard;
    this.failedReason = details.failedReason;
    this.attemptsMade = details.attemptsMade;
    this.attemptsStarted = details.attemptsStarted;
    this.stalledCounter = details.stalledCounter;
    this.exitCode = details.exitCode;
    this.stderr = details.stderr;
    this.cliCode = details.cliCode;
  }
}
