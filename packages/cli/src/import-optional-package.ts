import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PluginError } from '@tessera/core';

/**
 * Imports an optional modality package for one command (`tessera build text` needs @tessera/text):
 * from the user's project first (node_modules/<specifier> in `cwd` or above), then from this CLI's
 * own installation. Neither: E_PLUGIN_MISSING saying what to install; there but failing to load or
 * lacking `requiredExport`: E_PLUGIN with the reason.
 */
export async function importOptionalPackage<T>(options: {
  specifier: string;
  command: string;
  requiredExport: string;
  cwd: string;
}): Promise<T> {
  const { specifier, command, requiredExport, cwd } = options;
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
    if (typeof namespace[requiredExport] !== 'function') {
      throw new PluginError('E_PLUGIN', `${specifier} (${candidate}) has no ${requiredExport} function; install a matching version: npm install ${specifier}`, {
        plugin: specifier,
      });
    }
    return namespace as unknown as T;
  }
  if (failure !== undefined) {
    throw new PluginError('E_PLUGIN', `${command} cannot load ${specifier}: ${failure instanceof Error ? failure.message.split('\n')[0] : String(failure)}`, {
      plugin: specifier,
      cause: failure,
    });
  }
  throw new PluginError('E_PLUGIN_MISSING', `${command} needs ${specifier}: npm install ${specifier}`, { plugin: specifier });
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

function isNotFound(error: unknown, specifier: string): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((error as Error).message).includes(specifier);
}
