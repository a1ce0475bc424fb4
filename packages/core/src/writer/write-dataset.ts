import { availableParallelism } from 'node:os';
import { readSync, writeSync } from 'node:fs';
import { ArgumentError, TesseraError, wrapPluginError } from '../errors.js';
import type { JsonValue, TesseraPlugin } from '../registry/plugin-contract.js';
import { encodeAllocationTable } from '../spec/allocation-table.js';
import {
  DEFAULT_PAGE_SIZE,
  FIELD_DESCRIPTOR_BYTE_LENGTH,
  FORMAT_VERSION,
  HEADER_BYTE_LENGTH,
  MAX_PAGE_SIZE,
  MIN_PAGE_SIZE,
} from '../spec/constants.js';
import { type ExtensionBlock, checksumHex, encodeExtensionBlock } from '../spec/extension-block.js';
import { encodeFieldDescriptor } from '../spec/field-descriptor.js';
import { encodeHeader } from '../spec/header.js';
import { assertLittleEndianHost } from '../spec/host.js';
import { alignUp } from '../spec/metadata-layout.js';
import { crc32, crc32Zeros } from '../util/crc32.js';
import { PACKAGE_VERSION } from '../version.js';
import { createAtomicFile, createScratchFile } from './atomic-file.js';
import { type DataSource, readSource } from './data-source.js';
import { createEncodePool } from './encode-pool.js';
import { type Schema, type SchemaPlan, planSchema, serializeSchema } from './field-plan.js';
import { PageAllocator } from './page-allocator.js';
import { ALLOCATION_COLUMNS, type EncodedChunk, encodeChunk } from './sample-encoder.js';

export interface WriteOptions {
  /**
   * Page size in bytes: a power of two from 4 KiB to 2 GiB, or 'auto' (default). 'auto' looks at the
   * first chunk: a dataset that fits in it gets the smallest page that holds it (a tiny dataset
   * costs kilobytes, not megabytes); otherwise 16 × the largest sample, between 64 KiB and 8 MiB.
   * FFCV's own writer uses 8 MiB; pass 1 << 21 or more for files FFCV's loader must read with
   * samples of any size. Samples larger than a page are allowed and span pages.
   */
  pageSize?: number | 'auto';
  /** Encoder worker threads; 0 encodes on the calling thread. Default: available cores, at most 4. */
  workers?: number;
  /** Samples per unit of work sent to a worker (and per progress report). Default 64. */
  chunkSize?: number;
  /** Plugins beyond the ones the schema's field specs carry. */
  plugins?: readonly TesseraPlugin[];
  /** Write the extension block with the schema and CRC-32 checksums (default true). False writes FFCV's layout exactly. */
  integrity?: boolean;
  /** JSON stored in the extension block (creation info, provenance...). Keep it deterministic if you compare files. */
  info?: JsonValue;
  onProgress?: (progress: WriteProgress) => void;
  signal?: AbortSignal;
}

export interface WriteProgress {
  samplesWritten: number;
  /** undefined for iterables of unknown length */
  totalSamples: number | undefined;
  /** payload bytes placed so far */
  bytesWritten: number;
}

export interface WriteSummary {
  path: string;
  numSamples: number;
  pageSize: number;
  numPages: number;
  fileByteLength: number;
  /** payload bytes (excluding page padding) */
  payloadByteLength: number;
  elapsedMs: number;
}

const DEFAULT_CHUNK_SIZE = 64;
const PLACEHOLDER = checksumHex(0);
const AUTO_MIN_PAGE_SIZE = 1 << 16;
const AUTO_MAX_PAGE_SIZE = 1 << 23;

/**
 * Writes a dataset to `path` atomically: under a temporary name, renamed into place once complete and
 * synced. The output is byte-identical for the same input and options whatever `workers` is.
 */
export async function writeDataset(path: string, schema: Schema, source: DataSource, options: WriteOptions = {}): Promise<WriteSummary> {
  assertLittleEndianHost();
  const started = performance.now();
  const plan = planSchema(schema, options.plugins);
  const chunkSize = checkPositiveInteger('chunkSize', options.chunkSize ?? DEFAULT_CHUNK_SIZE);
  const workers = options.workers ?? Math.min(4, availableParallelism());
  if (!Number.isInteger(workers) || workers < 0) throw new ArgumentError('workers', `must be a non-negative integer, got ${String(workers)}`);
  const requestedPageSize = options.pageSize ?? 'auto';
  if (requestedPageSize !== 'auto') checkPageSize(requestedPageSize);
  if (typeof path !== 'string' || path.length === 0) throw new ArgumentError('path', 'must be a non-empty file path');

  const reader = readSource(source);
  const pool = workers > 0 ? createEncodePool(serializeSchema(plan), workers) : undefined;
  const file = createAtomicFile(path);
  let spool: ReturnType<typeof createScratchFile> | undefined;
  try {
    const encode = (samples: readonly Record<string, unknown>[], first: number): Promise<EncodedChunk> => {
      if (pool === undefined) return encodeChunk(plan, samples, first);
      const transferable = samples.map((sample, offset) => toTransferable(plan, sample, first + offset));
      return pool.encode(transferable, first);
    };
    const maxInFlight = pool === undefined ? 1 : pool.size * 2;
    const queue: Promise<EncodedChunk>[] = [];
    let nextSampleIndex = 0;
    let sourceDone = false;
    const fill = async () => {
      while (!sourceDone && queue.length < maxInFlight) {
        if (options.signal?.aborted) throw abortError(options.signal);
        const samples = await reader.next(chunkSize);
        if (samples.length === 0) {
          sourceDone = true;
          break;
        }
        const promise = encode(samples, nextSampleIndex);
        promise.catch(() => {});
        queue.push(promise);
        nextSampleIndex += samples.length;
      }
    };

    const metadataStart = HEADER_BYTE_LENGTH + plan.fields.length * FIELD_DESCRIPTOR_BYTE_LENGTH;
    const recordByteLength = plan.recordByteLength;
    let allocator: PageAllocator | undefined;
    let pageSize = 0;
    let dataStart = 0;
    const knownLength = reader.length;
    const heldMetadata: Array<{ metadata: Uint8Array; fixups: number[] }> = [];
    let metadataChecksum = 0;
    let samplesWritten = 0;
    let payloadByteLength = 0;

    for (;;) {
      await fill();
      const next = queue.shift();
      if (next === undefined) break;
      const chunk = await next;
      if (options.signal?.aborted) throw abortError(options.signal);
      if (allocator === undefined) {
        pageSize = requestedPageSize === 'auto' ? choosePageSize(chunk, sourceDone && queue.length === 0) : requestedPageSize;
        if (knownLength !== undefined) {
          dataStart = alignUp(metadataStart + knownLength * recordByteLength, pageSize);
          allocator = new PageAllocator(pageSize, file.fd, dataStart);
        } else {
          spool = createScratchFile(path);
          allocator = new PageAllocator(pageSize, spool.fd, 0);
        }
      }
      if (knownLength !== undefined) {
        allocator.place(chunk, dataStart, undefined);
        writeAll(file.fd, chunk.metadata, metadataStart + chunk.firstSampleIndex * recordByteLength);
        metadataChecksum = crc32(chunk.metadata, metadataChecksum);
      } else {
        const fixups: number[] = [];
        allocator.place(chunk, 0, fixups);
        heldMetadata.push({ metadata: chunk.metadata, fixups });
      }
      samplesWritten += chunk.sampleCount;
      payloadByteLength += chunk.payloadByteLength;
      options.onProgress?.({ samplesWritten, totalSamples: knownLength, bytesWritten: payloadByteLength });
    }
    if (knownLength !== undefined && samplesWritten !== knownLength) {
      throw new ArgumentError('source', `declared ${knownLength} samples but yielded ${samplesWritten}`);
    }
    if (allocator === undefined) {
      pageSize = requestedPageSize === 'auto' ? MIN_PAGE_SIZE : requestedPageSize;
      allocator = new PageAllocator(pageSize, file.fd, 0);
    }
    const numSamples = samplesWritten;
    const placed = allocator.finish();
    const numPages = allocator.pageCount;
    const metadataEnd = metadataStart + numSamples * recordByteLength;
    dataStart = numPages > 0 ? alignUp(metadataEnd, pageSize) : metadataEnd;
    const dataEnd = dataStart + placed.dataByteLength;

    if (knownLength === undefined) {
      let position = metadataStart;
      for (const held of heldMetadata) {
        const view = new DataView(held.metadata.buffer, held.metadata.byteOffset, held.metadata.byteLength);
        for (const fixup of held.fixups) view.setBigUint64(fixup, view.getBigUint64(fixup, true) + BigInt(dataStart), true);
        writeAll(file.fd, held.metadata, position);
        metadataChecksum = crc32(held.metadata, metadataChecksum);
        position += held.metadata.byteLength;
      }
      if (spool !== undefined) copyRange(spool.fd, 0, file.fd, dataStart, placed.dataByteLength);
    }
    metadataChecksum = crc32Zeros(dataStart - metadataEnd, metadataChecksum);

    // Allocation table with absolute pointers.
    const { allocations } = placed;
    for (let index = 0; index < allocations.count; index++) allocations.pointers[index] = allocations.pointers[index]! + dataStart;
    const tableBytes = encodeAllocationTable(allocations, allocations.count);

    // Header and descriptors; the extension block (fixed-width checksums) sits between data and table.
    const integrity = options.integrity ?? true;
    const descriptorBytes = new Uint8Array(metadataStart);
    for (const [index, field] of plan.fields.entries()) {
      encodeFieldDescriptor(
        { typeId: field.typeId, name: field.name, argumentBytes: field.argumentBytes },
        descriptorBytes,
        HEADER_BYTE_LENGTH + index * FIELD_DESCRIPTOR_BYTE_LENGTH,
      );
    }
    let extensionBytes: Uint8Array = new Uint8Array(0);
    const headerFor = (allocationTableOffset: number) => {
      descriptorBytes.set(
        encodeHeader({ version: FORMAT_VERSION, numFields: plan.fields.length, pageSize, numSamples, allocationTableOffset }),
        0,
      );
      return descriptorBytes;
    };
    if (integrity) {
      const block = buildExtension(plan, options.info, { dataStart, dataEnd, numPages, numAllocations: allocations.count }, placed.pageChecksums);
      const draft = encodeExtensionBlock(block, dataEnd);
      const allocationTableOffset = dataEnd + draft.byteLength;
      block.checksums = {
        algorithm: 'crc32',
        header: checksumHex(crc32(headerFor(allocationTableOffset))),
        metadata: checksumHex(metadataChecksum),
        allocationTable: checksumHex(crc32(tableBytes)),
        pages: placed.pageChecksums.map(checksumHex),
      };
      extensionBytes = encodeExtensionBlock(block, dataEnd);
      if (extensionBytes.byteLength !== draft.byteLength) throw new TesseraError('E_EXTENSION_BLOCK', 'internal: extension block size changed');
    } else {
      headerFor(dataEnd);
    }
    writeAll(file.fd, extensionBytes, dataEnd);
    writeAll(file.fd, tableBytes, dataEnd + extensionBytes.byteLength);
    // The header goes last: until this write the file starts with zeros and reads as invalid.
    writeAll(file.fd, descriptorBytes, 0);
    const fileByteLength = dataEnd + extensionBytes.byteLength + tableBytes.byteLength;
    file.commit();
    return {
      path,
      numSamples,
      pageSize,
      numPages,
      fileByteLength,
      payloadByteLength,
      elapsedMs: performance.now() - started,
    };
  } catch (error) {
    file.abort();
    throw error;
  } finally {
    spool?.dispose();
    await pool?.close();
    await reader.close().catch(() => {});
  }
}

function buildExtension(
  plan: SchemaPlan,
  info: JsonValue | undefined,
  layout: ExtensionBlock['layout'],
  pageChecksums: number[],
): ExtensionBlock {
  const plugins: Record<string, string> = {};
  for (const field of plan.fields) plugins[field.plugin.name] = field.plugin.version;
  const block: ExtensionBlock = {
    format: 'tessera',
    extensionVersion: 1,
    creator: { library: '@tessera/core', version: PACKAGE_VERSION },
    schema: plan.fields.map((field) => ({
      name: field.name,
      typeId: field.typeId,
      codec: field.codec.id,
      plugin: field.plugin.name,
      pluginVersion: field.plugin.version,
      ...(field.plugin.origin === undefined ? {} : { factory: field.plugin.origin.exportName }),
      arguments: field.arguments,
    })),
    plugins,
    layout,
    // Placeholder of the final size: checksums are fixed-width, so the block's length is known early.
    checksums: { algorithm: 'crc32', header: PLACEHOLDER, metadata: PLACEHOLDER, allocationTable: PLACEHOLDER, pages: pageChecksums.map(() => PLACEHOLDER) },
  };
  if (info !== undefined) block.info = info;
  return block;
}

function choosePageSize(first: EncodedChunk, wholeDataset: boolean): number {
  let largest = 0;
  let current = -1;
  let currentTotal = 0;
  for (let row = 0; row < first.allocationCount; row++) {
    const sample = first.allocations[row * ALLOCATION_COLUMNS]!;
    if (sample !== current) {
      current = sample;
      currentTotal = 0;
    }
    currentTotal += first.allocations[row * ALLOCATION_COLUMNS + 1]!;
    largest = Math.max(largest, currentTotal);
  }
  const total = first.payloadByteLength;
  if (wholeDataset) return clamp(nextPowerOfTwo(Math.max(total, 1)), MIN_PAGE_SIZE, AUTO_MAX_PAGE_SIZE);
  return clamp(nextPowerOfTwo(Math.max(16 * largest, 1)), AUTO_MIN_PAGE_SIZE, AUTO_MAX_PAGE_SIZE);
}

const nextPowerOfTwo = (value: number) => 2 ** Math.ceil(Math.log2(value));
const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));

function checkPageSize(pageSize: number): void {
  if (!Number.isInteger(pageSize) || pageSize < MIN_PAGE_SIZE || pageSize > MAX_PAGE_SIZE || (pageSize & (pageSize - 1)) !== 0) {
    throw new ArgumentError(
      'pageSize',
      `must be a power of two from ${MIN_PAGE_SIZE} to ${MAX_PAGE_SIZE} bytes (or 'auto'), got ${String(pageSize)}; FFCV uses ${DEFAULT_PAGE_SIZE * 4}`,
    );
  }
}

function checkPositiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new ArgumentError(name, `must be a positive integer, got ${String(value)}`);
  return value;
}

function toTransferable(plan: SchemaPlan, sample: Record<string, unknown>, sampleIndex: number): Record<string, unknown> {
  if (sample === null || typeof sample !== 'object') return sample;
  let copy: Record<string, unknown> | undefined;
  for (const field of plan.fields) {
    if (field.codec.toTransferable !== undefined && field.name in sample) {
      copy ??= { ...sample };
      try {
        copy[field.name] = field.codec.toTransferable(sample[field.name], field.arguments);
      } catch (error) {
        throw wrapPluginError(error, { plugin: field.plugin.name, hook: 'toTransferable', field: field.name, sampleIndex });
      }
    }
  }
  return copy ?? sample;
}

function abortError(signal: AbortSignal): TesseraError {
  return new TesseraError('E_WRITE_ABORTED', `the write was aborted (${String(signal.reason ?? 'AbortSignal')}); the target file was not changed`);
}

function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  let written = 0;
  while (written < bytes.byteLength) written += writeSync(fd, bytes, written, bytes.byteLength - written, position + written);
}

function copyRange(fromFd: number, fromPosition: number, toFd: number, toPosition: number, byteLength: number): void {
  const buffer = new Uint8Array(Math.min(byteLength, 8 << 20));
  let copied = 0;
  while (copied < byteLength) {
    const step = Math.min(buffer.byteLength, byteLength - copied);
    const read = readSync(fromFd, buffer, 0, step, fromPosition + copied);
    if (read <= 0) throw new TesseraError('E_IO', `page spool ended early at ${copied} of ${byteLength} bytes`);
    writeAll(toFd, buffer.subarray(0, read), toPosition + copied);
    copied += read;
  }
}
