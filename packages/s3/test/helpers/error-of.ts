import { ByteSourceError } from '@tessera/core';

/** The ByteSourceError `run` throws (synchronously); anything else thrown is rethrown, no throw fails. */
export function byteSourceErrorOf(run: () => unknown): ByteSourceError {
  try {
    run();
  } catch (error) {
    if (error instanceof ByteSourceError) return error;
    throw error;
  }
  throw new Error('expected a ByteSourceError');
}

/** The ByteSourceError `run` rejects with (or throws); anything else is rethrown, success fails. */
export async function byteSourceRejectionOf(run: () => Promise<unknown>): Promise<ByteSourceError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof ByteSourceError) return error;
    throw error;
  }
  throw new Error('expected a ByteSourceError');
}
