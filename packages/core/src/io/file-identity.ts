import { type BigIntStats, fstatSync } from 'node:fs';
import { FileSourceError } from './file-source-error.js';

/**
 * Which file a source reads: device and inode, and its size and modification time when it was
 * opened. A file changed in place while it is read (truncated, `cp` over it, rewritten) is an E_IO
 * error at the next check instead of zeros, mixed bytes or — through a mapping — SIGBUS.
 */
export interface FileIdentity {
  device: bigint;
  inode: bigint;
  byteLength: number;
  /** modification time in nanoseconds */
  modifiedNs: bigint;
}

export function identityOf(stats: BigIntStats): FileIdentity {
  return { device: stats.dev, inode: stats.ino, byteLength: Number(stats.size), modifiedNs: stats.mtimeNs };
}

export function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  return a.device === b.device && a.inode === b.inode && a.byteLength === b.byteLength && a.modifiedNs === b.modifiedNs;
}

/** One fstat of the open descriptor (about a microsecond): E_IO when the file changed since `opened`. */
export function checkFileUnchanged(fd: number, path: string, opened: FileIdentity): void {
  let stats: BigIntStats;
  try {
    stats = fstatSync(fd, { bigint: true });
  } catch (error) {
    throw new FileSourceError('E_IO', `cannot stat ${path}: ${error instanceof Error ? error.message : String(error)}`, { path, cause: error });
  }
  const byteLength = Number(stats.size);
  if (byteLength === opened.byteLength && stats.mtimeNs === opened.modifiedNs) return;
  throw fileChangedError(path, opened.byteLength, byteLength);
}

export function fileChangedError(path: string, openedByteLength: number, byteLength: number): FileSourceError {
  const fix = 'write a new file and rename it over the old one instead, then open it again';
  if (byteLength < openedByteLength) {
    return new FileSourceError(
      'E_IO',
      `${path} has shrunk since it was opened (was ${openedByteLength} bytes, now ${byteLength}): another program truncated or rewrote it in place, and reading on would return zeros or crash the process; ${fix}`,
      { path },
    );
  }
  return new FileSourceError(
    'E_IO',
    `${path} was modified in place since it was opened (was ${openedByteLength} bytes, now ${byteLength}, modification time changed): reads would mix old and new bytes; ${fix}`,
    { path },
  );
}
