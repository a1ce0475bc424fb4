/**
 * flacIntegerRows: planar PCM as fields hold it (float32 in [-1, 1], int16 x meaning x / 2^15, int32
 * x meaning x / 2^31) → the integers a `bitsPerSample`-bit FLAC stream stores: round(v · 2^(bits − 1))
 * clamped to the range, which is exact for int16 at 16 bits (the rows are returned as they are) and a
 * shift for int16 at 24 bits. 16-bit output is Int16Array (encodeFlac then needs no range check).
 */

export function flacIntegerRows(rows: readonly (Float32Array | Int16Array | Int32Array)[], bitsPerSample: 16 | 24): (Int16Array | Int32Array)[] {
  return rows.map((row) => {
    if (row instanceof Int16Array && bitsPerSample === 16) return row;
    const out = bitsPerSample === 16 ? new Int16Array(row.length) : new Int32Array(row.length);
    const maximum = 2 ** (bitsPerSample - 1) - 1;
    const minimum = -(2 ** (bitsPerSample - 1));
    const scale = row instanceof Float32Array ? 2 ** (bitsPerSample - 1) : row instanceof Int16Array ? 2 ** (bitsPerSample - 16) : 2 ** (bitsPerSample - 32);
    for (let index = 0; index < row.length; index++) {
      const value = Math.round(row[index] * scale);
      out[index] = Math.min(maximum, Math.max(minimum, value));
    }
    return out;
  });
}
