export { audioPlugin } from './audio-plugin.js';
export { alignments, codecTokens, compressedAudio, flac, mp3, opus, spectrogram, waveform } from './field-specs.js';
export type { CodecTokensOptions, CompressedAudioOptions, SpectrogramOptions, WaveformOptions } from './field-specs.js';
export { AudioFormatError } from './audio-errors.js';
export { audioBackend } from './audio-backend.js';
export type { AudioBackend } from './audio-backend.js';
export type { AudioFormatErrorDetails } from './audio-errors.js';

export type { StoredWaveform, WaveformArguments, WaveformDType } from './fields/waveform-codec.js';
export type { CompressedAudioArguments, CompressedFormat, StoredCompressedAudio } from './fields/compressed-codec.js';
export type { SpectrogramArguments, SpectrogramDType, SpectrogramInput, SpectrogramKind, StoredSpectrogram } from './fields/spectrogram-codec.js';
export type { CodecTokensArguments, CodecTokensInput, StoredCodecTokens } from './fields/codec-tokens-codec.js';
export type { AlignmentSpan, AlignmentsArguments } from './fields/alignments-codec.js';
export type { PcmRow, WaveformInput } from './fields/pcm-value.js';
export type { CropMode } from './fields/clip-window.js';

export {
  addNoise,
  gain,
  logMel,
  melSpectrogram,
  mixdown,
  mixNoiseField,
  padOrTrim,
  resample,
  specAugment,
  speedPerturb,
} from './operations/index.js';
export type {
  AddNoiseOptions,
  GainOptions,
  MelPreset,
  MelSpectrogramOptions,
  MixNoiseFieldOptions,
  PadOrTrimOptions,
  ResampleOptions,
  SpecAugmentOptions,
  SpeedPerturbOptions,
} from './operations/index.js';

export {
  LHOTSE_SPEC_AUGMENT,
  createKaldiFbank,
  createKaldiMelFilterbank,
  createMelFilterbank,
  createMelSpectrogram,
  createRealFft,
  createResampler,
  createSpecAugment,
  createSpectrogram,
  createSpeedPerturbation,
  createWindow,
  hzToMel,
  melSpectrogramPreset,
  melToHz,
  resolveMelSpectrogramParams,
} from './dsp/index.js';
export type { KaldiFbank, KaldiFbankParams, MelScale, SpecAugment, SpecAugmentParams, WindowKind, MelFilterbank, MelSpectrogram, MelSpectrogramParams, MelSpectrogramPreset, RealFft, Resampler, ResamplerOptions, Spectrogram, SpectrogramParams } from './dsp/index.js';

export { AUDIO_FIELD_KINDS, buildAudioDataset, listAudioFolder, readAudioManifest } from './ingest/index.js';
export type {
  AudioFieldKind,
  AudioFolderEntry,
  AudioFolderListing,
  AudioManifest,
  AudioManifestEntry,
  BuildAudioDatasetOptions,
  BuildAudioProgress,
  BuildAudioSummary,
  LogMelPreset,
  SkippedAudio,
} from './ingest/index.js';
export { AUDIO_EXTENSIONS, AudioInputError, MP3_SAMPLE_RATES, OPUS_SAMPLE_RATES, encodeAudio, loadAudio } from './input/index.js';
export type { AudioInput, AudioInputErrorDetails, AudioTarget, EncodeAudioOptions, EncodedAudioFormat, Pcm } from './input/index.js';
export { FfmpegNotFoundError, ffmpegInfo, resolveFfmpeg } from './audio-ffmpeg.js';
export type { FfmpegAttempt, FfmpegInfo, FfmpegSource, ResolvedFfmpeg, ResolveFfmpegOptions } from './audio-ffmpeg.js';
export { DEFAULT_FLAC_BLOCK_SIZE, createFlacDecoder, encodeFlac, encodeFlacFile, parseFlacFile, stripFlacPadding } from './flac/index.js';
export type { EncodeFlacOptions, FlacDecoder, FlacStream, FlacStreamInfo } from './flac/index.js';
