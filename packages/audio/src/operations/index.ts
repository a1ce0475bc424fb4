export { type MelPreset, type MelSpectrogramOptions, logMel, melSpectrogram } from './mel-spectrogram.js';
export { type ResampleOptions, resample } from './resample.js';
export { mixdown } from './mixdown.js';
export { type GainOptions, gain } from './gain.js';
export { type AddNoiseOptions, addNoise } from './add-noise.js';
export { type SpeedPerturbOptions, speedPerturb } from './speed-perturb.js';
export { type SpecAugmentOptions, specAugment } from './spec-augment.js';
export { type PadOrTrimOptions, padOrTrim } from './pad-or-trim.js';
export { type MixNoiseFieldOptions, mixNoiseField } from './mix-noise-field.js';
