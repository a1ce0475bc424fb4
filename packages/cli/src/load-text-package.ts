import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PluginError } from '@tessera/core';

/**
 * What `tessera build text` uses from @tessera/text, declared here so the CLI does not depend on
 * it: the package is optional and loaded only by that command.
 */
export interface TextBuildProgress {
  phase: 'reading' | 'tokenizing' | 'packing';
  documents: number;
  inputBytes: number;
  totalInputBytes: number;
  samplesWritten: number;
  totalSamples: number | undefined;
}

export interface TextBuildSummary {
  output: string;
  field: string;
  fieldName: string;
  inputFiles: number;
  documents: number;
  inputBytes: number;
  tokens: number | undefined;
  numSamples: number;
  fileByteLength: number;
  elapsedMs: number;
}

export interface TextPackage {
  buildTextDataset(options: {
    inputs: readonly string[];
    output: string;
    format?: string;
    jsonKey?: string;
    field?: string;
    fieldName?: string;
    tokenizer?: string;
    windowLength?: number;
    separator?: string | number | null;
    workers?: number;
    cwd?: string;
    onProgress?: (progress: TextBuildProgress) => void;
  }): Promise<TextBuildSummary>;
}

export const TEXT_PACKAGE = '@tessera/text';

/**
 * Imports @tessera/text: from the user's project first (node_modules/@tessera/text above `cwd`),
 * then from this CLI's own installation. When neither has it: E_PLUGIN_MISSING saying what to
 * install; when it is there but fails to load: E_PLUGIN with the reason.
 */
export async function importTextPackage(cwd: string, specifier: string = TEXT_PACKAGE): Promise<TextPackage> {
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
      failure ??= isNotFound(error, specifier) ? undefined : error;
      continue;
    }
    if (typeof namespace.buildTextDataset !== 'function') {
      throw new PluginError('E_PLUGIN', `${specifier} (${candidate}) has no buildTextDataset function; install a matching version: npm install ${specifier}`, { plugin: specifier });
    }
    return namespace as unknown as TextPackage;
  }
  if (failure !== undefined) {
    throw new PluginError('E_PLUGIN', `tessera build text cannot load ${specifier}: ${failure instanceof Error ? failure.message.split('\n')[0] : String(failure)}`, {
      plugin: specifier,
      cause: failure,
    });
  }
  throw new PluginError('E_PLUGIN_MISSING', `tessera build text needs ${specifier}: npm install ${specifier}`, { plugin: specifier });
}

/** The ESM entry of `node_modules/<specifier>` in `cwd` or a folder above it. */
function findInstalledEntry(cwd: string, specifier: string): string | undefined {
  for (let directory = cwd; ; directory = dirname(directory)) {
    const packageDirectory = join(directory, 'node_modules', ...specifier.split('/'));
    const manifestPath = join(packageDirectory, 'package.json');
    if (existsSync(manifestPath)) {
      try {
        const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { exports?: { '.'?: { import?: string } }; main?: string };
        const entry = manifest.exports?.['.']?.import ?? manifest.main;
        if (entry !== undefined) return join(packageDirectory, entry);
      } catch {
        return undefined;
      }
    }
    if (dirname(directory) === directory) return undefined;
  }
}

function isNotFound(error: unknown, specifier: string): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((error as Error).message).includes(specifier);
}
