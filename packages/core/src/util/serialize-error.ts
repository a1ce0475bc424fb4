import { ArgumentError, FormatError, PluginError, RemoteError, TesseraError, type TesseraErrorCode } from '../errors.js';

/** A TesseraError (or any error) as plain data that can cross a worker boundary. */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  details?: Record<string, unknown>;
  stack?: string;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof TesseraError) {
    const { name, message, code, stack, ...rest } = error.toJSON() as Record<string, unknown> & { name: string; message: string; code: string };
    void name;
    return { name: error.name, message, code, details: rest, stack: error.stack ?? (stack as string | undefined) };
  }
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: 'Error', message: String(error) };
}

export function deserializeError(serialized: SerializedError): Error {
  const details = serialized.details ?? {};
  let error: Error;
  if (serialized.code === undefined) {
    error = new Error(serialized.message);
    error.name = serialized.name;
  } else {
    const code = serialized.code as TesseraErrorCode;
    if (serialized.name === 'PluginError') {
      error = new PluginError(code, serialized.message, details as ConstructorParameters<typeof PluginError>[2]);
    } else if (serialized.name === 'FormatError') {
      error = new FormatError(code, serialized.message, {});
      Object.assign(error, details);
    } else if (serialized.name === 'RemoteError') {
      error = new RemoteError(code, serialized.message, {
        url: String(details.url ?? ''),
        status: typeof details.status === 'number' ? details.status : undefined,
        attempts: typeof details.attempts === 'number' ? details.attempts : undefined,
      });
    } else if (serialized.name === 'ArgumentError') {
      error = new ArgumentError(String(details.argument ?? ''), '', code);
      error.message = serialized.message;
    } else {
      error = new TesseraError(code, serialized.message);
    }
  }
  if (serialized.stack !== undefined) error.stack = serialized.stack;
  return error;
}
