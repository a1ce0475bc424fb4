import { importOptionalPackage } from './import-optional-package.js';

/**
 * What `tessera build video-folder` and `tessera build video` use from @tessera/video, declared here
 * so the CLI does not depend on it: the package is optional and loaded only by those commands.
 */
export interface VideoBuildProgress {
  phase: 'writing';
  loaded: number;
  skipped: number;
  samplesWritten: number;
  totalSamples: number;
  videoSeconds: number;
}

export interface VideoBuildSummary {
  output: string;
  source: 'folder' | 'manifest' | 'entries';
  input: string | undefined;
  field: string;
  fieldName: string;
  classes: string[] | undefined;
  fields: string[];
  listed: number;
  numSamples: number;
  skipped: Array<{ path: string; line?: number; code: string; error: string }>;
  ignoredFiles: number;
  frames: number;
  videoSeconds: number;
  storage: Array<{ field: string; kind: string; byteLength: number; bytesPerSecond: number }>;
  bytesPerSecond: number;
  fileByteLength: number;
  elapsedMs: number;
  /** Set by the CLI: each phase's duration on the clock of the progress lines. */
  phaseElapsedMs?: Record<string, number>;
}

/** Opaque here: what listVideoFolder / readVideoManifest return, passed back to buildVideoDataset. */
export type VideoSourceListing = { readonly entries: readonly unknown[] };

export interface VideoPackage {
  listVideoFolder(folder: string): VideoSourceListing;
  readVideoManifest(file: string): VideoSourceListing;
  buildVideoDataset(
    source: VideoSourceListing,
    output: string,
    options: {
      field?: string;
      fps?: number;
      maxSide?: number;
      codec?: string;
      gop?: number;
      crf?: number;
      quality?: number;
      workers?: number;
      skipInvalid?: boolean;
      cwd?: string;
      onProgress?: (progress: VideoBuildProgress) => void;
    },
  ): Promise<VideoBuildSummary>;
  /** The representations this version stores (field: 'compressed' | 'frames' | 'flow'), absent in versions without ingest. */
  VIDEO_FIELD_KINDS?: readonly string[];
}

export const VIDEO_PACKAGE = '@tessera/video';

/** Imports {@link VIDEO_PACKAGE} for `command` (see importOptionalPackage). */
export function importVideoPackage(cwd: string, command: string, specifier: string = VIDEO_PACKAGE): Promise<VideoPackage> {
  return importOptionalPackage<VideoPackage>({ specifier, command, requiredExport: 'buildVideoDataset', cwd });
}
