import type { ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';

/** Slices per second a throttled body is written in. */
const SLICES_PER_SECOND = 50;

/** Writes `chunk` and resolves once it is handed to the socket (so the caller may then destroy it). */
export function writeFlushed(response: ServerResponse, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    response.write(chunk, (error) => (error ? reject(error) : resolve()));
  });
}

/**
 * Writes `chunk`, at most `bytesPerSecond` on average when given (slices of 1/50 s worth of bytes,
 * each followed by its share of the second), calling `onBytes` with each slice's length.
 */
export async function writeThrottled(
  response: ServerResponse,
  chunk: Uint8Array,
  bytesPerSecond: number | undefined,
  onBytes: (byteLength: number) => void,
): Promise<void> {
  if (bytesPerSecond === undefined) {
    onBytes(chunk.byteLength);
    return writeFlushed(response, chunk);
  }
  const sliceLength = Math.max(1, Math.floor(bytesPerSecond / SLICES_PER_SECOND));
  for (let offset = 0; offset < chunk.byteLength; offset += sliceLength) {
    const slice = chunk.subarray(offset, offset + sliceLength);
    onBytes(slice.byteLength);
    await writeFlushed(response, slice);
    await delay((slice.byteLength / bytesPerSecond) * 1000);
  }
}
