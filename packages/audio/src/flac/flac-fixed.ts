/**
 * FLAC fixed predictors (orders 0–4), restored in place. Int32 form for samples of up to 25 bits (the
 * predictions stay below 2^30); Float64 form for 32-bit audio and its 33-bit side channel.
 */

export function restoreFixedInt32(s: Int32Array, count: number, order: number): void {
  if (order === 0 || count <= order) return;
  if (order === 1) {
    let a = s[0];
    for (let i = 1; i < count; i++) s[i] = a = s[i] + a;
  } else if (order === 2) {
    let a = s[0];
    let b = s[1];
    for (let i = 2; i < count; i++) {
      const value = s[i] + 2 * b - a;
      s[i] = value;
      a = b;
      b = value;
    }
  } else if (order === 3) {
    let a = s[0];
    let b = s[1];
    let c = s[2];
    for (let i = 3; i < count; i++) {
      const value = s[i] + 3 * (c - b) + a;
      s[i] = value;
      a = b;
      b = c;
      c = value;
    }
  } else {
    let a = s[0];
    let b = s[1];
    let c = s[2];
    let d = s[3];
    for (let i = 4; i < count; i++) {
      const value = s[i] + 4 * (d + b) - 6 * c - a;
      s[i] = value;
      a = b;
      b = c;
      c = d;
      d = value;
    }
  }
}

/** samples[i] = residuals[i] + prediction, in doubles (exact: every term stays below 2^37). */
export function restoreFixedFloat64(s: Float64Array, residuals: Int32Array, count: number, order: number): void {
  for (let i = order; i < count; i++) {
    let prediction = 0;
    if (order === 1) prediction = s[i - 1];
    else if (order === 2) prediction = 2 * s[i - 1] - s[i - 2];
    else if (order === 3) prediction = 3 * (s[i - 1] - s[i - 2]) + s[i - 3];
    else if (order === 4) prediction = 4 * (s[i - 1] + s[i - 3]) - 6 * s[i - 2] - s[i - 4];
    s[i] = residuals[i] + prediction;
  }
}
