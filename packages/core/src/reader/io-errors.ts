import { FormatError, TesseraError } from '../errors.js';
import { FileSourceError } from '../io/file-source.js';

/** File-source failures become TesseraErrors with the same code; anything else passes through. */
export function toTesseraError(error: unknown, path: string): unknown {
  if (error instanceof TesseraError) return error;
  if (error instanceof FileSourceError) {
    if (error.code === 'E_OUT_OF_BOUNDS') {
      return new FormatError('E_TRUNCATED', error.message, { fileOffset: error.offset, cause: error });
    }
    return new TesseraError(error.code, error.message, { cause: error });
  }
  if (error instanceof Error && 'code' in error && typeof (error as NodeJS.ErrnoException).syscall === 'string') {
    return new TesseraError('E_IO', `${path}: ${error.message}`, { cause: error });
  }
  return error;
}
