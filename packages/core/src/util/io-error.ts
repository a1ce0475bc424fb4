import { TesseraError } from '../errors.js';

/**
 * One wording for every operating-system failure: `E_IO`, the operation, the path, the OS message,
 * and a fix for the errno values a user can act on. A TesseraError passes through unchanged.
 */
export function ioError(error: unknown, operation: string, path: string): TesseraError {
  if (error instanceof TesseraError) return error;
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const fix = errno === undefined ? undefined : IO_FIXES[errno];
  return new TesseraError('E_IO', `cannot ${operation} ${path}: ${message}${fix === undefined ? '' : ` (${fix})`}`, { cause: error });
}

/** True for Node's system errors (they carry `errno`/`syscall`), the ones `ioError` should wrap. */
export function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && 'syscall' in error;
}

const IO_FIXES: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or folder: check the path',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'the path is a folder; give a file path',
  EACCES: 'permission denied: check the file and folder permissions',
  EPERM: 'operation not permitted: check the file and folder permissions',
  ENOSPC: 'the disk is full: free space or write elsewhere',
  EDQUOT: 'the disk quota is exhausted',
  EROFS: 'the file system is read-only',
  EMFILE: 'too many open files: raise the limit (ulimit -n) or close datasets',
  EEXIST: 'the path already exists',
};
