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
  TYPE_ID,
} from '../spec/constants.js';
import { type ExtensionBlock, SIDECAR_OF_OPTION, type SidecarBase, checksumHex, encodeExtensionBlock } from '../spec/extension-block.js';
import { encodeFieldDescriptor } from '../spec/field-descriptor.js';
import { encodeHeader } from '../spec/header.js';
import { assertLittleEndianHost } from '../spec/host.js';
import { alignUp } from '../spec/metadata-layout.js';
import { crc32, crc32Zeros } from '../util/crc32.js';
import { checkKnownOptions } from '../util/check-options.js';
import { ioError } from '../util/io-error.js';
import { findJsonProblem } from '../util/json-value.js';
import { PACKAGE_VERSION } from '../version.js';
import { type AtomicFile, createAtomicFile, createScratchFile } from './atomic-file.js';
import { type DataSource, readSource } from './data-source.js';
import { type EncodePool, createEncodePool } from './encode-pool.js';
import { type Schema, type SchemaPlan, planSchema, serializeSchema } from './field-plan.js';
import { PageAllocator, largestSample } from './page-allocator.js';
import { ALLOCATION_COLUMNS, type EncodedChunk, encodeChunk } from './sample-encoder.js';

export interface WriteOptions {
  /**
   * Page size in bytes: a power of two from 4 KiB to 2 GiB, or 'auto' (default). 'auto' looks at the
   * first chunk: a dataset that fits in it gets the smallest page that holds it (a tiny dataset
   * costs kilobytes, not megabytes); otherwise 16 × the largest sample, between 64 KiB and 8 MiB.
   * With compatibility 'ffcv' the page is also at least the largest sample (grown mid-write when a
   * later sample is larger); with 'tessera', samples larger than a page are allowed and span pages.
   */
  pageSize?: number | 'auto';
  /**
   * 'ffcv' (the default when every field has one of FFCV's type ids 0–6): the file also reads
   * correctly with FFCV's Loader — every sample fits in one page (an explicit `pageSize` smaller
   * than a sample is E_ARGUMENT) and an empty value gets a pointer of its own (one padding byte;
   * its size stays 0). 'tessera' (the default with plugin fields): FFCV's writer's layout, where
   * samples may span pages and empty values share the next value's pointer. FFCV's Reader reads
   * both exactly; `ffcvLoaderSafety(dataset)` tells whether an existing file is safe for the Loader.
   */
  compatibility?: 'ffcv' | 'tessera';
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
const WRITE_OPTION_NAMES = ['pageSize', 'workers', 'chunkSize', 'plugins', 'integrity', 'info', 'onProgress', 'signal', 'compatibility'];
const WRITE_OPTION_HINTS: Readonly<Record<string, string>> = {
  page_size: 'pageSize',
  num_workers: 'workers',
  chunksize: 'chunkSize',
  chunk_size: 'chunkSize',
  progress: 'onProgress',
};

/**
 * Writes a dataset to `path` atomically: under a temporary name, renamed into place once complete and
 * synced. The output is byte-identical for the same input and options whatever `workers` is.
 */
export async function writeDataset(path: string, schema: Schema, source: DataSource, options: WriteOptions = {}): Promise<WriteSummary> {
  assertLittleEndianHost();
  const started = performance.now();
  checkKnownOptions('writeDataset options', options, WRITE_OPTION_NAMES, WRITE_OPTION_HINTS);
  const plan = planSchema(schema, options.plugins);
  const chunkSize = checkPositiveInteger('chunkSize', options.chunkSize ?? DEFAULT_CHUNK_SIZE);
  const workers = options.workers ?? Math.min(4, availableParallelism());
  if (!Number.isInteger(workers) || workers < 0) throw new ArgumentError('workers', `must be a non-negative integer, got ${String(workers)}`);
  const requestedPageSize = options.pageSize ?? 'auto';
  if (requestedPageSize !== 'auto') checkPageSize(requestedPageSize);
  if (typeof path !== 'string' || path.length === 0) throw new ArgumentError('path', 'must be a non-empty file path');
  const ffcv = checkCompatibility(plan, options.compatibility) === 'ffcv';
  if (options.info !== undefined) {
    const problem = findJsonProblem(options.info);
    if (problem !== undefined) throw new ArgumentError(`info${problem.path.slice(1)}`, `${problem.problem} (info is stored as JSON in the extension block)`);
  }
  // Fields whose codecs only copy their values are encoded here whatever `workers` is: a worker would
  // receive a copy of every value (structured clone) only to copy it once more.
  const encodeInWorkers = workers > 0 && plan.fields.some((field) => field.codec.encodeCopiesOnly !== true);
  const serialized = encodeInWorkers ? serializeSchema(plan) : undefined;

  const reader = readSource(source);
  // The target is checked and the temporary file created before any worker starts; every failure
  // after that aborts the file and terminates the workers (finally).
  let file: AtomicFile | undefined;
  let pool: EncodePool | undefined;
  let spool: ReturnType<typeof createScratchFile> | undefined;
  let allocator: PageAllocator | undefined;
  try {
    file = createAtomicFile(path);
    const fd = file.fd;
    const label = file.finalPath;
    if (serialized !== undefined) pool = createEncodePool(serialized, workers);
    const activePool = pool;
    const encode = (samples: readonly Record<string, unknown>[], first: number): Promise<EncodedChunk> => {
      if (activePool === undefined) return encodeChunk(plan, samples, first);
      const transferable = samples.map((sample, offset) => toTransferable(plan, sample, first + offset));
      return activePool.encode(transferable, first);
    };
    const maxInFlight = activePool === undefined ? 1 : activePool.size * 2;
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
        let promise: Promise<EncodedChunk>;
        try {
          promise = encode(samples, nextSampleIndex);
        } catch (error) {
          promise = Promise.reject(error);
        }
        promise.catch(() => {});
        queue.push(promise);
        nextSampleIndex += samples.length;
      }
    };

    const metadataStart = HEADER_BYTE_LENGTH + plan.fields.length * FIELD_DESCRIPTOR_BYTE_LENGTH;
    const recordByteLength = plan.recordByteLength;
    let pageSize = 0;
    let dataStart = 0;
    const knownLength = reader.length;
    const heldMetadata: Array<{ metadata: Uint8Array; fixups: number[] }> = [];
    // Absolute file positions of the pointers written so far, kept only while the page may still grow.
    const growable = ffcv && requestedPageSize === 'auto';
    const writtenPointers: number[] = [];
    let metadataChecksum = 0;
    // Record-relative offsets of the pointers written (the extension block lists them for merges).
    const pointerOffsets = new Set<number>();
    let samplesWritten = 0;
    let payloadByteLength = 0;

    for (;;) {
      await fill();
      const next = queue.shift();
      if (next === undefined) break;
      const chunk = await next;
      if (options.signal?.aborted) throw abortError(options.signal);
      const largest = ffcv ? largestSample(chunk, true) : undefined;
      if (allocator === undefined) {
        // Whether the first chunk is the whole dataset must not depend on how far the source was read
        // ahead (more with workers): ask for one more chunk before deciding.
        if (requestedPageSize === 'auto' && !sourceDone && queue.length === 0) await fill();
        pageSize = requestedPageSize === 'auto' ? choosePageSize(chunk, sourceDone && queue.length === 0) : requestedPageSize;
        if (largest !== undefined && requestedPageSize === 'auto') pageSize = Math.max(pageSize, ffcvPageSize(largest));
        if (knownLength !== undefined) {
          dataStart = alignUp(metadataStart + knownLength * recordByteLength, pageSize);
          allocator = new PageAllocator(pageSize, fd, dataStart, { reserveEmpty: ffcv, label, backgroundWrites: true });
        } else {
          spool = createScratchFile(label);
          allocator = new PageAllocator(pageSize, spool.fd, 0, { reserveEmpty: ffcv, label: spool.path, backgroundWrites: true });
        }
      }
      if (largest !== undefined && largest.byteLength > pageSize) {
        if (!growable) throw pageTooSmallError(largest, pageSize);
        const grown = Math.max(ffcvPageSize(largest), pageSize * 2);
        if (knownLength !== undefined) {
          const grownDataStart = alignUp(metadataStart + knownLength * recordByteLength, grown);
          allocator.flushNow();
          await allocator.drain();
          moveData(fd, dataStart, grownDataStart, allocator.byteLength, label);
          metadataChecksum = shiftPointers(fd, metadataStart, samplesWritten, recordByteLength, writtenPointers, grownDataStart - dataStart, label);
          allocator.growPageSize(grown, grownDataStart);
          dataStart = grownDataStart;
        } else {
          allocator.growPageSize(grown, 0);
        }
        pageSize = grown;
      }
      if (knownLength !== undefined) {
        const fixups = growable ? [] : undefined;
        allocator.place(chunk, dataStart, fixups);
        // The pages go to the file in the background while the next chunk is encoded and checksummed.
        await allocator.settle();
        const metadataOffset = metadataStart + chunk.firstSampleIndex * recordByteLength;
        if (fixups !== undefined) for (const position of fixups) writtenPointers.push(metadataOffset + position);
        allocator.writeAt(chunk.metadata, metadataOffset);
        metadataChecksum = crc32(chunk.metadata, metadataChecksum);
      } else {
        const fixups: number[] = [];
        allocator.place(chunk, 0, fixups);
        await allocator.settle();
        heldMetadata.push({ metadata: chunk.metadata, fixups });
      }
      for (let row = 0; row < chunk.allocationCount; row++) {
        const position = chunk.allocations[row * ALLOCATION_COLUMNS + 2]!;
        if (position >= 0) pointerOffsets.add(position % recordByteLength);
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
      allocator = new PageAllocator(pageSize, fd, 0, { reserveEmpty: ffcv, label });
    }
    const numSamples = samplesWritten;
    const placed = await allocator.finishAsync();
    const numPages = allocator.pageCount;
    const metadataEnd = metadataStart + numSamples * recordByteLength;
    dataStart = numPages > 0 ? alignUp(metadataEnd, pageSize) : metadataEnd;
    const dataEnd = dataStart + placed.dataByteLength;

    if (knownLength === undefined) {
      let position = metadataStart;
      for (const held of heldMetadata) {
        const view = new DataView(held.metadata.buffer, held.metadata.byteOffset, held.metadata.byteLength);
        for (const fixup of held.fixups) view.setBigUint64(fixup, view.getBigUint64(fixup, true) + BigInt(dataStart), true);
        writeAll(fd, held.metadata, position, label);
        metadataChecksum = crc32(held.metadata, metadataChecksum);
        position += held.metadata.byteLength;
      }
      if (spool !== undefined) copyRange(spool.fd, 0, fd, dataStart, placed.dataByteLength, label);
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
      const sidecarOf = (options as { [SIDECAR_OF_OPTION]?: SidecarBase })[SIDECAR_OF_OPTION];
      if (sidecarOf !== undefined) block.sidecarOf = sidecarOf;
      block.pointerOffsets = [...pointerOffsets].sort((a, b) => a - b);
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
    writeAll(fd, extensionBytes, dataEnd, label);
    writeAll(fd, tableBytes, dataEnd + extensionBytes.byteLength, label);
    // The header goes last: until this write the file starts with zeros and reads as invalid.
    writeAll(fd, descriptorBytes, 0, label);
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
    // Background page writes still queued must land (or fail) before the descriptor is closed: the
    // process reuses the number at once, and a late write would go into whatever file got it.
    await allocator?.drain().catch(() => {});
    file?.abort();
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
        // A value the codec refuses reads the same whatever the worker count (encode() checks it too).
        const hook = error instanceof TesseraError && error.code === 'E_FIELD_VALUE' ? 'encode' : 'toTransferable';
        throw wrapPluginError(error, { plugin: field.plugin.name, hook, field: field.name, sampleIndex });
      }
    }
  }
  return copy ?? sample;
}

function abortError(signal: AbortSignal): TesseraError {
  return new TesseraError('E_WRITE_ABORTED', `the write was aborted (${String(signal.reason ?? 'AbortSignal')}); the target file was not changed`);
}

/** Writes all of `bytes` at `position` (E_IO naming `label` on failure). */
export function writeAll(fd: number, bytes: Uint8Array, position: number, label: string): void {
  let written = 0;
  try {
    while (written < bytes.byteLength) written += writeSync(fd, bytes, written, bytes.byteLength - written, position + written);
  } catch (error) {
    throw ioError(error, 'write', label);
  }
}

function readAll(fd: number, buffer: Uint8Array, position: number, label: string): void {
  let done = 0;
  try {
    while (done < buffer.byteLength) {
      const read = readSync(fd, buffer, done, buffer.byteLength - done, position + done);
      if (read <= 0) throw new TesseraError('E_IO', `cannot read back ${label}: it ended at ${position + done} of ${position + buffer.byteLength} bytes`);
      done += read;
    }
  } catch (error) {
    throw ioError(error, 'read back', label);
  }
}

function copyRange(fromFd: number, fromPosition: number, toFd: number, toPosition: number, byteLength: number, label: string): void {
  const buffer = new Uint8Array(Math.min(byteLength, 8 << 20));
  for (let copied = 0; copied < byteLength; ) {
    const step = Math.min(buffer.byteLength, byteLength - copied);
    readAll(fromFd, buffer.subarray(0, step), fromPosition + copied, label);
    writeAll(toFd, buffer.subarray(0, step), toPosition + copied, label);
    copied += step;
  }
}

/** Moves `byteLength` bytes from `from` to a later offset `to` (back to front), zeroing what is left behind. */
function moveData(fd: number, from: number, to: number, byteLength: number, label: string): void {
  if (to === from || byteLength === 0) return;
  const buffer = new Uint8Array(Math.min(byteLength, 8 << 20));
  for (let end = byteLength; end > 0; ) {
    const step = Math.min(buffer.byteLength, end);
    readAll(fd, buffer.subarray(0, step), from + end - step, label);
    writeAll(fd, buffer.subarray(0, step), to + end - step, label);
    end -= step;
  }
  const zeros = new Uint8Array(Math.min(to - from, byteLength, 8 << 20));
  for (let position = from; position < Math.min(to, from + byteLength); position += zeros.byteLength) {
    writeAll(fd, zeros.subarray(0, Math.min(zeros.byteLength, Math.min(to, from + byteLength) - position)), position, label);
  }
}

/**
 * Adds `delta` to the u64 pointers at `positions` (ascending absolute offsets) in the first
 * `recordCount` metadata records, read and rewritten in blocks of whole records; returns the CRC-32
 * of those records.
 */
function shiftPointers(fd: number, start: number, recordCount: number, recordByteLength: number, positions: readonly number[], delta: number, label: string): number {
  const recordsPerBlock = Math.max(1, Math.floor((8 << 20) / Math.max(recordByteLength, 1)));
  const buffer = new Uint8Array(Math.min(recordCount, recordsPerBlock) * recordByteLength);
  const view = new DataView(buffer.buffer);
  let checksum = 0;
  let next = 0;
  for (let record = 0; record < recordCount; record += recordsPerBlock) {
    const blockStart = start + record * recordByteLength;
    const block = buffer.subarray(0, Math.min(recordsPerBlock, recordCount - record) * recordByteLength);
    readAll(fd, block, blockStart, label);
    const blockEnd = blockStart + block.byteLength;
    for (; next < positions.length && positions[next]! < blockEnd; next++) {
      const local = positions[next]! - blockStart;
      view.setBigUint64(local, view.getBigUint64(local, true) + BigInt(delta), true);
    }
    writeAll(fd, block, blockStart, label);
    checksum = crc32(block, checksum);
  }
  return checksum;
}

/** The page size FFCV's Loader needs for a sample: a power of two holding it, at least the auto minimum. */
function ffcvPageSize(largest: { sampleIndex: number; byteLength: number }): number {
  const needed = nextPowerOfTwo(Math.max(largest.byteLength, 1));
  if (needed > MAX_PAGE_SIZE) {
    throw new ArgumentError(
      'compatibility',
      `sample ${largest.sampleIndex} needs ${largest.byteLength} bytes in one page, more than the largest page (${MAX_PAGE_SIZE} bytes), so FFCV's Loader cannot read it; write with compatibility: 'tessera' (samples then span pages)`,
    );
  }
  return Math.max(needed, MIN_PAGE_SIZE);
}

function pageTooSmallError(largest: { sampleIndex: number; byteLength: number }, pageSize: number): ArgumentError {
  const needed = nextPowerOfTwo(Math.max(largest.byteLength, 1));
  return new ArgumentError(
    'pageSize',
    `${pageSize} is smaller than sample ${largest.sampleIndex} (${largest.byteLength} bytes, empty values counted as 1), and FFCV's Loader cannot read a sample that spans pages; pass pageSize: ${needed} or more, 'auto', or compatibility: 'tessera'`,
  );
}

/** 'ffcv' by default when FFCV could read every field (type ids 0–6), else 'tessera'. */
function checkCompatibility(plan: SchemaPlan, compatibility: WriteOptions['compatibility']): 'ffcv' | 'tessera' {
  const pluginField = plan.fields.find((field) => field.typeId === TYPE_ID.PLUGIN);
  if (compatibility === undefined) return pluginField === undefined ? 'ffcv' : 'tessera';
  if (compatibility !== 'ffcv' && compatibility !== 'tessera') {
    throw new ArgumentError('compatibility', `must be 'ffcv' or 'tessera', got ${JSON.stringify(compatibility)}`);
  }
  if (compatibility === 'ffcv' && pluginField !== undefined) {
    throw new ArgumentError(
      'compatibility',
      `'ffcv' needs fields FFCV can read, but field "${pluginField.name}" uses the plugin codec ${pluginField.codec.id}; use compatibility: 'tessera' or leave it out`,
    );
  }
  return compatibility;
}
