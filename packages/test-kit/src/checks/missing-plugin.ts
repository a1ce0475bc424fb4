import { TesseraError } from '@tessera/core';
import { type ConformanceContext, FIELD, messageOf } from '../conformance-context.js';
import { fail } from '../conformance-error.js';

/**
 * Plugin codecs (type id 255): opening the file without the plugin fails with E_PLUGIN_MISSING
 * naming the package and version to install; with an incompatible version of the plugin, E_PLUGIN
 * naming the version the file was written with; with a later compatible version, it opens.
 * A field made of other plugins' fields (`field.uses`): opening without one of those is E_PLUGIN_MISSING naming it.
 * An optional field (core/optional, always installed with core) names its inner field's plugin, the plugin under test.
 * FFCV type ids: the file opens without the plugin (through core's codec for that type id).
 */
export async function checkMissingPlugin(context: ConformanceContext): Promise<void> {
  const path = await context.reference();
  const plugin = context.plugin();
  const typeId = context.typeId();
  if (typeId !== 255) {
    try {
      context.open(path, []).close();
    } catch (error) {
      fail(`a file with FFCV type id ${typeId} must open without plugin ${plugin.name} (through core's codec), but: ${messageOf(error)}`, error);
    }
    return;
  }

  const missing = expectOpenError(() => context.open(path, []), 'opening without the plugin');
  const role = context.isOptional() ? ", the optional field's inner plugin" : '';
  const where = `opening without the plugin${role}: ${missing.code} "${missing.message}"`;
  if (missing.code !== 'E_PLUGIN_MISSING') fail(`${where}: expected code E_PLUGIN_MISSING`);
  if (!missing.message.includes(plugin.name)) fail(`${where}: the message does not name the package ${plugin.name}`);
  if (!missing.message.includes(plugin.version)) fail(`${where}: the message does not name the version ${plugin.version}`);
  if (!missing.message.includes(FIELD)) fail(`${where}: the message does not name the field "${FIELD}"`);
  if ((missing as { plugin?: unknown }).plugin !== plugin.name) fail(`${where}: error.plugin should be ${plugin.name}`);

  // A field made of other plugins' fields (`field.uses`): each of them missing is E_PLUGIN_MISSING naming it.
  for (const used of context.plugins().slice(1)) {
    const without = context.plugins().filter((candidate) => candidate !== used);
    const error = expectOpenError(() => context.open(path, without), `opening without ${used.name} (in the field's uses)`);
    if (error.code !== 'E_PLUGIN_MISSING' || !error.message.includes(used.name)) {
      fail(`opening without ${used.name}, which the field uses: expected E_PLUGIN_MISSING naming ${used.name}, got ${error.code} "${error.message}"`);
    }
  }

  const [major = 0, minor = 0, patch = 0] = plugin.version.split(/[.+-]/).map((part) => Number.parseInt(part, 10));
  const incompatible = `${major + 1}.0.0`;
  const mismatch = expectOpenError(() => context.open(path, [{ ...plugin, version: incompatible }, ...context.plugins().slice(1)]), `opening with ${plugin.name}@${incompatible}`);
  if (mismatch.code !== 'E_PLUGIN' || !mismatch.message.includes(plugin.version)) {
    fail(`opening with ${plugin.name}@${incompatible}: expected E_PLUGIN naming the written version ${plugin.version}, got ${mismatch.code} "${mismatch.message}"`);
  }
  const compatible = `${major}.${minor}.${patch + 1}`;
  try {
    context.open(path, [{ ...plugin, version: compatible }, ...context.plugins().slice(1)]).close();
  } catch (error) {
    fail(`a file written with ${plugin.name}@${plugin.version} must open with the compatible ${compatible}: ${messageOf(error)}`, error);
  }
}

function expectOpenError(open: () => { close(): void }, label: string): TesseraError {
  try {
    open().close();
  } catch (error) {
    if (error instanceof TesseraError) return error;
    fail(`${label}: threw ${messageOf(error)}, not a TesseraError`, error);
  }
  fail(`${label}: the file opened`);
}
