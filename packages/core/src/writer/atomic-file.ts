import { type Stats, closeSync, fchmodSync, fchownSync, fsyncSync, lstatSync, openSync, readdirSync, readlinkSync, renameSync, unlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { TesseraError } from '../errors.js';
import { ioError } from '../util/io-error.js';

/**
 * A file written under a temporary name in the target's folder and renamed over the target only
 * when complete and synced. Until then the target (if any) is untouched; on failure the temporary
 * file is removed. The header is written last, so even a leftover temporary file (after a crash)
 * starts with zeros and never looks like a valid .beton.
 *
 * The target must be a regular file or not exist. A symbolic link is followed (also a dangling
 * one): the file it names is replaced and the link stays a link. A device, FIFO, socket or folder
 * is refused with E_IO before anything is created. A replaced file keeps its permission bits (and
 * owner, where the process may set it); a new file gets 0o666 minus the umask.
 */
export interface AtomicFile {
  readonly fd: number;
  readonly temporaryPath: string;
  /** the file that is replaced: the target path with symbolic links resolved */
  readonly finalPath: string;
  commit(): void;
  abort(): void;
}

const MAX_SYMLINK_HOPS = 40;

export function createAtomicFile(targetPath: string): AtomicFile {
  const { finalPath, existing } = resolveTarget(targetPath);
  const folder = dirname(finalPath);
  removeStaleTemporaryFiles(finalPath);
  const temporaryPath = join(folder, `.${basename(finalPath)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number;
  try {
    fd = openSync(temporaryPath, 'wx+', existing === undefined ? 0o666 : 0o600);
  } catch (error) {
    throw ioError(error, 'create a temporary file next to', finalPath);
  }
  if (existing !== undefined) {
    try {
      fchmodSync(fd, existing.mode & 0o7777);
    } catch {}
    try {
      if (existing.uid !== process.getuid?.() || existing.gid !== process.getgid?.()) fchownSync(fd, existing.uid, existing.gid);
    } catch {
      // Only root (or the owner, for a group it belongs to) may hand a file to someone else.
    }
  }
  let open = true;
  return {
    fd,
    temporaryPath,
    finalPath,
    commit() {
      try {
        fsyncSync(fd);
      } catch (error) {
        throw ioError(error, 'sync', temporaryPath);
      }
      open = false;
      try {
        closeSync(fd);
      } catch (error) {
        throw ioError(error, 'close', temporaryPath);
      }
      try {
        renameSync(temporaryPath, finalPath);
      } catch (error) {
        throw ioError(error, `rename ${temporaryPath} over`, finalPath);
      }
      try {
        const directory = openSync(folder, 'r');
        try {
          fsyncSync(directory);
        } finally {
          closeSync(directory);
        }
      } catch {
        // Some filesystems refuse to fsync a directory; the rename itself is still atomic.
      }
    },
    abort() {
      if (open) {
        open = false;
        try {
          closeSync(fd);
        } catch {}
      }
      try {
        unlinkSync(temporaryPath);
      } catch {}
    },
  };
}

/** Follows symbolic links (dangling ones too) to the path that will be replaced, and checks its kind. */
function resolveTarget(targetPath: string): { finalPath: string; existing: Stats | undefined } {
  let current = resolve(targetPath);
  for (let hop = 0; hop <= MAX_SYMLINK_HOPS; hop++) {
    let stats: Stats;
    try {
      stats = lstatSync(current);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { finalPath: current, existing: undefined };
      throw ioError(error, 'inspect', current);
    }
    if (stats.isSymbolicLink()) {
      try {
        current = resolve(dirname(current), readlinkSync(current));
      } catch (error) {
        throw ioError(error, 'read the symbolic link', current);
      }
      continue;
    }
    if (stats.isFile()) return { finalPath: current, existing: stats };
    const through = current === resolve(targetPath) ? '' : ` (the symbolic link ${targetPath} points to it)`;
    throw new TesseraError(
      'E_IO',
      `cannot write ${current}${through}: it is ${describeKind(stats)}, not a regular file; writing would replace it. Give the path of a regular file or of a new one`,
    );
  }
  throw new TesseraError('E_IO', `cannot write ${targetPath}: more than ${MAX_SYMLINK_HOPS} symbolic links to follow (a loop?); give the path of a regular file`);
}

function describeKind(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Removes the temporary files a killed writer (kill -9, power loss) left next to `finalPath`:
 * names `.<name>.<pid>.<8 hex>.tmp` and `.<name>.<pid>.<8 hex>.pages.tmp` whose pid is no live
 * process. Files of live writers, other targets, and anything not matching exactly are kept.
 */
function removeStaleTemporaryFiles(finalPath: string): void {
  const folder = dirname(finalPath);
  const prefix = `.${basename(finalPath)}.`;
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return; // a missing or unreadable folder is reported by the open that follows
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const match = /^(\d{1,10})\.[0-9a-f]{8}\.(?:pages\.)?tmp$/.exec(name.slice(prefix.length));
    if (match === null) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || pid <= 0 || isProcessAlive(pid)) continue;
    try {
      unlinkSync(join(folder, name));
    } catch {}
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** A scratch file removed on close (the page spool for sources of unknown length). */
export function createScratchFile(nearPath: string): { fd: number; path: string; dispose(): void } {
  const path = join(dirname(nearPath), `.${basename(nearPath)}.${process.pid}.${randomBytes(4).toString('hex')}.pages.tmp`);
  let fd: number;
  try {
    fd = openSync(path, 'wx+', 0o600);
  } catch (error) {
    throw ioError(error, 'create a scratch file next to', nearPath);
  }
  return {
    fd,
    path,
    dispose() {
      try {
        closeSync(fd);
      } catch {}
      try {
        unlinkSync(path);
      } catch {}
    },
  };
}
