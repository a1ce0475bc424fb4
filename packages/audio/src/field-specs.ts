import type { FieldSpec } from '@tessera/core';
import { audioPlugin } from './audio-plugin.js';
import { ALIGNMENTS_CODEC_ID, type AlignmentsArguments } from './fields/alignments-codec.js';
import { CODEC_TOKENS_CODEC_ID, type CodecTokensArguments } from './fields/codec-tokens-codec.js';
import { COMPRESSED_CODEC_ID, type CompressedAudioArguments, type CompressedFormat } from './fields/compressed-codec.js';
import { SPECTROGRAM_CODEC_ID, type SpectrogramArguments, type SpectrogramDType, spectrogramArguments } from './fields/spectrogram-codec.js';
import { WAVEFORM_CODEC_ID, type WaveformArguments, type WaveformDType } from './fields/waveform-codec.js';
import type { KaldiFbankParams, MelSpectrogramParams, SpectrogramParams } from './dsp/index.js';

export interface WaveformOptions {
  /** Hz; every value is resampled to it when written. */
  sampleRate: number;
  /** Default 1; values are remixed to it (mean for mono, duplication from mono). */
  channels?: number;
  /** Stored sample type. Default 'float32'; 'int16' halves the file (values are rounded to 16 bits). */
  dtype?: WaveformDType;
  /** Default true. false: PCM values at another rate are an error (E_AUDIO_SAMPLE_RATE), not resampled. */
  resample?: boolean;
}

/** PCM at a fixed rate and channel count, any length: `{ audio: waveform({ sampleRate: 16000 }) }`. */
export function waveform(options: WaveformOptions): FieldSpec<WaveformArguments> {
  return {
    plugin: audioPlugin(),
    codecId: WAVEFORM_CODEC_ID,
    arguments: { sampleRate: options?.sampleRate, channels: options?.channels ?? 1, dtype: options?.dtype ?? 'float32', resample: options?.resample ?? true } as WaveformArguments,
  };
}

export interface CompressedAudioOptions {
  /** Default 'flac' (lossless). */
  format?: CompressedFormat;
  /** Hz. Opus: 8000, 12000, 16000, 24000 or 48000; MP3: an MPEG rate (8000 … 48000). */
  sampleRate: number;
  /** Default 1. FLAC up to 8, Opus and MP3 up to 2. */
  channels?: number;
  /** FLAC: 16 (default) or 24. */
  bitsPerSample?: 16 | 24;
  /** Opus (default 32 kb/s) and MP3 (default 64 kb/s), in bits/s. */
  bitrate?: number;
  /** FLAC: samples per frame, the granularity of crop decoding. Default 4096. */
  frameSize?: number;
  /**
   * Store each clip's start on the sample's time axis (a value's `startTime`; 8 more metadata bytes
   * per sample). Default true; false gives the layout of files written before starts existed.
   */
  timeAxis?: boolean;
}

/** Audio encoded at write time (ffmpeg) and decoded in-process when read; crops decode only their frames. */
export function compressedAudio(options: CompressedAudioOptions): FieldSpec<CompressedAudioArguments> {
  const { format = 'flac', ...rest } = options ?? ({} as CompressedAudioOptions);
  const defined = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
  return { plugin: audioPlugin(), codecId: COMPRESSED_CODEC_ID, arguments: { format, channels: 1, timeAxis: true, ...defined } as CompressedAudioArguments };
}

/** FLAC (lossless): decodes bit-exactly to the PCM that was written (at 16 or 24 bits). */
export const flac = (options: Omit<CompressedAudioOptions, 'format' | 'bitrate'>): FieldSpec<CompressedAudioArguments> => compressedAudio({ ...options, format: 'flac' });
/** Opus in 20 ms packets (lossy). */
export const opus = (options: Omit<CompressedAudioOptions, 'format' | 'bitsPerSample' | 'frameSize'>): FieldSpec<CompressedAudioArguments> => compressedAudio({ ...options, format: 'opus' });
/** MP3 (lossy), with its encoder delay and padding removed exactly. */
export const mp3 = (options: Omit<CompressedAudioOptions, 'format' | 'bitsPerSample' | 'frameSize'>): FieldSpec<CompressedAudioArguments> => compressedAudio({ ...options, format: 'mp3' });

export type SpectrogramOptions =
  | ({ kind?: 'mel'; preset?: 'torchaudio' | 'whisper'; dtype?: SpectrogramDType } & MelSpectrogramParams)
  | ({ kind: 'fbank'; preset?: 'kaldi-fbank'; dtype?: SpectrogramDType } & KaldiFbankParams)
  | ({ kind: 'linear'; preset?: undefined; dtype?: SpectrogramDType } & SpectrogramParams);

/**
 * Precomputed features, [bins, frames] per sample: log-mel (`preset: 'whisper'` or `'torchaudio'`,
 * every parameter overridable), Kaldi fbank (`kind: 'fbank'`) or a linear spectrogram. Values are
 * audio (features computed by the writer) or precomputed features.
 */
export function spectrogram(options: SpectrogramOptions = {}): FieldSpec<SpectrogramArguments> {
  const { kind = 'mel', preset, dtype = 'float32', ...parameters } = options as { kind?: 'mel' | 'fbank' | 'linear'; preset?: string; dtype?: SpectrogramDType } & Record<string, unknown>;
  const presetName = preset ?? (kind === 'fbank' ? 'kaldi-fbank' : null);
  if (kind === 'mel' && presetName !== null && presetName !== 'torchaudio' && presetName !== 'whisper') {
    throw new RangeError(`spectrogram(): preset must be 'torchaudio' or 'whisper' for mel features (or kind: 'fbank' for Kaldi fbank), got ${JSON.stringify(preset)}`);
  }
  const defined = Object.fromEntries(Object.entries(parameters).filter(([, value]) => value !== undefined));
  const resolved = spectrogramArguments(kind, kind === 'mel' ? presetName : null, defined, dtype);
  return { plugin: audioPlugin(), codecId: SPECTROGRAM_CODEC_ID, arguments: { ...resolved, preset: presetName } };
}

export interface CodecTokensOptions {
  codec: string;
  frameRate: number;
  codebooks: number;
  codebookSize: number;
  dtype?: 'int16' | 'int32';
}

/** Neural-codec tokens (EnCodec, DAC, Mimi…), [codebooks, frames] per sample. */
export function codecTokens(options: CodecTokensOptions): FieldSpec<CodecTokensArguments> {
  const { dtype, ...rest } = options ?? ({} as CodecTokensOptions);
  return { plugin: audioPlugin(), codecId: CODEC_TOKENS_CODEC_ID, arguments: (dtype === undefined ? rest : { ...rest, dtype }) as CodecTokensArguments };
}

/** Labelled time spans (words, phones, events, speaker turns) in samples at `sampleRate`. */
export function alignments(options: { sampleRate: number }): FieldSpec<AlignmentsArguments> {
  return { plugin: audioPlugin(), codecId: ALIGNMENTS_CODEC_ID, arguments: { sampleRate: options?.sampleRate } };
}
