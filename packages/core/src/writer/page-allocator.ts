import { readSync, writeSync, writev, writevSync } from 'node:fs';
import { crc32 } from '../util/crc32.js';
import { ioError } from '../util/io-error.js';
import { ALLOCATION_COLUMNS, type EncodedChunk } from './sample-encoder.js';

/**
 * Places encoded samples into pages, in sample order, and streams the page bytes to a file.
 *
 * Pointers are kept relative to the start of the data region until the caller knows where that
 * region starts (`pointerBase`). The rule is FFCV's: a sample's allocations are contiguous; a
 * sample that does not fit in what is left of the current page starts a new page. Unlike FFCV,
 * a sample larger than a page is allowed: it starts on a fresh page and spans as many as it
 * needs (the next sample continues after it). A sample with no bytes gets the current position,
 * which before the first page is one page before the data region (FFCV's convention).
 *
 * With `reserveEmpty` (compatibility 'ffcv') a zero-length allocation takes one zero byte, so its
 * pointer is its own and never equals the next value's (FFCV's loader looks sizes up by pointer).
 */
export interface PlacedAllocations {
  sampleIndices: Float64Array;
  /** relative to the data region start */
  pointers: Float64Array;
  byteLengths: Float64Array;
  count: number;
}

const WRITE_BUFFER_BYTE_LENGTH = 8 << 20;
/** below the usual IOV_MAX (1024) */
const MAX_SEGMENTS = 512;
const ZEROS = new Uint8Array(1 << 20);

export interface PageAllocatorOptions {
  /** give every zero-length allocation one byte of its own (its recorded size stays 0) */
  reserveEmpty?: boolean;
  /** the path named in E_IO errors */
  label: string;
  /**
   * Write in the background (libuv's thread pool) while the calling thread goes on: the next
   * payloads' checksums and encoding overlap the previous writes. The caller then awaits `settle()`
   * between chunks (backpressure) and `drain()` before it uses the file (finishAsync does).
   */
  backgroundWrites?: boolean;
}

/** bytes of background writes queued or running before settle() waits */
const MAX_BACKGROUND_BYTES = 4 * WRITE_BUFFER_BYTE_LENGTH;

export class PageAllocator {
  pageSize: number;
  /** number of pages opened so far */
  pageCount = 0;
  /** relative position of the next free byte (meaningful once a page is open) */
  private cursor = 0;
  private readonly allocations: PlacedAllocations;
  private readonly pageChecksums: number[] = [];
  private currentPageChecksum = 0;
  /** relative offset up to which bytes were handed to the file */
  private emitted = 0;
  /** bytes queued for the next vectored write (views of the payloads: no copy) */
  private segments: Uint8Array[] = [];
  private buffered = 0;
  /** set by growPageSize(): page checksums are computed from the file at finish() */
  private checksumsFromFile = false;
  private readonly reserve: number;
  private readonly label: string;
  private readonly background: boolean;
  /** background writes not yet completed, and their bytes */
  private readonly inFlight = new Set<Promise<void>>();
  private inFlightBytes = 0;
  /** the last background write handed out: the next one starts when it is done */
  private lastWrite: Promise<void> = Promise.resolve();
  /** the first failure of a background write, rethrown by settle/drain/flush */
  private writeFailure: unknown;

  constructor(
    pageSize: number,
    private readonly fd: number,
    /** file offset where relative position 0 is written */
    private fileBase: number,
    options: PageAllocatorOptions,
  ) {
    this.pageSize = pageSize;
    this.reserve = options.reserveEmpty === true ? 1 : 0;
    this.label = options.label;
    this.background = options.backgroundWrites === true;
    this.allocations = { sampleIndices: new Float64Array(1024), pointers: new Float64Array(1024), byteLengths: new Float64Array(1024), count: 0 };
  }

  /**
   * Places every sample of the chunk and writes `pointerBase + relative position` into each pointer
   * slot of chunk.metadata; `fixups` collects those slots when the base is not final yet.
   */
  place(chunk: EncodedChunk, pointerBase: number, fixups: number[] | undefined): void {
    const { allocations, allocationCount, payloads } = chunk;
    const metadata = new DataView(chunk.metadata.buffer, chunk.metadata.byteOffset, chunk.metadata.byteLength);
    let row = 0;
    while (row < allocationCount) {
      const local = allocations[row * ALLOCATION_COLUMNS]!;
      let end = row;
      let total = 0;
      while (end < allocationCount && allocations[end * ALLOCATION_COLUMNS] === local) {
        total += allocations[end * ALLOCATION_COLUMNS + 1]! || this.reserve;
        end++;
      }
      let position: number;
      if (total === 0) {
        position = this.pageCount === 0 ? -this.pageSize : this.cursor;
      } else {
        const pageEnd = this.pageCount * this.pageSize;
        if (this.pageCount === 0 || this.cursor + total > pageEnd) {
          this.padTo(pageEnd);
          position = pageEnd;
          this.pageCount += 1;
        } else {
          position = this.cursor;
        }
        this.cursor = position + total;
        while (this.cursor > this.pageCount * this.pageSize) this.pageCount += 1;
      }
      const sampleIndex = chunk.firstSampleIndex + local;
      for (let index = row; index < end; index++) {
        const byteLength = allocations[index * ALLOCATION_COLUMNS + 1]!;
        const pointerPosition = allocations[index * ALLOCATION_COLUMNS + 2]!;
        if (pointerPosition >= 0) {
          metadata.setBigUint64(pointerPosition, BigInt(pointerBase + position), true);
          fixups?.push(pointerPosition);
        }
        this.record(sampleIndex, position, byteLength);
        if (byteLength > 0) this.emit(payloads[index]!);
        else if (this.reserve > 0) this.emit(ZEROS.subarray(0, this.reserve));
        position += byteLength || this.reserve;
      }
      row = end;
    }
  }

  /** Bytes handed out so far (relative positions [0, byteLength) are written or queued). */
  get byteLength(): number {
    return this.emitted + this.buffered;
  }

  /**
   * Switches to a larger page size (a multiple of the current one) mid-write. Every sample placed so
   * far stays inside one page, since the new page boundaries are a subset of the old ones. Bytes are
   * flushed first; the caller moves them when the data region start changes (`fileBase`).
   */
  growPageSize(pageSize: number, fileBase: number): void {
    this.flush();
    this.pageSize = pageSize;
    this.fileBase = fileBase;
    this.pageCount = Math.ceil(this.cursor / pageSize);
    this.checksumsFromFile = true;
  }

  /** Writes queued bytes to the file now (with background writes: starts them; `drain()` waits). */
  flushNow(): void {
    this.flush();
  }

  /**
   * Writes `bytes` at an absolute file position of this allocator's file: in the background with
   * background writes (a synchronous write would wait for the background ones on the file's lock),
   * else now. `bytes` must not change until drain().
   */
  writeAt(bytes: Uint8Array, position: number): void {
    if (bytes.byteLength === 0) return;
    if (this.background) {
      this.rethrowFailure();
      this.writeInBackground([bytes], position, bytes.byteLength);
      return;
    }
    try {
      const written = writevSync(this.fd, [bytes], position);
      if (written < bytes.byteLength) this.completeShortWrite([bytes], position, written);
    } catch (error) {
      throw ioError(error, 'write', this.label);
    }
  }

  /** Background writes: waits while more than MAX_BACKGROUND_BYTES are in flight; rethrows a failed write. */
  async settle(): Promise<void> {
    while (this.inFlightBytes > MAX_BACKGROUND_BYTES && this.inFlight.size > 0) await Promise.race(this.inFlight);
    // A turn of the event loop: completed writes are seen (only there) and the next one starts.
    if (this.inFlight.size > 1) await new Promise<void>((resolve) => setImmediate(resolve));
    this.rethrowFailure();
  }

  /** Background writes: waits for every write handed out so far; rethrows a failed write. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    this.rethrowFailure();
  }

  /** finish() for background writes: pads, writes, waits for every write, then checksums from the file if needed. */
  async finishAsync(): Promise<{ allocations: PlacedAllocations; pageChecksums: number[]; dataByteLength: number }> {
    this.padTo(this.pageCount * this.pageSize);
    this.flush();
    await this.drain();
    if (this.checksumsFromFile) this.checksumPagesFromFile();
    return { allocations: this.allocations, pageChecksums: this.pageChecksums, dataByteLength: this.pageCount * this.pageSize };
  }

  private rethrowFailure(): void {
    if (this.writeFailure !== undefined) throw ioError(this.writeFailure, 'write', this.label);
  }

  /** Pads the last page with zeros, flushes, and returns the tables (synchronous writes only: see finishAsync). */
  finish(): { allocations: PlacedAllocations; pageChecksums: number[]; dataByteLength: number } {
    this.padTo(this.pageCount * this.pageSize);
    this.flush();
    if (this.checksumsFromFile) this.checksumPagesFromFile();
    return { allocations: this.allocations, pageChecksums: this.pageChecksums, dataByteLength: this.pageCount * this.pageSize };
  }

  private record(sampleIndex: number, pointer: number, byteLength: number): void {
    const table = this.allocations;
    if (table.count === table.pointers.length) {
      const grow = (array: Float64Array) => {
        const next = new Float64Array(array.length * 2);
        next.set(array);
        return next;
      };
      table.sampleIndices = grow(table.sampleIndices);
      table.pointers = grow(table.pointers);
      table.byteLengths = grow(table.byteLengths);
    }
    table.sampleIndices[table.count] = sampleIndex;
    table.pointers[table.count] = pointer;
    table.byteLengths[table.count] = byteLength;
    table.count += 1;
  }

  private padTo(relative: number): void {
    let remaining = relative - (this.emitted + this.buffered);
    while (remaining > 0) {
      const step = Math.min(remaining, ZEROS.byteLength);
      this.emit(ZEROS.subarray(0, step));
      remaining -= step;
    }
  }

  private emit(bytes: Uint8Array): void {
    this.segments.push(bytes);
    this.buffered += bytes.byteLength;
    if (this.buffered >= WRITE_BUFFER_BYTE_LENGTH || this.segments.length >= MAX_SEGMENTS) this.flush();
  }

  private checksumPagesFromFile(): void {
    this.pageChecksums.length = 0;
    const buffer = new Uint8Array(Math.min(this.pageSize, WRITE_BUFFER_BYTE_LENGTH));
    for (let page = 0; page < this.pageCount; page++) {
      let checksum = 0;
      for (let done = 0; done < this.pageSize; ) {
        const step = Math.min(buffer.byteLength, this.pageSize - done);
        let read: number;
        try {
          read = readSync(this.fd, buffer, 0, step, this.fileBase + page * this.pageSize + done);
        } catch (error) {
          throw ioError(error, 'read back', this.label);
        }
        if (read <= 0) throw ioError(new Error(`the file ended at page ${page}`), 'read back', this.label);
        checksum = crc32(buffer.subarray(0, read), checksum);
        done += read;
      }
      this.pageChecksums.push(checksum);
    }
  }

  private flush(): void {
    this.rethrowFailure();
    if (this.buffered === 0) return;
    try {
      this.writeQueued();
    } catch (error) {
      throw ioError(error, 'write', this.label);
    }
  }

  /**
   * Hands the queued segments to a background vectored write at `position`; a short write finishes
   * synchronously there. Page writes (1 MiB and more) run one after another, in order (each starts
   * when the previous one is done): concurrent writes to one file contend for its lock in the kernel
   * and ran at 0.82× of one sequential writer here, chained ones at 0.99× (8 MiB writes into tmpfs).
   * Small writes (a chunk's metadata records) start at once. The next chained write starts when the
   * event loop sees the previous one complete: settle() gives it a turn.
   */
  private writeInBackground(segments: Uint8Array[], position: number, byteLength: number): void {
    const start = () =>
      new Promise<void>((resolve) => {
        // After a failure the write has failed: the rest are not started.
        if (this.writeFailure !== undefined) {
          resolve();
          return;
        }
        writev(this.fd, segments, position, (error, written) => {
          try {
            if (error !== null) throw error;
            if (written < byteLength) this.completeShortWrite(segments, position, written);
          } catch (failure) {
            this.writeFailure ??= failure;
          }
          resolve();
        });
      });
    const serial = byteLength >= (1 << 20);
    const write = serial ? this.lastWrite.then(start) : start();
    if (serial) this.lastWrite = write;
    this.inFlight.add(write);
    this.inFlightBytes += byteLength;
    void write.then(() => {
      this.inFlight.delete(write);
      this.inFlightBytes -= byteLength;
    });
  }

  /** Writes what a short vectored write left, segment by segment. */
  private completeShortWrite(segments: readonly Uint8Array[], position: number, written: number): void {
    let skip = written;
    for (const segment of segments) {
      if (skip >= segment.byteLength) {
        skip -= segment.byteLength;
        continue;
      }
      let offset = skip;
      skip = 0;
      while (offset < segment.byteLength) {
        const count = writeSync(this.fd, segment, offset, segment.byteLength - offset, position + written);
        offset += count;
        written += count;
      }
    }
  }

  private writeQueued(): void {
    // Page checksums over the queued bytes, split at page boundaries (recomputed later after a growth).
    let absolute = this.emitted;
    for (const segment of this.checksumsFromFile ? [] : this.segments) {
      let start = 0;
      while (start < segment.byteLength) {
        const pageEnd = (Math.floor(absolute / this.pageSize) + 1) * this.pageSize;
        const end = Math.min(segment.byteLength, start + pageEnd - absolute);
        this.currentPageChecksum = crc32(segment.subarray(start, end), this.currentPageChecksum);
        absolute += end - start;
        if (absolute === pageEnd) {
          this.pageChecksums.push(this.currentPageChecksum);
          this.currentPageChecksum = 0;
        }
        start = end;
      }
    }
    const position = this.fileBase + this.emitted;
    if (this.background) {
      this.writeInBackground(this.segments, position, this.buffered);
    } else {
      const written = writevSync(this.fd, this.segments, position);
      if (written < this.buffered) this.completeShortWrite(this.segments, position, written);
    }
    this.emitted += this.buffered;
    this.buffered = 0;
    this.segments = [];
  }
}


/** The sample of a chunk that needs the most contiguous bytes, counted as place() counts them. */
export function largestSample(chunk: EncodedChunk, reserveEmpty: boolean): { sampleIndex: number; byteLength: number } {
  const reserve = reserveEmpty ? 1 : 0;
  let largest = 0;
  let largestIndex = -1;
  let current = -1;
  let total = 0;
  for (let row = 0; row < chunk.allocationCount; row++) {
    const local = chunk.allocations[row * ALLOCATION_COLUMNS]!;
    if (local !== current) {
      current = local;
      total = 0;
    }
    total += chunk.allocations[row * ALLOCATION_COLUMNS + 1]! || reserve;
    if (total > largest) {
      largest = total;
      largestIndex = chunk.firstSampleIndex + local;
    }
  }
  return { sampleIndex: largestIndex, byteLength: largest };
}
