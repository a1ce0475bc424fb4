import { PluginError } from '@tessera/core';
import { findPackageCandidates } from './resolve-package.js';

/**
 * Imports an optional modality package for one command (`tessera build text` needs @tessera/text):
 * from the user's project first (node_modules/<specifier> in `cwd` or above), then from this CLI's
 * own installation, both found by findPackageCandidates (ESM "import" conditions). Neither:
 * E_PLUGIN_MISSING saying what to install; there but failing to load or lacking `requiredExport`:
 * E_PLUGIN with the reason.
 */
export async function importOptionalPackage<T>(options: {
  specifier: string;
  command: string;
  requiredExport: string;
  cwd: string;
}): Promise<T> {
  const { specifier, command, requiredExport, cwd } = options;
  const { urls, problems } = findPackageCandidates(specifier, cwd);
  let failure: unknown;
  for (const url of urls) {
    let namespace: Record<string, unknown>;
    try {
      // A computed specifier: the bundler must leave this import to run time.
      namespace = (await import(url)) as Record<string, unknown>;
    } catch (error) {
      failure ??= error;
      continue;
    }
    if (typeof namespace[requiredExport] !== 'function') {
      throw new PluginError('E_PLUGIN', `${specifier} (${url}) has no ${requiredExport} function; install a matching version: npm install ${specifier}`, {
        plugin: specifier,
      });
    }
    return namespace as unknown as T;
  }
  if (failure !== undefined || problems.length > 0) {
    const reason = failure === undefined ? problems.join('; ') : failure instanceof Error ? failure.message.split('\n')[0] : String(failure);
    throw new PluginError('E_PLUGIN', `${command} cannot load ${specifier}: ${reason}; reinstall it: npm install ${specifier}`, {
      plugin: specifier,
      cause: failure,
    });
  }
  throw new PluginError('E_PLUGIN_MISSING', `${command} needs ${specifier}: npm install ${specifier}`, { plugin: specifier });
}
