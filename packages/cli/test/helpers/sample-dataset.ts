import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { bytes, float64, int64, json, ndarray, writeDataset } from '@tessera/core';

/** 2^53 + 1: not representable as a double, so it must come back with every digit. */
export const BEYOND_SAFE_INTEGER = 2n ** 53n + 1n;
export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

export const SAMPLE_COUNT = 12;

/** The values written for sample `index`: every tricky case in the first four samples. */
export function sampleValues(index: number) {
  const special = [
    { id: 0, score: Number.NaN, blob: 'hello', meta: { name: 'zero', tags: [1, 2] } },
    { id: BEYOND_SAFE_INTEGER, score: -0, blob: new Uint8Array([1, 2, 3]), meta: null },
    { id: INT64_MIN, score: Number.POSITIVE_INFINITY, blob: '', meta: 'text' },
    { id: INT64_MAX, score: Number.NEGATIVE_INFINITY, blob: 'x', meta: [1.5, true] },
  ];
  const base = special[index] ?? { id: index * 10, score: index / 4, blob: `blob-${index}`, meta: { index } };
  return { ...base, arr: [index, 0.5, -1, 2, 3, 4] };
}

export const SCHEMA = { id: int64(), score: float64(), blob: bytes(), meta: json(), arr: ndarray({ dtype: '<f4', shape: [2, 3] }) };

/** Writes the test dataset (12 samples, one page) into `directory` and returns its path. */
export async function writeSampleDataset(directory: string, name = 'sample.beton'): Promise<string> {
  const path = join(directory, name);
  const samples = Array.from({ length: SAMPLE_COUNT }, (_, index) => sampleValues(index));
  await writeDataset(path, SCHEMA, samples, { workers: 0 });
  return path;
}

export function sha256Hex(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}
