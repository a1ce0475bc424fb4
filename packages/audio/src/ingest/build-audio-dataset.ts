import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { ArgumentError, type FieldSpec, int64, json, writeDataset } from '@tessera/core';
import { loadAhead, manifestLabels } from '@tessera/core/internals';
import { compressedAudio, spectrogram, waveform } from '../field-specs.js';
import { AudioInputError } from '../input/audio-input-error.js';
import type { Pcm } from '../input/audio-input.js';
import { MP3_SAMPLE_RATES, OPUS_SAMPLE_RATES } from '../input/encode-audio.js';
import { loadAudio } from '../input/load-audio.js';
import { listAudioFolder } from './audio-folder.js';
import { readAudioManifest } from './audio-manifest.js';

export type AudioFieldKind = 'waveform' | 'flac' | 'opus' | 'mp3' | 'logmel';
export const AUDIO_FIELD_KINDS: readonly AudioFieldKind[] = ['waveform', 'flac', 'opus', 'mp3', 'logmel'];
export type LogMelPreset = 'whisper' | 'torchaudio' | 'kaldi-fbank';

export interface BuildAudioDatasetOptions {
  /** An audio folder: ROOT/<class>/<audio files> (see listAudioFolder). Give this or `manifest`. */
  folder?: string;
  /** A .jsonl or .csv manifest (see readAudioManifest). */
  manifest?: string;
  /** The .beton file to write (atomically). */
  output: string;
  /** The audio field's kind. Default 'waveform'. */
  field?: AudioFieldKind;
  /** Hz; every clip is resampled to it. Default 16000. */
  sampleRate?: number;
  /** Every clip is remixed to it. Default 1. */
  channels?: number;
  /** 'waveform': stored sample type. Default 'float32'. */
  dtype?: 'int16' | 'int32' | 'float32';
  /** 'opus', 'mp3': bits per second (defaults 32 000, 64 000). */
  bitrate?: number;
  /** 'logmel': the feature preset. Default 'whisper' (80 Slaney mels, 16 kHz). */
  logMelPreset?: LogMelPreset;
  /** Field names. Defaults 'audio', 'label', 'text', 'speaker'. */
  audioField?: string;
  labelField?: string;
  textField?: string;
  speakerField?: string;
  /** Writer threads that encode (FLAC/Opus/MP3 through ffmpeg, log-mel features). Default: cores, at most 4. */
  workers?: number;
  /** Leave out unreadable files (listed in the summary with their error) instead of failing. Default false. */
  skipInvalid?: boolean;
  ffmpegPath?: string;
  /** Each ffmpeg run (decoding one clip) is killed after this long. Default 60 000. */
  ffmpegTimeoutMs?: number;
  /** Page size of the output (see WriteOptions). Default 'auto'. */
  pageSize?: number | 'auto';
  /** Relative paths resolve against it. Default process.cwd(). */
  cwd?: string;
  onProgress?: (progress: BuildAudioProgress) => void;
  signal?: AbortSignal;
}

export interface BuildAudioProgress {
  phase: 'writing';
  /** Clips loaded (decoded, resampled) so far, skipped ones included. */
  loaded: number;
  skipped: number;
  samplesWritten: number;
  /** The clips listed; the final count is this minus the skipped ones. */
  totalSamples: number;
  /** Seconds of audio loaded so far (at the field's rate). */
  audioSeconds: number;
}

export interface SkippedAudio {
  path: string;
  /** The manifest line, for manifests. */
  line?: number;
  code: string;
  error: string;
}

export interface BuildAudioSummary {
  output: string;
  source: 'folder' | 'manifest';
  /** The folder or manifest, absolute. */
  input: string;
  field: AudioFieldKind;
  fieldName: string;
  sampleRate: number;
  channels: number;
  /** Class names; a label is an index here. Undefined when labels are integers given by a manifest or absent. */
  classes: string[] | undefined;
  /** The fields written, in order. */
  fields: string[];
  /** Clips listed (folder files or manifest rows). */
  listed: number;
  numSamples: number;
  skipped: SkippedAudio[];
  /** Folders: files that are not audio, left out. */
  ignoredFiles: number;
  audioSeconds: number;
  fileByteLength: number;
  elapsedMs: number;
}

/** One clip to write, from either source. */
interface Clip {
  path: string;
  line?: number;
  start?: number;
  end?: number;
  label?: number;
  text?: string;
  speaker?: string;
}

/** Samples per writer chunk: audio samples are large, so fewer are held in flight than the writer's default 64. */
const CHUNK_SIZE = 16;

/**
 * Builds an audio dataset from a folder (one subfolder per class: fields audio + label) or a
 * manifest (audio, and label / text / speaker when its rows have them). Clips are loaded ahead on
 * this thread (WAV in JS, other formats by parallel ffmpeg processes) at the field's rate and
 * channels, so an unreadable file is known before it reaches the writer: an AudioInputError naming
 * the file (and manifest line), or with `skipInvalid` a line in the summary. A missing ffmpeg is never
 * skipped. The writer's worker threads then encode (FLAC/Opus/MP3 through ffmpeg, log-mel features).
 */
export async function buildAudioDataset(options: BuildAudioDatasetOptions): Promise<BuildAudioSummary> {
  const started = performance.now();
  if (options === null || typeof options !== 'object') throw new ArgumentError('options', 'buildAudioDataset({ folder | manifest, output, ... }) needs options');
  if ((options.folder === undefined) === (options.manifest === undefined)) throw new ArgumentError('options', 'give exactly one of folder (ROOT/<class>/<audio files>) and manifest (a .jsonl or .csv file)');
  if (typeof options.output !== 'string' || options.output.length === 0) throw new ArgumentError('output', 'must be the path of the .beton file to write');
  const kind = options.field ?? 'waveform';
  if (!AUDIO_FIELD_KINDS.includes(kind)) throw new ArgumentError('field', `must be one of ${AUDIO_FIELD_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  const sampleRate = options.sampleRate ?? 16000;
  const channels = options.channels ?? 1;
  if (!Number.isInteger(sampleRate) || sampleRate < 1) throw new ArgumentError('sampleRate', `must be a positive integer (Hz), got ${String(sampleRate)}`);
  if (!Number.isInteger(channels) || channels < 1) throw new ArgumentError('channels', `must be a positive integer, got ${String(channels)}`);
  checkRate(kind, sampleRate);
  const cwd = options.cwd ?? process.cwd();
  const output = resolve(cwd, options.output);
  const workers = options.workers ?? Math.min(4, availableParallelism());
  if (!Number.isInteger(workers) || workers < 0) throw new ArgumentError('workers', `must be a non-negative integer, got ${String(workers)}`);

  const names = {
    audio: options.audioField ?? 'audio',
    label: options.labelField ?? 'label',
    text: options.textField ?? 'text',
    speaker: options.speakerField ?? 'speaker',
  };
  const source = options.folder !== undefined ? fromFolder(resolve(cwd, options.folder)) : fromManifest(resolve(cwd, options.manifest!));
  const { clips } = source;
  const schema: Record<string, FieldSpec> = { [names.audio]: audioSpec(kind, sampleRate, channels, options) };
  if (source.hasLabel) schema[names.label] = int64();
  if (source.hasText) schema[names.text] = json();
  if (source.hasSpeaker) schema[names.speaker] = json();
  const fields = Object.keys(schema);
  if (new Set(fields).size !== fields.length) throw new ArgumentError('options', `field names must differ, got ${fields.join(', ')}`);

  const target = { sampleRate, channels, ffmpegPath: options.ffmpegPath, timeoutMs: options.ffmpegTimeoutMs };
  const skipped: SkippedAudio[] = [];
  const state = { loaded: 0, samplesWritten: 0, audioSeconds: 0 };
  const report = () =>
    options.onProgress?.({ phase: 'writing', loaded: state.loaded, skipped: skipped.length, samplesWritten: state.samplesWritten, totalSamples: clips.length, audioSeconds: state.audioSeconds });

  async function* samples(): AsyncGenerator<Record<string, unknown>> {
    const load = (clip: Clip): Promise<Pcm> => loadAudio(clip.start === undefined && clip.end === undefined ? clip.path : { path: clip.path, start: clip.start, end: clip.end }, target);
    for await (const outcome of loadAhead(clips, Math.max(2, workers * 2), load)) {
      state.loaded++;
      const clip = outcome.item;
      if (outcome.error !== undefined) {
        const error = outcome.error;
        if (!options.skipInvalid || !(error instanceof AudioInputError)) throw withLine(error, clip);
        skipped.push({ path: clip.path, ...(clip.line === undefined ? {} : { line: clip.line }), code: error.code, error: error.message });
        report();
        continue;
      }
      const pcm = outcome.value!;
      state.audioSeconds += pcm.length / sampleRate;
      const sample: Record<string, unknown> = { [names.audio]: { samples: pcm.channels, sampleRate: pcm.sampleRate } };
      if (source.hasLabel) sample[names.label] = clip.label!;
      if (source.hasText) sample[names.text] = clip.text ?? null;
      if (source.hasSpeaker) sample[names.speaker] = clip.speaker ?? null;
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
    info: { source: source.kind === 'folder' ? 'audio-folder' : 'audio-manifest', ...(source.classes === undefined ? {} : { classes: source.classes }), sampleRate, channels },
    onProgress: (progress) => {
      state.samplesWritten = progress.samplesWritten;
      report();
    },
  });
  return {
    output,
    source: source.kind,
    input: source.input,
    field: kind,
    fieldName: names.audio,
    sampleRate,
    channels,
    classes: source.classes,
    fields,
    listed: clips.length,
    numSamples: summary.numSamples,
    skipped,
    ignoredFiles: source.ignoredFiles,
    audioSeconds: state.audioSeconds,
    fileByteLength: summary.fileByteLength,
    elapsedMs: performance.now() - started,
  };
}

interface ClipSource {
  kind: 'folder' | 'manifest';
  input: string;
  clips: Clip[];
  classes: string[] | undefined;
  hasLabel: boolean;
  hasText: boolean;
  hasSpeaker: boolean;
  ignoredFiles: number;
}

function fromFolder(folder: string): ClipSource {
  const listing = listAudioFolder(folder);
  const clips = listing.entries.map((entry) => ({ path: entry.path, label: entry.label }));
  return { kind: 'folder', input: folder, clips, classes: listing.classes, hasLabel: true, hasText: false, hasSpeaker: false, ignoredFiles: listing.ignoredFiles };
}

function fromManifest(file: string): ClipSource {
  const manifest = readAudioManifest(file);
  const { entries } = manifest;
  const { labels, classes } = manifestLabels(entries, manifest.path);
  const clips = entries.map((entry, index): Clip => {
    const clip: Clip = { path: entry.path, line: entry.line, start: entry.start, end: entry.end, text: entry.text, speaker: entry.speaker };
    if (labels !== undefined) clip.label = labels[index]!;
    return clip;
  });
  return {
    kind: 'manifest',
    input: manifest.path,
    clips,
    classes,
    hasLabel: labels !== undefined,
    hasText: entries.some((entry) => entry.text !== undefined),
    hasSpeaker: entries.some((entry) => entry.speaker !== undefined),
    ignoredFiles: 0,
  };
}

function audioSpec(kind: AudioFieldKind, sampleRate: number, channels: number, options: BuildAudioDatasetOptions): FieldSpec {
  switch (kind) {
    case 'waveform':
      return waveform({ sampleRate, channels, dtype: options.dtype });
    case 'flac':
      return compressedAudio({ format: 'flac', sampleRate, channels });
    case 'opus':
    case 'mp3':
      return compressedAudio({ format: kind, sampleRate, channels, bitrate: options.bitrate });
    case 'logmel': {
      const preset = options.logMelPreset ?? 'whisper';
      if (preset === 'kaldi-fbank') return spectrogram({ kind: 'fbank', sampleRate });
      if (preset !== 'whisper' && preset !== 'torchaudio') throw new ArgumentError('logMelPreset', `must be whisper, torchaudio or kaldi-fbank, got ${JSON.stringify(preset)}`);
      return spectrogram({ preset, sampleRate });
    }
  }
}

/** Opus and MP3 rates are checked before any file is read. */
function checkRate(kind: AudioFieldKind, sampleRate: number): void {
  const rates = kind === 'opus' ? OPUS_SAMPLE_RATES : kind === 'mp3' ? MP3_SAMPLE_RATES : undefined;
  if (rates !== undefined && !rates.includes(sampleRate)) {
    throw new ArgumentError('sampleRate', `${kind} stores ${rates.join(', ')} Hz only, got ${sampleRate}; choose one of them (16000 for speech)`, 'E_AUDIO_SAMPLE_RATE');
  }
}

/** Adds the manifest line to an input error that lacks it. */
function withLine(error: unknown, clip: Clip): unknown {
  if (clip.line === undefined || !(error instanceof AudioInputError) || error.line !== undefined) return error;
  const prefix = error.input === undefined ? '' : `${error.input}: `;
  const message = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
  const stderrAt = message.indexOf('\nffmpeg said:\n');
  return new AudioInputError(error.code as 'E_AUDIO_INPUT' | 'E_AUDIO_SAMPLE_RATE', stderrAt < 0 ? message : message.slice(0, stderrAt), {
    input: error.input ?? clip.path,
    line: clip.line,
    stderr: error.stderr,
    cause: error,
  });
}

