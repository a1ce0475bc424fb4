import { expect } from 'vitest';
import { FileSourceError } from '../../src/io/file-source.js';

/** xorshift32: reproducible "random" ranges, `random(limit)` in [0, limit). */
export function createRangeRandom(seed: number): (limit: number) => number {
  let state = seed >>> 0 || 1;
  return (limit: number) => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state % limit;
  };
}

export function randomBytes(byteLength: number, seed: number): Buffer {
  const random = createRangeRandom(seed);
  const bytes = Buffer.allocUnsafe(byteLength);
  for (let index = 0; index < byteLength; index++) bytes[index] = random(256);
  return bytes;
}

export function expectCode(action: () => unknown, code: FileSourceError['code']): FileSourceError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(FileSourceError);
    expect((error as FileSourceError).code).toBe(code);
    return error as FileSourceError;
  }
  throw new Error(`expected a FileSourceError ${code}, nothing was thrown`);
}

export function expectSameBytes(actual: Uint8Array, expected: Uint8Array, label: string): void {
  const actualBuffer = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  if (actual.byteLength !== expected.byteLength || actualBuffer.compare(expected) !== 0) {
    expect.fail(`${label}: bytes differ (actual ${actual.byteLength} bytes, expected ${expected.byteLength})`);
  }
}
