/** One `Range: bytes=…` request header resolved against a file size (RFC 9110 §14). */
export type ByteRangeRequest =
  /** No usable Range header: send the whole file with 200 (also for several ranges or another unit). */
  | { kind: 'whole' }
  /** Send bytes [start, end] (inclusive) with 206 and `Content-Range: bytes start-end/size`. */
  | { kind: 'range'; start: number; end: number }
  /** Answer 416 with `Content-Range: bytes *\/size`. */
  | { kind: 'unsatisfiable' };

const SINGLE_RANGE = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i;

/**
 * Parses a single-range header: `bytes=a-b`, `bytes=a-` and `bytes=-n`. A malformed header, a
 * range list (`bytes=0-1,5-6`) or a unit other than bytes is ignored, as RFC 9110 allows.
 */
export function parseByteRange(header: string | undefined, size: number): ByteRangeRequest {
  if (header === undefined) return { kind: 'whole' };
  const match = SINGLE_RANGE.exec(header);
  if (match === null) return { kind: 'whole' };
  const [, first, last] = match as unknown as [string, string, string];
  if (first === '' && last === '') return { kind: 'whole' };
  if (first === '') {
    const suffixLength = Number(last);
    if (suffixLength === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'range', start: Math.max(0, size - suffixLength), end: size - 1 };
  }
  const start = Number(first);
  // An explicit last byte before the first makes the header invalid (ignored); only then may an
  // open-ended `a-` with a at or past the end be unsatisfiable (checking end < start first would
  // turn `bytes=size-` into 200 with the whole file).
  if (last !== '' && Number(last) < start) return { kind: 'whole' };
  if (start >= size) return { kind: 'unsatisfiable' };
  const end = last === '' ? size - 1 : Number(last);
  return { kind: 'range', start, end: Math.min(end, size - 1) };
}
