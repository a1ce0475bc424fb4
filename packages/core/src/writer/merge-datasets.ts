/**
 * `mergeDatasets(output, inputs)`: files of one schema (the shards of a sharded build) combined into
 * one, in input order, without decoding or re-encoding anything. Data pages are copied as they are
 * (their CRC-32 checked on the way, so a damaged shard never becomes a valid-looking merge); only
 * what holds file offsets is rewritten: the pointers in each metadata record (at the offsets the
 * writer recorded, `pointerOffsets`, each checked to be one of its sample's allocations) and the
 * allocation table. Header, metadata, allocation-table and page checksums of the result are those
 * of its bytes: `verifyDataset` checks it like any file. The output is written atomically.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { TesseraError } from '../errors.js';
import { ioError } from '../util/io-error.js';
import { type Dataset, openDataset } from '../reader/open-dataset.js';
import type { TesseraPlugin } from '../registry/plugin-contract.js';
import { ALLOCATION_ENTRY_BYTE_LENGTH, FORMAT_VERSION, HEADER_BYTE_LENGTH } from '../spec/constants.js';
import { type ExtensionBlock, checksumHex, encodeExtensionBlock } from '../spec/extension-block.js';
import { encodeHeader } from '../spec/header.js';
import { PACKAGE_VERSION } from '../version.js';
import { crc32, crc32Zeros } from '../util/crc32.js';
import type { JsonValue } from '../util/json-value.js';
import { createAtomicFile } from './atomic-file.js';
import { writeAll } from './write-dataset.js';

export interface MergeOptions {
  /** Plugins of the shards' plugin fields (opening a file resolves its fields' codecs; nothing is decoded). */
  plugins?: readonly TesseraPlugin[];
  /** Stored as the result's `info` (default: the inputs' when they all have the same, else none: shards often record which shard they are). */
  info?: JsonValue;
  /** Called after each input is copied. */
  onProgress?: (progress: { inputsDone: number; inputs: number; bytesCopied: number }) => void;
}

export interface MergeSummary {
  path: string;
  numSamples: number;
  inputs: number;
  numPages: number;
  fileByteLength: number;
  /** data-page bytes copied from the inputs */
  pageBytesCopied: number;
  elapsedMs: number;
}

/** Pages are checked and written this many bytes at a time (whole pages). */
const COPY_BYTES = 8 * 1024 * 1024;

export async function mergeDatasets(output: string, inputs: readonly string[], options: MergeOptions = {}): Promise<MergeSummary> {
  const started = performance.now();
  if (typeof output !== 'string' || output.length === 0) throw new TesseraError('E_ARGUMENT', `mergeDatasets: output must be a file path, got ${JSON.stringify(output)}`);
  if (!Array.isArray(inputs) || inputs.length === 0 || inputs.some((input) => typeof input !== 'string' || input.length === 0)) {
    throw new TesseraError('E_ARGUMENT', `mergeDatasets: inputs must be a non-empty array of file paths, got ${JSON.stringify(inputs)}`);
  }
  const opened: Dataset[] = [];
  try {
    for (const input of inputs) opened.push(openDataset(input, { validateFields: 'lazy', plugins: options.plugins }));
    const plan = planMerge(inputs, opened);
    const file = createAtomicFile(output);
    try {
      const summary = writeMerged(file.fd, output, inputs, opened, plan, options);
      file.commit();
      return { ...summary, elapsedMs: performance.now() - started };
    } catch (error) {
      file.abort();
      throw error;
    }
  } finally {
    for (const dataset of opened) dataset.close();
  }
}

interface MergePlan {
  first: Dataset;
  extension: ExtensionBlock;
  pointerOffsets: number[];
  pageSize: number;
  recordByteLength: number;
  metadataStart: number;
}

/** Every input like the first: same descriptors (types, names, arguments, plugin identities), page size, pointer offsets. */
function planMerge(inputs: readonly string[], opened: readonly Dataset[]): MergePlan {
  const first = opened[0]!;
  const describe = (index: number) => inputs[index]!;
  const extensionOf = (index: number): ExtensionBlock => {
    const extension = opened[index]!.extension;
    if (extension?.checksums === undefined || extension.pointerOffsets === undefined) {
      throw new TesseraError(
        'E_ARGUMENT',
        `${describe(index)} ${extension === undefined ? 'was not written by Tessera' : 'was written by a Tessera that did not record where its pointers are'}: mergeDatasets needs the checksums and pointer positions Tessera's writer records; write the shards with this version`,
      );
    }
    if (extension.sidecarOf !== undefined) throw new TesseraError('E_ARGUMENT', `${describe(index)} is a sidecar file: merge the base files, then write the sidecar for the merged file`);
    return extension;
  };
  const extension = extensionOf(0);
  const descriptorsOf = (dataset: Dataset) => dataset.fileBytes(HEADER_BYTE_LENGTH, dataset.layout.metadataStart - HEADER_BYTE_LENGTH);
  const firstDescriptors = descriptorsOf(first);
  for (let index = 1; index < opened.length; index++) {
    const dataset = opened[index]!;
    const other = extensionOf(index);
    const mismatch = (property: string, expected: unknown, actual: unknown) =>
      new TesseraError('E_MERGE_MISMATCH', `${describe(index)} differs from ${describe(0)} in its ${property}: ${JSON.stringify(expected)} there, ${JSON.stringify(actual)} here; only files of one schema, written the same way, merge`);
    const names = first.fields.map((field) => field.name);
    const otherNames = dataset.fields.map((field) => field.name);
    if (names.join('\0') !== otherNames.join('\0')) throw mismatch('fields', names, otherNames);
    for (let field = 0; field < extension.schema.length; field++) {
      const expected = extension.schema[field]!;
      const actual = other.schema[field]!;
      for (const property of ['typeId', 'codec', 'plugin', 'pluginVersion'] as const) {
        if (expected[property] !== actual[property]) throw mismatch(`field "${expected.name}" ${property}`, expected[property], actual[property]);
      }
      if (JSON.stringify(expected.arguments) !== JSON.stringify(actual.arguments)) throw mismatch(`field "${expected.name}" arguments`, expected.arguments, actual.arguments);
    }
    if (!Buffer.from(descriptorsOf(dataset)).equals(Buffer.from(firstDescriptors))) throw mismatch('field descriptors', 'the bytes of the first file', 'other bytes');
    if (dataset.pageSize !== first.pageSize) throw mismatch('page size', first.pageSize, dataset.pageSize);
    if (dataset.layout.recordByteLength !== first.layout.recordByteLength) throw mismatch('metadata record size', first.layout.recordByteLength, dataset.layout.recordByteLength);
  }
  // A pointer offset any input used is one in the merge (a shard without, say, any non-empty bytes
  // value recorded fewer): every one is checked against the sample's allocations anyway.
  const pointerOffsets = [...new Set(opened.flatMap((_, index) => extensionOf(index).pointerOffsets!))].sort((a, b) => a - b);
  for (let index = 0; index < opened.length; index++) {
    const { layout, pageSize } = opened[index]!;
    if (layout.numPages > 0 && layout.dataEnd - layout.dataStart !== layout.numPages * pageSize) {
      throw new TesseraError('E_ARGUMENT', `${describe(index)}: its data region (${layout.dataEnd - layout.dataStart} bytes) is not ${layout.numPages} whole pages of ${pageSize}`);
    }
  }
  return { first, extension, pointerOffsets, pageSize: first.pageSize, recordByteLength: first.layout.recordByteLength, metadataStart: first.layout.metadataStart };
}

function writeMerged(
  fd: number,
  output: string,
  inputs: readonly string[],
  opened: readonly Dataset[],
  plan: MergePlan,
  options: MergeOptions,
): Omit<MergeSummary, 'elapsedMs'> {
  const { pageSize, recordByteLength, metadataStart, pointerOffsets } = plan;
  const numSamples = opened.reduce((sum, dataset) => sum + dataset.numSamples, 0);
  const numPages = opened.reduce((sum, dataset) => sum + dataset.layout.numPages, 0);
  const numAllocations = opened.reduce((sum, dataset) => sum + dataset.layout.numAllocations, 0);
  const metadataEnd = metadataStart + numSamples * recordByteLength;
  const dataStart = numPages > 0 ? Math.ceil(metadataEnd / pageSize) * pageSize : metadataEnd;
  const dataEnd = dataStart + numPages * pageSize;

  let metadataChecksum = 0;
  const table = new Uint8Array(numAllocations * ALLOCATION_ENTRY_BYTE_LENGTH);
  const tableView = new DataView(table.buffer);
  const pageChecksums: string[] = [];
  const pagesPerCopy = Math.max(1, Math.floor(COPY_BYTES / pageSize));
  const copyBuffer = Buffer.allocUnsafe(pagesPerCopy * pageSize);
  let sampleOffset = 0;
  let pageOffset = 0;
  let tableRow = 0;
  let pageBytesCopied = 0;

  for (let index = 0; index < opened.length; index++) {
    const dataset = opened[index]!;
    const { layout } = dataset;
    const checksums = dataset.extension!.checksums!;
    const shift = dataStart + pageOffset * pageSize - layout.dataStart;

    // Allocations: sample index and pointer moved; per sample, the pointers its records may hold.
    const entries = dataset.fileBytes(layout.allocationTableOffset, layout.numAllocations * ALLOCATION_ENTRY_BYTE_LENGTH);
    if (crc32(entries) !== Number.parseInt(checksums.allocationTable, 16)) throw corrupt(inputs[index]!, 'allocation table', layout.allocationTableOffset);
    const entryView = new DataView(entries.buffer, entries.byteOffset, entries.byteLength);
    const pointersBySample = new Map<number, Set<number>>();
    for (let row = 0; row < layout.numAllocations; row++) {
      const at = row * ALLOCATION_ENTRY_BYTE_LENGTH;
      const sample = Number(entryView.getBigUint64(at, true));
      const pointer = Number(entryView.getBigUint64(at + 8, true));
      const byteLength = entryView.getBigUint64(at + 16, true);
      let set = pointersBySample.get(sample);
      if (set === undefined) pointersBySample.set(sample, (set = new Set()));
      set.add(pointer);
      const target = tableRow++ * ALLOCATION_ENTRY_BYTE_LENGTH;
      tableView.setBigUint64(target, BigInt(sample + sampleOffset), true);
      tableView.setBigUint64(target + 8, BigInt(pointer + shift), true);
      tableView.setBigUint64(target + 16, byteLength, true);
    }

    // Metadata records, pointers moved (the checksum covers the records and the padding before the pages).
    const metadataRegion = dataset.fileBytes(layout.metadataStart, layout.dataStart - layout.metadataStart);
    if (crc32(metadataRegion) !== Number.parseInt(checksums.metadata, 16)) throw corrupt(inputs[index]!, 'metadata table', layout.metadataStart);
    const records = Buffer.from(metadataRegion.subarray(0, dataset.numSamples * recordByteLength));
    const recordsView = new DataView(records.buffer, records.byteOffset, records.byteLength);
    for (let sample = 0; sample < dataset.numSamples; sample++) {
      const base = sample * recordByteLength;
      const owned = pointersBySample.get(sample);
      for (const offset of pointerOffsets) {
        const value = recordsView.getBigUint64(base + offset, true);
        if (value === 0n) continue;
        if (owned === undefined || !owned.has(Number(value))) {
          throw new TesseraError(
            'E_METADATA',
            `${inputs[index]}: sample ${sample} holds ${value} at byte ${offset} of its record, where the writer put pointers, but no allocation of that sample starts there: the file is damaged`,
          );
        }
        recordsView.setBigUint64(base + offset, value + BigInt(shift), true);
      }
    }
    writeAll(fd, records, metadataStart + sampleOffset * recordByteLength, output);
    metadataChecksum = crc32(records, metadataChecksum);

    // Data pages, copied whole, each checked against its recorded CRC-32.
    let inputFd: number;
    try {
      inputFd = openSync(inputs[index]!, 'r');
    } catch (error) {
      throw ioError(error, 'open', inputs[index]!);
    }
    try {
    for (let page = 0; page < layout.numPages; ) {
      const count = Math.min(layout.numPages - page, pagesPerCopy);
      const byteLength = count * pageSize;
      // Read with pread into one reused buffer (copying out of a mapping faults page by page, and
      // measured 1–10× slower here), checked, then written.
      const pages = copyBuffer.subarray(0, byteLength);
      readAt(inputFd, pages, layout.dataStart + page * pageSize, inputs[index]!);
      for (let within = 0; within < count; within++) {
        const checksum = crc32(pages.subarray(within * pageSize, (within + 1) * pageSize));
        const expected = checksums.pages[page + within];
        if (expected === undefined || checksum !== Number.parseInt(expected, 16)) throw corrupt(inputs[index]!, `page ${page + within}`, layout.dataStart + (page + within) * pageSize);
        pageChecksums.push(checksumHex(checksum));
      }
      writeAll(fd, pages, dataStart + (pageOffset + page) * pageSize, output);
      pageBytesCopied += byteLength;
      page += count;
    }
    } finally {
      closeSync(inputFd);
    }
    sampleOffset += dataset.numSamples;
    pageOffset += layout.numPages;
    options.onProgress?.({ inputsDone: index + 1, inputs: opened.length, bytesCopied: pageBytesCopied });
  }
  // Zero padding between the metadata and the first page (the file is new: reads as zeros).
  metadataChecksum = crc32Zeros(dataStart - metadataEnd, metadataChecksum);

  const block: ExtensionBlock = {
    ...plan.extension,
    creator: { library: '@tessera/core', version: PACKAGE_VERSION },
    layout: { dataStart, dataEnd, numPages, numAllocations },
    pointerOffsets,
    checksums: { algorithm: 'crc32', header: '00000000', metadata: checksumHex(metadataChecksum), allocationTable: checksumHex(crc32(table)), pages: pageChecksums },
  };
  const infos = new Set(opened.map((dataset) => JSON.stringify(dataset.extension!.info ?? null)));
  delete block.info;
  const info = options.info ?? (infos.size === 1 ? plan.extension.info : undefined);
  if (info !== undefined) block.info = info;
  const draft = encodeExtensionBlock(block, dataEnd);
  const allocationTableOffset = dataEnd + draft.byteLength;
  const head = new Uint8Array(metadataStart);
  head.set(encodeHeader({ version: FORMAT_VERSION, numFields: plan.first.fields.length, pageSize, numSamples, allocationTableOffset }), 0);
  head.set(plan.first.fileBytes(HEADER_BYTE_LENGTH, metadataStart - HEADER_BYTE_LENGTH), HEADER_BYTE_LENGTH);
  block.checksums!.header = checksumHex(crc32(head));
  const extension = encodeExtensionBlock(block, dataEnd);
  if (extension.byteLength !== draft.byteLength) throw new TesseraError('E_INTERNAL', 'the extension block changed size');
  writeAll(fd, extension, dataEnd, output);
  writeAll(fd, table, allocationTableOffset, output);
  // The header last: until then the file starts with zeros and reads as invalid.
  writeAll(fd, head, 0, output);
  return { path: output, numSamples, inputs: opened.length, numPages, fileByteLength: allocationTableOffset + table.byteLength, pageBytesCopied };
}

function corrupt(path: string, region: string, fileOffset: number): TesseraError {
  return new TesseraError('E_CHECKSUM_MISMATCH', `${path}: its ${region} (at ${fileOffset}) fails its CRC-32; nothing was written: fix or rebuild that file first (tessera verify ${path})`);
}

function readAt(fd: number, target: Uint8Array, position: number, path: string): void {
  let done = 0;
  while (done < target.byteLength) {
    let count: number;
    try {
      count = readSync(fd, target, done, target.byteLength - done, position + done);
    } catch (error) {
      throw ioError(error, 'read', path);
    }
    if (count === 0) throw new TesseraError('E_TRUNCATED', `${path} ended at ${position + done}, inside its data pages: it changed while being merged`);
    done += count;
  }
}
