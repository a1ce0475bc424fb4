/**
 * The jobs of one sharded build, as they are stored in Redis: the contract between the producer
 * (`enqueueShardedBuild`) and the workers (`runBuildWorker`), which may be different versions of
 * this package on different machines.
 *
 * A build is one BullMQ flow in one queue:
 * - a parent job named `merge`, which BullMQ runs only once all of its children completed;
 * - N children named `shard`, shard I running `tessera build ARGS --shard I --of N --output PATH_I`.
 *
 * Job ids are derived from the build id (`<buildId>-shard-<I>`, `<buildId>-merge`), so a build can
 * be found again from its id alone, and enqueuing the same build twice adds nothing.
 *
 * Every path in the data is absolute (resolved on the producer against `cwd`), and `cwd` is where
 * the worker runs the CLI, so relative input paths in `args` mean on every worker what they meant
 * to the producer: workers must see the producer's files at the same paths (a shared filesystem).
 */

/** The name of a shard job: one `tessera build … --shard I --of N`. */
export const SHARD_JOB_NAME = 'shard';
/** The name of a build's parent job: one `tessera merge OUT SHARD…`, after every shard completed. */
export const MERGE_JOB_NAME = 'merge';
/** The version of the job data below; a worker refuses (without retrying) data of another version. */
export const BUILD_JOB_VERSION = 1;

/** What failed the last time a job ran (stored on the job by the worker, read by waitForBuild). */
export interface JobFailure {
  /** The CLI's exit code, or null when it was ended by a signal or never started. */
  exitCode: number | null;
  signal: string | null;
  /** The end of the CLI's stderr (at most 64 KiB): `tessera: E_CODE: message` for a tessera error. */
  stderr: string;
  /** The `E_CODE` of that line, when there is one. */
  cliCode: string | undefined;
  /** The arguments after `tessera`. */
  argv: string[];
  /** The worker's name (`host:pid` unless named). */
  worker: string;
  /** BullMQ's attemptsStarted when it failed: 1 for the first run. */
  attempt: number;
}

/** The data of a `shard` job. */
export interface ShardJobData {
  version: typeof BUILD_JOB_VERSION;
  buildId: string;
  /** 0-based shard index, and the number of shards. */
  index: number;
  count: number;
  /** The arguments after `tessera build`: the kind, its inputs and options; never the output, --shard or --of. */
  args: string[];
  /** Absolute path of this shard's .beton file. */
  output: string;
  /** Absolute folder the worker runs the CLI in. */
  cwd: string;
  lastFailure?: JobFailure;
}

/** The data of a `merge` job. */
export interface MergeJobData {
  version: typeof BUILD_JOB_VERSION;
  buildId: string;
  /** Absolute path of the merged .beton file. */
  output: string;
  /** The shard files, in shard order (the merge order). */
  shards: string[];
  /** The ids of the shard jobs, in shard order. */
  shardJobIds: string[];
  cwd: string;
  lastFailure?: JobFailure;
}

/** What a completed `shard` job returns. */
export interface ShardJobResult {
  output: string;
  index: number;
  count: number;
  /** The worker that completed it. */
  worker: string;
  elapsedMs: number;
  /** The CLI's `--json` summary of the build. */
  summary: unknown;
}

/** What a completed `merge` job returns, and what waitForBuild resolves to. */
export interface MergeJobResult {
  output: string;
  shards: string[];
  worker: string;
  elapsedMs: number;
  /** The CLI's `--json` summary of the merge (numSamples, inputs, numPages, …). */
  summary: unknown;
}

/** The job id of shard `index` of a build. */
export function shardJobId(buildId: string, index: number): string {
  return `${buildId}-shard-${index}`;
}

/** The job id of a build's merge job. */
export function mergeJobId(buildId: string): string {
  return `${buildId}-merge`;
}
