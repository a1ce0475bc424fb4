import { closeSync, fsyncSync, openSync, renameSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * A file written under a temporary name in the target's folder and renamed over the target only
 * when complete and synced. Until then the target (if any) is untouched; on failure the temporary
 * file is removed. The header is written last, so even a leftover temporary file (after a crash)
 * starts with zeros and never looks like a valid .beton.
 */
export interface AtomicFile {
  readonly fd: number;
  readonly temporaryPath: string;
  commit(): void;
  abort(): void;
}

export function createAtomicFile(targetPath: string): AtomicFile {
  const temporaryPath = join(dirname(targetPath), `.${basename(targetPath)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(temporaryPath, 'wx+', 0o644);
  let open = true;
  return {
    fd,
    temporaryPath,
    commit() {
      fsyncSync(fd);
      closeSync(fd);
      open = false;
      renameSync(temporaryPath, targetPath);
      try {
        const directory = openSync(dirname(targetPath), 'r');
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

/** A scratch file removed on close (the page spool for sources of unknown length). */
export function createScratchFile(nearPath: string): { fd: number; path: string; dispose(): void } {
  const path = join(dirname(nearPath), `.${basename(nearPath)}.${process.pid}.${randomBytes(4).toString('hex')}.pages.tmp`);
  const fd = openSync(path, 'wx+', 0o600);
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
