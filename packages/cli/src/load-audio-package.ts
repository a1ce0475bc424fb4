import { importOptionalPackage } from './import-optional-package.js';

/**
 * What `tessera build audio-folder` and `tessera build audio` use from @tessera/audio, declared here
 * so the CLI does not depend on it: the package is optional and loaded only by those commands.
 */
export interface AudioBuildProgress {
  phase: 'writing';
  loaded: number;
  skipped: number;
  samplesWritten: number;
  totalSamples: number;
  audioSeconds: number;
}

export interface AudioBuildSummary {
  output: string;
  source: 'folder' | 'manifest';
  input: string;
  field: string;
  fieldName: string;
  sampleRate: number;
  channels: number;
  classes: string[] | undefined;
  fields: string[];
  listed: number;
  numSamples: number;
  skipped: Array<{ path: string; line?: number; code: string; error: string }>;
  ignoredFiles: number;
  audioSeconds: number;
  fileByteLength: number;
  elapsedMs: number;
  /** Set by the CLI: each phase's duration on the clock of the progress lines. */
  phaseElapsedMs?: Record<string, number>;
  /** Set by the CLI for `--shard I --of N` (folders): the slice of the folder's clips this file holds. */
  shard?: { index: number; count: number; firstClip: number; clips: number; totalClips: number };
}

export interface AudioPackage {
  buildAudioDataset(options: {
    folder?: string;
    manifest?: string;
    output: string;
    field?: string;
    sampleRate?: number;
    channels?: number;
    dtype?: string;
    bitrate?: number;
    workers?: number;
    skipInvalid?: boolean;
    cwd?: string;
    onProgress?: (progress: AudioBuildProgress) => void;
  }): Promise<AudioBuildSummary>;
  /** The classes and audio files of a folder in the builder's order; used by `--shard` (class-folder-shard.ts). */
  listAudioFolder?(root: string): { classes: string[]; entries: Array<{ path: string; label: number }>; ignoredFiles: number };
}

export const AUDIO_PACKAGE = '@tessera/audio';

/** Imports {@link AUDIO_PACKAGE} for `command` (see importOptionalPackage). */
export function importAudioPackage(cwd: string, command: string, specifier: string = AUDIO_PACKAGE): Promise<AudioPackage> {
  return importOptionalPackage<AudioPackage>({ specifier, command, requiredExport: 'buildAudioDataset', cwd });
}
