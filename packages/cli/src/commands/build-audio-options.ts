import { basename } from 'node:path';
import { createBuildProgress } from '../build-progress.js';
import type { CommandContext } from '../command.js';
import type { OptionDefinitions } from '../command-line.js';
import { EXIT_CODE } from '../exit-code.js';
import { formatByteLength } from '../format-byte-length.js';
import { stringifyJson } from '../json-lines.js';
import { type AudioBuildSummary, importAudioPackage } from '../load-audio-package.js';
import { OUTPUT_OPTION } from '../output-argument.js';
import { formatDuration } from '../progress-bar.js';
import { type ClassFolderShard, stageClassFolderShard } from '../class-folder-shard.js';
import { describeShard, parsePageSize, parseShard, refuseShard, shardHelp } from '../shard-option.js';
import { UsageError } from '../usage-error.js';
import { choice, commonBuildOptions, formatSeconds, fromPluginPackage, integer, plural, withSkipInvalidHint } from './build-option-values.js';

/** The audio field kinds of @tessera/audio's buildAudioDataset. */
export const AUDIO_FIELDS = ['waveform', 'flac', 'opus', 'mp3', 'logmel'];
const DTYPES = ['int16', 'int32', 'float32'];

/** Options shared by `tessera build audio-folder` and `tessera build audio`. */
export const AUDIO_BUILD_OPTIONS = {
  output: OUTPUT_OPTION,
  field: { type: 'string', valueName: 'KIND', description: `the audio field: ${AUDIO_FIELDS.join(' | ')} (default waveform)` },
  'sample-rate': { type: 'string', valueName: 'HZ', description: 'every clip is resampled to it (default 16000; opus: 8000/12000/16000/24000/48000)' },
  channels: { type: 'string', valueName: 'N', description: 'every clip is remixed to it (default 1: the mean of the channels)' },
  dtype: { type: 'string', valueName: 'TYPE', description: `waveform: stored samples, ${DTYPES.join(' | ')} (default float32)` },
  bitrate: { type: 'string', valueName: 'BITS', description: 'opus, mp3: bits per second (default 32000, 64000)' },
  ...commonBuildOptions('audio files'),
} as const satisfies OptionDefinitions;

export const AUDIO_BUILD_NOTES = [
  'Audio is read by extension: wav, flac, mp3, ogg, opus, m4a, aac, webm, aiff. PCM WAV at the field\'s',
  'rate and channels is read without ffmpeg; anything else (other formats, resampling, and the flac,',
  'opus and mp3 fields) needs ffmpeg: TESSERA_FFMPEG=/path, npm install @ffmpeg-installer/ffmpeg, or',
  'ffmpeg on PATH. Needs the @tessera/audio package (npm install @tessera/audio).',
  '',
  'Progress goes to stderr; a summary to stdout. Exit codes: 0 written, 1 a missing folder or',
  'manifest (E_IO), a bad layout or manifest line (E_ARGUMENT), an unreadable audio file',
  '(E_AUDIO_INPUT; the output is then not created or changed; --skip-invalid leaves such files out',
  'and lists them), no ffmpeg (E_FFMPEG_NOT_FOUND) or a failed write, 2 bad command line.',
  ...shardHelp(
    'audio files of the folder (by class, then path)',
    'Labels are numbered over the whole folder. A shard is staged as a folder of symbolic links beside the output (removed after); a shard left without audio files is an error (E_ARGUMENT). ' +
      'tessera build audio --manifest takes no --shard yet (split the manifest into N files instead).',
  ),
];

type AudioOptionValues = {
  field?: string;
  'sample-rate'?: string;
  channels?: string;
  dtype?: string;
  bitrate?: string;
  workers?: string;
  'skip-invalid'?: boolean;
  json?: boolean;
  quiet?: boolean;
  shard?: string;
  of?: string;
  'page-size'?: string;
};

/** Checks the shared options, runs buildAudioDataset with a progress bar, prints the summary. */
export async function runAudioBuild(
  source: { folder: string } | { manifest: string },
  output: string,
  options: AudioOptionValues,
  context: CommandContext,
  command: string,
): Promise<number> {
  const field = choice(options.field, AUDIO_FIELDS, 'field', command);
  const dtype = choice(options.dtype, DTYPES, 'dtype', command);
  if (dtype !== undefined && field !== undefined && field !== 'waveform') throw new UsageError(`--dtype applies to --field waveform, not ${field}`, command);
  if (options.bitrate !== undefined && field !== 'opus' && field !== 'mp3') throw new UsageError('--bitrate applies to --field opus and mp3', command);
  const sampleRate = integer(options['sample-rate'], 'sample-rate', 1, 655_350, command);
  const channels = integer(options.channels, 'channels', 1, 255, command);
  const bitrate = integer(options.bitrate, 'bitrate', 6_000, 512_000, command);
  const workers = integer(options.workers, 'workers', 0, 256, command);
  const skipInvalid = options['skip-invalid'] === true;
  const shard = parseShard(options, command);
  const pageSize = parsePageSize(options['page-size'], command);
  if ('manifest' in source) refuseShard(shard, command, "@tessera/audio's buildAudioDataset");

  const audio = await importAudioPackage(context.cwd, `tessera ${command}`);
  const progress = createBuildProgress({ target: basename(output), quiet: options.quiet === true, context });
  let summary: AudioBuildSummary;
  let staged: ClassFolderShard | undefined;
  let ignoredFiles: number | undefined;
  try {
    if (shard !== undefined && 'folder' in source) {
      if (typeof audio.listAudioFolder !== 'function') {
        throw new UsageError('--shard needs listAudioFolder from @tessera/audio, which the installed version lacks; update it: npm install @tessera/audio@latest', command);
      }
      const listing = audio.listAudioFolder(source.folder);
      ignoredFiles = listing.ignoredFiles;
      staged = stageClassFolderShard({ root: source.folder, listing, output, shard, what: 'audio files' });
    }
    summary = await audio.buildAudioDataset({
      ...(staged === undefined ? source : { folder: staged.root }),
      output,
      field,
      sampleRate,
      channels,
      dtype,
      bitrate,
      workers,
      skipInvalid,
      ...(pageSize === undefined ? {} : { pageSize }),
      cwd: context.cwd,
      onProgress: (event) => {
        progress.setNote(event.skipped > 0 ? `${plural(event.skipped, 'unreadable file')} skipped` : undefined);
        progress.update(event.phase, { done: event.samplesWritten, total: event.totalSamples - event.skipped, unit: 'clips' });
      },
    });
    if (staged !== undefined) {
      const { toSourcePath } = staged;
      const skipped = summary.skipped.map((entry) => ({ ...entry, path: toSourcePath(entry.path), error: toSourcePath(entry.error) }));
      const slice = { index: shard!.index, count: shard!.count, firstClip: staged.firstFile, clips: staged.files, totalClips: staged.totalFiles };
      summary = { ...summary, input: toSourcePath(summary.input), ignoredFiles: ignoredFiles ?? summary.ignoredFiles, skipped, shard: slice };
    }
  } catch (error) {
    progress.fail();
    // Errors name the staged links: name the files in the folder instead.
    if (staged !== undefined && error instanceof Error) error.message = staged.toSourcePath(error.message);
    const converted = fromPluginPackage(error);
    throw skipInvalid ? converted : withSkipInvalidHint(converted, 'E_AUDIO_INPUT', 'files');
  } finally {
    staged?.remove();
  }
  progress.finish();
  summary = { ...summary, elapsedMs: progress.elapsedMs(), phaseElapsedMs: progress.phaseElapsedMs() };
  if (options.json) {
    context.stdout.write(`${stringifyJson(summary)}\n`);
    return EXIT_CODE.SUCCESS;
  }
  const classes = summary.classes === undefined ? '' : ` in ${plural(summary.classes.length, 'class', 'classes')}`;
  const extra = summary.fields.filter((name) => name !== summary.fieldName);
  const left = [
    summary.skipped.length > 0 ? `${plural(summary.skipped.length, 'unreadable file')} skipped` : undefined,
    summary.ignoredFiles > 0 ? `${plural(summary.ignoredFiles, 'non-audio file')} left out` : undefined,
  ].filter((part) => part !== undefined);
  context.stdout.write(
    `wrote ${summary.output}${summary.shard === undefined ? '' : ` (${describeShard(summary.shard)}: clips [${summary.shard.firstClip}, ${summary.shard.firstClip + summary.shard.clips}) of ${summary.shard.totalClips})`}: ${plural(summary.numSamples, 'clip')}${classes}, ${formatSeconds(summary.audioSeconds)} of audio, ` +
      `field "${summary.fieldName}" (${summary.field}, ${summary.sampleRate} Hz × ${summary.channels})${extra.length === 0 ? '' : ` + ${extra.join(', ')}`}, ` +
      `${formatByteLength(summary.fileByteLength)}, ${formatDuration(summary.elapsedMs)}${left.length === 0 ? '' : `; ${left.join(', ')}`}\n`,
  );
  for (const skipped of summary.skipped) {
    const where = skipped.line === undefined ? skipped.path : `${skipped.path} (line ${skipped.line})`;
    context.stdout.write(`skipped ${where}: ${skipped.error.split('\n')[0]!.replace(`${skipped.path}: `, '')}\n`);
  }
  return EXIT_CODE.SUCCESS;
}

