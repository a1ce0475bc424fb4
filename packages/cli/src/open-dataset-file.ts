import { type Stats, closeSync, openSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Dataset, TesseraError, type TesseraPlugin, type VerifyReport, openDataset, verifyDataset } from '@tessera/core';
import { ioError } from '@tessera/core/internals';
import type { CommandContext } from './command.js';
import { loadPlugins, loadRequiredPlugins, parsePluginSpecifier } from './load-plugins.js';
import { type RemoteReadOptions, remoteReadOptions } from './remote-location.js';

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
  const { path, remote, plugins } = await prepareDatasetFile(file, pluginTexts, context, command);
  return openDataset(path, { plugins, ...remote });
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
  const { path, remote, plugins } = await prepareDatasetFile(file, pluginTexts, context, command);
  return verifyDataset(path, { plugins, ...remote });
}

/**
 * FILE as core should get it (a local path resolved and checked readable, or a URL with its byte
 * sources) and its plugins. Command-line mistakes first (exit 2), then the file.
 */
async function prepareDatasetFile(
  file: string,
  pluginTexts: readonly string[],
  context: CommandContext,
  command: string,
): Promise<{ path: string; remote: RemoteReadOptions | undefined; plugins: TesseraPlugin[] }> {
  for (const text of pluginTexts) parsePluginSpecifier(text, command);
  const remote = await remoteReadOptions(file, context.cwd, command);
  const path = remote === undefined ? resolveFileArgument(file, context) : file;
  if (remote === undefined) checkReadableFile(path);
  const plugins = await withRequiredPlugins(path, await loadPlugins(pluginTexts, context.cwd, command), context.cwd, remote);
  return { path, remote, plugins };
}

/** `--plugin` plugins first, then the installed packages the file itself names. */
async function withRequiredPlugins(path: string, given: TesseraPlugin[], cwd: string, remote: RemoteReadOptions | undefined): Promise<TesseraPlugin[]> {
  return [...given, ...(await loadRequiredPlugins(path, given, cwd, remote))];
}

/**
 * FILE must be a readable regular file. Checked with stat() BEFORE open(): opening a FIFO for
 * reading blocks until a writer appears, so `tessera verify some.fifo` would hang.
 */
export function checkReadableFile(path: string): void {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (error) {
    throw ioError(error, 'open', path);
  }
  if (!stats.isFile()) {
    const kind = stats.isDirectory() ? 'a folder' : stats.isFIFO() ? 'a FIFO' : stats.isSocket() ? 'a socket' : 'a device';
    throw new TesseraError('E_IO', `${path} is not a regular file (${kind}): give the path of a .beton file`);
  }
  let descriptor: number | undefined;
  try {
    descriptor = openSync(path, 'r');
  } catch (error) {
    throw ioError(error, 'open', path);
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}
