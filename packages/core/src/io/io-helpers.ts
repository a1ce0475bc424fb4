import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { FileSourceError } from './file-source-error.js';
import { type FileIdentity, identityOf } from './file-identity.js';

/** Helpers shared by the file sources: range checks, errors with the same wording, full reads. */

/** Largest single fs.readSync (Node caps a read at 2 GiB). */
export const MAX_READ_CHUNK_BYTE_LENGTH = 2 ** 30;

/** Integral offset and byteLength with 0 <= offset <= offset + byteLength <= limit (false for NaN). */
export function isRangeInside(offset: number, byteLength: number, limit: number): boolean {
  return offset >= 0 && byteLength >= 0 && offset + byteLength <= limit && Number.isInteger(offset) && Number.isInteger(byteLength);
}

export function rangeError(path: string, operation: string, offset: number, byteLength: number, fileByteLength: number): FileSourceError {
  const problem =
    Number.isInteger(offset) && Number.isInteger(byteLength)
      ? offset < 0 || byteLength < 0
        ? 'has a negative offset or length'
        : `exceeds file size ${fileByteLength}`
      : 'needs an integral offset and length';
  return new FileSourceError('E_OUT_OF_BOUNDS', `${operation} of ${byteLength} bytes at offset ${offset} ${problem} (${path})`, {
    path,
    offset,
    byteLength,
  });
}

export function targetRangeError(
  path: string,
  offset: number,
  byteLength: number,
  targetOffset: number,
  targetByteLength: number,
): FileSourceError {
  return new FileSourceError(
    'E_OUT_OF_BOUNDS',
    `copyTo of ${byteLength} bytes at offset ${offset} into a target of ${targetByteLength} bytes at target offset ` +
      `${targetOffset} does not fit (${path})`,
    { path, offset, byteLength },
  );
}

export function closedError(path: string, operation: string): FileSourceError {
  return new FileSourceError('E_CLOSED', `${operation} on ${path} after close()`, { path });
}

export function allocateForView(path: string, offset: number, byteLength: number): Buffer {
  try {
    return Buffer.allocUnsafe(byteLength);
  } catch (error) {
    throw new FileSourceError(
      'E_ARGUMENT',
      `view of ${byteLength} bytes at offset ${offset} needs a copy that Node cannot allocate (${messageOf(error)}); ` +
        `use copyTo in smaller pieces (${path})`,
      { path, offset, byteLength, cause: error },
    );
  }
}

/** The scratch buffer, grown (doubling) to hold at least byteLength bytes. */
export function growScratch(path: string, scratchBuffer: Buffer | null, offset: number, byteLength: number): Buffer {
  if (scratchBuffer !== null && scratchBuffer.length >= byteLength) return scratchBuffer;
  const doubledByteLength = scratchBuffer === null ? 0 : scratchBuffer.length * 2;
  if (doubledByteLength > byteLength) {
    try {
      return Buffer.allocUnsafeSlow(doubledByteLength);
    } catch {
      // Doubling went past what Node can allocate; try the exact size.
    }
  }
  return allocateForView(path, offset, byteLength);
}

export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already failing with a more useful error.
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** pread of [position, position + byteLength) into target at targetOffset; loops over short reads. */
export function readFully(
  fd: number,
  path: string,
  fileByteLength: number,
  target: Uint8Array,
  targetOffset: number,
  byteLength: number,
  position: number,
): void {
  let doneByteLength = 0;
  while (doneByteLength < byteLength) {
    const chunkByteLength = Math.min(byteLength - doneByteLength, MAX_READ_CHUNK_BYTE_LENGTH);
    let bytesRead: number;
    try {
      bytesRead = readSync(fd, target, targetOffset + doneByteLength, chunkByteLength, position + doneByteLength);
    } catch (error) {
      throw new FileSourceError('E_IO', `read of ${byteLength} bytes at offset ${position} from ${path} failed: ${messageOf(error)}`, {
        path,
        offset: position,
        byteLength,
        cause: error,
      });
    }
    if (bytesRead === 0) {
      throw new FileSourceError(
        'E_IO',
        `read of ${byteLength} bytes at offset ${position} from ${path} hit the end of the file at offset ` +
          `${position + doneByteLength}; it was ${fileByteLength} bytes when opened and has shrunk since`,
        { path, offset: position, byteLength },
      );
    }
    doneByteLength += bytesRead;
  }
}

/**
 * Opens a regular file for reading: its descriptor, size and identity, or E_IO naming the problem.
 * O_NONBLOCK makes open(2) of a FIFO return at once instead of waiting for a writer; fstat then
 * rejects it like any other non-regular file (it changes nothing for reads of a regular file).
 */
export function openRegularFile(path: string): { fd: number; byteLength: number; identity: FileIdentity } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw new FileSourceError('E_IO', `cannot open ${path} for reading: ${messageOf(error)}`, { path, cause: error });
  }
  try {
    const stats = fstatSync(fd, { bigint: true });
    if (!stats.isFile()) {
      throw new FileSourceError('E_IO', `${path} is not a regular file (${fileKind(stats)}): give the path of a .beton file`, { path });
    }
    const identity = identityOf(stats);
    return { fd, byteLength: identity.byteLength, identity };
  } catch (error) {
    closeQuietly(fd);
    if (error instanceof FileSourceError) throw error;
    throw new FileSourceError('E_IO', `cannot stat ${path}: ${messageOf(error)}`, { path, cause: error });
  }
}

function fileKind(stats: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'not a file';
}
