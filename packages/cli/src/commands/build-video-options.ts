import { basename } from 'node:path';
import { TesseraError } from '@tessera/core';
import { createBuildProgress } from '../build-progress.js';
import type { CommandContext } from '../command.js';
import type { OptionDefinitions } from '../command-line.js';
import { EXIT_CODE } from '../exit-code.js';
import { formatByteLength } from '../format-byte-length.js';
import { stringifyJson } from '../json-lines.js';
import { type VideoBuildSummary, type VideoSourceListing, importVideoPackage } from '../load-video-package.js';
import { OUTPUT_OPTION } from '../output-argument.js';
import { formatDuration } from '../progress-bar.js';
import { type Shard, describeShard, parsePageSize, parseShard, selectShard, shardHelp } from '../shard-option.js';
import { UsageError } from '../usage-error.js';
import { choice, commonBuildOptions, formatSeconds, fromPluginPackage, integer, plural, withSkipInvalidHint } from './build-option-values.js';

/** The representations of @tessera/video's buildVideoDataset. */
export const VIDEO_FIELDS = ['compressed', 'frames', 'flow'];
const CODECS = ['h264', 'h265', 'vp9', 'av1'];

/** Options shared by `tessera build video-folder` and `tessera build video`. */
export const VIDEO_BUILD_OPTIONS = {
  output: OUTPUT_OPTION,
  field: { type: 'string', valueName: 'KIND', description: `the video field: ${VIDEO_FIELDS.join(' | ')} (default compressed)` },
  fps: { type: 'string', valueName: 'FPS', description: 'frames, compressed with --codec: frames per second stored (default: as the source)' },
  'max-side': { type: 'string', valueName: 'PIXELS', description: 'frames, compressed with --codec: scale the longer side down to at most this' },
  codec: { type: 'string', valueName: 'CODEC', description: `compressed: re-encode to ${CODECS.join(' | ')} (default: the stream as stored)` },
  gop: { type: 'string', valueName: 'N', description: 'compressed with --codec: frames between keyframes' },
  crf: { type: 'string', valueName: 'N', description: 'compressed with --codec: constant rate factor (0–63; lower is better)' },
  quality: { type: 'string', valueName: 'Q', description: 'frames: JPEG quality 1–100' },
  ...commonBuildOptions('videos'),
} as const satisfies OptionDefinitions;

export const VIDEO_BUILD_NOTES = [
  '',
  'Videos are read by extension in folders (mp4, mkv, webm, mov, avi, m4v) and by path in manifests,',
  'and demuxed in-process by FFmpeg (node-av): --field compressed stores each stream\'s packets as they',
  'are (no re-encode; --codec re-encodes), frames one JPEG per frame, flow the optical flow of a',
  'manifest\'s "flow" column (.npy files, float32 [N-1, H, W, 2]) beside the compressed video.',
  'Needs the @tessera/video package (npm install @tessera/video).',
  '',
  'Progress goes to stderr; a summary to stdout, with the stored bytes per second of video. Exit',
  'codes: 0 written, 1 a missing folder or manifest (E_IO), a bad layout or manifest line',
  '(E_ARGUMENT), an unreadable video (E_VIDEO_INPUT; the output is then not created or changed;',
  '--skip-invalid leaves such files out and lists them), no video backend (E_VIDEO_BACKEND) or a',
  'failed write, 2 bad command line (an unknown --field, an option the field does not take, or a',
  'representation the installed @tessera/video lacks).',
  ...shardHelp(
    'videos (folder: by class, then path; manifest: by line)',
    'Folder labels are numbered over the whole folder. A sharded manifest build needs integer labels (class names are numbered per build, so shards would number them differently).',
  ),
];

type VideoOptionValues = {
  field?: string;
  fps?: string;
  'max-side'?: string;
  codec?: string;
  gop?: string;
  crf?: string;
  quality?: string;
  workers?: string;
  'skip-invalid'?: boolean;
  json?: boolean;
  quiet?: boolean;
  shard?: string;
  of?: string;
  'page-size'?: string;
};

/** buildVideoDataset's option names → the command line's. */
const FLAGS: Readonly<Record<string, string>> = { field: 'field', fps: 'fps', maxSide: 'max-side', codec: 'codec', gop: 'gop', crf: 'crf', quality: 'quality', workers: 'workers' };

/** Checks the shared options, runs buildVideoDataset with a progress bar, prints the summary. */
export async function runVideoBuild(source: { folder: string } | { manifest: string }, output: string, options: VideoOptionValues, context: CommandContext, command: string): Promise<number> {
  const field = choice(options.field, VIDEO_FIELDS, 'field', command);
  const codec = choice(options.codec, CODECS, 'codec', command);
  const fps = positiveNumber(options.fps, 'fps', 1000, command);
  const maxSide = integer(options['max-side'], 'max-side', 1, 16384, command);
  const gop = integer(options.gop, 'gop', 1, 10000, command);
  const crf = integer(options.crf, 'crf', 0, 63, command);
  const quality = integer(options.quality, 'quality', 1, 100, command);
  const workers = integer(options.workers, 'workers', 0, 256, command);
  const skipInvalid = options['skip-invalid'] === true;
  const shard = parseShard(options, command);
  const pageSize = parsePageSize(options['page-size'], command);

  const video = await importVideoPackage(context.cwd, `tessera ${command}`);
  if (field !== undefined && video.VIDEO_FIELD_KINDS !== undefined && !video.VIDEO_FIELD_KINDS.includes(field)) {
    throw new UsageError(`--field ${field} is not in the installed @tessera/video (it stores ${video.VIDEO_FIELD_KINDS.join(', ')}); update it: npm install @tessera/video@latest`, command);
  }
  const progress = createBuildProgress({ target: basename(output), quiet: options.quiet === true, context });
  let summary: VideoBuildSummary;
  try {
    const listing = shardOfListing('folder' in source ? video.listVideoFolder(source.folder) : video.readVideoManifest(source.manifest), shard, command);
    summary = await video.buildVideoDataset(listing, output, {
      field,
      fps,
      maxSide,
      codec,
      gop,
      crf,
      quality,
      workers,
      skipInvalid,
      ...(pageSize === undefined ? {} : { pageSize }),
      cwd: context.cwd,
      onProgress: (event) => {
        progress.setNote(event.skipped > 0 ? `${plural(event.skipped, 'unreadable video')} skipped` : undefined);
        progress.update(event.phase, { done: event.samplesWritten, total: event.totalSamples - event.skipped, unit: 'videos' });
      },
    });
  } catch (error) {
    progress.fail();
    const converted = asUsageError(fromPluginPackage(error), command);
    throw skipInvalid ? converted : withSkipInvalidHint(converted, 'E_VIDEO_INPUT', 'videos');
  }
  progress.finish();
  summary = { ...summary, elapsedMs: progress.elapsedMs(), phaseElapsedMs: progress.phaseElapsedMs() };
  if (options.json) {
    context.stdout.write(`${stringifyJson(summary)}\n`);
    return EXIT_CODE.SUCCESS;
  }
  const classes = summary.classes === undefined ? '' : ` in ${plural(summary.classes.length, 'class', 'classes')}`;
  const extra = summary.fields.filter((name) => name !== summary.fieldName);
  const stored = summary.storage.map((entry) => `field "${entry.field}" (${entry.kind}) ${formatByteLength(entry.byteLength)} = ${formatByteLength(Math.round(entry.bytesPerSecond))} per second of video`);
  const left = [
    summary.skipped.length > 0 ? `${plural(summary.skipped.length, 'unreadable video')} skipped` : undefined,
    summary.ignoredFiles > 0 ? `${plural(summary.ignoredFiles, 'non-video file')} left out` : undefined,
  ].filter((part) => part !== undefined);
  const others = extra.filter((name) => !summary.storage.some((entry) => entry.field === name));
  context.stdout.write(
    `wrote ${summary.output}${shard === undefined ? '' : ` (${describeShard(shard)})`}: ${plural(summary.numSamples, 'video')}${classes}, ${formatSeconds(summary.videoSeconds)} of video (${plural(summary.frames, 'frame')}), ` +
      `${stored.join(', ')}${others.length === 0 ? '' : ` + ${others.join(', ')}`}; ` +
      `file ${formatByteLength(summary.fileByteLength)}, ${formatDuration(summary.elapsedMs)}${left.length === 0 ? '' : `; ${left.join(', ')}`}\n`,
  );
  for (const skipped of summary.skipped) {
    const where = skipped.line === undefined ? skipped.path : `${skipped.path} (line ${skipped.line})`;
    const message = skipped.error.split('\n')[0]!;
    const colon = message.indexOf('): ');
    context.stdout.write(`skipped ${where}: ${message.startsWith(`${skipped.path}: `) ? message.slice(skipped.path.length + 2) : colon >= 0 ? message.slice(colon + 3) : message}\n`);
  }
  return EXIT_CODE.SUCCESS;
}

/**
 * The listing with only the entries of `shard` (see shard-option.ts). A folder listing's labels are
 * numbered over the whole folder before slicing; a manifest's class-name labels would be numbered by
 * buildVideoDataset over the shard's rows only, so a sharded manifest build refuses them.
 */
function shardOfListing(listing: VideoSourceListing, shard: Shard | undefined, command: string): VideoSourceListing {
  if (shard === undefined) return listing;
  const isFolder = Array.isArray((listing as { classes?: unknown }).classes);
  if (!isFolder) {
    const named = listing.entries.find((entry) => typeof (entry as { label?: unknown }).label === 'string') as { label: string; line?: number } | undefined;
    if (named !== undefined) {
      throw new UsageError(
        `--shard needs integer labels in the manifest, but line ${named.line ?? '?'} has the class name ${JSON.stringify(named.label)} (class names are numbered per build, so each shard would number them differently); replace the names by their integer labels`,
        command,
      );
    }
  }
  return { ...listing, entries: selectShard(listing.entries, shard) };
}

/**
 * buildVideoDataset checks its options before reading a video: an E_ARGUMENT about one of them (a
 * value out of range, an option the field does not take, a representation the installed package
 * lacks) is a mistake on the command line, reported with the flag's name and exit code 2.
 */
function asUsageError(error: unknown, command: string): unknown {
  if (!TesseraError.is(error, 'E_ARGUMENT')) return error;
  const argument = (error as { argument?: unknown }).argument;
  if (typeof argument !== 'string' || !Object.hasOwn(FLAGS, argument)) return error;
  const flag = `--${FLAGS[argument]}`;
  const message = error.message.startsWith(`${argument}: `) ? error.message.slice(argument.length + 2) : error.message;
  return new UsageError(`${flag}: ${message.replace(/\b(codec|fps|maxSide|gop|crf|quality)\b(?= \()/g, (name) => `--${FLAGS[name]}`)}`, command);
}


function positiveNumber(value: string | undefined, name: string, max: number, command: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(number > 0) || number > max) throw new UsageError(`--${name} must be a positive number up to ${max}, got ${JSON.stringify(value)}`, command);
  return number;
}
