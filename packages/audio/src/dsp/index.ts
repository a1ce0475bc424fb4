export { type ComplexFft, createComplexFft, fftRadices } from './complex-fft.js';
export { type RealFft, type SampleArray, createRealFft } from './real-fft.js';
export { WINDOW_KINDS, type WindowKind, type WindowOptions, createWindow } from './windows.js';
export { type MelScale, hzToMel, melToHz } from './mel-scale.js';
export { type KaldiMelFilterbankOptions, type MelFilterbank, type MelFilterbankOptions, createKaldiMelFilterbank, createMelFilterbank } from './mel-filterbank.js';
export type { PadMode } from './frame-reader.js';
export {
  type LogMode,
  MEL_SPECTROGRAM_PARAMS,
  type MelSpectrogram,
  type MelSpectrogramParams,
  type MelSpectrogramPreset,
  createMelSpectrogram,
  melSpectrogramPreset,
  resolveMelSpectrogramParams,
} from './mel-spectrogram.js';
export { type Spectrogram, type SpectrogramParams, createSpectrogram } from './spectrogram.js';
export { FLOAT32_EPSILON, KALDI_FBANK_PARAMS, type KaldiFbank, type KaldiFbankParams, createKaldiFbank } from './kaldi-fbank.js';
export { type Resampler, type ResamplerOptions, createResampler } from './resampler.js';
export { type RandomNumbers, nextGaussian, nextUniform } from './random-numbers.js';
export { type NoiseColor, fillNoise, fillPinkNoise, fillWhiteNoise } from './noise.js';
export { addScaled, applyGain, decibelsToAmplitude, meanSquare, mixdownChannels, noiseScaleForSnr } from './signal-level.js';
export { createSpeedPerturbation } from './speed-perturbation.js';
export { LHOTSE_SPEC_AUGMENT, type SpecAugment, type SpecAugmentParams, checkSpecAugmentParams, createSpecAugment } from './spec-augment.js';
