/**
 * `cache: 'process'`: a FileSource that keeps the data pages of a `.beton` file in a bounded pool of
 * page-sized buffers inside the process, for network filesystems and files larger than RAM, where
 * mmap's page faults are slow round trips and the OS page cache is not ours to size (FFCV's
 * ProcessCacheManager, with read-ahead that cannot evict what it has not delivered yet).
 *
 * Reads:
 * - Ranges outside the data region [dataStart, dataEnd) (header, descriptors, metadata, extension
 *   block, allocation table) are read directly with pread and not cached: they are read once, at open.
 * - A range inside the data region is served page by page from the pool. A page that is not resident
 *   is read synchronously (a miss: the decoder needs it now) into a slot taken by CLOCK (second
 *   chance), which evicts the least recently used page that is neither being read nor prefetched-but-
 *   unused. The last page may be short when the region is not a whole number of pages.
 * - `view()` inside the data region returns a COPY (a pooled page is reused after eviction, so a view
 *   into it would change under the caller); with `scratch` the copy goes into an internal buffer that
 *   is valid until the next scratch call. A range may cross pages and region boundaries.
 *
 * Prefetch (`prefetch(pages)`, or `advise(…, 'willneed')` over a byte range):
 * - Pages are queued in order and read with asynchronous fs.read, at most `readAheadConcurrency` at a
 *   time. Queued pages that are resident or already being read when their turn comes are skipped.
 * - A prefetched page is protected from eviction until it is first used. Reads in flight plus
 *   prefetched-unused pages never exceed poolPageCount - 1, so a synchronous miss always finds a slot
 *   without evicting them. When that limit is reached the queue waits (it is kept, not dropped); each
 *   first use of a prefetched page lets the next queued read start. So `prefetch(allPagesInOrder)` is
 *   a read-ahead window as deep as the pool, sliding as the pages are consumed. `cancelPrefetch()`
 *   drops the queued reads that have not started.
 * - A miss on a page whose prefetch is still in flight does not wait (it cannot, synchronously): it
 *   reads the page synchronously into another slot, and the asynchronous result is discarded when it
 *   arrives (its slot is freed). Both reads count in `pagesRead`.
 * - A failed prefetch is not fatal: the page stays absent, the failure is counted
 *   (`prefetchFailures`) and remembered, and the next access to the page retries it synchronously.
 *   Only if that read fails too does the access throw E_IO, whose message includes the prefetch error.
 *
 * close() releases the pool at once. Reads still in flight keep their own buffers alive (they are
 * JS-owned, so nothing is ever written into freed memory) and their results are ignored; the file
 * descriptor is closed when the last of them completes, so its number cannot be reused under them.
 * `idle()` promises taken before close() resolve at that moment.
 *
 * Hot path: copyTo/view of a resident range within one page is a typed-array lookup (page → slot),
 * a reference-bit check and one Buffer.copy: no allocation (view allocates its result), no closure.
 */
import { closeSync, read } from 'node:fs';
import { type FileIdentity, checkFileUnchanged } from './file-identity.js';
import type { FileSource, MmapAdvice } from './file-source.js';
import { FileSourceError } from './file-source-error.js';
import {
  MAX_READ_CHUNK_BYTE_LENGTH,
  allocateForView,
  closeQuietly,
  closedError,
  isRangeInside,
  messageOf,
  openRegularFile,
  rangeError,
  readFully,
  targetRangeError,
} from './io-helpers.js';

export interface PageCacheOptions {
  /** Page size of the file in bytes, a power of two; the unit of caching. */
  pageSize: number;
  /** File offset of data page 0. */
  dataStart: number;
  /** End of the data region (exclusive); the last page is short when (dataEnd - dataStart) % pageSize != 0. */
  dataEnd: number;
  /**
   * Pool size in bytes. Default 256 MiB. Rounded down to whole pages, raised to at least two pages,
   * and capped at the pages the data region has. Page buffers are allocated on first use.
   */
  maxBytes?: number;
  /** Asynchronous page reads in flight for prefetch. Default 4 (libuv's default thread pool size). */
  readAheadConcurrency?: number;
}

export interface PageCacheStats {
  /** Data pages read from the file, synchronously or by prefetch (including discarded prefetch results). */
  pagesRead: number;
  /** Bytes of those page reads (reads outside the data region are not counted). */
  bytesRead: number;
  /** Page accesses by copyTo/view served from the pool. A range over k pages counts k accesses. */
  hits: number;
  /** Page accesses that read the page synchronously (including pages whose prefetch was in flight). */
  misses: number;
  /** Pages made resident by prefetch. */
  prefetched: number;
  /** Resident pages dropped to make room for another. */
  evictions: number;
  /** Prefetch reads that failed (the page is retried synchronously on access). */
  prefetchFailures: number;
}

export interface PageCacheSource extends FileSource {
  /** Reads are preads; `fallbackReason` says the data pages go through the in-process cache. */
  readonly mode: 'pread';
  readonly fallbackReason: string;
  readonly pageSize: number;
  readonly dataStart: number;
  readonly dataEnd: number;
  /** Data pages in [dataStart, dataEnd). */
  readonly numPages: number;
  /** Pages the pool holds. */
  readonly poolPageCount: number;
  /**
   * Queues asynchronous reads of these data pages (numbered from dataStart), in order, without
   * blocking. Pages resident or being read when their turn comes are skipped. Reads wait while the
   * pool holds poolPageCount - 1 pages that are prefetched-but-unused or in flight (see the file
   * comment). Throws E_OUT_OF_BOUNDS, queueing nothing, when a page number is not in [0, numPages).
   */
  prefetch(pages: ArrayLike<number>): void;
  /** Drops queued prefetch reads that have not started (reads in flight complete normally). */
  cancelPrefetch(): void;
  /**
   * Resolves when no prefetch read is in flight and none can start: the queue is empty, or waits for
   * prefetched pages to be used. Rejects with E_CLOSED after close(); a promise taken before close()
   * resolves once the reads in flight at close() have completed and the file is closed.
   */
  idle(): Promise<void>;
  /** A snapshot of the counters. */
  stats(): PageCacheStats;
  /**
   * 'willneed' prefetches the data pages overlapping the range (in file order); every other advice
   * is a no-op. Ranges are bounds-checked like reads.
   */
  advise(offset: number, byteLength: number, advice: MmapAdvice): void;
}

const DEFAULT_MAX_BYTES = 256 * 2 ** 20;
const DEFAULT_READ_AHEAD_CONCURRENCY = 4;
/** Largest single read; Linux returns at most 2 GiB - 4 KiB per read() anyway. */

/** Queue entries consumed before the consumed prefix is spliced off. */
const QUEUE_COMPACT_THRESHOLD = 4096;
const EMPTY_BYTES = new Uint8Array(0);
/** Slot placeholder before its page buffer is allocated. */
const NO_BUFFER = Buffer.alloc(0);

// pageSlots values: a slot (>= 0) when resident, NOT_RESIDENT, or inFlightMarker(slot) while a prefetch reads it.
const NOT_RESIDENT = -1;
const NO_PAGE = -1;

// Slot states (CLOCK reference bit plus protection).
/** Free, or resident and not used since the clock hand last passed: evictable. */
const UNREFERENCED = 0;
/** Resident and used recently: the clock hand clears it once before evicting. */
const REFERENCED = 1;
/** Resident by prefetch, not used yet: never evicted. */
const PREFETCHED = 2;
/** A prefetch is reading into it: never evicted. */
const IN_FLIGHT = 3;

type ReadCallback = (error: NodeJS.ErrnoException | null, bytesRead: number) => void;

export function openPageCacheSource(path: string, options: PageCacheOptions): PageCacheSource {
  const { pageSize, dataStart, dataEnd } = options;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const readAheadConcurrency = options.readAheadConcurrency ?? DEFAULT_READ_AHEAD_CONCURRENCY;
  if (!Number.isSafeInteger(pageSize) || pageSize <= 0 || (pageSize & (pageSize - 1)) !== 0 || pageSize > 2 ** 31) {
    throw new FileSourceError('E_ARGUMENT', `option pageSize must be a power of two up to 2 GiB, got ${pageSize}`, { path });
  }
  if (!Number.isSafeInteger(dataStart) || !Number.isSafeInteger(dataEnd) || dataStart < 0 || dataEnd < dataStart) {
    throw new FileSourceError('E_ARGUMENT', `options dataStart ${dataStart} and dataEnd ${dataEnd} must be integers with 0 <= dataStart <= dataEnd`, {
      path,
    });
  }
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
    throw new FileSourceError('E_ARGUMENT', `option maxBytes must be a positive integer, got ${maxBytes}`, { path });
  }
  if (!Number.isSafeInteger(readAheadConcurrency) || readAheadConcurrency < 1) {
    throw new FileSourceError('E_ARGUMENT', `option readAheadConcurrency must be a positive integer, got ${readAheadConcurrency}`, { path });
  }

  const { fd, byteLength: fileByteLength, identity } = openRegularFile(path);
  try {
    if (dataEnd > fileByteLength) {
      throw new FileSourceError('E_ARGUMENT', `option dataEnd ${dataEnd} lies past the end of the ${fileByteLength}-byte file ${path}`, {
        path,
      });
    }
    const numPages = Math.ceil((dataEnd - dataStart) / pageSize);
    const poolPageCount = Math.max(2, Math.min(Math.floor(maxBytes / pageSize), numPages));
    return new ProcessPageCacheSource(path, fd, identity, pageSize, dataStart, dataEnd, numPages, poolPageCount, readAheadConcurrency);
  } catch (error) {
    closeQuietly(fd);
    throw error;
  }
}

class ProcessPageCacheSource implements PageCacheSource {
  readonly path: string;
  readonly byteLength: number;
  readonly mode = 'pread' as const;
  readonly fallbackReason: string;
  readonly pageSize: number;
  readonly dataStart: number;
  readonly dataEnd: number;
  readonly numPages: number;
  readonly poolPageCount: number;

  /** Valid until the last read in flight after close() completes. */
  private readonly fd: number;
  private closed = false;
  /** page → slot, NOT_RESIDENT or inFlightMarker(slot). Emptied by close(), sending every call to the slow path. */
  private pageSlots: Int32Array;
  /** slot → page, or NO_PAGE when free. */
  private readonly slotPages: Int32Array;
  private readonly slotStates: Uint8Array;
  private slotBuffers: Buffer[];
  /** Bytes of the page read so far by the prefetch in flight in each slot. */
  private readonly slotReadByteLengths: Float64Array;
  /** One callback per slot, made on first use, so a prefetch read allocates no closure. */
  private readonly slotReadCallbacks: Array<ReadCallback | undefined>;
  private clockHand = 0;
  private readonly maxInFlight: number;
  private inFlightCount = 0;
  private prefetchedUnusedCount = 0;
  private queue: number[] = [];
  private queueHead = 0;
  /** Why the last prefetch of a page failed, until the page is read. */
  private readonly prefetchErrors = new Map<number, unknown>();
  private idleWaiters: Array<() => void> = [];
  private scratchBuffer: Buffer | null = null;

  private pagesReadCount = 0;
  private bytesReadCount = 0;
  private hitCount = 0;
  private missCount = 0;
  private prefetchedCount = 0;
  private evictionCount = 0;
  private prefetchFailureCount = 0;

  readonly identity: FileIdentity;

  constructor(
    path: string,
    fd: number,
    identity: FileIdentity,
    pageSize: number,
    dataStart: number,
    dataEnd: number,
    numPages: number,
    poolPageCount: number,
    readAheadConcurrency: number,
  ) {
    this.path = path;
    this.fd = fd;
    this.identity = identity;
    this.byteLength = identity.byteLength;
    this.pageSize = pageSize;
    this.dataStart = dataStart;
    this.dataEnd = dataEnd;
    this.numPages = numPages;
    this.poolPageCount = poolPageCount;
    this.maxInFlight = Math.min(readAheadConcurrency, poolPageCount - 1);
    this.fallbackReason = `cache: 'process' reads the data pages with pread into an in-process pool of ${poolPageCount} pages of ${pageSize} bytes`;
    this.pageSlots = new Int32Array(numPages).fill(NOT_RESIDENT);
    this.slotPages = new Int32Array(poolPageCount).fill(NO_PAGE);
    this.slotStates = new Uint8Array(poolPageCount);
    // Array.from makes a packed array (new Array(n).fill() stays holey): the hot path indexes it.
    this.slotBuffers = Array.from({ length: poolPageCount }, () => NO_BUFFER);
    this.slotReadByteLengths = new Float64Array(poolPageCount);
    this.slotReadCallbacks = new Array<ReadCallback | undefined>(poolPageCount).fill(undefined);
  }

  // copyTo() and view() are kept small (errors and everything but a resident single-page range go to
  // the slow path) so they inline into decoder loops, as in MappedFileSource. A negative, NaN,
  // fractional or past-the-region page finds no slot in the typed array (undefined >= 0 is false).
  // The reference bit is updated after the copy: updating it can start a prefetch, whose eviction
  // must not pick the slot being copied from.

  copyTo(offset: number, byteLength: number, target: Uint8Array, targetOffset: number): void {
    const relative = offset - this.dataStart;
    const page = Math.floor(relative / this.pageSize);
    const slot = this.pageSlots[page];
    const start = relative - page * this.pageSize;
    if (
      slot >= 0 &&
      byteLength > 0 &&
      start + byteLength <= this.pageSize &&
      offset + byteLength <= this.dataEnd &&
      targetOffset >= 0 &&
      targetOffset + byteLength <= target.length &&
      Number.isInteger(offset) &&
      Number.isInteger(byteLength) &&
      Number.isInteger(targetOffset)
    ) {
      this.slotBuffers[slot].copy(target, targetOffset, start, start + byteLength);
      this.hitCount++;
      if (this.slotStates[slot] !== REFERENCED) this.touch(slot);
      return;
    }
    this.copyToSlow(offset, byteLength, target, targetOffset);
  }

  /** A copy (see the file comment): a fresh Buffer, or with `scratch` a view valid until the next scratch call. */
  view(offset: number, byteLength: number, scratch?: boolean): Uint8Array {
    const relative = offset - this.dataStart;
    const page = Math.floor(relative / this.pageSize);
    const slot = this.pageSlots[page];
    const start = relative - page * this.pageSize;
    if (
      slot >= 0 &&
      byteLength > 0 &&
      start + byteLength <= this.pageSize &&
      offset + byteLength <= this.dataEnd &&
      Number.isInteger(offset) &&
      Number.isInteger(byteLength)
    ) {
      const target = scratch === true ? this.scratch(offset, byteLength) : Buffer.allocUnsafe(byteLength);
      this.slotBuffers[slot].copy(target, 0, start, start + byteLength);
      this.hitCount++;
      if (this.slotStates[slot] !== REFERENCED) this.touch(slot);
      return target.length === byteLength ? target : target.subarray(0, byteLength);
    }
    return this.viewSlow(offset, byteLength, scratch === true);
  }

  advise(offset: number, byteLength: number, advice: MmapAdvice): void {
    this.checkRange('advise', offset, byteLength);
    if (advice !== 'willneed' || byteLength === 0) return;
    const start = Math.max(offset, this.dataStart);
    const end = Math.min(offset + byteLength, this.dataEnd);
    if (start >= end) return;
    const lastPage = Math.floor((end - 1 - this.dataStart) / this.pageSize);
    for (let page = Math.floor((start - this.dataStart) / this.pageSize); page <= lastPage; page++) this.queue.push(page);
    this.pump();
  }

  prefetch(pages: ArrayLike<number>): void {
    if (this.closed) throw closedError(this.path, 'prefetch');
    const pageCount = pages.length;
    for (let index = 0; index < pageCount; index++) {
      const page = pages[index];
      if (!(page >= 0 && page < this.numPages) || !Number.isInteger(page)) {
        throw new FileSourceError(
          'E_OUT_OF_BOUNDS',
          `prefetch of page ${page} (entry ${index}): ${this.path} has ${this.numPages} data pages (0..${this.numPages - 1})`,
          { path: this.path },
        );
      }
    }
    for (let index = 0; index < pageCount; index++) this.queue.push(pages[index]);
    this.pump();
  }

  cancelPrefetch(): void {
    if (this.closed) throw closedError(this.path, 'cancelPrefetch');
    this.queue = [];
    this.queueHead = 0;
  }

  idle(): Promise<void> {
    if (this.closed) return Promise.reject(closedError(this.path, 'idle'));
    if (this.inFlightCount === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stats(): PageCacheStats {
    if (this.closed) throw closedError(this.path, 'stats');
    return {
      pagesRead: this.pagesReadCount,
      bytesRead: this.bytesReadCount,
      hits: this.hitCount,
      misses: this.missCount,
      prefetched: this.prefetchedCount,
      evictions: this.evictionCount,
      prefetchFailures: this.prefetchFailureCount,
    };
  }

  checkUnchanged(): void {
    if (this.closed) throw closedError(this.path, 'checkUnchanged');
    checkFileUnchanged(this.fd, this.path, this.identity);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pageSlots = new Int32Array(0);
    this.slotBuffers = [];
    this.queue = [];
    this.queueHead = 0;
    this.scratchBuffer = null;
    this.prefetchErrors.clear();
    // Otherwise the last read in flight closes the file (onRead).
    if (this.inFlightCount === 0) this.release(true);
  }

  private checkRange(operation: string, offset: number, byteLength: number): void {
    if (this.closed) throw closedError(this.path, operation);
    if (!isRangeInside(offset, byteLength, this.byteLength)) throw rangeError(this.path, operation, offset, byteLength, this.byteLength);
  }

  private copyToSlow(offset: number, byteLength: number, target: Uint8Array, targetOffset: number): void {
    this.checkRange('copyTo', offset, byteLength);
    if (!isRangeInside(targetOffset, byteLength, target.length)) {
      throw targetRangeError(this.path, offset, byteLength, targetOffset, target.length);
    }
    this.copyRange(offset, byteLength, target, targetOffset);
  }

  private viewSlow(offset: number, byteLength: number, scratch: boolean): Uint8Array {
    this.checkRange('view', offset, byteLength);
    if (byteLength === 0) return EMPTY_BYTES;
    const target = scratch ? this.scratch(offset, byteLength) : allocateForView(this.path, offset, byteLength);
    this.copyRange(offset, byteLength, target, 0);
    return target.length === byteLength ? target : target.subarray(0, byteLength);
  }

  /** Any in-bounds range: direct reads before and after the data region, the pool inside it. */
  private copyRange(offset: number, byteLength: number, target: Uint8Array, targetOffset: number): void {
    const end = offset + byteLength;
    let position = offset;
    if (position < this.dataStart) {
      const chunkEnd = Math.min(end, this.dataStart);
      this.readDirect(target, targetOffset, chunkEnd - position, position);
      position = chunkEnd;
    }
    while (position < end && position < this.dataEnd) {
      const page = Math.floor((position - this.dataStart) / this.pageSize);
      const pageStart = this.dataStart + page * this.pageSize;
      const chunkEnd = Math.min(end, pageStart + this.pageSize, this.dataEnd);
      const slot = this.residentSlot(page);
      this.slotBuffers[slot].copy(target, targetOffset + (position - offset), position - pageStart, chunkEnd - pageStart);
      if (this.slotStates[slot] !== REFERENCED) this.touch(slot);
      position = chunkEnd;
    }
    if (position < end) this.readDirect(target, targetOffset + (position - offset), end - position, position);
  }

  /** The slot holding the page, read synchronously on a miss. Counts the access. */
  private residentSlot(page: number): number {
    const resident = this.pageSlots[page];
    if (resident >= 0) {
      this.hitCount++;
      return resident;
    }
    this.missCount++;
    // When a prefetch of the page is in flight (resident < NOT_RESIDENT), its slot stays protected until
    // its callback sees that pageSlots no longer points at it and frees it.
    const slot = this.takeSlot();
    const byteLength = this.pageByteLength(page);
    const position = this.dataStart + page * this.pageSize;
    this.readPageSync(this.bufferOf(slot), byteLength, position, page);
    this.pagesReadCount++;
    this.bytesReadCount += byteLength;
    this.slotPages[slot] = page;
    this.slotStates[slot] = REFERENCED;
    this.pageSlots[page] = slot;
    if (this.prefetchErrors.size > 0) this.prefetchErrors.delete(page);
    return slot;
  }

  /** A first use of a prefetched page lets the next queued prefetch start; otherwise sets the reference bit. */
  private touch(slot: number): void {
    if (this.slotStates[slot] === PREFETCHED) {
      this.slotStates[slot] = REFERENCED;
      this.prefetchedUnusedCount--;
      if (this.queueHead < this.queue.length) this.pump();
      return;
    }
    this.slotStates[slot] = REFERENCED;
  }

  /**
   * CLOCK: a free or unreferenced slot, clearing reference bits on the way; evicts its page. Slots in
   * flight or prefetched-unused are skipped; the in-flight limit leaves at least one slot for this.
   */
  private takeSlot(): number {
    const slotCount = this.poolPageCount;
    for (let scanned = 0; scanned <= 2 * slotCount; scanned++) {
      const slot = this.clockHand;
      this.clockHand = slot + 1 === slotCount ? 0 : slot + 1;
      const state = this.slotStates[slot];
      if (state === REFERENCED) {
        this.slotStates[slot] = UNREFERENCED;
        continue;
      }
      if (state !== UNREFERENCED) continue;
      const page = this.slotPages[slot];
      if (page !== NO_PAGE) {
        this.pageSlots[page] = NOT_RESIDENT;
        this.slotPages[slot] = NO_PAGE;
        this.evictionCount++;
      }
      return slot;
    }
    throw new FileSourceError(
      'E_IO',
      `internal error: no evictable page in the pool of ${slotCount} (in flight ${this.inFlightCount}, prefetched unused ${this.prefetchedUnusedCount}) for ${this.path}`,
      { path: this.path },
    );
  }

  /** Starts queued prefetch reads while the limits allow. */
  private pump(): void {
    const queue = this.queue;
    const protectedLimit = this.poolPageCount - 1;
    while (
      this.queueHead < queue.length &&
      this.inFlightCount < this.maxInFlight &&
      this.inFlightCount + this.prefetchedUnusedCount < protectedLimit
    ) {
      const page = queue[this.queueHead++];
      if (this.pageSlots[page] !== NOT_RESIDENT) continue;
      const slot = this.takeSlot();
      this.slotPages[slot] = page;
      this.slotStates[slot] = IN_FLIGHT;
      this.pageSlots[page] = inFlightMarker(slot);
      this.slotReadByteLengths[slot] = 0;
      this.inFlightCount++;
      this.readAsync(slot);
    }
    if (this.queueHead === queue.length) {
      queue.length = 0;
      this.queueHead = 0;
    } else if (this.queueHead >= QUEUE_COMPACT_THRESHOLD && this.queueHead * 2 >= queue.length) {
      queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
  }

  /** Reads the rest of the slot's page asynchronously. */
  private readAsync(slot: number): void {
    const page = this.slotPages[slot];
    const doneByteLength = this.slotReadByteLengths[slot];
    const byteLength = Math.min(this.pageByteLength(page) - doneByteLength, MAX_READ_CHUNK_BYTE_LENGTH);
    let callback = this.slotReadCallbacks[slot];
    if (callback === undefined) {
      callback = (error, bytesRead) => this.onRead(slot, error, bytesRead);
      this.slotReadCallbacks[slot] = callback;
    }
    try {
      read(this.fd, this.bufferOf(slot), doneByteLength, byteLength, this.dataStart + page * this.pageSize + doneByteLength, callback);
    } catch (error) {
      // fs.read validates its arguments synchronously; report like an I/O failure, after this call returns.
      process.nextTick(callback, error as NodeJS.ErrnoException, 0);
    }
  }

  private onRead(slot: number, error: NodeJS.ErrnoException | null, bytesRead: number): void {
    if (this.closed) {
      // The pool is gone: drop the result, close the file after the last read.
      this.inFlightCount--;
      if (this.inFlightCount === 0) this.release(false);
      return;
    }
    const page = this.slotPages[slot];
    const pageByteLength = this.pageByteLength(page);
    let failure: unknown = error;
    if (error === null) {
      if (bytesRead > 0) {
        this.slotReadByteLengths[slot] += bytesRead;
        if (this.slotReadByteLengths[slot] < pageByteLength) {
          this.readAsync(slot);
          return;
        }
        failure = null;
      } else {
        const position = this.dataStart + page * this.pageSize;
        failure = new Error(
          `the read hit the end of the file at offset ${position + this.slotReadByteLengths[slot]}; ` +
            `it was ${this.byteLength} bytes when opened and has shrunk since`,
        );
      }
    }
    this.inFlightCount--;
    const owner = this.pageSlots[page] === inFlightMarker(slot);
    if (failure === null) {
      this.pagesReadCount++;
      this.bytesReadCount += pageByteLength;
      if (owner) {
        this.pageSlots[page] = slot;
        this.slotStates[slot] = PREFETCHED;
        this.prefetchedUnusedCount++;
        this.prefetchedCount++;
      }
    } else {
      this.prefetchFailureCount++;
      if (owner) {
        this.pageSlots[page] = NOT_RESIDENT;
        this.prefetchErrors.set(page, failure);
      }
    }
    if (failure !== null || !owner) {
      // Failed, or the page was read synchronously meanwhile: free the slot.
      this.slotPages[slot] = NO_PAGE;
      this.slotStates[slot] = UNREFERENCED;
    }
    this.pump();
    if (this.inFlightCount === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  /** Closes the file and resolves idle() waiters; from close() errors are thrown, from a callback ignored. */
  private release(throwErrors: boolean): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
    try {
      closeSync(this.fd);
    } catch (error) {
      if (throwErrors) {
        throw new FileSourceError('E_IO', `closing ${this.path} failed: ${messageOf(error)}`, { path: this.path, cause: error });
      }
    }
  }

  private pageByteLength(page: number): number {
    return Math.min(this.pageSize, this.dataEnd - (this.dataStart + page * this.pageSize));
  }

  private bufferOf(slot: number): Buffer {
    let buffer = this.slotBuffers[slot];
    if (buffer === NO_BUFFER) {
      buffer = allocateForView(this.path, this.dataStart + this.slotPages[slot] * this.pageSize, this.pageSize);
      this.slotBuffers[slot] = buffer;
    }
    return buffer;
  }

  private readPageSync(buffer: Buffer, byteLength: number, position: number, page: number): void {
    try {
      this.readDirect(buffer, 0, byteLength, position);
    } catch (error) {
      const prefetchError = this.prefetchErrors.get(page);
      if (prefetchError === undefined || !(error instanceof FileSourceError)) throw error;
      this.prefetchErrors.delete(page);
      throw new FileSourceError('E_IO', `${error.message}; an earlier prefetch of data page ${page} failed too: ${messageOf(prefetchError)}`, {
        path: this.path,
        offset: position,
        byteLength,
        cause: error,
      });
    }
  }

  /** pread of [position, position + byteLength) into target; loops over short reads. */
  private readDirect(target: Uint8Array, targetOffset: number, byteLength: number, position: number): void {
    readFully(this.fd, this.path, this.byteLength, target, targetOffset, byteLength, position);
  }


  /** The scratch buffer, grown (doubling) to hold at least byteLength bytes. */
  private scratch(offset: number, byteLength: number): Buffer {
    const current = this.scratchBuffer;
    if (current !== null && current.length >= byteLength) return current;
    const grown = allocateForView(this.path, offset, Math.max(byteLength, current === null ? 0 : current.length * 2));
    this.scratchBuffer = grown;
    return grown;
  }
}

function inFlightMarker(slot: number): number {
  return -2 - slot;
}
