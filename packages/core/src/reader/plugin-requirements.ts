import { type FileSource, openFileSource } from '../io/file-source.js';
import { type ByteSourceProvider, isRemoteLocation } from '../io/byte-source.js';
import { type RemoteOptions, openLocationSource } from './remote-options.js';
import { FIELD_DESCRIPTOR_BYTE_LENGTH, HEADER_BYTE_LENGTH, TYPE_ID } from '../spec/constants.js';
import { EXTENSION_FOOTER_BYTE_LENGTH, decodeExtensionFooter, decodeExtensionJson } from '../spec/extension-block.js';
import { decodeFieldDescriptor } from '../spec/field-descriptor.js';
import { decodeHeader } from '../spec/header.js';
import { decodePluginArguments } from '../spec/plugin-arguments.js';

/** A plugin package a file's fields were written with. */
export interface PluginRequirement {
  /** npm package name */
  plugin: string;
  version: string;
  /** the package's plugin factory export, when the file recorded it */
  factory?: string;
  fields: string[];
}

/**
 * The plugins a file needs beyond @tessera/core, read from its descriptors and extension block
 * without opening it as a dataset: what tools load before calling `openDataset`. Best effort: a
 * file too damaged to tell yields what could be read (opening it then reports the damage).
 */
export function readPluginRequirements(path: string, options: { byteSources?: readonly ByteSourceProvider[]; remote?: RemoteOptions } = {}): PluginRequirement[] {
  const byPlugin = new Map<string, PluginRequirement>();
  const add = (plugin: string, version: string, factory: string | undefined, field: string) => {
    if (plugin === '@tessera/core') return;
    const entry = byPlugin.get(plugin) ?? { plugin, version, fields: [] };
    if (factory !== undefined) entry.factory ??= factory;
    if (!entry.fields.includes(field)) entry.fields.push(field);
    byPlugin.set(plugin, entry);
  };
  let source: FileSource | undefined;
  try {
    source = isRemoteLocation(path) ? openLocationSource(path, options) : openFileSource(path, { mmap: 'off' });
    const header = decodeHeader(source.view(0, Math.min(HEADER_BYTE_LENGTH, source.byteLength)), source.byteLength, path);
    const descriptorBytes = source.view(HEADER_BYTE_LENGTH, header.numFields * FIELD_DESCRIPTOR_BYTE_LENGTH);
    const seen = new Set<string>();
    for (let index = 0; index < header.numFields; index++) {
      const descriptor = decodeFieldDescriptor(descriptorBytes, index, path);
      if (descriptor.typeId !== TYPE_ID.PLUGIN) continue;
      const identity = decodePluginArguments(descriptor.argumentBytes, descriptor.name, path);
      add(identity.plugin, identity.version, identity.factory, descriptor.name);
      // A field made of other fields (an optional field's inner field, a document's item kinds)
      // records their identities in its arguments: it needs their plugins too.
      for (const part of partIdentities(identity.arguments, 0)) add(part.plugin, part.version, part.factory, descriptor.name);
      seen.add(descriptor.name);
    }
    // FFCV type ids taken over by a plugin (e.g. @tessera/image for type 2) are named in the extension block.
    const footerOffset = header.allocationTableOffset - EXTENSION_FOOTER_BYTE_LENGTH;
    if (footerOffset >= HEADER_BYTE_LENGTH && header.allocationTableOffset <= source.byteLength) {
      const footer = decodeExtensionFooter(source.view(footerOffset, EXTENSION_FOOTER_BYTE_LENGTH), footerOffset, path);
      if (footer !== undefined) {
        const block = decodeExtensionJson(source.view(footer.jsonOffset, footer.jsonByteLength), footer, path);
        for (const field of block.schema) {
          if (!seen.has(field.name)) add(field.plugin, field.pluginVersion, field.factory, field.name);
        }
      }
    }
  } catch {
    // Best effort: openDataset reports what is wrong with the file.
  } finally {
    source?.close();
  }
  return [...byPlugin.values()];
}

interface PartIdentity {
  plugin: string;
  version: string;
  factory?: string;
}

/** The field identities ({ codec, plugin, version, factory? } objects) nested in a field's arguments. */
function partIdentities(value: unknown, depth: number): PartIdentity[] {
  if (value === null || typeof value !== 'object' || depth > 8) return [];
  if (Array.isArray(value)) return value.flatMap((entry) => partIdentities(entry, depth + 1));
  const record = value as Record<string, unknown>;
  const found: PartIdentity[] = [];
  if (typeof record.codec === 'string' && typeof record.plugin === 'string' && typeof record.version === 'string') {
    found.push({ plugin: record.plugin, version: record.version, ...(typeof record.factory === 'string' ? { factory: record.factory } : {}) });
  }
  for (const entry of Object.values(record)) found.push(...partIdentities(entry, depth + 1));
  return found;
}
