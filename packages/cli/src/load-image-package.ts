import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PluginError } from '@tessera/core';

/**
 * What `tessera build image-folder` uses from @tessera/image, declared here so the CLI does not
 * depend on it: the package is optional and loaded only by that command.
 */
export interface ImageFolderProgress {
  phase: 'validating' | 'writing';
  done: number;
  total: number;
  bytesWritten: number;
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
}

export const IMAGE_PACKAGE = '@tessera/image';

/**
 * Imports @tessera/image: from the user's project first (node_modules/@tessera/image above `cwd`),
 * then from this CLI's own installation. Neither: E_PLUGIN_MISSING saying what to install; there
 * but failing to load: E_PLUGIN with the reason.
 */
export async function importImagePackage(cwd: string, specifier: string = IMAGE_PACKAGE): Promise<ImagePackage> {
  const candidates: string[] = [];
  const local = findInstalledEntry(cwd, specifier);
  if (local !== undefined) candidates.push(pathToFileURL(local).href);
  candidates.push(specifier);
  let failure: unknown;
  for (const candidate of candidates) {
    let namespace: Record<string, unknown>;
    try {
      // A computed specifier: the bundler must leave this import to run time.
      namespace = (await import(candidate)) as Record<string, unknown>;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      const notFound = (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((error as Error).message).includes(specifier);
      failure ??= notFound ? undefined : error;
      continue;
    }
    if (typeof namespace.buildImageFolderDataset !== 'function') {
      throw new PluginError('E_PLUGIN', `${specifier} (${candidate}) has no buildImageFolderDataset function; install a matching version: npm install ${specifier}`, { plugin: specifier });
    }
    return namespace as unknown as ImagePackage;
  }
  if (failure !== undefined) {
    throw new PluginError('E_PLUGIN', `tessera build image-folder cannot load ${specifier}: ${failure instanceof Error ? failure.message.split('\n')[0] : String(failure)}`, {
      plugin: specifier,
      cause: failure,
    });
  }
  throw new PluginError('E_PLUGIN_MISSING', `tessera build image-folder needs ${specifier}: npm install ${specifier}`, { plugin: specifier });
}

/** The ESM entry of `node_modules/<specifier>` in `cwd` or a folder above it. */
function findInstalledEntry(cwd: string, specifier: string): string | undefined {
  for (let directory = cwd; ; directory = dirname(directory)) {
    const manifestPath = join(directory, 'node_modules', ...specifier.split('/'), 'package.json');
    if (existsSync(manifestPath)) {
      try {
        const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { exports?: { '.'?: { import?: string } }; main?: string };
        const entry = manifest.exports?.['.']?.import ?? manifest.main;
        if (entry !== undefined) return join(dirname(manifestPath), entry);
      } catch {
        return undefined;
      }
    }
    if (dirname(directory) === directory) return undefined;
  }
}
