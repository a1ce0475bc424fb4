import { TesseraError } from '@tessera/core';

/** A request the viewer refuses: the status, a stable code and a message saying what to send instead. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/**
 * The response for anything a handler threw. A file changed while served (core's E_IO) is 409: the
 * page says to restart the viewer; other Tessera errors (a plugin hook failing) are 500 with their
 * code, and anything else is 500 without internals.
 */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof TesseraError) {
    if (error.code === 'E_IO') return new HttpError(409, error.code, `${error.message} (restart tessera view to read the file as it is now)`);
    if (error.code === 'E_UNKNOWN_FIELD') return new HttpError(404, error.code, error.message);
    return new HttpError(500, error.code, error.message);
  }
  return new HttpError(500, 'E_INTERNAL', `the viewer failed on this request: ${error instanceof Error ? error.message : String(error)}`);
}
