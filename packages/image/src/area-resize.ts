/**
 * Area resampling in JavaScript, the same fixed-point arithmetic as the native backend's C code
 * (native/tessera-jpeg.c), so both backends give identical pixels from identical decoded input.
 *
 * Output pixel d covers [start + d·scale, start + (d + 1)·scale) in source pixels; each source pixel
 * it overlaps contributes in proportion to the overlap: OpenCV's INTER_AREA, which FFCV uses (for
 * enlargements, OpenCV's INTER_AREA reduces to the same box-overlap rule). Weights are 12-bit fixed
 * point summing to 4096; the horizontal pass keeps 8 fractional bits.
 */

const WEIGHT_ONE = 4096;

/** Scratch reused across calls (one per thread: modules are per thread). */
let firstScratch = new Int32Array(1024);
let weightScratch = new Int32Array(4096);
let rowScratch = new Uint16Array(1 << 16);

function buildTaps(first: Int32Array, firstOffset: number, weights: Int32Array, weightOffset: number, taps: number, start: number, length: number, outCount: number, sourceCount: number): void {
  const scale = length / outCount;
  for (let d = 0; d < outCount; d++) {
    const w = weightOffset + d * taps;
    weights.fill(0, w, w + taps);
    let a = start + d * scale;
    let b = a + scale;
    if (a < 0) a = 0;
    if (b > sourceCount) b = sourceCount;
    if (b <= a) {
      const index = a >= sourceCount ? sourceCount - 1 : Math.floor(a);
      let base = index + taps > sourceCount ? sourceCount - taps : index;
      if (base < 0) base = 0;
      first[firstOffset + d] = base;
      weights[w + index - base] = WEIGHT_ONE;
      continue;
    }
    const index = Math.floor(a);
    let last = Math.ceil(b) - 1;
    if (last >= sourceCount) last = sourceCount - 1;
    const count = Math.min(last - index + 1, taps);
    let base = index + taps > sourceCount ? sourceCount - taps : index;
    if (base < 0) base = 0;
    const total = b - a;
    let sum = 0;
    let largest = index - base;
    for (let t = 0; t < count; t++) {
      const lo = index + t;
      const hi = lo + 1;
      const overlap = Math.min(hi, b) - Math.max(lo, a);
      const value = Math.floor((Math.max(overlap, 0) / total) * WEIGHT_ONE + 0.5);
      weights[w + index - base + t] = value;
      sum += value;
      if (value > weights[w + largest]!) largest = index - base + t;
    }
    weights[w + largest] = weights[w + largest]! + WEIGHT_ONE - sum;
    first[firstOffset + d] = base;
  }
}

/**
 * Resamples the rectangle (x, y, width, height) — fractional, in source pixels — of `source`
 * (sourceWidth × sourceHeight × channels, HWC, rows `sourceStride` bytes apart, starting at
 * `sourceOffset`) to outWidth × outHeight in `out` (HWC, tightly packed).
 */
export function areaResize(
  source: Uint8Array,
  sourceOffset: number,
  sourceWidth: number,
  sourceHeight: number,
  sourceStride: number,
  channels: number,
  x: number,
  y: number,
  width: number,
  height: number,
  out: Uint8Array,
  outWidth: number,
  outHeight: number,
): void {
  if (width === outWidth && height === outHeight && Number.isInteger(x) && Number.isInteger(y)) {
    const rowBytes = outWidth * channels;
    for (let row = 0; row < outHeight; row++) {
      const start = sourceOffset + (y + row) * sourceStride + x * channels;
      out.set(source.subarray(start, start + rowBytes), row * rowBytes);
    }
    return;
  }
  const tapsX = Math.min(Math.ceil(width / outWidth) + 1, sourceWidth);
  const tapsY = Math.min(Math.ceil(height / outHeight) + 1, sourceHeight);
  if (firstScratch.length < outWidth + outHeight) firstScratch = new Int32Array((outWidth + outHeight) * 2);
  const weightsNeeded = outWidth * tapsX + outHeight * tapsY;
  if (weightScratch.length < weightsNeeded) weightScratch = new Int32Array(weightsNeeded * 2);
  const first = firstScratch;
  const weights = weightScratch;
  const weightsY = outWidth * tapsX;
  buildTaps(first, 0, weights, 0, tapsX, x, width, outWidth, sourceWidth);
  buildTaps(first, outWidth, weights, weightsY, tapsY, y, height, outHeight, sourceHeight);
  const firstRow = first[outWidth]!;
  const rowCount = first[outWidth + outHeight - 1]! + tapsY - firstRow;
  const rowValues = outWidth * channels;
  if (rowScratch.length < rowValues * rowCount) rowScratch = new Uint16Array(rowValues * rowCount * 2);
  const rows = rowScratch;
  for (let r = 0; r < rowCount; r++) {
    const rowStart = sourceOffset + (firstRow + r) * sourceStride;
    const target = rowValues * r;
    if (channels === 3 && tapsX === 2) horizontal3x2(source, rowStart, first, weights, rows, target, outWidth);
    else if (channels === 3 && tapsX === 3) horizontal3x3(source, rowStart, first, weights, rows, target, outWidth);
    else {
      for (let d = 0; d < outWidth; d++) {
        const p = rowStart + first[d]! * channels;
        const w = d * tapsX;
        for (let c = 0; c < channels; c++) {
          let sum = 0;
          for (let t = 0; t < tapsX; t++) sum += weights[w + t]! * source[p + t * channels + c]!;
          rows[target + d * channels + c] = (sum + 8) >> 4;
        }
      }
    }
  }
  for (let d = 0; d < outHeight; d++) {
    const w = weightsY + d * tapsY;
    const base = rowValues * (first[outWidth + d]! - firstRow);
    const target = d * rowValues;
    if (tapsY === 2) {
      const w0 = weights[w]!;
      const w1 = weights[w + 1]!;
      const next = base + rowValues;
      for (let i = 0; i < rowValues; i++) out[target + i] = (w0 * rows[base + i]! + w1 * rows[next + i]! + 524288) >> 20;
    } else if (tapsY === 3) {
      const w0 = weights[w]!;
      const w1 = weights[w + 1]!;
      const w2 = weights[w + 2]!;
      const next = base + rowValues;
      const after = next + rowValues;
      for (let i = 0; i < rowValues; i++) out[target + i] = (w0 * rows[base + i]! + w1 * rows[next + i]! + w2 * rows[after + i]! + 524288) >> 20;
    } else {
      for (let i = 0; i < rowValues; i++) {
        let sum = 0;
        for (let t = 0; t < tapsY; t++) sum += weights[w + t]! * rows[base + rowValues * t + i]!;
        out[target + i] = (sum + 524288) >> 20;
      }
    }
  }
}

function horizontal3x2(source: Uint8Array, rowStart: number, first: Int32Array, weights: Int32Array, rows: Uint16Array, target: number, outWidth: number): void {
  for (let d = 0, o = target, w = 0; d < outWidth; d++, o += 3, w += 2) {
    const p = rowStart + first[d]! * 3;
    const w0 = weights[w]!;
    const w1 = weights[w + 1]!;
    rows[o] = (w0 * source[p]! + w1 * source[p + 3]! + 8) >> 4;
    rows[o + 1] = (w0 * source[p + 1]! + w1 * source[p + 4]! + 8) >> 4;
    rows[o + 2] = (w0 * source[p + 2]! + w1 * source[p + 5]! + 8) >> 4;
  }
}

function horizontal3x3(source: Uint8Array, rowStart: number, first: Int32Array, weights: Int32Array, rows: Uint16Array, target: number, outWidth: number): void {
  for (let d = 0, o = target, w = 0; d < outWidth; d++, o += 3, w += 3) {
    const p = rowStart + first[d]! * 3;
    const w0 = weights[w]!;
    const w1 = weights[w + 1]!;
    const w2 = weights[w + 2]!;
    rows[o] = (w0 * source[p]! + w1 * source[p + 3]! + w2 * source[p + 6]! + 8) >> 4;
    rows[o + 1] = (w0 * source[p + 1]! + w1 * source[p + 4]! + w2 * source[p + 7]! + 8) >> 4;
    rows[o + 2] = (w0 * source[p + 2]! + w1 * source[p + 5]! + w2 * source[p + 8]! + 8) >> 4;
  }
}
