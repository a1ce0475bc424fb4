import { closeSync, existsSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { TesseraError } from '../errors.js';
import { type FileIdentity, fileChangedError, identityOf, sameFile } from '../io/file-identity.js';
import type { Dataset } from '../reader/open-dataset.js';
import { toTesseraError } from '../reader/io-errors.js';
import { ioError } from '../util/io-error.js';

/**
 * The loader's hold on its file. Identity and change checks are the reader's (io/file-identity.ts);
 * what is loader-specific is the descriptor: the loader keeps one open on the inode it read, and
 * decode workers open the file through it (`/proc/self/fd/N`), so a file replaced at its path
 * (rename over it) keeps being read as it was: a loader sees the old file or — once recreated — the
 * new one, never both.
 */
export interface PinnedFile {
  /** read-only descriptor of the loader's inode; closed by `unpinFile` */
  fd: number;
  /** device, inode, size and modification time of that inode when pinned (bigints cross to workers) */
  identity: FileIdentity;
  /** what a worker thread opens to get this very inode (`/proc/self/fd/N`, or the path where no such alias exists) */
  workerPath: string;
}

/** bytes compared at each end of the file to check the descriptor and the dataset read the same file */
const SPOT_CHECK_BYTE_LENGTH = 4096;

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
 * In a decode worker: E_IO unless `openedPath` (stat'ed right before and after the worker opens
 * its dataset) is the loader's inode, unchanged. Afterwards the worker's dataset checks its own
 * descriptor once per decode request (`assertUnchanged`).
 */
export function checkWorkerFile(openedPath: string, path: string, expected: FileIdentity): void {
  let now: FileIdentity;
  try {
    now = identityOf(statSync(openedPath, { bigint: true }));
  } catch (error) {
    throw ioError(error, 'check', path);
  }
  if (sameFile(now, expected)) return;
  if (now.device !== expected.device || now.inode !== expected.inode) {
    throw new TesseraError(
      'E_IO',
      `${path} was replaced since the loader opened it (inode ${expected.inode} → ${now.inode}): a decode worker would read another file; create a new loader to read the new file`,
    );
  }
  throw toTesseraError(fileChangedError(path, expected.byteLength, now.byteLength), path);
}

/** A path that opens the inode behind `fd` from any thread of this process, where the OS has one. */
function aliasOf(fd: number): string | undefined {
  for (const folder of ['/proc/self/fd', '/dev/fd']) {
    const alias = `${folder}/${fd}`;
    if (existsSync(alias)) return alias;
  }
  return undefined;
}
