import { closeSync, fstatSync, openSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Dataset, TesseraError, type TesseraPlugin, type VerifyReport, openDataset, verifyDataset } from '@tessera/core';
import type { CommandContext } from './command.js';
import { loadPlugins, loadRequiredPlugins } from './load-plugins.js';

/**
 * A FILE argument as core should see it: relative to `context.cwd`, kept as typed when that is
 * the process's own directory (so error messages show the path the user wrote).
 */
export function resolveFileArgument(file: string, context: CommandContext): string {
  const resolved = resolve(context.cwd, file);
  return resolved === resolve(file) ? file : resolved;
}

/** Loads the `--plugin` modules and opens FILE with them. */
export async function openDatasetFile(
  file: string,
  pluginTexts: readonly string[],
  context: CommandContext,
  command: string,
): Promise<Dataset> {
  const path = resolveFileArgument(file, context);
  const plugins = await withRequiredPlugins(path, await loadPlugins(pluginTexts, context.cwd, command), context.cwd);
  return openDataset(path, { plugins });
}

/**
 * Loads the `--plugin` modules and verifies FILE with them. A file that cannot be opened at all
 * is an E_IO error (one line), not a report: there is nothing to verify.
 */
export async function verifyDatasetFile(
  file: string,
  pluginTexts: readonly string[],
  context: CommandContext,
  command: string,
): Promise<VerifyReport> {
  const path = resolveFileArgument(file, context);
  checkReadableFile(path);
  const plugins = await withRequiredPlugins(path, await loadPlugins(pluginTexts, context.cwd, command), context.cwd);
  return verifyDataset(path, { plugins });
}

/** `--plugin` plugins first, then the installed packages the file itself names. */
async function withRequiredPlugins(path: string, given: TesseraPlugin[], cwd: string): Promise<TesseraPlugin[]> {
  return [...given, ...(await loadRequiredPlugins(path, given, cwd))];
}

function checkReadableFile(path: string): void {
  let descriptor: number | undefined;
  try {
    descriptor = openSync(path, 'r');
    if (!fstatSync(descriptor).isFile()) throw new TesseraError('E_IO', `${path} is not a regular file`);
  } catch (error) {
    if (error instanceof TesseraError) throw error;
    throw new TesseraError('E_IO', `cannot open ${path} for reading: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}
