import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { ArgumentError, type FieldSpec, TesseraError, int64, writeDataset } from '@tessera/core';
import { checkKnownOptions, loadAhead, manifestLabels } from '@tessera/core/internals';
import type { CompressedVideoOptions } from '@tessera/video';
import type { WaveformDType } from '@tessera/audio';
import { timedText } from '../field-specs.js';
import { readSubtitles, type SubtitleCue } from '../subtitles/read-subtitles.js';
import { listAvFolder, sidecarOf } from './av-folder.js';
import { importOptionalPeer } from './optional-peer.js';

/** One container to write: a video file with its audio track, and optionally its subtitles and label. */
export interface AvContainer {
  /** The container (relative paths resolve against `cwd`). */
  path: string;
  /**
   * A .srt or .vtt file of its cues; `null`: none (the sample's subtitles are `null`). Left out: the
   * same-named .srt or .vtt beside the container when one exists.
   */
  subtitles?: string | null;
  /** An integer, or a class name (names are sorted and numbered). Give every container one, or none. */
  label?: number | string;
}

/** The audio field of buildAvDataset: the container's first audio stream, resampled and remixed. */
export interface AvAudioOptions {
  /** Hz. Default 16000. */
  sampleRate?: number;
  /** Default 1 (the mean of the channels). */
  channels?: number;
  /** Stored sample type. Default 'float32'. */
  dtype?: WaveformDType;
}

export interface BuildAvDatasetOptions {
  /** The containers: paths or `{ path, subtitles?, label? }`. Give this or `folder`. */
  containers?: ReadonlyArray<string | AvContainer>;
  /** Every video file directly in this folder (mp4, mkv, webm, mov, avi, m4v), each with its same-named .srt/.vtt when present. */
  folder?: string;
  /** The .beton file to write (atomically). */
  output: string;
  /** A local tokenizer.json (or its folder) the cue texts are tokenized with; needed unless `subtitles: false`. */
  tokenizer?: string;
  /** `false`: no subtitles field (no tokenizer needed, sidecars ignored). */
  subtitles?: false;
  /** compressedVideo() options of the video field (default: the stream as stored, no re-encode). */
  video?: CompressedVideoOptions;
  /** The audio field's rate, channels and sample type; `false`: no audio field (containers without audio are then fine). */
  audio?: AvAudioOptions | false;
  /** Field names. Defaults 'video', 'audio', 'subtitles', 'label'. */
  videoField?: string;
  audioField?: string;
  subtitlesField?: string;
  labelField?: string;
  /** Writer threads that encode. Default: cores, at most 4 (0: the main thread). */
  workers?: number;
  /**
   * Leave out containers that cannot be read — a missing file, no audio stream, undecodable audio, a
   * missing or malformed subtitle file — listing them in the summary with their error, instead of
   * failing. A missing ffmpeg or video backend is never skipped. Default false.
   */
  skipInvalid?: boolean;
  /** Each ffmpeg run (finding where the audio starts, decoding it) is killed after this long. Default 60 000. */
  ffmpegTimeoutMs?: number;
  /** Page size of the output (see WriteOptions). Default 'auto'. */
  pageSize?: number | 'auto';
  /** Relative paths resolve against it. Default process.cwd(). */
  cwd?: string;
  onProgress?: (progress: BuildAvProgress) => void;
  signal?: AbortSignal;
}

export interface BuildAvProgress {
  phase: 'writing';
  /** Containers read (audio decoded, subtitles parsed) so far, skipped ones included. */
  loaded: number;
  skipped: number;
  samplesWritten: number;
  /** The containers listed; the final count is this minus the skipped ones. */
  totalSamples: number;
  /** Seconds of audio loaded so far (at the field's rate). */
  audioSeconds: number;
}

export interface SkippedContainer {
  path: string;
  code: string;
  error: string;
}

export interface BuildAvSummary {
  output: string;
  source: 'folder' | 'containers';
  /** The folder, absolute; undefined for containers. */
  input: string | undefined;
  /** The fields written, in order. */
  fields: string[];
  /** Class names; a label is an index here. Undefined when labels are integers or absent. */
  classes: string[] | undefined;
  /** The audio field's rate and channels; undefined with `audio: false`. */
  sampleRate: number | undefined;
  channels: number | undefined;
  /** Containers listed. */
  listed: number;
  numSamples: number;
  skipped: SkippedContainer[];
  /** Folders: files that are neither containers nor their sidecars, left out. */
  ignoredFiles: number;
  /** Samples written with subtitles (the others have `null`: the `present` decoder gives 0). */
  withSubtitles: number;
  /** Cues written, all samples. */
  cues: number;
  /** Seconds of audio written (at the field's rate). */
  audioSeconds: number;
  fileByteLength: number;
  elapsedMs: number;
}

const OPTION_NAMES = [
  'containers', 'folder', 'output', 'tokenizer', 'subtitles', 'video', 'audio', 'videoField', 'audioField', 'subtitlesField', 'labelField',
  'workers', 'skipInvalid', 'ffmpegTimeoutMs', 'pageSize', 'cwd', 'onProgress', 'signal',
];

/** The codes of a container that cannot be read: skipped with `skipInvalid`. E_FFMPEG_NOT_FOUND, E_VIDEO_BACKEND and the rest never are. */
const INPUT_ERROR_CODES: ReadonlySet<string> = new Set(['E_VIDEO_INPUT', 'E_AUDIO_INPUT', 'E_ARGUMENT', 'E_IO']);

/** Samples per writer chunk: samples hold a container's stream and its PCM, so fewer are in flight than the writer's default 64. */
const CHUNK_SIZE = 8;

interface Entry {
  path: string;
  subtitles: string | null;
}

interface Loaded {
  audio: { samples: Float32Array[]; sampleRate: number; startTime: number | undefined } | undefined;
  audioSeconds: number;
  cues: SubtitleCue[] | null;
}

/**
 * Builds an audio-visual dataset, one sample per container: `video` (compressedVideo(), the stream
 * as stored unless `video` says otherwise), `audio` (a waveform of the container's first audio
 * stream at `audio.sampleRate`/`channels`, placed at the container's own start: the value
 * `{ path, startTime: 'container' }`), `subtitles` (timedText tokenized with `tokenizer`, from the
 * container's .srt/.vtt; `null` without one, which the `present` decoder reports as 0) and `label`
 * (int64) when the containers have labels. All fields share the container's presentation time, so
 * the loader's `window` cuts them together.
 *
 * Subtitles are parsed and audio decoded on this thread ahead of the writer (ffmpeg processes in
 * parallel), so an unreadable container is known before it is written: a missing file is
 * E_VIDEO_INPUT, a container without an audio stream or with undecodable audio E_AUDIO_INPUT, a
 * malformed subtitle file E_ARGUMENT naming its line — each naming the file — or with `skipInvalid`
 * a line of the summary. The video stream itself is demuxed by the writer's workers (an unreadable
 * one fails the build as E_VIDEO_INPUT naming the file, skipped or not). @tessera/video and
 * @tessera/audio are optional peer dependencies loaded only here: a missing one is E_PLUGIN_MISSING.
 * Unknown option names are E_ARGUMENT naming the nearest one. The output is written atomically.
 */
export async function buildAvDataset(options: BuildAvDatasetOptions): Promise<BuildAvSummary> {
  const started = performance.now();
  if (options === null || typeof options !== 'object') throw new ArgumentError('options', 'buildAvDataset({ containers | folder, output, tokenizer, ... }) needs options');
  checkKnownOptions('buildAvDataset', options, OPTION_NAMES);
  if ((options.containers === undefined) === (options.folder === undefined)) throw new ArgumentError('options', 'give exactly one of containers (paths or { path, subtitles?, label? }) and folder');
  if (typeof options.output !== 'string' || options.output.length === 0) throw new ArgumentError('output', 'must be the path of the .beton file to write');
  if (options.subtitles !== undefined && options.subtitles !== false) throw new ArgumentError('subtitles', `must be false (no subtitles field) or left out, got ${JSON.stringify(options.subtitles)}`);
  const withSubtitles = options.subtitles !== false;
  if (withSubtitles && (typeof options.tokenizer !== 'string' || options.tokenizer.length === 0)) {
    throw new ArgumentError('tokenizer', 'needs the path of a local tokenizer.json for the subtitles field (or subtitles: false to store none)');
  }
  const audioOptions = options.audio === false ? undefined : checkAudioOptions(options.audio ?? {});
  const cwd = options.cwd ?? process.cwd();
  const output = resolve(cwd, options.output);
  const workers = options.workers ?? Math.min(4, availableParallelism());
  if (!Number.isInteger(workers) || workers < 0) throw new ArgumentError('workers', `must be a non-negative integer, got ${String(workers)}`);

  const video = await importOptionalPeer('@tessera/video', 'buildAvDataset (the video field)', () => import('@tessera/video'));
  const audio = audioOptions === undefined ? undefined : await importOptionalPeer('@tessera/audio', 'buildAvDataset (the audio field; audio: false builds without it)', () => import('@tessera/audio'));

  const names = {
    video: options.videoField ?? 'video',
    audio: options.audioField ?? 'audio',
    subtitles: options.subtitlesField ?? 'subtitles',
    label: options.labelField ?? 'label',
  };
  const source = entriesOf(options, cwd, video.VIDEO_EXTENSIONS);
  const { entries } = source;
  const schema: Record<string, FieldSpec> = { [names.video]: video.compressedVideo(options.video) };
  const wanted = [names.video];
  if (audio !== undefined) {
    schema[names.audio] = audio.waveform({ sampleRate: audioOptions!.sampleRate, channels: audioOptions!.channels, dtype: audioOptions!.dtype });
    wanted.push(names.audio);
  }
  if (withSubtitles) {
    schema[names.subtitles] = timedText({ tokenizer: resolve(cwd, options.tokenizer!) });
    wanted.push(names.subtitles);
  }
  if (source.labels !== undefined) {
    schema[names.label] = int64();
    wanted.push(names.label);
  }
  const fields = Object.keys(schema);
  if (fields.length !== wanted.length) throw new ArgumentError('options', `field names must differ, got ${wanted.join(', ')}`);

  const target = audioOptions === undefined ? undefined : { sampleRate: audioOptions.sampleRate, channels: audioOptions.channels, timeoutMs: options.ffmpegTimeoutMs };
  const load = async (entry: Entry): Promise<Loaded> => {
    checkContainer(entry.path, video.VideoInputError);
    const cues = !withSubtitles || entry.subtitles === null ? null : readSubtitles(entry.subtitles);
    if (audio === undefined) return { audio: undefined, audioSeconds: 0, cues };
    let pcm: Awaited<ReturnType<typeof audio.loadAudio>>;
    try {
      pcm = await audio.loadAudio({ path: entry.path, startTime: 'container' }, target!);
    } catch (error) {
      throw noAudioStream(error, entry.path, audio.AudioInputError);
    }
    return { audio: { samples: pcm.channels, sampleRate: pcm.sampleRate, startTime: pcm.startTime }, audioSeconds: pcm.length / pcm.sampleRate, cues };
  };

  const skipped: SkippedContainer[] = [];
  const state = { loaded: 0, samplesWritten: 0, audioSeconds: 0, withSubtitles: 0, cues: 0 };
  const report = () =>
    options.onProgress?.({ phase: 'writing', loaded: state.loaded, skipped: skipped.length, samplesWritten: state.samplesWritten, totalSamples: entries.length, audioSeconds: state.audioSeconds });

  async function* samples(): AsyncGenerator<Record<string, unknown>> {
    for await (const outcome of loadAhead(entries, Math.max(2, workers * 2), load)) {
      state.loaded++;
      const entry = outcome.item;
      if (outcome.error !== undefined) {
        const error = outcome.error;
        if (!options.skipInvalid || !(error instanceof TesseraError) || !INPUT_ERROR_CODES.has(error.code)) throw error;
        skipped.push({ path: entry.path, code: error.code, error: error.message });
        report();
        continue;
      }
      const loaded = outcome.value!;
      const sample: Record<string, unknown> = { [names.video]: entry.path };
      if (loaded.audio !== undefined) sample[names.audio] = loaded.audio;
      if (withSubtitles) sample[names.subtitles] = loaded.cues;
      if (source.labels !== undefined) sample[names.label] = source.labels[outcome.index]!;
      state.audioSeconds += loaded.audioSeconds;
      if (loaded.cues !== null) {
        state.withSubtitles++;
        state.cues += loaded.cues.length;
      }
      report();
      yield sample;
    }
  }

  report();
  const summary = await writeDataset(output, schema, samples(), {
    workers,
    chunkSize: CHUNK_SIZE,
    pageSize: options.pageSize,
    signal: options.signal,
    info: {
      source: source.kind === 'folder' ? 'av-folder' : 'av-containers',
      ...(source.classes === undefined ? {} : { classes: source.classes }),
      ...(audioOptions === undefined ? {} : { sampleRate: audioOptions.sampleRate, channels: audioOptions.channels }),
    },
    onProgress: (progress) => {
      state.samplesWritten = progress.samplesWritten;
      report();
    },
  });
  return {
    output: summary.path,
    source: source.kind,
    input: source.input,
    fields,
    classes: source.classes,
    sampleRate: audioOptions?.sampleRate,
    channels: audioOptions?.channels,
    listed: entries.length,
    numSamples: summary.numSamples,
    skipped,
    ignoredFiles: source.ignoredFiles,
    withSubtitles: state.withSubtitles,
    cues: state.cues,
    audioSeconds: state.audioSeconds,
    fileByteLength: summary.fileByteLength,
    elapsedMs: performance.now() - started,
  };
}

function checkAudioOptions(audio: AvAudioOptions): Required<Pick<AvAudioOptions, 'sampleRate' | 'channels'>> & { dtype: WaveformDType | undefined } {
  if (audio === null || typeof audio !== 'object') throw new ArgumentError('audio', `must be { sampleRate?, channels?, dtype? } or false, got ${JSON.stringify(audio)}`);
  checkKnownOptions('buildAvDataset.audio', audio, ['sampleRate', 'channels', 'dtype']);
  const { sampleRate = 16000, channels = 1, dtype } = audio;
  if (!Number.isInteger(sampleRate) || sampleRate < 1) throw new ArgumentError('audio.sampleRate', `must be a positive integer (Hz), got ${String(sampleRate)}`);
  if (!Number.isInteger(channels) || channels < 1) throw new ArgumentError('audio.channels', `must be a positive integer, got ${String(channels)}`);
  return { sampleRate, channels, dtype };
}

interface Entries {
  kind: 'folder' | 'containers';
  input: string | undefined;
  entries: Entry[];
  labels: number[] | undefined;
  classes: string[] | undefined;
  ignoredFiles: number;
}

function entriesOf(options: BuildAvDatasetOptions, cwd: string, videoExtensions: readonly string[]): Entries {
  if (options.folder !== undefined) {
    if (typeof options.folder !== 'string' || options.folder.length === 0) throw new ArgumentError('folder', `must be a folder path, got ${JSON.stringify(options.folder)}`);
    const listing = listAvFolder(resolve(cwd, options.folder), videoExtensions);
    if (listing.entries.length === 0) throw new ArgumentError('folder', `${listing.folder} holds no video files (${videoExtensions.join(', ')})`);
    return { kind: 'folder', input: listing.folder, entries: listing.entries, labels: undefined, classes: undefined, ignoredFiles: listing.ignoredFiles };
  }
  if (!Array.isArray(options.containers)) throw new ArgumentError('containers', `must be an array of paths or { path, subtitles?, label? }, got ${JSON.stringify(options.containers)}`);
  const containers = (options.containers as ReadonlyArray<string | AvContainer>).map((container, index): AvContainer => {
    const value = typeof container === 'string' ? { path: container } : container;
    if (value === null || typeof value !== 'object' || typeof value.path !== 'string' || value.path.length === 0) {
      throw new ArgumentError('containers', `entry ${index} must be a path or { path, subtitles?, label? }, got ${JSON.stringify(container)}`);
    }
    if (value.subtitles !== undefined && value.subtitles !== null && (typeof value.subtitles !== 'string' || value.subtitles.length === 0)) {
      throw new ArgumentError('containers', `entry ${index}: subtitles must be the path of a .srt or .vtt file, or null, got ${JSON.stringify(value.subtitles)}`);
    }
    return value;
  });
  if (containers.length === 0) throw new ArgumentError('containers', 'is empty: give at least one container');
  const entries = containers.map((container): Entry => {
    const path = resolve(cwd, container.path);
    if (container.subtitles === null) return { path, subtitles: null };
    if (container.subtitles !== undefined) return { path, subtitles: resolve(cwd, container.subtitles) };
    return { path, subtitles: sidecarOf(path) };
  });
  const { labels, classes } = manifestLabels(
    containers.map((container, index) => ({ line: index, label: container.label })),
    'containers',
  );
  return { kind: 'containers', input: undefined, entries, labels, classes, ignoredFiles: 0 };
}

/** A missing container or a folder in its place is E_VIDEO_INPUT naming it, before ffmpeg or the writer sees it. */
function checkContainer(path: string, VideoInputError: typeof import('@tessera/video').VideoInputError): void {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code;
    throw new VideoInputError(errno === 'ENOENT' ? 'no such file: check the path' : `cannot be read (${errno ?? String(error)})`, { input: path, cause: error });
  }
  if (!isFile) throw new VideoInputError('is not a file (a container such as .mp4 or .mkv is expected)', { input: path });
}

/** ffmpeg's "matches no streams" for the audio map: the container has no audio stream, said plainly. */
function noAudioStream(error: unknown, path: string, AudioInputError: typeof import('@tessera/audio').AudioInputError): unknown {
  if (!(error instanceof AudioInputError) || error.stderr === undefined || !/matches no streams/.test(error.stderr)) return error;
  return new AudioInputError('E_AUDIO_INPUT', 'has no audio stream: build with audio: false to store no audio field, or skipInvalid: true to leave such containers out', {
    input: path,
    cause: error,
  });
}
