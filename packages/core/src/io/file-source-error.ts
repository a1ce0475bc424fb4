/** The error of the file sources; the reader turns it into a TesseraError with the same code. */
export type FileSourceErrorCode = 'E_ARGUMENT' | 'E_CLOSED' | 'E_IO' | 'E_MMAP_UNAVAILABLE' | 'E_OUT_OF_BOUNDS';

export interface FileSourceErrorDetails {
  path?: string;
  offset?: number;
  byteLength?: number;
  cause?: unknown;
}

export class FileSourceError extends Error {
  readonly code: FileSourceErrorCode;
  readonly path?: string;
  readonly offset?: number;
  readonly byteLength?: number;

  constructor(code: FileSourceErrorCode, message: string, details: FileSourceErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'FileSourceError';
    this.code = code;
    if (details.path !== undefined) this.path = details.path;
    if (details.offset !== undefined) this.offset = details.offset;
    if (details.byteLength !== undefined) this.byteLength = details.byteLength;
  }
}
