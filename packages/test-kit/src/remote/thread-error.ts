import { ArgumentError, TesseraError, type TesseraErrorCode } from '@tessera/core';

/** An error as plain data, posted from a server worker to the thread that started it. */
export interface TransferredError {
  name: string;
  message: string;
  /** The TesseraError code, when it was one. */
  code?: string;
  /** ArgumentError's `argument`. */
  argument?: string;
  stack?: string;
}

export function transferError(error: unknown): TransferredError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const transferred: TransferredError = { name: error.name, message: error.message };
  if (error instanceof TesseraError) transferred.code = error.code;
  if (error instanceof ArgumentError) transferred.argument = error.argument;
  if (error.stack !== undefined) transferred.stack = error.stack;
  return transferred;
}

/**
 * Rebuilds the error on the receiving side with the same class (ArgumentError, TesseraError or
 * Error), code and message, so `expect(...).rejects.toMatchObject({ code })` holds across threads.
 * The stack is the worker's: it points at the code that threw.
 */
export function reviveError(transferred: TransferredError): Error {
  let error: Error;
  if (transferred.code === undefined) {
    error = new Error(transferred.message);
    error.name = transferred.name;
  } else if (transferred.argument !== undefined) {
    error = new ArgumentError(transferred.argument, '', transferred.code as TesseraErrorCode);
    error.message = transferred.message;
  } else {
    error = new TesseraError(transferred.code as TesseraErrorCode, transferred.message);
    error.name = transferred.name;
  }
  if (transferred.stack !== undefined) error.stack = transferred.stack;
  return error;
}
