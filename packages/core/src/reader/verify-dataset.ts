import { TesseraError, type TesseraErrorCode } from '../errors.js';
import type { FileSource } from '../io/file-source.js';
import type { TesseraPlugin } from '../registry/plugin-contract.js';
import { ALLOCATION_ENTRY_BYTE_LENGTH, FIELD_DESCRIPTOR_BYTE_LENGTH, HEADER_BYTE_LENGTH } from '../spec/constants.js';
import {
  EXTENSION_FOOTER_BYTE_LENGTH,
  type ExtensionBlock,
  decodeExtensionFooter,
  decodeExtensionJson,
} from '../spec/extension-block.js';
import { crc32 } from '../util/crc32.js';
import { toTesseraError } from './io-errors.js';
import { type OpenOptions, openDataset } from './open-dataset.js';
import { openLocationSource } from './remote-options.js';

export interface VerifyProblem {
  code: TesseraErrorCode;
  /** 'header' | 'metadata' | 'page N' | 'allocation table' | 'extension' | 'structure' */
  region: string;
  message: string;
  fileOffset?: number;
}

export interface VerifyReport {
  path: string;
  /** true only when the structure is valid and every checksum matches */
  ok: boolean;
  /** 'verified' when the file carries Tessera checksums, 'absent' for FFCV files (structure only) */
  checksums: 'verified' | 'absent';
  pagesChecked: number;
  bytesChecked: number;
  problems: VerifyProblem[];
  /** things not checked (a plugin that is not installed...) */
  notes: string[];
}

/** How far `verifyDataset` is: `done` of `total` steps of the current phase (structure: 1 step; checksums: regions — header, metadata, each page, the allocation table). */
export interface VerifyProgress {
  phase: 'structure' | 'checksums';
  done: number;
  total: number;
}

export interface VerifyOptions {
  plugins?: readonly TesseraPlugin[];
  /** Byte-source providers for a remote location (as in openDataset). */
  byteSources?: OpenOptions['byteSources'];
  /** Remote settings (as in openDataset): verifying a remote file reads all of it through the disk cache. */
  remote?: OpenOptions['remote'];
  /**
   * Called as the check advances: once per phase at its start and end, and between checksummed
   * regions at most MAX_PROGRESS_CALLS times in all (not per byte), so a caller can show a bar.
   */
  onProgress?: (progress: VerifyProgress) => void;
}

/** Upper bound on the checksum phase's `onProgress` calls, however many pages a file has. */
const MAX_PROGRESS_CALLS = 100;

/**
 * Checks a file: its structure (everything `openDataset` validates) and, for files written by
 * Tessera, the CRC-32 of every region — header and descriptors, metadata, each page, the allocation
 * table and the extension block itself — so any flipped byte is found and located.
 */
export function verifyDataset(path: string, options: VerifyOptions = {}): VerifyReport {
  const report: VerifyReport = { path, ok: false, checksums: 'absent', pagesChecked: 0, bytesChecked: 0, problems: [], notes: [] };
  const onProgress = options.onProgress;
  onProgress?.({ phase: 'structure', done: 0, total: 1 });
  try {
    const dataset = openDataset(path, { plugins: options.plugins, mmap: 'auto', byteSources: options.byteSources, remote: options.remote });
    try {
      // The allocation table is validated on first use: verify uses it now.
      void dataset.layout.payloadByteLength;
    } finally {
      dataset.close();
    }
  } catch (error) {
    const failure = toTesseraError(error, path);
    if (failure instanceof TesseraError && failure.code === 'E_PLUGIN_MISSING') {
      report.notes.push(`${failure.message} (plugin fields were not decoded; checksums still apply)`);
    } else if (failure instanceof TesseraError && (failure.code === 'E_IO' || failure.code === 'E_REMOTE' || failure.code === 'E_REMOTE_CHANGED')) {
      report.problems.push({ code: failure.code, region: 'file', message: failure.message });
      return report;
    } else if (failure instanceof TesseraError) {
      const region = failure.code === 'E_EXTENSION_BLOCK' ? 'extension' : 'structure';
      report.problems.push({ code: failure.code, region, message: failure.message, fileOffset: (failure as { fileOffset?: number }).fileOffset });
    } else {
      throw failure;
    }
  }
  onProgress?.({ phase: 'structure', done: 1, total: 1 });

  let source: FileSource;
  try {
    source = openLocationSource(path, options);
  } catch (error) {
    const failure = toTesseraError(error, path) as TesseraError;
    report.problems.push({ code: failure.code ?? 'E_IO', region: 'file', message: failure.message });
    return report;
  }
  try {
    checkChecksums(source, report, onProgress);
  } finally {
    source.close();
  }
  report.ok = report.problems.length === 0;
  return report;
}

function checkChecksums(source: FileSource, report: VerifyReport, onProgress: VerifyOptions['onProgress']): void {
  const fileByteLength = source.byteLength;
  if (fileByteLength < HEADER_BYTE_LENGTH) return;
  const header = source.view(0, HEADER_BYTE_LENGTH);
  const headerView = new DataView(header.buffer, header.byteOffset, HEADER_BYTE_LENGTH);
  const claimedTableOffset = Number(headerView.getBigUint64(16, true));

  // Find the extension footer where the header says, else search the possible table starts backwards
  // (a corrupt alloc_table_ptr must not hide the checksums).
  let found: { tableOffset: number; block: ExtensionBlock } | undefined;
  const tryAt = (tableOffset: number): boolean => {
    const footerOffset = tableOffset - EXTENSION_FOOTER_BYTE_LENGTH;
    if (footerOffset < HEADER_BYTE_LENGTH || tableOffset > fileByteLength) return false;
    let footer: ReturnType<typeof decodeExtensionFooter>;
    try {
      footer = decodeExtensionFooter(source.view(footerOffset, EXTENSION_FOOTER_BYTE_LENGTH), footerOffset, report.path);
    } catch (error) {
      if (tableOffset === claimedTableOffset) addProblem(report, error, 'extension');
      return false;
    }
    if (footer === undefined) return false;
    try {
      found = { tableOffset, block: decodeExtensionJson(source.view(footer.jsonOffset, footer.jsonByteLength), footer, report.path) };
      return true;
    } catch (error) {
      addProblem(report, error, 'extension');
      return true;
    }
  };
  let located = Number.isSafeInteger(claimedTableOffset) && (fileByteLength - claimedTableOffset) % ALLOCATION_ENTRY_BYTE_LENGTH === 0 && tryAt(claimedTableOffset);
  if (!located) {
    for (let tableOffset = fileByteLength; tableOffset >= HEADER_BYTE_LENGTH + EXTENSION_FOOTER_BYTE_LENGTH; tableOffset -= ALLOCATION_ENTRY_BYTE_LENGTH) {
      if (tryAt(tableOffset)) {
        located = true;
        break;
      }
    }
  }
  if (found === undefined) {
    if (located) report.checksums = 'verified';
    else if (report.problems.length > 0) report.notes.push('no Tessera extension block was found (the file is damaged, or has none): checksums could not be checked');
    else report.notes.push('no Tessera extension block: the file was written by FFCV or without integrity data; only its structure was checked');
    return;
  }
  const { block, tableOffset } = found;
  const checksums = block.checksums;
  if (checksums === undefined) {
    // Written with `integrity: false`: the structure was checked, the payload bytes could not be.
    report.notes.push('the extension block carries no checksums (written with integrity: false): only the structure was checked');
    return;
  }
  report.checksums = 'verified';
  if (tableOffset !== claimedTableOffset) {
    report.problems.push({
      code: 'E_HEADER',
      region: 'header',
      message: `alloc_table_ptr says ${claimedTableOffset}, but the allocation table starts at ${tableOffset}`,
      fileOffset: 16,
    });
  }
  const metadataStart = HEADER_BYTE_LENGTH + block.schema.length * FIELD_DESCRIPTOR_BYTE_LENGTH;
  const { dataStart, dataEnd, numPages } = block.layout;
  const region = (name: string, offset: number, byteLength: number, expectedHex: string | undefined) => {
    const expected = expectedHex === undefined ? -1 : Number.parseInt(expectedHex, 16);
    if (offset < 0 || offset + byteLength > fileByteLength) {
      report.problems.push({ code: 'E_TRUNCATED', region: name, message: `${name} [${offset}, ${offset + byteLength}) is past the end of the file (${fileByteLength} bytes)` });
      return;
    }
    const actual = checksumRange(source, offset, byteLength);
    report.bytesChecked += byteLength;
    if (actual !== expected) {
      report.problems.push({
        code: 'E_CHECKSUM_MISMATCH',
        region: name,
        message: `${name} [${offset}, ${offset + byteLength}) has CRC-32 ${hex(actual)}, expected ${hex(expected)}: its bytes changed after writing`,
        fileOffset: offset,
      });
    }
  };
  // Regions: header, metadata, each page, the allocation table; progress every `stride` of them.
  const regionTotal = numPages + 3;
  const stride = Math.max(1, Math.ceil(regionTotal / MAX_PROGRESS_CALLS));
  let regionsDone = 0;
  const advance = () => {
    regionsDone += 1;
    if (regionsDone % stride === 0 && regionsDone < regionTotal) onProgress?.({ phase: 'checksums', done: regionsDone, total: regionTotal });
  };
  onProgress?.({ phase: 'checksums', done: 0, total: regionTotal });
  region('header', 0, metadataStart, checksums.header);
  advance();
  region('metadata', metadataStart, dataStart - metadataStart, checksums.metadata);
  advance();
  const pageSize = numPages > 0 ? (dataEnd - dataStart) / numPages : 0;
  for (let page = 0; page < numPages; page++) {
    region(`page ${page}`, dataStart + page * pageSize, pageSize, checksums.pages[page]);
    report.pagesChecked += 1;
    advance();
  }
  region('allocation table', tableOffset, fileByteLength - tableOffset, checksums.allocationTable);
  onProgress?.({ phase: 'checksums', done: regionTotal, total: regionTotal });
}

function checksumRange(source: FileSource, offset: number, byteLength: number): number {
  let crc = 0;
  const step = 64 << 20;
  for (let position = 0; position < byteLength; position += step) {
    crc = crc32(source.view(offset + position, Math.min(step, byteLength - position), true), crc);
  }
  return crc;
}

function addProblem(report: VerifyReport, error: unknown, region: string): void {
  const failure = toTesseraError(error, report.path);
  if (!(failure instanceof TesseraError)) throw failure;
  report.problems.push({ code: failure.code, region, message: failure.message, fileOffset: (failure as { fileOffset?: number }).fileOffset });
}

const hex = (value: number) => value.toString(16).padStart(8, '0');
