import { FormatError } from '../errors.js';
import { FORMAT_VERSION, HEADER_BYTE_LENGTH } from './constants.js';

export interface Header {
  version: number;
  numFields: number;
  /** bytes, a power of two */
  pageSize: number;
  numSamples: number;
  /** absolute file offset of the allocation table */
  allocationTableOffset: number;
}

export function encodeHeader(header: Header): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTE_LENGTH);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, header.version, true);
  view.setUint16(2, header.numFields, true);
  view.setUint32(4, header.pageSize, true);
  view.setBigUint64(8, BigInt(header.numSamples), true);
  view.setBigUint64(16, BigInt(header.allocationTableOffset), true);
  return bytes;
}

/** Reads a u64 that must fit a safe integer (file offsets and counts always do in a valid file). */
export function readSafeUint64(view: DataView, offset: number, what: string, path?: string, fileOffset?: number): number {
  const low = view.getUint32(offset, true);
  const high = view.getUint32(offset + 4, true);
  if (high > 0x1fffff) {
    throw new FormatError('E_HEADER', `${what} ${view.getBigUint64(offset, true)} is larger than any file can be`, {
      path,
      fileOffset: fileOffset ?? offset,
    });
  }
  return high * 0x1_0000_0000 + low;
}

export function decodeHeader(bytes: Uint8Array, fileByteLength: number, path?: string): Header {
  if (fileByteLength < HEADER_BYTE_LENGTH || bytes.byteLength < HEADER_BYTE_LENGTH) {
    throw new FormatError('E_TRUNCATED', `file is ${fileByteLength} bytes, shorter than the ${HEADER_BYTE_LENGTH}-byte header`, {
      path,
      fileOffset: 0,
    });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTE_LENGTH);
  const version = view.getUint16(0, true);
  if (version !== FORMAT_VERSION) {
    throw new FormatError(
      'E_UNSUPPORTED_VERSION',
      `format version ${version} is not supported (expected ${FORMAT_VERSION}); this is not a .beton file or it was written by an incompatible tool`,
      { path, fileOffset: 0, expected: String(FORMAT_VERSION), actual: String(version) },
    );
  }
  const numFields = view.getUint16(2, true);
  const pageSize = view.getUint32(4, true);
  if (pageSize === 0 || (pageSize & (pageSize - 1)) !== 0) {
    throw new FormatError('E_HEADER', `page size ${pageSize} is not a power of two`, { path, fileOffset: 4 });
  }
  const numSamples = readSafeUint64(view, 8, 'num_samples', path, 8);
  const allocationTableOffset = readSafeUint64(view, 16, 'alloc_table_ptr', path, 16);
  return { version, numFields, pageSize, numSamples, allocationTableOffset };
}
