import { PluginError, TesseraError } from '../errors.js';
import { TYPE_ID } from '../spec/constants.js';
import type { FieldCodec, TesseraPlugin } from './plugin-contract.js';
import { PLUGIN_SPEC_VERSION } from './plugin-contract.js';

export interface RegisteredCodec {
  codec: FieldCodec;
  plugin: TesseraPlugin;
  typeId: number;
}

/**
 * Codecs by id and FFCV type id. Plugins given later win: `@tessera/image` takes FFCV type id 2
 * over core's storage-only image codec. One registry per dataset/loader; nothing is global.
 */
export interface Registry {
  readonly plugins: readonly TesseraPlugin[];
  byCodecId(codecId: string): RegisteredCodec | undefined;
  byTypeId(typeId: number): RegisteredCodec | undefined;
}

export function createRegistry(plugins: readonly TesseraPlugin[]): Registry {
  const codecs = new Map<string, RegisteredCodec>();
  const typeIds = new Map<number, RegisteredCodec>();
  const unique: TesseraPlugin[] = [];
  for (const plugin of plugins) {
    checkPlugin(plugin);
    const existing = unique.findIndex((candidate) => candidate.name === plugin.name);
    if (existing >= 0) unique.splice(existing, 1);
    unique.push(plugin);
  }
  for (const plugin of unique) {
    for (const codec of plugin.codecs) {
      const typeId = codec.typeId ?? TYPE_ID.PLUGIN;
      const entry: RegisteredCodec = { codec, plugin, typeId };
      codecs.set(codec.id, entry);
      if (typeId !== TYPE_ID.PLUGIN) typeIds.set(typeId, entry);
    }
  }
  return {
    plugins: unique,
    byCodecId: (codecId) => codecs.get(codecId),
    byTypeId: (typeId) => typeIds.get(typeId),
  };
}

function checkPlugin(plugin: TesseraPlugin): void {
  if (plugin === null || typeof plugin !== 'object' || typeof plugin.name !== 'string' || !Array.isArray(plugin.codecs)) {
    throw new TesseraError('E_PLUGIN', `not a Tessera plugin: ${String(plugin)}; pass the result of a plugin factory such as corePlugin()`);
  }
  if (plugin.specVersion !== PLUGIN_SPEC_VERSION) {
    throw new PluginError(
      'E_PLUGIN',
      `plugin ${plugin.name} implements plugin contract version ${String(plugin.specVersion)}, this @tessera/core implements ${PLUGIN_SPEC_VERSION}; install matching versions`,
      { plugin: plugin.name },
    );
  }
  for (const codec of plugin.codecs) {
    const typeId = codec.typeId ?? TYPE_ID.PLUGIN;
    if (!Number.isInteger(typeId) || typeId < 0 || (typeId > TYPE_ID.TORCH_TENSOR && typeId !== TYPE_ID.PLUGIN)) {
      throw new PluginError('E_PLUGIN', `codec ${codec.id} declares type id ${typeId}; use 0–6 (FFCV fields) or leave it unset`, {
        plugin: plugin.name,
      });
    }
    if (typeId !== TYPE_ID.PLUGIN && (codec.encodeFfcvArguments === undefined || codec.decodeFfcvArguments === undefined)) {
      throw new PluginError('E_PLUGIN', `codec ${codec.id} has FFCV type id ${typeId} but no FFCV argument coding`, {
        plugin: plugin.name,
      });
    }
    if (codec.decoders[codec.defaultDecoder] === undefined) {
      throw new PluginError('E_PLUGIN', `codec ${codec.id} names default decoder "${codec.defaultDecoder}" but does not define it`, {
        plugin: plugin.name,
      });
    }
  }
}

/**
 * npm's caret rule: a file written with plugin version W opens with installed version I when I
 * satisfies ^W (same major and I ≥ W; for 0.x, the same minor).
 */
export function isCompatibleVersion(written: string, installed: string): boolean {
  const parse = (version: string) => version.split(/[.+-]/).map((part) => Number.parseInt(part, 10));
  const [writtenMajor = 0, writtenMinor = 0] = parse(written);
  const [installedMajor = 0, installedMinor = 0] = parse(installed);
  if (writtenMajor !== installedMajor) return false;
  return writtenMajor === 0 ? writtenMinor === installedMinor : writtenMinor <= installedMinor;
}
