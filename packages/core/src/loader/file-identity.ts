import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { TesseraError } from '../errors.js';
import type { Dataset } from '../reader/open-dataset.js';
import { ioError } from '../util/io-error.js';

/**
 * Which file a loader reads: the inode it opened, and its size and modification time then. The
 * loader keeps a descriptor of that inode open, and decode workers open the file through it
 * (`/proc/self/fd/N`), so a file replaced at its path (rename over it) keeps being read as it was:
 * a loader sees the old file or — once recreated — the new one, never both.
 */
export interface FileIdentity {
  device: string;
  inode: string;
  byteLength: number;
  /** modification time in nanoseconds, as a decimal string */
  modifiedNs: string;
}

export interface PinnedFile {
  /** read-only descriptor of the loader's inode; closed by `unpinFile` */
  fd: number;
  identity: FileIdentity;
  /** what a worker thread opens to get this very inode (`/proc/self/fd/N`, or the path where no such alias exists) */
  workerPath: string;
}

/** bytes compared at each end of the file to check the descriptor and the dataset read the same file */
const SPOT_CHECK_BYTE_LENGTH = 4096;

export function identityOf(stats: { dev: bigint; ino: bigint; size: bigint; mtimeNs: bigint }): FileIdentity {
  return { device: String(stats.dev), inode: String(stats.ino), byteLength: Number(stats.size), modifiedNs: String(stats.mtimeNs) };
}

export function sameInode(a: FileIdentity, b: FileIdentity): boolean {
  return a.device === b.device && a.inode === b.inode;
}

/**
 * Opens a descriptor on `dataset.path` and checks it reads the file the dataset opened (same size,
 * same bytes at both ends): a file replaced between the two opens is an E_IO error, never a mix.
 */
export function pinFile(dataset: Dataset): PinnedFile {
  const path = dataset.path;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw ioError(error, 'open', path);
  }
  try {
    const identity = identityOf(fstatSync(fd, { bigint: true }));
    const expected = dataset.layout.fileByteLength;
    const replaced = () =>
      new TesseraError('E_IO', `${path} was replaced or changed while the loader was opening it (${expected} bytes opened, now ${identity.byteLength}); create the loader again`);
    if (identity.byteLength !== expected) throw replaced();
    const length = Math.min(SPOT_CHECK_BYTE_LENGTH, expected);
    for (const offset of new Set([0, expected - length])) {
      const actual = new Uint8Array(length);
      readSync(fd, actual, 0, length, offset);
      const opened = dataset.fileBytes(offset, length);
      if (!Buffer.from(actual.buffer, actual.byteOffset, length).equals(opened)) throw replaced();
    }
    return { fd, identity, workerPath: aliasOf(fd) ?? path };
  } catch (error) {
    closeSync(fd);
    throw error instanceof TesseraError ? error : ioError(error, 'read', path);
  }
}

export function unpinFile(file: PinnedFile): void {
  try {
    closeSync(file.fd);
  } catch {
    // already closed
  }
}

/**
 * E_IO when the loader's inode was changed in place since it was pinned (truncated, rewritten):
 * one fstat, run once per batch. Replacing the file at its path is not a change: the loader keeps
 * reading the inode it opened.
 */
export function checkUnchanged(file: PinnedFile, path: string): void {
  let now: FileIdentity;
  try {
    now = identityOf(fstatSync(file.fd, { bigint: true }));
  } catch (error) {
    throw ioError(error, 'check', path);
  }
  const then = file.identity;
  if (now.byteLength !== then.byteLength || now.modifiedNs !== then.modifiedNs) {
    throw new TesseraError(
      'E_IO',
      `${path} was modified in place while the loader read it (${then.byteLength} → ${now.byteLength} bytes, modification time changed): batches from it would mix old and new bytes; write a new file and rename it over the old one instead, then create a new loader`,
    );
  }
}

/**
 * In a decode worker: E_IO unless `openedPath` (stat'ed right before and after the worker opened
 * its dataset) is the loader's inode, unchanged.
 */
export function checkWorkerFile(openedPath: string, path: string, expected: FileIdentity): void {
  let now: FileIdentity;
  try {
    now = identityOf(statSync(openedPath, { bigint: true }));
  } catch (error) {
    throw ioError(error, 'check', path);
  }
  if (!sameInode(now, expected)) {
    throw new TesseraError(
      'E_IO',
      `${path} was replaced since the loader opened it (inode ${expected.inode} → ${now.inode}): a decode worker would read another file; create a new loader to read the new file`,
    );
  }
  if (now.byteLength !== expected.byteLength || now.modifiedNs !== expected.modifiedNs) {
    throw new TesseraError(
      'E_IO',
      `${path} was modified in place since the loader opened it (${expected.byteLength} → ${now.byteLength} bytes); write a new file and rename it over the old one instead, then create a new loader`,
    );
  }
}

/** A path that opens the inode behind `fd` from any thread of this process, where the OS has one. */
function aliasOf(fd: number): string | undefined {
  for (const folder of ['/proc/self/fd', '/dev/fd']) {
    const alias = `${folder}/${fd}`;
    if (existsSync(alias)) return alias;
  }
  return undefined;
}
