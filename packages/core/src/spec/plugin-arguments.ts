import { FormatError, PluginError } from '../errors.js';
import type { JsonValue } from '../util/json-value.js';
import { FIELD_ARGUMENTS_BYTE_LENGTH } from './constants.js';

/**
 * Argument bytes of a plugin field (type id 255):
 *   0  4 bytes  magic "TSPF"
 *   4  u32      byte length L of the UTF-8 JSON that follows
 *   8  L bytes  {"codec": id, "plugin": package, "version": semver, "factory"?: export name, "arguments": {...}}
 *   rest zero
 */
export const PLUGIN_ARGUMENTS_MAGIC = 'TSPF';
const JSON_START = 8;
export const MAX_PLUGIN_ARGUMENTS_JSON_BYTE_LENGTH = FIELD_ARGUMENTS_BYTE_LENGTH - JSON_START;

export interface PluginFieldIdentity {
  codec: string;
  plugin: string;
  version: string;
  /** the package's plugin factory export (its origin.exportName), so tools can load it by name */
  factory?: string;
  arguments: JsonValue;
}

export function encodePluginArguments(identity: PluginFieldIdentity, fieldName: string): Uint8Array {
  const json = new TextEncoder().encode(
    JSON.stringify({
      codec: identity.codec,
      plugin: identity.plugin,
      version: identity.version,
      ...(identity.factory === undefined ? {} : { factory: identity.factory }),
      arguments: identity.arguments,
    }),
  );
  if (json.byteLength > MAX_PLUGIN_ARGUMENTS_JSON_BYTE_LENGTH) {
    throw new PluginError(
      'E_FIELD_ARGUMENTS',
      `field "${fieldName}": its arguments take ${json.byteLength} bytes as JSON, more than the ${MAX_PLUGIN_ARGUMENTS_JSON_BYTE_LENGTH} a descriptor holds; store large configuration as a payload instead`,
      { plugin: identity.plugin, field: fieldName, hook: 'arguments' },
    );
  }
  const bytes = new Uint8Array(FIELD_ARGUMENTS_BYTE_LENGTH);
  for (let index = 0; index < 4; index++) bytes[index] = PLUGIN_ARGUMENTS_MAGIC.charCodeAt(index);
  new DataView(bytes.buffer).setUint32(4, json.byteLength, true);
  bytes.set(json, JSON_START);
  return bytes;
}

export function decodePluginArguments(bytes: Uint8Array, fieldName: string, path?: string, fileOffset?: number): PluginFieldIdentity {
  const fail = (problem: string): never => {
    throw new FormatError(
      'E_FIELD_ARGUMENTS',
      `field "${fieldName}" has type id 255 (a plugin field) but ${problem}; it was not written by Tessera or the descriptor is corrupt`,
      { path, fileOffset },
    );
  };
  let magic = '';
  for (let index = 0; index < 4; index++) magic += String.fromCharCode(bytes[index]!);
  if (magic !== PLUGIN_ARGUMENTS_MAGIC) fail(`its arguments do not start with "${PLUGIN_ARGUMENTS_MAGIC}"`);
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  if (length > MAX_PLUGIN_ARGUMENTS_JSON_BYTE_LENGTH) fail(`its argument length ${length} exceeds ${MAX_PLUGIN_ARGUMENTS_JSON_BYTE_LENGTH}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(JSON_START, JSON_START + length)));
  } catch {
    fail('its argument JSON does not parse');
  }
  const record = parsed as Record<string, unknown>;
  if (
    record === null ||
    typeof record !== 'object' ||
    typeof record.codec !== 'string' ||
    typeof record.plugin !== 'string' ||
    typeof record.version !== 'string'
  ) {
    fail('its argument JSON lacks codec/plugin/version');
  }
  return {
    codec: record.codec as string,
    plugin: record.plugin as string,
    version: record.version as string,
    ...(typeof record.factory === 'string' ? { factory: record.factory } : {}),
    arguments: (record.arguments ?? null) as JsonValue,
  };
}
