export { AUDIO_FIELD_KINDS, buildAudioDataset } from './build-audio-dataset.js';
export type { AudioFieldKind, BuildAudioDatasetOptions, BuildAudioProgress, BuildAudioSummary, LogMelPreset, SkippedAudio } from './build-audio-dataset.js';
export { listAudioFolder } from './audio-folder.js';
export type { AudioFolderEntry, AudioFolderListing } from './audio-folder.js';
export { readAudioManifest } from './audio-manifest.js';
export type { AudioManifest, AudioManifestEntry } from './audio-manifest.js';
