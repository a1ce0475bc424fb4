import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { TesseraError } from '@tessera/core';
import type { ConnectionOptions } from 'bullmq';
import { enqueueShardedBuild } from './enqueue-sharded-build.js';
import { describeConnection } from './queue-connection.js';
import { type BuildWorkerEvent, runBuildWorker } from './run-build-worker.js';
import { waitForBuild } from './wait-for-build.js';

export interface BullmqCliIo {
  stdout: Writable;
  stderr: Writable;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Resolves when the worker should stop: 'graceful' (finish running jobs) then 'force'. */
  onStop?: (listener: (mode: 'graceful' | 'force') => void) => void;
}

const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const DEFAULT_QUEUE = 'tessera-builds';

const HELP = `Usage:
  tessera-bullmq enqueue --shards N --output SHARDS --merge-output OUT.beton [options] -- KIND ARGS...
  tessera-bullmq worker [options]

Sharded tessera builds on a BullMQ queue in Redis. \`enqueue\` adds one flow: N shard jobs, each
\`tessera build KIND ARGS... --shard I --of N --output <shard I's file>\`, and a merge job,
\`tessera merge OUT.beton <shard files>\`, which runs once every shard completed. \`worker\` runs
those jobs, each tessera in a child process, until SIGTERM or SIGINT (a second one stops the
running jobs; they are retried). A worker that dies loses its jobs' locks, and a live worker
takes them back after the lock duration.

Common options:
  --redis URL              redis://[user:password@]host:port[/db], rediss:// for TLS
                           (default $TESSERA_REDIS_URL, else ${DEFAULT_REDIS_URL})
  --queue NAME             the queue (default ${DEFAULT_QUEUE})
  --json                   print JSON (enqueue: one object; worker: one event per line)

enqueue options:
  --shards N               the number of shards
  --output SHARDS          the shard files: a pattern with {index} and {count}
                           (shards/train-{index}-of-{count}.beton), or a path P whose shards are
                           P.shard-I-of-N.beton (.beton of P left out)
  --merge-output OUT.beton the merged file
  --attempts K             runs of each job before it fails for good (default 3)
  --backoff-ms MS          first wait before a retry, doubled on each (default 1000)
  --build-id ID            names the build; the job ids derive from it (default: random)
  --wait                   wait for the merge: exit 0 when merged, 1 when a job failed for good
  --timeout-ms MS          with --wait: give up after MS (exit 1)
  Relative paths resolve against this folder, on the workers too (they need the same files
  at the same paths).

worker options:
  --concurrency C          jobs at once (default 1)
  --name NAME              the worker's name on its jobs (default host:pid)
  --lock-duration-ms MS    a job's lock without renewal (default 30000)
  --stalled-interval-ms MS how often to look for jobs of dead workers (default 30000)
  --max-stalled-count K    worker deaths a job survives (default 1)

Exit codes: 0 done, 1 a failure (Redis unreachable, a job failed), 2 bad command line.
`;

/** Runs `tessera-bullmq ARGV` and resolves to its exit code; never rejects. */
export async function runBullmqCli(argv: readonly string[], io: BullmqCliIo): Promise<number> {
  try {
    const [command, ...rest] = argv;
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      io.stdout.write(HELP);
      return command === undefined ? 2 : 0;
    }
    if (command === 'enqueue') return await enqueueCommand(rest, io);
    if (command === 'worker') return await workerCommand(rest, io);
    throw usage(`unknown command ${JSON.stringify(command)}: the commands are enqueue and worker`);
  } catch (error) {
    const code = error instanceof TesseraError ? error.code : 'E_INTERNAL';
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`tessera-bullmq: ${code}: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
    return code === 'E_USAGE' ? 2 : 1;
  }
}

const COMMON_OPTIONS = {
  redis: { type: 'string' },
  queue: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parse<T extends Record<string, { type: 'string' | 'boolean'; short?: string }>>(argv: readonly string[], options: T, command: string) {
  try {
    return parseArgs({ args: [...argv], options: { ...COMMON_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (error) {
    const hint = command === 'enqueue' ? ' (put the build arguments after --: enqueue ... -- table rows.csv --field label=int64)' : '';
    throw usage(`${error instanceof Error ? error.message : String(error)}${hint}`);
  }
}

function usage(message: string): TesseraError {
  return new TesseraError('E_USAGE', `${message}; run \`tessera-bullmq --help\` for usage`);
}

function connectionOf(url: string | undefined, env: BullmqCliIo['env']): ConnectionOptions {
  const text = url ?? (env.TESSERA_REDIS_URL || DEFAULT_REDIS_URL);
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw usage(`--redis must be a redis:// or rediss:// URL, got ${JSON.stringify(text)}`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw usage(`--redis must be a redis:// or rediss:// URL, got ${parsed.protocol}//…`);
  return { url: text };
}

function integer(text: string | undefined, name: string, minimum: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) < minimum) throw usage(`--${name} must be an integer of at least ${minimum}, got ${JSON.stringify(text)}`);
  return Number(text);
}

async function enqueueCommand(argv: readonly string[], io: BullmqCliIo): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      shards: { type: 'string' },
      output: { type: 'string' },
      'merge-output': { type: 'string' },
      attempts: { type: 'string' },
      'backoff-ms': { type: 'string' },
      'build-id': { type: 'string' },
      wait: { type: 'boolean' },
      'timeout-ms': { type: 'string' },
    },
    'enqueue',
  );
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const shards = integer(values.shards, 'shards', 1);
  if (shards === undefined) throw usage('enqueue needs --shards N');
  if (values.output === undefined) throw usage('enqueue needs --output SHARDS (where the shard files go)');
  if (values['merge-output'] === undefined) throw usage('enqueue needs --merge-output OUT.beton');
  if (positionals.length === 0) throw usage('enqueue needs the build after --: -- KIND ARGS... (what follows `tessera build`)');
  if (values['timeout-ms'] !== undefined && !values.wait) throw usage('--timeout-ms goes with --wait');
  const connection = connectionOf(values.redis, io.env);
  const queueName = values.queue ?? DEFAULT_QUEUE;
  const backoffMs = integer(values['backoff-ms'], 'backoff-ms', 0);
  const build = await enqueueShardedBuild({
    connection,
    queueName,
    build: { args: positionals, output: values.output, cwd: io.cwd },
    shards,
    mergeOutput: values['merge-output'],
    attempts: integer(values.attempts, 'attempts', 1),
    ...(backoffMs === undefined ? {} : { backoff: { type: 'exponential', delay: backoffMs } }),
    ...(values['build-id'] === undefined ? {} : { buildId: values['build-id'] }),
  });
  if (values.json && !values.wait) io.stdout.write(`${JSON.stringify(build)}\n`);
  else if (!values.json) {
    const verb = build.alreadyQueued ? 'already queued' : 'enqueued';
    io.stdout.write(`${verb} build ${build.buildId} in queue ${queueName} at ${describeConnection(connection)}: ${shards} shard jobs, then merge job ${build.mergeJobId} → ${build.mergeOutput}\n`);
  }
  if (!values.wait) return 0;
  const result = await waitForBuild({ connection, queueName, mergeJobId: build.mergeJobId, timeoutMs: integer(values['timeout-ms'], 'timeout-ms', 1) });
  if (values.json) io.stdout.write(`${JSON.stringify({ ...build, result })}\n`);
  else {
    const summary = result.summary as { numSamples?: number } | undefined;
    const samples = typeof summary?.numSamples === 'number' ? `${summary.numSamples} samples from ` : '';
    io.stdout.write(`merged ${result.output}: ${samples}${result.shards.length} shards\n`);
  }
  return 0;
}

async function workerCommand(argv: readonly string[], io: BullmqCliIo): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      concurrency: { type: 'string' },
      name: { type: 'string' },
      'lock-duration-ms': { type: 'string' },
      'stalled-interval-ms': { type: 'string' },
      'max-stalled-count': { type: 'string' },
    },
    'worker',
  );
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  if (positionals.length > 0) throw usage(`worker takes no arguments, got ${JSON.stringify(positionals[0])}`);
  const connection = connectionOf(values.redis, io.env);
  const queueName = values.queue ?? DEFAULT_QUEUE;
  const print = (event: BuildWorkerEvent | { type: 'ready' | 'stopping' | 'stopped'; worker: string; queueName?: string; mode?: string }) => {
    io.stdout.write(values.json ? `${JSON.stringify(event)}\n` : `${describeEvent(event)}\n`);
  };
  const worker = await runBuildWorker({
    connection,
    queueName,
    concurrency: integer(values.concurrency, 'concurrency', 1),
    ...(values.name === undefined ? {} : { name: values.name }),
    lockDurationMs: integer(values['lock-duration-ms'], 'lock-duration-ms', 100),
    stalledIntervalMs: integer(values['stalled-interval-ms'], 'stalled-interval-ms', 100),
    maxStalledCount: integer(values['max-stalled-count'], 'max-stalled-count', 0),
    onEvent: print,
  });
  print({ type: 'ready', worker: worker.name, queueName });
  await new Promise<void>((resolve) => {
    let closing: Promise<void> | undefined;
    io.onStop?.((mode) => {
      print({ type: 'stopping', worker: worker.name, mode });
      if (mode === 'force' || closing === undefined) {
        closing = worker.close({ force: mode === 'force' });
        closing.then(resolve, resolve);
      }
    });
  });
  print({ type: 'stopped', worker: worker.name });
  return 0;
}

function describeEvent(event: BuildWorkerEvent | { type: string; worker: string; queueName?: string; mode?: string; error?: string }): string {
  if (event.type === 'ready') return `worker ${event.worker}: waiting for jobs in queue ${event.queueName}`;
  if (event.type === 'stopping') return `worker ${event.worker}: stopping (${event.mode === 'force' ? 'stopping the running jobs' : 'after the running jobs; signal again to stop them'})`;
  if (event.type === 'stopped') return `worker ${event.worker}: stopped`;
  if (event.type === 'error') return `worker ${event.worker}: error: ${event.error}`;
  const job = event as Extract<BuildWorkerEvent, { jobId: string }>;
  const what = job.shard === undefined ? 'merge' : `shard ${job.shard.index} of ${job.shard.count}`;
  const time = job.elapsedMs === undefined ? '' : ` in ${(job.elapsedMs / 1000).toFixed(2)} s`;
  const error = job.error === undefined ? '' : `: ${job.error}`;
  return `worker ${job.worker}: ${job.type} ${what} of build ${job.buildId} (job ${job.jobId}, attempt ${job.attempt})${time}${error}`;
}
