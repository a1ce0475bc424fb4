import { MAX_PAGE_SIZE, MIN_PAGE_SIZE } from '@tessera/core';
import type { OptionDefinitions } from './command-line.js';
import { UsageError } from './usage-error.js';

/**
 * `--shard I --of N`: the one mechanism every `tessera build` command uses to build shard I of N
 * (issue 15, "sharded builds"). A dataset too big for one machine is built as N `.beton` files on
 * N machines, later combined in order by `tessera merge`.
 *
 * Contract:
 * - A command enumerates its inputs in their canonical order (sorted files, manifest lines, table
 *   rows, documents) exactly as an unsharded build does, then keeps only `selectShard(items, shard)`.
 * - Shard I keeps the contiguous, balanced slice [floor(I·L/N), floor((I+1)·L/N)) of the L items:
 *   slices of shards 0..N-1 never overlap, cover every item, differ in length by at most one, and
 *   concatenated in shard order give the unsharded order exactly.
 * - The slice depends only on (L, I, N), so the shard's bytes depend only on the inputs, I, N, the
 *   schema and the plugin versions, and re-running a shard (a retried job) writes the same bytes.
 * - Anything numbered across the whole input (class labels, source row indices) is numbered before
 *   slicing, so a sample carries the same values whichever shard holds it.
 * - When L < N some shards are empty: they write a valid dataset of 0 samples (so that `merge`
 *   always gets N files and a job array never fails on a small input).
 */

/** Which shard to build: `index` in [0, count). */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** The options, for a command's option table (give them after the command's own). */
export const SHARD_OPTIONS = {
  shard: { type: 'string', valueName: 'I', description: 'build only shard I (0-based) of --of N: a contiguous slice of the inputs (needs --of)' },
  of: { type: 'string', valueName: 'N', description: 'the number of shards (with --shard)' },
  'page-size': {
    type: 'string',
    valueName: 'SIZE',
    description: "page size: a power of two from 4KiB to 2GiB (65536, 256KiB, 1MiB) or auto (default); give every shard the same one so that tessera merge takes them",
  },
} as const satisfies OptionDefinitions;

const SIZE_UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1 << 20, mb: 1 << 20, mib: 1 << 20, g: 1 << 30, gb: 1 << 30, gib: 1 << 30 };

/**
 * `--page-size SIZE`: 'auto' (or absent) lets the writer choose from the samples, which may give the
 * shards of one dataset different page sizes (tessera merge then refuses them); a fixed size gives
 * every shard the same. Units are binary (1MiB = 1M = 1048576). A UsageError (exit 2) for anything
 * but a power of two from 4 KiB to 2 GiB.
 */
export function parsePageSize(value: string | undefined, command: string): number | 'auto' | undefined {
  if (value === undefined) return undefined;
  if (value.trim().toLowerCase() === 'auto') return 'auto';
  const match = /^\s*(\d+)\s*([a-zA-Z]*)\s*$/.exec(value);
  const unit = match === null ? undefined : SIZE_UNITS[match[2]!.toLowerCase()];
  const size = match === null || unit === undefined ? Number.NaN : Number(match[1]) * unit;
  if (!Number.isSafeInteger(size) || size < MIN_PAGE_SIZE || size > MAX_PAGE_SIZE || (size & (size - 1)) !== 0) {
    throw new UsageError(
      `--page-size must be auto or a power of two from 4KiB to 2GiB (4096, 65536, 256KiB, 1MiB, 8MiB…), got ${JSON.stringify(value)}`,
      command,
    );
  }
  return size;
}

/**
 * Help text shared by every build command: `unit` names what is sliced ('table rows'), `notes` are
 * the command's own sentences (what an empty shard does when it is not a 0-sample file, labels…).
 * Wrapped at the width of the hand-written help around it.
 */
export function shardHelp(unit: string, notes = 'A shard left with nothing writes a valid file of 0 samples.'): string[] {
  const paragraph =
    `Sharded builds: --shard I --of N keeps the ${unit} [floor(I*L/N), floor((I+1)*L/N)) of the L, ` +
    'counted in canonical order, so shards 0..N-1 in order hold exactly the samples of the unsharded ' +
    "build. A shard's bytes depend only on the inputs, I, N and the options: a retried shard writes the " +
    `same file (written atomically: temporary + rename). ${notes}`;
  return [
    '',
    ...wrapWords(paragraph, HELP_WIDTH),
    'Job arrays (one shard per task):',
    '  Kubernetes Indexed Job: tessera build ... --shard $JOB_COMPLETION_INDEX --of N',
    '  Slurm array:            tessera build ... --shard $SLURM_ARRAY_TASK_ID --of N',
  ];
}

/** Columns of the build commands' hand-wrapped descriptions. */
const HELP_WIDTH = 100;

function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line.length > 0 && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line.length === 0 ? word : `${line} ${word}`;
  }
  if (line.length > 0) lines.push(line);
  return lines;
}

/** The largest shard count accepted: far above any job array, small enough to rule out typos. */
export const MAX_SHARD_COUNT = 1_000_000;

/**
 * The shard the command line asks for, or undefined when neither option is given. A UsageError
 * (exit code 2) when only one is given, when either is not a decimal integer, when N is not in
 * [1, MAX_SHARD_COUNT] or when I is not in [0, N).
 */
export function parseShard(options: { readonly shard?: string | undefined; readonly of?: string | undefined }, command: string): Shard | undefined {
  const { shard, of } = options;
  if (shard === undefined && of === undefined) return undefined;
  if (shard === undefined) throw new UsageError(`--of ${of} needs --shard I (the 0-based shard to build, from 0 to N-1)`, command);
  if (of === undefined) throw new UsageError(`--shard ${shard} needs --of N (the number of shards)`, command);
  if (!/^\d+$/.test(of) || !Number.isSafeInteger(Number(of)) || Number(of) < 1 || Number(of) > MAX_SHARD_COUNT) {
    throw new UsageError(`--of must be an integer from 1 to ${MAX_SHARD_COUNT}, got ${JSON.stringify(of)}`, command);
  }
  const count = Number(of);
  if (!/^\d+$/.test(shard) || !Number.isSafeInteger(Number(shard)) || Number(shard) >= count) {
    throw new UsageError(`--shard must be an integer from 0 to ${count - 1} (shards are numbered from 0 with --of ${count}), got ${JSON.stringify(shard)}`, command);
  }
  return { index: Number(shard), count };
}

/** The half-open range [start, end) of the items of `shard` among `length` items (the contract above). */
export function shardRange(length: number, shard: Shard): { start: number; end: number } {
  // Exact in doubles: (index + 1) * length <= MAX_SHARD_COUNT * length < 2^53 for up to 9e9 items.
  return { start: Math.floor((shard.index * length) / shard.count), end: Math.floor(((shard.index + 1) * length) / shard.count) };
}

/** The items of `shard` (all of them when `shard` is undefined), in their order. */
export function selectShard<T>(items: readonly T[], shard: Shard | undefined): T[] {
  if (shard === undefined) return [...items];
  const { start, end } = shardRange(items.length, shard);
  return items.slice(start, end);
}

/** `shard 1 of 3` for summaries. */
export function describeShard(shard: Shard): string {
  return `shard ${shard.index} of ${shard.count}`;
}

/**
 * For a build command whose plugin package enumerates its inputs itself and cannot yet be handed a
 * slice of them (`builder` names the function): a shard cannot be built, so say so instead of
 * silently writing the whole dataset on every machine. Exit code 2.
 */
export function refuseShard(shard: Shard | undefined, command: string, builder: string): void {
  if (shard === undefined) return;
  throw new UsageError(
    `--shard is not available for tessera ${command} yet: ${builder} lists its inputs itself and takes no slice of them; build the whole dataset, or split the inputs into N folders or files and build each`,
    command,
  );
}
