import { FormatError } from '../errors.js';
import type { JsonValue } from '../util/json-value.js';
import { crc32 } from '../util/crc32.js';

/**
 * Tessera's optional extension block sits between the last data page and the allocation table
 * (FFCV reads the table from `alloc_table_ptr` to EOF and never looks here):
 *
 *   [ extension JSON (UTF-8, padded with spaces) ][ 32-byte footer ][ allocation table ]
 *
 * Footer (little-endian), ending exactly at `alloc_table_ptr`:
 *   0  8 bytes  magic "TSRXEXT1"
 *   8  u64      absolute file offset of the JSON
 *   16 u32      JSON byte length
 *   20 u32      CRC-32 of the JSON bytes
 *   24 u32      extension version (1)
 *   28 u32      CRC-32 of footer bytes 0..28
 */
export const EXTENSION_MAGIC = 'TSRXEXT1';
export const EXTENSION_FOOTER_BYTE_LENGTH = 32;
export const EXTENSION_VERSION = 1;

/** CRC-32 values as 8 lowercase hex digits (fixed width, so the block's size is known before the values). */
export interface ExtensionChecksums {
  algorithm: 'crc32';
  /** over [0, metadataStart): header and field descriptors */
  header: string;
  /** over [metadataStart, dataStart): the metadata table and the padding after it */
  metadata: string;
  /** over [allocationTableOffset, end of file) */
  allocationTable: string;
  /** one per data page, each over the full page */
  pages: string[];
}

export const checksumHex = (value: number): string => (value >>> 0).toString(16).padStart(8, '0');

export interface ExtensionFieldInfo {
  name: string;
  typeId: number;
  codec: string;
  plugin: string;
  pluginVersion: string;
  /** the plugin package's factory export, when it has an origin */
  factory?: string;
  arguments: JsonValue;
}

export interface ExtensionBlock {
  format: 'tessera';
  extensionVersion: number;
  creator: { library: string; version: string };
  schema: ExtensionFieldInfo[];
  plugins: Record<string, string>;
  layout: { dataStart: number; dataEnd: number; numPages: number; numAllocations: number };
  checksums?: ExtensionChecksums;
  /** whatever the user passed as `info` when writing */
  info?: JsonValue;
  /** present in sidecar files (`writeSidecar`): the base file whose samples this file's fields extend */
  sidecarOf?: SidecarBase;
  /**
   * Where the writer put pointers: byte offsets within a metadata record of every little-endian u64
   * it set to a payload's file offset (in any sample), ascending. What `mergeDatasets` rewrites when
   * it moves pages; absent in files written before it was recorded.
   */
  pointerOffsets?: number[];
}

/**
 * The identity of a sidecar's base file, recorded when the sidecar is written and compared whenever
 * the two are opened together: sample count, field names, and the digest the loader's resume state
 * uses for a file's content (`LoaderState.file.digest`: SHA-256 of the file size plus the base's
 * CRC-32 checksums, or, for a base without them, of its header, descriptors, metadata table and
 * allocation table bytes).
 */
export interface SidecarBase {
  /** the base's file name (no folder) when the sidecar was written: for messages, never compared */
  fileName: string;
  numSamples: number;
  /** the base's field names, in file order */
  fields: string[];
  /** 32 hex digits */
  digest: string;
  /** what the digest covers: the base's extension checksums, or (FFCV-written bases) its tables */
  digestOf: 'checksums' | 'tables';
}

/** Key of the writer option through which `writeSidecar` hands the base identity to `writeDataset` (not public). */
export const SIDECAR_OF_OPTION: unique symbol = Symbol('tessera.sidecarOf');

export function encodeExtensionBlock(block: ExtensionBlock, jsonOffset: number): Uint8Array {
  let json = new TextEncoder().encode(JSON.stringify(block));
  // Pad so the allocation table that follows starts 8-byte aligned (typed-array views need it).
  const misalignment = (jsonOffset + json.byteLength + EXTENSION_FOOTER_BYTE_LENGTH) % 8;
  if (misalignment !== 0) {
    const padded = new Uint8Array(json.byteLength + 8 - misalignment).fill(0x20);
    padded.set(json);
    json = padded;
  }
  const bytes = new Uint8Array(json.byteLength + EXTENSION_FOOTER_BYTE_LENGTH);
  bytes.set(json);
  const footer = bytes.subarray(json.byteLength);
  for (let index = 0; index < 8; index++) footer[index] = EXTENSION_MAGIC.charCodeAt(index);
  const view = new DataView(footer.buffer, footer.byteOffset, EXTENSION_FOOTER_BYTE_LENGTH);
  view.setBigUint64(8, BigInt(jsonOffset), true);
  view.setUint32(16, json.byteLength, true);
  view.setUint32(20, crc32(json), true);
  view.setUint32(24, EXTENSION_VERSION, true);
  view.setUint32(28, crc32(footer.subarray(0, 28)), true);
  return bytes;
}

export interface ExtensionFooter {
  jsonOffset: number;
  jsonByteLength: number;
  jsonChecksum: number;
  version: number;
}

/** Parses a footer; returns undefined when `footer` does not carry the magic (an FFCV file). */
export function decodeExtensionFooter(footer: Uint8Array, footerOffset: number, path?: string): ExtensionFooter | undefined {
  if (footer.byteLength < EXTENSION_FOOTER_BYTE_LENGTH) return undefined;
  for (let index = 0; index < 8; index++) if (footer[index] !== EXTENSION_MAGIC.charCodeAt(index)) return undefined;
  const view = new DataView(footer.buffer, footer.byteOffset, EXTENSION_FOOTER_BYTE_LENGTH);
  if (view.getUint32(28, true) !== crc32(footer.subarray(0, 28))) {
    throw new FormatError('E_EXTENSION_BLOCK', 'the extension footer fails its own checksum', { path, fileOffset: footerOffset });
  }
  const jsonOffset = Number(view.getBigUint64(8, true));
  const jsonByteLength = view.getUint32(16, true);
  if (jsonOffset + jsonByteLength !== footerOffset) {
    throw new FormatError(
      'E_EXTENSION_BLOCK',
      `the extension JSON (${jsonByteLength} bytes at ${jsonOffset}) does not end where its footer starts (${footerOffset})`,
      { path, fileOffset: footerOffset },
    );
  }
  return { jsonOffset, jsonByteLength, jsonChecksum: view.getUint32(20, true), version: view.getUint32(24, true) };
}

/** Footer bits that may differ from the magic for a footer still to count as a damaged Tessera footer. */
const MAGIC_RESEMBLANCE_BITS = 8;

/**
 * Why the 32 bytes before the allocation table look like a Tessera extension footer although their
 * magic does not match: a magic within a few bit flips of "TSRXEXT1" (random payload bytes are
 * that close with odds of about 1 in 3·10⁹), or JSON offset and length fields that end exactly where
 * the footer starts. Undefined when nothing resembles a footer (an FFCV file's last page).
 */
export function damagedFooterEvidence(footer: Uint8Array, footerOffset: number, metadataEnd: number): string | undefined {
  if (footer.byteLength < EXTENSION_FOOTER_BYTE_LENGTH) return undefined;
  let differingBits = 0;
  for (let index = 0; index < 8; index++) {
    let difference = footer[index]! ^ EXTENSION_MAGIC.charCodeAt(index);
    while (difference !== 0) {
      differingBits += difference & 1;
      difference >>>= 1;
    }
  }
  const magic = Array.from(footer.subarray(0, 8), (byte) => (byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.')).join('');
  if (differingBits <= MAGIC_RESEMBLANCE_BITS) {
    return `its magic reads "${magic}", ${differingBits} bit${differingBits === 1 ? '' : 's'} away from "${EXTENSION_MAGIC}"`;
  }
  const view = new DataView(footer.buffer, footer.byteOffset, EXTENSION_FOOTER_BYTE_LENGTH);
  const jsonOffset = view.getBigUint64(8, true);
  const jsonByteLength = view.getUint32(16, true);
  if (jsonByteLength > 0 && jsonOffset >= BigInt(metadataEnd) && jsonOffset + BigInt(jsonByteLength) === BigInt(footerOffset)) {
    return `its magic reads "${magic}", but its fields place ${jsonByteLength} bytes of extension JSON at ${jsonOffset}, ending exactly where the footer starts`;
  }
  return undefined;
}

export function decodeExtensionJson(json: Uint8Array, footer: ExtensionFooter, path?: string): ExtensionBlock {
  if (crc32(json) !== footer.jsonChecksum) {
    throw new FormatError('E_CHECKSUM_MISMATCH', 'the extension block fails its checksum', { path, fileOffset: footer.jsonOffset });
  }
  let block: ExtensionBlock;
  try {
    block = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json)) as ExtensionBlock;
  } catch (cause) {
    throw new FormatError('E_EXTENSION_BLOCK', 'the extension block is not valid JSON', { path, fileOffset: footer.jsonOffset, cause });
  }
  if (block === null || typeof block !== 'object' || block.format !== 'tessera' || !Array.isArray(block.schema)) {
    throw new FormatError('E_EXTENSION_BLOCK', 'the extension block lacks its format marker or schema', { path, fileOffset: footer.jsonOffset });
  }
  return block;
}
