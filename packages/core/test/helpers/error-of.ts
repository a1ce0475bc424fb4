import { TesseraError } from '../../src/index.js';

/** The TesseraError `run` throws (synchronously); anything else thrown is rethrown, no throw fails. */
export function errorOf(run: () => unknown): TesseraError {
  try {
    run();
  } catch (error) {
    if (error instanceof TesseraError) return error;
    throw error;
  }
  throw new Error('expected a TesseraError');
}

/** The TesseraError `run` throws or rejects with; anything else is rethrown, no failure fails. */
export async function rejectionOf(run: () => unknown): Promise<TesseraError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof TesseraError) return error;
    throw error;
  }
  throw new Error('expected a TesseraError');
}
