/**
 * Random access to one file: zero-copy views into a read-only mapping when the mmap binding is
 * available, `pread` (fs.readSync at a position) otherwise.
 *
 * Node 20 Buffers stop at 4 GiB, so a file is mapped in windows. Window k covers the file range
 * [k * W, min(fileSize, (k + 1) * W + overlap)), where W is `windowByteLength` and overlap is
 * `maxContiguousByteLength` rounded up to whole pages. Every range that starts in [k * W, (k + 1) * W)
 * and is at most `overlap` long therefore ends inside window k and is served as one subarray. A longer
 * range that crosses a window boundary is assembled by copying (correct, just slower).
 *
 * All windows are mapped when the file is opened: this keeps the hot path free of a "not mapped
 * yet" branch, lets the file descriptor close at once, and surfaces mmap failures at open, where
 * 'auto' can still fall back to pread. mmap itself reads nothing (a few µs), but V8 counts each
 * mapping as external memory and answers every 64 MiB of growth with a full GC, so opening costs
 * about one mark-compact per window (measured 2-4 ms each with a small heap; one window per GiB at
 * the default size). Mapping lazily would not save those GCs, only move them into the first reads.
 *
 * Lifetime: a view stays readable while it is referenced (the mapping is released when the last
 * view of a window is garbage collected), but the contract is "valid until close()". The file must
 * not shrink while open: touching a mapped page past the end of a file raises SIGBUS, which no
 * JavaScript can catch. So the descriptor stays open and `checkUnchanged()` (one fstat) compares
 * the file with what was mapped; the reader calls it before handing out data (see docs/format.md,
 * "Files that change while open").
 */
import { closeSync } from 'node:fs';
import { type FileIdentity, checkFileUnchanged } from './file-identity.js';
import { FileSourceError } from './file-source-error.js';
import {
  allocateForView,
  closeQuietly,
  closedError,
  growScratch,
  isRangeInside,
  messageOf,
  openRegularFile,
  rangeError,
  readFully,
  targetRangeError,
} from './io-helpers.js';
import { type MmapAdvice, type MmapBinding, loadMmapBinding } from './mmap-binding.js';

export type { MmapAdvice } from './mmap-binding.js';

export interface FileSource {
  readonly path: string;
  /** File size in bytes when opened. */
  readonly byteLength: number;
  /** Which read path is in use. */
  readonly mode: 'mmap' | 'pread';
  /** Why mmap was not used, when mode === 'pread'. */
  readonly fallbackReason?: string;
  /**
   * Bytes [offset, offset + byteLength). In 'mmap' mode a zero-copy view into the mapping, valid until
   * close(). In 'pread' mode a freshly read Buffer, or with `scratch` a view into an internal reusable
   * buffer that is valid until the next `scratch` call. A range longer than `maxContiguousByteLength`
   * that crosses a window boundary is copied (into the scratch buffer when `scratch` is true).
   */
  view(offset: number, byteLength: number, scratch?: boolean): Uint8Array;
  /** Copies [offset, offset + byteLength) into target at targetOffset. */
  copyTo(offset: number, byteLength: number, target: Uint8Array, targetOffset: number): void;
  /** madvise() over the range (widened to whole pages); a no-op in 'pread' mode. */
  advise(offset: number, byteLength: number, advice: MmapAdvice): void;
  /** Device, inode, size and modification time when opened. */
  readonly identity: FileIdentity;
  /**
   * One fstat of the open descriptor: E_IO ("has shrunk since it was opened (was N bytes, now M)",
   * or "was modified in place") when the file is no longer as it was opened. Cheap (~1 µs): call it
   * once per batch or per API call, never per sample.
   */
  checkUnchanged(): void;
  /** Releases the file; idempotent. Every later call other than close() throws E_CLOSED. */
  close(): void;
}

export interface FileSourceOptions {
  /** 'auto' (default): mmap when available, else pread. 'required': throw E_MMAP_UNAVAILABLE instead of falling back. */
  mmap?: 'auto' | 'off' | 'required';
  /**
   * Largest single view/copy that must be served zero-copy, in bytes. Windows overlap by at least
   * this much, so no such range straddles two windows. Default 64 MiB.
   */
  maxContiguousByteLength?: number;
  /** Mapping window size in bytes, a multiple of the OS page size. Default 1 GiB. */
  windowByteLength?: number;
  /**
   * copyTo targets are SharedArrayBuffer memory (decode workers' batches): copy with the binding's
   * memcpy when it has one (see MmapBinding.copy). Default false.
   */
  sharedTargets?: boolean;
}

export { FileSourceError, type FileSourceErrorCode, type FileSourceErrorDetails } from './file-source-error.js';

const DEFAULT_WINDOW_BYTE_LENGTH = 2 ** 30;
const DEFAULT_MAX_CONTIGUOUS_BYTE_LENGTH = 64 * 2 ** 20;
/** Largest single fs.readSync; Linux returns at most 2 GiB - 4 KiB per read() anyway. */
const EMPTY_BYTES = new Uint8Array(0);

export function openFileSource(path: string, options: FileSourceOptions = {}): FileSource {
  const mmapMode = options.mmap ?? 'auto';
  if (mmapMode !== 'auto' && mmapMode !== 'off' && mmapMode !== 'required') {
    throw new FileSourceError('E_ARGUMENT', `option mmap must be 'auto', 'off' or 'required', got ${JSON.stringify(mmapMode)}`, {
      path,
    });
  }
  const windowByteLength = options.windowByteLength ?? DEFAULT_WINDOW_BYTE_LENGTH;
  const maxContiguousByteLength = options.maxContiguousByteLength ?? DEFAULT_MAX_CONTIGUOUS_BYTE_LENGTH;
  if (!Number.isSafeInteger(windowByteLength) || windowByteLength <= 0) {
    throw new FileSourceError('E_ARGUMENT', `option windowByteLength must be a positive integer, got ${windowByteLength}`, { path });
  }
  if (!Number.isSafeInteger(maxContiguousByteLength) || maxContiguousByteLength < 0) {
    throw new FileSourceError(
      'E_ARGUMENT',
      `option maxContiguousByteLength must be a non-negative integer, got ${maxContiguousByteLength}`,
      { path },
    );
  }

  const { fd, byteLength: fileByteLength, identity } = openRegularFile(path);
  try {
    if (mmapMode === 'off') {
      return new ReadFileSource(path, fd, identity, "mmap was turned off by the option mmap: 'off'");
    }
    const mapping = mapWindows(path, fd, fileByteLength, windowByteLength, maxContiguousByteLength);
    if (typeof mapping === 'string') {
      if (mmapMode === 'required') {
        throw new FileSourceError('E_MMAP_UNAVAILABLE', `cannot map ${path} (mmap: 'required'): ${mapping}`, { path });
      }
      return new ReadFileSource(path, fd, identity, mapping);
    }
    // The mappings hold their own reference to the file; the descriptor stays open for checkUnchanged().
    const nativeCopy = options.sharedTargets === true ? mapping.binding.copy : undefined;
    return new MappedFileSource(path, fd, identity, mapping.binding, mapping.windows, windowByteLength, mapping.overlapByteLength, nativeCopy);
  } catch (error) {
    closeQuietly(fd);
    throw error;
  }
}

interface WindowMapping {
  binding: MmapBinding;
  windows: Buffer[];
  overlapByteLength: number;
}

/** Maps every window of the file, or returns why it cannot. */
function mapWindows(
  path: string,
  fd: number,
  fileByteLength: number,
  windowByteLength: number,
  maxContiguousByteLength: number,
): WindowMapping | string {
  const load = loadMmapBinding();
  if (load.binding === null) return load.reason;
  const binding = load.binding;
  const pageSizeBytes = binding.pageSizeBytes;
  if (windowByteLength % pageSizeBytes !== 0) {
    throw new FileSourceError(
      'E_ARGUMENT',
      `option windowByteLength ${windowByteLength} must be a multiple of the OS page size ${pageSizeBytes}`,
      { path },
    );
  }
  const overlapByteLength = Math.ceil(maxContiguousByteLength / pageSizeBytes) * pageSizeBytes;
  const windowCount = Math.ceil(fileByteLength / windowByteLength);
  if (windowCount === 0) return { binding, windows: [], overlapByteLength };

  const longestWindowByteLength = Math.min(fileByteLength, windowByteLength + overlapByteLength);
  const lastWindowOffset = (windowCount - 1) * windowByteLength;
  const unpatchedNote = binding.patched
    ? ''
    : " (the loaded mmap addon lacks Tessera's 64-bit patch; reinstall with `pnpm install --force` to rebuild it)";
  if (longestWindowByteLength > binding.maxMappingByteLength) {
    return (
      `a window of ${longestWindowByteLength} bytes (windowByteLength ${windowByteLength} + overlap ${overlapByteLength}) ` +
      `exceeds the largest mapping the binding supports, ${binding.maxMappingByteLength} bytes${unpatchedNote}; ` +
      'pass a smaller windowByteLength or maxContiguousByteLength'
    );
  }
  if (lastWindowOffset > binding.maxMappableOffset) {
    return (
      `file size ${fileByteLength} needs a mapping at offset ${lastWindowOffset}, beyond the largest offset the binding ` +
      `supports, ${binding.maxMappableOffset}${unpatchedNote}`
    );
  }

  const windows: Buffer[] = [];
  for (let windowIndex = 0; windowIndex < windowCount; windowIndex++) {
    const windowOffset = windowIndex * windowByteLength;
    const windowEnd = Math.min(fileByteLength, windowOffset + windowByteLength + overlapByteLength);
    try {
      windows.push(binding.map(fd, windowOffset, windowEnd - windowOffset));
    } catch (error) {
      // Windows mapped so far are released when garbage collected.
      return `mapping window ${windowIndex} of ${windowCount} of ${path} failed: ${messageOf(error)}`;
    }
  }
  return { binding, windows, overlapByteLength };
}

class MappedFileSource implements FileSource {
  readonly path: string;
  readonly byteLength: number;
  readonly mode = 'mmap' as const;
  readonly fallbackReason = undefined;
  private readonly binding: MmapBinding;
  /** Emptied by close(), which sends every call to the slow path, where `closed` is checked. */
  private windows: Buffer[];
  private closed = false;
  private readonly windowByteLength: number;
  private readonly overlapByteLength: number;
  private scratchBuffer: Buffer | null = null;
  readonly identity: FileIdentity;
  /** -1 once closed. */
  private fd: number;

  constructor(
    path: string,
    fd: number,
    identity: FileIdentity,
    binding: MmapBinding,
    windows: Buffer[],
    windowByteLength: number,
    overlapByteLength: number,
    /** copyTo's memcpy when the targets are shared memory (FileSourceOptions.sharedTargets) */
    private readonly nativeCopy: MmapBinding['copy'],
  ) {
    this.path = path;
    this.fd = fd;
    this.identity = identity;
    this.byteLength = identity.byteLength;
    this.binding = binding;
    this.windows = windows;
    this.windowByteLength = windowByteLength;
    this.overlapByteLength = overlapByteLength;
  }

  // view() and copyTo() are kept small so V8's inlining budget covers them plus Buffer.copy's JS
  // layers in the caller's loop (with the checks inline, copyTo of 1 KiB measured ~10% slower than
  // a raw Buffer.copy; now ~1%). The fast path needs no separate bounds check: a window never
  // extends past the end of the file, and a negative, NaN or past-the-end offset finds no window.
  // Everything else (closed, errors, zero-length at the end, straddling) takes the slow path.

  view(offset: number, byteLength: number, scratch?: boolean): Uint8Array {
    const windowIndex = Math.floor(offset / this.windowByteLength);
    const window = this.windows[windowIndex];
    const start = offset - windowIndex * this.windowByteLength;
    if (
      window !== undefined &&
      start >= 0 &&
      byteLength >= 0 &&
      start + byteLength <= window.length &&
      Number.isInteger(start) &&
      Number.isInteger(byteLength)
    ) {
      return window.subarray(start, start + byteLength);
    }
    return this.viewSlow(offset, byteLength, scratch === true);
  }

  copyTo(offset: number, byteLength: number, target: Uint8Array, targetOffset: number): void {
    const windowIndex = Math.floor(offset / this.windowByteLength);
    const window = this.windows[windowIndex];
    const start = offset - windowIndex * this.windowByteLength;
    if (
      window !== undefined &&
      start >= 0 &&
      byteLength >= 0 &&
      start + byteLength <= window.length &&
      targetOffset >= 0 &&
      targetOffset + byteLength <= target.length &&
      Number.isInteger(start) &&
      Number.isInteger(byteLength) &&
      Number.isInteger(targetOffset)
    ) {
      if (this.nativeCopy === undefined) window.copy(target, targetOffset, start, start + byteLength);
      else this.nativeCopy(window, start, target, targetOffset, byteLength);
      return;
    }
    this.copyToSlow(offset, byteLength, target, targetOffset);
  }

  advise(offset: number, byteLength: number, advice: MmapAdvice): void {
    this.checkRange('advise', offset, byteLength);
    const windows = this.windows;
    if (byteLength === 0) return;
    const end = offset + byteLength;
    const pageSizeBytes = this.binding.pageSizeBytes;
    // Every window holding part of the range, overlaps included: a later read may go through any of them.
    const firstWindowIndex = Math.max(0, Math.floor((offset - this.overlapByteLength) / this.windowByteLength) - 1);
    for (let windowIndex = firstWindowIndex; windowIndex < windows.length; windowIndex++) {
      const windowOffset = windowIndex * this.windowByteLength;
      if (windowOffset >= end) break;
      const window = windows[windowIndex];
      if (windowOffset + window.length <= offset) continue;
      const start = Math.max(offset, windowOffset) - windowOffset;
      const pageStart = start - (start % pageSizeBytes);
      const stop = Math.min(end, windowOffset + window.length) - windowOffset;
      try {
        this.binding.advise(window, pageStart, stop - pageStart, advice);
      } catch (error) {
        throw new FileSourceError('E_IO', `advise '${advice}' on ${this.path} failed: ${messageOf(error)}`, {
          path: this.path,
          offset,
          byteLength,
          cause: error,
        });
      }
    }
  }

  checkUnchanged(): void {
    if (this.closed) throw closedError(this.path, 'checkUnchanged');
    checkFileUnchanged(this.fd, this.path, this.identity);
  }

  close(): void {
    // munmap happens when the windows (and any views of them) are garbage collected.
    if (this.closed) return;
    this.closed = true;
    this.windows = [];
    this.scratchBuffer = null;
    closeQuietly(this.fd);
    this.fd = -1;
  }

  private checkRange(operation: string, offset: number, byteLength: number): void {
    if (this.closed) throw closedError(this.path, operation);
    if (!isRangeInside(offset, byteLength, this.byteLength)) throw rangeError(this.path, operation, offset, byteLength, this.byteLength);
  }

  private viewSlow(offset: number, byteLength: number, scratch: boolean): Uint8Array {
    this.checkRange('view', offset, byteLength);
    if (byteLength === 0) return EMPTY_BYTES;
    const windowIndex = this.windowIndexOf(offset);
    const window = this.windows[windowIndex];
    const start = offset - windowIndex * this.windowByteLength;
    // Inside one window after all when the fast path's division rounded the wrong way.
    if (start + byteLength <= window.length) return window.subarray(start, start + byteLength);
    const target = scratch ? this.scratch(offset, byteLength) : allocateForView(this.path, offset, byteLength);
    this.copyAcrossWindows(offset, byteLength, target, 0);
    return scratch ? target.subarray(0, byteLength) : target;
  }

  private copyToSlow(offset: number, byteLength: number, target: Uint8Array, targetOffset: number): void {
    this.checkRange('copyTo', offset, byteLength);
    if (!isRangeInside(targetOffset, byteLength, target.length)) {
      throw targetRangeError(this.path, offset, byteLength, targetOffset, target.length);
    }
    this.copyAcrossWindows(offset, byteLength, target, targetOffset);
  }

  private copyAcrossWindows(offset: number, byteLength: number, target: Uint8Array, targetOffset: number): void {
    const windows = this.windows;
    const end = offset + byteLength;
    let position = offset;
    while (position < end) {
      const windowIndex = this.windowIndexOf(position);
      const windowOffset = windowIndex * this.windowByteLength;
      const window = windows[windowIndex];
      const chunkEnd = Math.min(end, windowOffset + window.length);
      window.copy(target, targetOffset + (position - offset), position - windowOffset, chunkEnd - windowOffset);
      position = chunkEnd;
    }
  }

  /** Window whose primary range [k * W, (k + 1) * W) holds position, exact even where division rounds. */
  private windowIndexOf(position: number): number {
    let windowIndex = Math.floor(position / this.windowByteLength);
    if (windowIndex * this.windowByteLength > position) windowIndex -= 1;
    else if ((windowIndex + 1) * this.windowByteLength <= position) windowIndex += 1;
    return windowIndex;
  }

  private scratch(offset: number, byteLength: number): Buffer {
    this.scratchBuffer = growScratch(this.path, this.scratchBuffer, offset, byteLength);
    return this.scratchBuffer;
  }
}

class ReadFileSource implements FileSource {
  readonly path: string;
  readonly byteLength: number;
  readonly mode = 'pread' as const;
  readonly fallbackReason: string;
  /** -1 once closed. */
  private fd: number;
  private scratchBuffer: Buffer | null = null;
  readonly identity: FileIdentity;

  constructor(path: string, fd: number, identity: FileIdentity, fallbackReason: string) {
    this.path = path;
    this.fd = fd;
    this.identity = identity;
    this.byteLength = identity.byteLength;
    this.fallbackReason = fallbackReason;
  }

  checkUnchanged(): void {
    if (this.fd === -1) throw closedError(this.path, 'checkUnchanged');
    checkFileUnchanged(this.fd, this.path, this.identity);
  }

  view(offset: number, byteLength: number, scratch?: boolean): Uint8Array {
    if (this.fd === -1) throw closedError(this.path, 'view');
    if (!isRangeInside(offset, byteLength, this.byteLength)) throw rangeError(this.path, 'view', offset, byteLength, this.byteLength);
    if (byteLength === 0) return EMPTY_BYTES;
    if (scratch === true) {
      this.scratchBuffer = growScratch(this.path, this.scratchBuffer, offset, byteLength);
      this.readInto(this.scratchBuffer, 0, byteLength, offset);
      return this.scratchBuffer.subarray(0, byteLength);
    }
    const target = allocateForView(this.path, offset, byteLength);
    this.readInto(target, 0, byteLength, offset);
    return target;
  }

  copyTo(offset: number, byteLength: number, target: Uint8Array, targetOffset: number): void {
    if (this.fd === -1) throw closedError(this.path, 'copyTo');
    if (!isRangeInside(offset, byteLength, this.byteLength)) throw rangeError(this.path, 'copyTo', offset, byteLength, this.byteLength);
    if (!isRangeInside(targetOffset, byteLength, target.length)) {
      throw targetRangeError(this.path, offset, byteLength, targetOffset, target.length);
    }
    this.readInto(target, targetOffset, byteLength, offset);
  }

  advise(offset: number, byteLength: number, _advice: MmapAdvice): void {
    if (this.fd === -1) throw closedError(this.path, 'advise');
    if (!isRangeInside(offset, byteLength, this.byteLength)) throw rangeError(this.path, 'advise', offset, byteLength, this.byteLength);
  }

  close(): void {
    if (this.fd === -1) return;
    const fd = this.fd;
    this.fd = -1;
    this.scratchBuffer = null;
    try {
      closeSync(fd);
    } catch (error) {
      throw new FileSourceError('E_IO', `closing ${this.path} failed: ${messageOf(error)}`, { path: this.path, cause: error });
    }
  }

  /** One fs.readSync in the common case; loops over short reads. */
  private readInto(target: Uint8Array, targetOffset: number, byteLength: number, position: number): void {
    readFully(this.fd, this.path, this.byteLength, target, targetOffset, byteLength, position);
  }

}

