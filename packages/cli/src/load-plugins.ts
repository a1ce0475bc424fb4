import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PluginError, type TesseraPlugin, readPluginRequirements } from '@tessera/core';
import type { RemoteReadOptions } from './remote-location.js';
import type { OptionDefinition } from './command-line.js';
import { findPackageCandidates } from './resolve-package.js';
import { UsageError } from './usage-error.js';

/** `--plugin MODULE[:EXPORT]`, shared by every command that opens files. */
export const PLUGIN_OPTION = {
  type: 'string',
  multiple: true,
  valueName: 'MODULE[:EXPORT]',
  description: 'load a plugin: a package or ./path, and the factory export to call (default: `default`)',
} as const satisfies OptionDefinition;

/** A `--plugin` value split into the module to import and the factory to call. */
export interface PluginSpecifier {
  module: string;
  exportName: string;
}

/** `./boxes.js:boxesPlugin` → module `./boxes.js`, export `boxesPlugin`; without `:NAME` the export is `default`. */
export function parsePluginSpecifier(text: string, command: string): PluginSpecifier {
  const match = /^(.*):([A-Za-z_$][\w$]*)$/.exec(text);
  const specifier = match === null ? { module: text, exportName: 'default' } : { module: match[1]!, exportName: match[2]! };
  if (specifier.module.trim() === '') throw new UsageError(`--plugin ${JSON.stringify(text)} names no module`, command);
  return specifier;
}

/**
 * Imports each plugin module and calls its factory with no options. Paths resolve against `cwd`;
 * package names resolve from `cwd` first (the user's project), then from this CLI's own location.
 * Any failure is an E_PLUGIN error that says what was tried and how to fix it.
 */
export async function loadPlugins(texts: readonly string[], cwd: string, command: string): Promise<TesseraPlugin[]> {
  const plugins: TesseraPlugin[] = [];
  for (const text of texts) {
    const specifier = parsePluginSpecifier(text, command);
    const namespace = await importPluginModule(specifier.module, cwd);
    const factory = namespace[specifier.exportName];
    if (typeof factory !== 'function') {
      const candidates = Object.keys(namespace).filter((name) => typeof namespace[name] === 'function');
      const hint = candidates.length === 0 ? 'it exports no functions' : `its function exports are ${candidates.join(', ')}`;
      throw new PluginError(
        'E_PLUGIN',
        `--plugin ${text}: ${specifier.module} has no factory function named "${specifier.exportName}" (${hint}); pass --plugin ${specifier.module}:NAME`,
      );
    }
    let plugin: unknown;
    try {
      plugin = await (factory as () => unknown)();
    } catch (error) {
      throw new PluginError('E_PLUGIN', `--plugin ${text}: ${specifier.exportName}() threw: ${messageOf(error)}`, { cause: error });
    }
    if (plugin === null || typeof plugin !== 'object' || typeof (plugin as TesseraPlugin).name !== 'string') {
      throw new PluginError('E_PLUGIN', `--plugin ${text}: ${specifier.exportName}() returned ${String(plugin)}, not a Tessera plugin`);
    }
    plugins.push(plugin as TesseraPlugin);
  }
  return plugins;
}

async function importPluginModule(module: string, cwd: string): Promise<Record<string, unknown>> {
  const tried: string[] = [];
  const looksLikePath = module.startsWith('.') || isAbsolute(module) || module.includes('\\');
  const candidates: string[] = [];
  if (looksLikePath) {
    candidates.push(pathToFileURL(resolve(cwd, module)).href);
  } else {
    // The same resolver as the optional modality packages: ESM "import" conditions, the project first.
    const found = findPackageCandidates(module, cwd);
    candidates.push(...found.urls);
    tried.push(...found.problems);
    if (found.urls.length === 0 && found.problems.length === 0) tried.push(`no node_modules/${module} in ${cwd} or a folder above it, nor beside tessera`);
    const file = resolve(cwd, module);
    if (isFile(file)) candidates.push(pathToFileURL(file).href);
  }
  for (const candidate of candidates) {
    try {
      return (await import(candidate)) as Record<string, unknown>;
    } catch (error) {
      tried.push(`import("${candidate}"): ${messageOf(error).split('\n')[0]}`);
    }
  }
  throw new PluginError(
    'E_PLUGIN',
    `cannot load plugin module ${module} (${tried.join('; ')}); install the package in this project or pass a path such as ./my-plugin.js`,
  );
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The plugins a file names (see readPluginRequirements) that `loaded` lacks, imported by package
 * name and built with the factory the file recorded. Best effort: a package that is not installed
 * or does not load is skipped, and opening the file then says what to install.
 */
export async function loadRequiredPlugins(path: string, loaded: readonly TesseraPlugin[], cwd: string, remote?: RemoteReadOptions): Promise<TesseraPlugin[]> {
  const plugins: TesseraPlugin[] = [];
  for (const requirement of readPluginRequirements(path, remote)) {
    if (requirement.factory === undefined || loaded.some((plugin) => plugin.name === requirement.plugin)) continue;
    try {
      const namespace = await importPluginModule(requirement.plugin, cwd);
      const factory = namespace[requirement.factory];
      if (typeof factory !== 'function') continue;
      const plugin = (await (factory as () => unknown)()) as TesseraPlugin;
      if (plugin !== null && typeof plugin === 'object' && plugin.name === requirement.plugin) plugins.push(plugin);
    } catch {
      // not installed here: openDataset names the package to install
    }
  }
  return plugins;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
