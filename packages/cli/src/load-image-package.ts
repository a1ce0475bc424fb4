import { importOptionalPackage } from './import-optional-package.js';

/**
 * What `tessera build image-folder` uses from @tessera/image, declared here so the CLI does not
 * depend on it: the package is optional and loaded only by that command.
 */
export interface ImageFolderProgress {
  phase: 'validating' | 'writing';
  done: number;
  total: number;
  bytesWritten: number;
  /** Files that are not images, left out (absent from older @tessera/image versions). */
  ignoredFiles?: number;
}

export interface ImageFolderSummary {
  path: string;
  numSamples: number;
  numImages: number;
  classes: string[];
  skipped: Array<{ path: string; label: number; error: string }>;
  fileByteLength: number;
  payloadByteLength: number;
  elapsedMs: number;
  ignoredFiles?: number;
  ignoredExamples?: string[];
  /** Set by the CLI for `--shard I --of N`: the slice of the folder's images this file holds. */
  shard?: { index: number; count: number; firstImage: number; images: number; totalImages: number };
}

export interface ImagePackage {
  buildImageFolderDataset(options: {
    root: string;
    output: string;
    maxResolution?: number;
    quality?: number;
    mode?: string;
    smartThreshold?: number;
    channels?: 1 | 3;
    workers?: number;
    onInvalid?: 'error' | 'skip';
    onProgress?: (progress: ImageFolderProgress) => void;
  }): Promise<ImageFolderSummary>;
  jpegBackendStatus(): { backend: { name: string; description: string }; reason: string };
  /** The classes and images of the folder in the builder's order; used by `--shard` (class-folder-shard.ts). */
  listImageFolder?(root: string): { classes: string[]; entries: Array<{ path: string; label: number }>; ignoredFiles: number; ignoredExamples: string[] };
}

export const IMAGE_PACKAGE = '@tessera/image';

/** Imports {@link IMAGE_PACKAGE} for `tessera build image-folder` (see importOptionalPackage). */
export function importImagePackage(cwd: string, specifier: string = IMAGE_PACKAGE): Promise<ImagePackage> {
  return importOptionalPackage<ImagePackage>({ specifier, command: 'tessera build image-folder', requiredExport: 'buildImageFolderDataset', cwd });
}
