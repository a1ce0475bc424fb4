/**
 * A self-sorting (Stockham, decimation in frequency) mixed-radix complex FFT for any length:
 * hard-coded radix 2, 3, 4 and 5 butterflies, a direct DFT for any other prime factor (fine for
 * small primes; a length with a large prime factor costs O(n · p)). Forward transform only
 * (X[k] = Σ x[t] e^{-2πi·tk/n}), split real/imaginary Float64Arrays, twiddles precomputed per stage,
 * two ping-pong scratch buffers owned by the plan: nothing is allocated per call.
 *
 * Stage with sub-length `length`, radix r, m = length / r, stride s (the product of the radices done):
 *   y[q + s·(r·p + j)] = W_length^{j·p} · Σ_k x[q + s·(p + k·m)] · W_r^{j·k}
 * which leaves the output in natural order after the last stage.
 */
export interface ComplexFft {
  readonly size: number;
  /**
   * Transforms `real`/`imaginary` (length ≥ size) in place. The plan's scratch is used as the
   * other half of each ping-pong, so the arrays passed must not be the plan's own buffers.
   */
  transform(real: Float64Array, imaginary: Float64Array): void;
  /** The FFT of the packed pairs of a real frame (see StockhamFft.transformPacked). */
  transformPacked(input: Float32Array | Float64Array, inputOffset: number, window: Float64Array, real: Float64Array, imaginary: Float64Array): void;
}

interface Stage {
  readonly radix: number;
  /** sub-transform length at this stage */
  readonly length: number;
  readonly stride: number;
  /** offset of this stage's twiddles in the plan's twiddle arrays: m·(r − 1) values */
  readonly twiddleOffset: number;
}

/** Factors `size` into radices: 8 and 4 first (fewest passes and multiplications), then 2, 3, 5 and other primes. */
export function fftRadices(size: number): number[] {
  const radices: number[] = [];
  let rest = size;
  while (rest % 8 === 0) {
    radices.push(8);
    rest /= 8;
  }
  while (rest % 4 === 0) {
    radices.push(4);
    rest /= 4;
  }
  for (const radix of [2, 3, 5]) {
    while (rest % radix === 0) {
      radices.push(radix);
      rest /= radix;
    }
  }
  for (let radix = 7; rest > 1; radix += 2) {
    while (rest % radix === 0) {
      radices.push(radix);
      rest /= radix;
    }
    if (radix * radix > rest && rest > 1) {
      radices.push(rest);
      rest = 1;
    }
  }
  return radices;
}

export function createComplexFft(size: number): ComplexFft {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`FFT size must be a positive integer, got ${size}`);
  return new StockhamFft(size);
}

class StockhamFft implements ComplexFft {
  readonly size: number;
  private readonly stages: Stage[] = [];
  private readonly twiddleReal: Float64Array;
  private readonly twiddleImaginary: Float64Array;
  private readonly scratchReal: Float64Array;
  private readonly scratchImaginary: Float64Array;
  /** W_p^{k} tables for the generic radices (p > 5), keyed by p */
  private readonly rootTables = new Map<number, { real: Float64Array; imaginary: Float64Array; sumReal: Float64Array; sumImaginary: Float64Array }>();

  constructor(size: number) {
    this.size = size;
    const radices = fftRadices(size);
    let length = size;
    let stride = 1;
    let twiddleCount = 0;
    for (const radix of radices) {
      this.stages.push({ radix, length, stride, twiddleOffset: twiddleCount });
      twiddleCount += (length / radix) * (radix - 1);
      length /= radix;
      stride *= radix;
    }
    this.twiddleReal = new Float64Array(Math.max(1, twiddleCount));
    this.twiddleImaginary = new Float64Array(Math.max(1, twiddleCount));
    for (const stage of this.stages) {
      const m = stage.length / stage.radix;
      for (let p = 0; p < m; p++) {
        for (let j = 1; j < stage.radix; j++) {
          const angle = (-2 * Math.PI * j * p) / stage.length;
          const index = stage.twiddleOffset + p * (stage.radix - 1) + (j - 1);
          this.twiddleReal[index] = Math.cos(angle);
          this.twiddleImaginary[index] = Math.sin(angle);
        }
      }
      if (stage.radix > 5 && !this.rootTables.has(stage.radix)) {
        const radix = stage.radix;
        const real = new Float64Array(radix);
        const imaginary = new Float64Array(radix);
        for (let k = 0; k < radix; k++) {
          real[k] = Math.cos((-2 * Math.PI * k) / radix);
          imaginary[k] = Math.sin((-2 * Math.PI * k) / radix);
        }
        this.rootTables.set(radix, { real, imaginary, sumReal: new Float64Array(radix), sumImaginary: new Float64Array(radix) });
      }
    }
    this.scratchReal = new Float64Array(size);
    this.scratchImaginary = new Float64Array(size);
  }

  /**
   * The FFT of z[j] = window[2j]·input[o + 2j] + i·window[2j+1]·input[o + 2j + 1] (j < size), the packed
   * form of a real frame of 2·size samples, into `real`/`imaginary`. With a radix-8 first stage the
   * packing is folded into it (no separate pass); otherwise the pairs are packed first.
   */
  transformPacked(input: Float32Array | Float64Array, inputOffset: number, window: Float64Array, real: Float64Array, imaginary: Float64Array): void {
    const stages = this.stages;
    if (stages.length === 0 || stages[0]!.radix !== 8) {
      for (let j = 0; j < this.size; j++) {
        real[j] = input[inputOffset + 2 * j]! * window[2 * j]!;
        imaginary[j] = input[inputOffset + 2 * j + 1]! * window[2 * j + 1]!;
      }
      this.transform(real, imaginary);
      return;
    }
    // the first stage writes where an even number of further stages ends in real/imaginary
    const rest = stages.length - 1;
    const firstReal = rest % 2 === 0 ? real : this.scratchReal;
    const firstImaginary = rest % 2 === 0 ? imaginary : this.scratchImaginary;
    const first = stages[0]!;
    firstRadix8(input, inputOffset, window, firstReal, firstImaginary, first.length / 8, this.twiddleReal, this.twiddleImaginary, first.twiddleOffset);
    this.runStages(1, firstReal, firstImaginary, firstReal === real ? this.scratchReal : real, firstReal === real ? this.scratchImaginary : imaginary);
  }

  transform(real: Float64Array, imaginary: Float64Array): void {
    const end = this.runStages(0, real, imaginary, this.scratchReal, this.scratchImaginary);
    if (end !== real) {
      real.set(end.subarray(0, this.size));
      imaginary.set(this.scratchImaginary.subarray(0, this.size));
    }
  }

  /** Runs stages [from, end) ping-ponging between the two pairs; returns the real array holding the result. */
  private runStages(from: number, startReal: Float64Array, startImaginary: Float64Array, otherReal: Float64Array, otherImaginary: Float64Array): Float64Array {
    let fromReal = startReal;
    let fromImaginary = startImaginary;
    let toReal = otherReal;
    let toImaginary = otherImaginary;
    const stages = this.stages;
    for (let index = from; index < stages.length; index++) {
      const stage = stages[index]!;
      const m = stage.length / stage.radix;
      switch (m === 1 && stage.radix <= 5 ? -stage.radix : stage.radix) {
        case -2:
          lastRadix2(fromReal, fromImaginary, toReal, toImaginary, stage.stride);
          break;
        case -3:
          radix3(fromReal, fromImaginary, toReal, toImaginary, m, stage.stride, this.twiddleReal, this.twiddleImaginary, stage.twiddleOffset);
          break;
        case -4:
          lastRadix4(fromReal, fromImaginary, toReal, toImaginary, stage.stride);
          break;
        case -5:
          lastRadix5(fromReal, fromImaginary, toReal, toImaginary, stage.stride);
          break;
        case 8:
          radix8(fromReal, fromImaginary, toReal, toImaginary, m, stage.stride, this.twiddleReal, this.twiddleImaginary, stage.twiddleOffset);
          break;
        case 4:
          radix4(fromReal, fromImaginary, toReal, toImaginary, m, stage.stride, this.twiddleReal, this.twiddleImaginary, stage.twiddleOffset);
          break;
        case 2:
          radix2(fromReal, fromImaginary, toReal, toImaginary, m, stage.stride, this.twiddleReal, this.twiddleImaginary, stage.twiddleOffset);
          break;
        case 3:
          radix3(fromReal, fromImaginary, toReal, toImaginary, m, stage.stride, this.twiddleReal, this.twiddleImaginary, stage.twiddleOffset);
          break;
        case 5:
          radix5(fromReal, fromImaginary, toReal, toImaginary, m, stage.stride, this.twiddleReal, this.twiddleImaginary, stage.twiddleOffset);
          break;
        default: {
          const roots = this.rootTables.get(stage.radix)!;
          radixGeneric(fromReal, fromImaginary, toReal, toImaginary, stage.radix, m, stage.stride, this.twiddleReal, this.twiddleImaginary, stage.twiddleOffset, roots);
        }
      }
      const swapReal = fromReal;
      const swapImaginary = fromImaginary;
      fromReal = toReal;
      fromImaginary = toImaginary;
      toReal = swapReal;
      toImaginary = swapImaginary;
    }
    return fromReal;
  }
}

function radix2(xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array, m: number, s: number, wr: Float64Array, wi: Float64Array, offset: number): void {
  for (let p = 0; p < m; p++) {
    const w1r = wr[offset + p]!;
    const w1i = wi[offset + p]!;
    const in0 = s * p;
    const in1 = s * (p + m);
    const out0 = s * 2 * p;
    const out1 = out0 + s;
    for (let q = 0; q < s; q++) {
      const ar = xr[in0 + q]!;
      const ai = xi[in0 + q]!;
      const br = xr[in1 + q]!;
      const bi = xi[in1 + q]!;
      yr[out0 + q] = ar + br;
      yi[out0 + q] = ai + bi;
      const dr = ar - br;
      const di = ai - bi;
      yr[out1 + q] = dr * w1r - di * w1i;
      yi[out1 + q] = dr * w1i + di * w1r;
    }
  }
}

function radix3(xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array, m: number, s: number, wr: Float64Array, wi: Float64Array, offset: number): void {
  const sine = Math.sqrt(3) / 2;
  for (let p = 0; p < m; p++) {
    const w1r = wr[offset + 2 * p]!;
    const w1i = wi[offset + 2 * p]!;
    const w2r = wr[offset + 2 * p + 1]!;
    const w2i = wi[offset + 2 * p + 1]!;
    const in0 = s * p;
    const in1 = s * (p + m);
    const in2 = s * (p + 2 * m);
    const out0 = s * 3 * p;
    for (let q = 0; q < s; q++) {
      const a0r = xr[in0 + q]!;
      const a0i = xi[in0 + q]!;
      const a1r = xr[in1 + q]!;
      const a1i = xi[in1 + q]!;
      const a2r = xr[in2 + q]!;
      const a2i = xi[in2 + q]!;
      const br = a1r + a2r;
      const bi = a1i + a2i;
      const dr = (a1r - a2r) * sine;
      const di = (a1i - a2i) * sine;
      const rr = a0r - 0.5 * br;
      const ri = a0i - 0.5 * bi;
      yr[out0 + q] = a0r + br;
      yi[out0 + q] = a0i + bi;
      // y1 = r − i·d, y2 = r + i·d
      const y1r = rr + di;
      const y1i = ri - dr;
      const y2r = rr - di;
      const y2i = ri + dr;
      yr[out0 + s + q] = y1r * w1r - y1i * w1i;
      yi[out0 + s + q] = y1r * w1i + y1i * w1r;
      yr[out0 + 2 * s + q] = y2r * w2r - y2i * w2i;
      yi[out0 + 2 * s + q] = y2r * w2i + y2i * w2r;
    }
  }
}

function radix4(xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array, m: number, s: number, wr: Float64Array, wi: Float64Array, offset: number): void {
  for (let p = 0; p < m; p++) {
    const t = offset + 3 * p;
    const w1r = wr[t]!;
    const w1i = wi[t]!;
    const w2r = wr[t + 1]!;
    const w2i = wi[t + 1]!;
    const w3r = wr[t + 2]!;
    const w3i = wi[t + 2]!;
    const in0 = s * p;
    const in1 = s * (p + m);
    const in2 = s * (p + 2 * m);
    const in3 = s * (p + 3 * m);
    const out0 = s * 4 * p;
    const out1 = out0 + s;
    const out2 = out1 + s;
    const out3 = out2 + s;
    for (let q = 0; q < s; q++) {
      const a0r = xr[in0 + q]!;
      const a0i = xi[in0 + q]!;
      const a1r = xr[in1 + q]!;
      const a1i = xi[in1 + q]!;
      const a2r = xr[in2 + q]!;
      const a2i = xi[in2 + q]!;
      const a3r = xr[in3 + q]!;
      const a3i = xi[in3 + q]!;
      const t0r = a0r + a2r;
      const t0i = a0i + a2i;
      const t1r = a0r - a2r;
      const t1i = a0i - a2i;
      const t2r = a1r + a3r;
      const t2i = a1i + a3i;
      // t3 = −i·(a1 − a3)
      const t3r = a1i - a3i;
      const t3i = a3r - a1r;
      yr[out0 + q] = t0r + t2r;
      yi[out0 + q] = t0i + t2i;
      const y1r = t1r + t3r;
      const y1i = t1i + t3i;
      const y2r = t0r - t2r;
      const y2i = t0i - t2i;
      const y3r = t1r - t3r;
      const y3i = t1i - t3i;
      yr[out1 + q] = y1r * w1r - y1i * w1i;
      yi[out1 + q] = y1r * w1i + y1i * w1r;
      yr[out2 + q] = y2r * w2r - y2i * w2i;
      yi[out2 + q] = y2r * w2i + y2i * w2r;
      yr[out3 + q] = y3r * w3r - y3i * w3i;
      yi[out3 + q] = y3r * w3i + y3i * w3r;
    }
  }
}

const COS_1 = Math.cos((2 * Math.PI) / 5);
const COS_2 = Math.cos((4 * Math.PI) / 5);
const SIN_1 = Math.sin((2 * Math.PI) / 5);
const SIN_2 = Math.sin((4 * Math.PI) / 5);

function radix5(xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array, m: number, s: number, wr: Float64Array, wi: Float64Array, offset: number): void {
  for (let p = 0; p < m; p++) {
    const t = offset + 4 * p;
    const w1r = wr[t]!;
    const w1i = wi[t]!;
    const w2r = wr[t + 1]!;
    const w2i = wi[t + 1]!;
    const w3r = wr[t + 2]!;
    const w3i = wi[t + 2]!;
    const w4r = wr[t + 3]!;
    const w4i = wi[t + 3]!;
    const in0 = s * p;
    const in1 = s * (p + m);
    const in2 = s * (p + 2 * m);
    const in3 = s * (p + 3 * m);
    const in4 = s * (p + 4 * m);
    const out0 = s * 5 * p;
    const out1 = out0 + s;
    const out2 = out1 + s;
    const out3 = out2 + s;
    const out4 = out3 + s;
    for (let q = 0; q < s; q++) {
      const a0r = xr[in0 + q]!;
      const a0i = xi[in0 + q]!;
      const a1r = xr[in1 + q]!;
      const a1i = xi[in1 + q]!;
      const a2r = xr[in2 + q]!;
      const a2i = xi[in2 + q]!;
      const a3r = xr[in3 + q]!;
      const a3i = xi[in3 + q]!;
      const a4r = xr[in4 + q]!;
      const a4i = xi[in4 + q]!;
      const b1r = a1r + a4r;
      const b1i = a1i + a4i;
      const b2r = a2r + a3r;
      const b2i = a2i + a3i;
      const d1r = a1r - a4r;
      const d1i = a1i - a4i;
      const d2r = a2r - a3r;
      const d2i = a2i - a3i;
      yr[out0 + q] = a0r + b1r + b2r;
      yi[out0 + q] = a0i + b1i + b2i;
      const r1r = a0r + COS_1 * b1r + COS_2 * b2r;
      const r1i = a0i + COS_1 * b1i + COS_2 * b2i;
      const r2r = a0r + COS_2 * b1r + COS_1 * b2r;
      const r2i = a0i + COS_2 * b1i + COS_1 * b2i;
      const i1r = SIN_1 * d1r + SIN_2 * d2r;
      const i1i = SIN_1 * d1i + SIN_2 * d2i;
      const i2r = SIN_2 * d1r - SIN_1 * d2r;
      const i2i = SIN_2 * d1i - SIN_1 * d2i;
      // y1 = r1 − i·i1, y4 = r1 + i·i1, y2 = r2 − i·i2, y3 = r2 + i·i2
      const y1r = r1r + i1i;
      const y1i = r1i - i1r;
      const y4r = r1r - i1i;
      const y4i = r1i + i1r;
      const y2r = r2r + i2i;
      const y2i = r2i - i2r;
      const y3r = r2r - i2i;
      const y3i = r2i + i2r;
      yr[out1 + q] = y1r * w1r - y1i * w1i;
      yi[out1 + q] = y1r * w1i + y1i * w1r;
      yr[out2 + q] = y2r * w2r - y2i * w2i;
      yi[out2 + q] = y2r * w2i + y2i * w2r;
      yr[out3 + q] = y3r * w3r - y3i * w3i;
      yi[out3 + q] = y3r * w3i + y3i * w3r;
      yr[out4 + q] = y4r * w4r - y4i * w4i;
      yi[out4 + q] = y4r * w4i + y4i * w4r;
    }
  }
}

function radixGeneric(
  xr: Float64Array,
  xi: Float64Array,
  yr: Float64Array,
  yi: Float64Array,
  radix: number,
  m: number,
  s: number,
  wr: Float64Array,
  wi: Float64Array,
  offset: number,
  roots: { real: Float64Array; imaginary: Float64Array; sumReal: Float64Array; sumImaginary: Float64Array },
): void {
  const rootReal = roots.real;
  const rootImaginary = roots.imaginary;
  const sumReal = roots.sumReal;
  const sumImaginary = roots.sumImaginary;
  for (let p = 0; p < m; p++) {
    for (let q = 0; q < s; q++) {
      for (let j = 0; j < radix; j++) {
        let accumulatedReal = 0;
        let accumulatedImaginary = 0;
        for (let k = 0; k < radix; k++) {
          const root = (j * k) % radix;
          const ar = xr[q + s * (p + k * m)]!;
          const ai = xi[q + s * (p + k * m)]!;
          accumulatedReal += ar * rootReal[root]! - ai * rootImaginary[root]!;
          accumulatedImaginary += ar * rootImaginary[root]! + ai * rootReal[root]!;
        }
        sumReal[j] = accumulatedReal;
        sumImaginary[j] = accumulatedImaginary;
      }
      const out = q + s * radix * p;
      yr[out] = sumReal[0]!;
      yi[out] = sumImaginary[0]!;
      for (let j = 1; j < radix; j++) {
        const twr = wr[offset + p * (radix - 1) + (j - 1)]!;
        const twi = wi[offset + p * (radix - 1) + (j - 1)]!;
        yr[out + s * j] = sumReal[j]! * twr - sumImaginary[j]! * twi;
        yi[out + s * j] = sumReal[j]! * twi + sumImaginary[j]! * twr;
      }
    }
  }
}

/** The last stage (m = 1): every twiddle is 1. */
function lastRadix2(xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array, s: number): void {
  for (let q = 0; q < s; q++) {
    const ar = xr[q]!;
    const ai = xi[q]!;
    const br = xr[s + q]!;
    const bi = xi[s + q]!;
    yr[q] = ar + br;
    yi[q] = ai + bi;
    yr[s + q] = ar - br;
    yi[s + q] = ai - bi;
  }
}

function lastRadix4(xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array, s: number): void {
  for (let q = 0; q < s; q++) {
    const a0r = xr[q]!;
    const a0i = xi[q]!;
    const a1r = xr[s + q]!;
    const a1i = xi[s + q]!;
    const a2r = xr[2 * s + q]!;
    const a2i = xi[2 * s + q]!;
    const a3r = xr[3 * s + q]!;
    const a3i = xi[3 * s + q]!;
    const t0r = a0r + a2r;
    const t0i = a0i + a2i;
    const t1r = a0r - a2r;
    const t1i = a0i - a2i;
    const t2r = a1r + a3r;
    const t2i = a1i + a3i;
    const t3r = a1i - a3i;
    const t3i = a3r - a1r;
    yr[q] = t0r + t2r;
    yi[q] = t0i + t2i;
    yr[s + q] = t1r + t3r;
    yi[s + q] = t1i + t3i;
    yr[2 * s + q] = t0r - t2r;
    yi[2 * s + q] = t0i - t2i;
    yr[3 * s + q] = t1r - t3r;
    yi[3 * s + q] = t1i - t3i;
  }
}

function lastRadix5(xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array, s: number): void {
  for (let q = 0; q < s; q++) {
    const a0r = xr[q]!;
    const a0i = xi[q]!;
    const a1r = xr[s + q]!;
    const a1i = xi[s + q]!;
    const a2r = xr[2 * s + q]!;
    const a2i = xi[2 * s + q]!;
    const a3r = xr[3 * s + q]!;
    const a3i = xi[3 * s + q]!;
    const a4r = xr[4 * s + q]!;
    const a4i = xi[4 * s + q]!;
    const b1r = a1r + a4r;
    const b1i = a1i + a4i;
    const b2r = a2r + a3r;
    const b2i = a2i + a3i;
    const d1r = a1r - a4r;
    const d1i = a1i - a4i;
    const d2r = a2r - a3r;
    const d2i = a2i - a3i;
    yr[q] = a0r + b1r + b2r;
    yi[q] = a0i + b1i + b2i;
    const r1r = a0r + COS_1 * b1r + COS_2 * b2r;
    const r1i = a0i + COS_1 * b1i + COS_2 * b2i;
    const r2r = a0r + COS_2 * b1r + COS_1 * b2r;
    const r2i = a0i + COS_2 * b1i + COS_1 * b2i;
    const i1r = SIN_1 * d1r + SIN_2 * d2r;
    const i1i = SIN_1 * d1i + SIN_2 * d2i;
    const i2r = SIN_2 * d1r - SIN_1 * d2r;
    const i2i = SIN_2 * d1i - SIN_1 * d2i;
    yr[s + q] = r1r + i1i;
    yi[s + q] = r1i - i1r;
    yr[2 * s + q] = r2r + i2i;
    yi[2 * s + q] = r2i - i2r;
    yr[3 * s + q] = r2r - i2i;
    yi[3 * s + q] = r2i + i2r;
    yr[4 * s + q] = r1r - i1i;
    yi[4 * s + q] = r1i + i1r;
  }
}

const SQRT_HALF = Math.SQRT1_2;

/** Radix 8 as 2 × 4: u_k = a_k + a_{k+4}, v_k = (a_k − a_{k+4})·W8^k, y_{2j} = DFT4(u)_j, y_{2j+1} = DFT4(v)_j. */
function radix8(xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array, m: number, s: number, wr: Float64Array, wi: Float64Array, offset: number): void {
  for (let p = 0; p < m; p++) {
    const t = offset + 7 * p;
    const w1r = wr[t]!;
    const w1i = wi[t]!;
    const w2r = wr[t + 1]!;
    const w2i = wi[t + 1]!;
    const w3r = wr[t + 2]!;
    const w3i = wi[t + 2]!;
    const w4r = wr[t + 3]!;
    const w4i = wi[t + 3]!;
    const w5r = wr[t + 4]!;
    const w5i = wi[t + 4]!;
    const w6r = wr[t + 5]!;
    const w6i = wi[t + 5]!;
    const w7r = wr[t + 6]!;
    const w7i = wi[t + 6]!;
    const in0 = s * p;
    const sm = s * m;
    const out0 = s * 8 * p;
    for (let q = 0; q < s; q++) {
      const i0 = in0 + q;
      const a0r = xr[i0]!;
      const a0i = xi[i0]!;
      const a1r = xr[i0 + sm]!;
      const a1i = xi[i0 + sm]!;
      const a2r = xr[i0 + 2 * sm]!;
      const a2i = xi[i0 + 2 * sm]!;
      const a3r = xr[i0 + 3 * sm]!;
      const a3i = xi[i0 + 3 * sm]!;
      const a4r = xr[i0 + 4 * sm]!;
      const a4i = xi[i0 + 4 * sm]!;
      const a5r = xr[i0 + 5 * sm]!;
      const a5i = xi[i0 + 5 * sm]!;
      const a6r = xr[i0 + 6 * sm]!;
      const a6i = xi[i0 + 6 * sm]!;
      const a7r = xr[i0 + 7 * sm]!;
      const a7i = xi[i0 + 7 * sm]!;
      const u0r = a0r + a4r;
      const u0i = a0i + a4i;
      const u1r = a1r + a5r;
      const u1i = a1i + a5i;
      const u2r = a2r + a6r;
      const u2i = a2i + a6i;
      const u3r = a3r + a7r;
      const u3i = a3i + a7i;
      const v0r = a0r - a4r;
      const v0i = a0i - a4i;
      const d1r = a1r - a5r;
      const d1i = a1i - a5i;
      const v1r = (d1r + d1i) * SQRT_HALF;
      const v1i = (d1i - d1r) * SQRT_HALF;
      const v2r = a2i - a6i;
      const v2i = a6r - a2r;
      const d3r = a3r - a7r;
      const d3i = a3i - a7i;
      const v3r = (d3i - d3r) * SQRT_HALF;
      const v3i = -(d3r + d3i) * SQRT_HALF;
      // DFT4 of u → y0, y2, y4, y6
      const e0r = u0r + u2r;
      const e0i = u0i + u2i;
      const e1r = u0r - u2r;
      const e1i = u0i - u2i;
      const e2r = u1r + u3r;
      const e2i = u1i + u3i;
      const e3r = u1i - u3i;
      const e3i = u3r - u1r;
      // DFT4 of v → y1, y3, y5, y7
      const f0r = v0r + v2r;
      const f0i = v0i + v2i;
      const f1r = v0r - v2r;
      const f1i = v0i - v2i;
      const f2r = v1r + v3r;
      const f2i = v1i + v3i;
      const f3r = v1i - v3i;
      const f3i = v3r - v1r;
      const o = out0 + q;
      yr[o] = e0r + e2r;
      yi[o] = e0i + e2i;
      let zr = f0r + f2r;
      let zi = f0i + f2i;
      yr[o + s] = zr * w1r - zi * w1i;
      yi[o + s] = zr * w1i + zi * w1r;
      zr = e1r + e3r;
      zi = e1i + e3i;
      yr[o + 2 * s] = zr * w2r - zi * w2i;
      yi[o + 2 * s] = zr * w2i + zi * w2r;
      zr = f1r + f3r;
      zi = f1i + f3i;
      yr[o + 3 * s] = zr * w3r - zi * w3i;
      yi[o + 3 * s] = zr * w3i + zi * w3r;
      zr = e0r - e2r;
      zi = e0i - e2i;
      yr[o + 4 * s] = zr * w4r - zi * w4i;
      yi[o + 4 * s] = zr * w4i + zi * w4r;
      zr = f0r - f2r;
      zi = f0i - f2i;
      yr[o + 5 * s] = zr * w5r - zi * w5i;
      yi[o + 5 * s] = zr * w5i + zi * w5r;
      zr = e1r - e3r;
      zi = e1i - e3i;
      yr[o + 6 * s] = zr * w6r - zi * w6i;
      yi[o + 6 * s] = zr * w6i + zi * w6r;
      zr = f1r - f3r;
      zi = f1i - f3i;
      yr[o + 7 * s] = zr * w7r - zi * w7i;
      yi[o + 7 * s] = zr * w7i + zi * w7r;
    }
  }
}

/** The first stage (stride 1) of radix 8 reading the packed pairs z[j] = w[2j]·x[2j] + i·w[2j+1]·x[2j+1] straight from a real input. */
function firstRadix8(input: Float32Array | Float64Array, inputOffset: number, window: Float64Array, yr: Float64Array, yi: Float64Array, m: number, wr: Float64Array, wi: Float64Array, offset: number): void {
  const s = 1;
  for (let p = 0; p < m; p++) {
    const t = offset + 7 * p;
    const w1r = wr[t]!;
    const w1i = wi[t]!;
    const w2r = wr[t + 1]!;
    const w2i = wi[t + 1]!;
    const w3r = wr[t + 2]!;
    const w3i = wi[t + 2]!;
    const w4r = wr[t + 3]!;
    const w4i = wi[t + 3]!;
    const w5r = wr[t + 4]!;
    const w5i = wi[t + 4]!;
    const w6r = wr[t + 5]!;
    const w6i = wi[t + 5]!;
    const w7r = wr[t + 6]!;
    const w7i = wi[t + 6]!;
    const in0 = s * p;
    const sm = s * m;
    const out0 = s * 8 * p;
    {
      const q = 0;
      const i0 = in0;
      const e0 = 2 * (i0);
      const a0r = input[inputOffset + e0]! * window[e0]!;
      const a0i = input[inputOffset + e0 + 1]! * window[e0 + 1]!;
      const e1 = 2 * (i0 + sm);
      const a1r = input[inputOffset + e1]! * window[e1]!;
      const a1i = input[inputOffset + e1 + 1]! * window[e1 + 1]!;
      const e2 = 2 * (i0 + 2 * sm);
      const a2r = input[inputOffset + e2]! * window[e2]!;
      const a2i = input[inputOffset + e2 + 1]! * window[e2 + 1]!;
      const e3 = 2 * (i0 + 3 * sm);
      const a3r = input[inputOffset + e3]! * window[e3]!;
      const a3i = input[inputOffset + e3 + 1]! * window[e3 + 1]!;
      const e4 = 2 * (i0 + 4 * sm);
      const a4r = input[inputOffset + e4]! * window[e4]!;
      const a4i = input[inputOffset + e4 + 1]! * window[e4 + 1]!;
      const e5 = 2 * (i0 + 5 * sm);
      const a5r = input[inputOffset + e5]! * window[e5]!;
      const a5i = input[inputOffset + e5 + 1]! * window[e5 + 1]!;
      const e6 = 2 * (i0 + 6 * sm);
      const a6r = input[inputOffset + e6]! * window[e6]!;
      const a6i = input[inputOffset + e6 + 1]! * window[e6 + 1]!;
      const e7 = 2 * (i0 + 7 * sm);
      const a7r = input[inputOffset + e7]! * window[e7]!;
      const a7i = input[inputOffset + e7 + 1]! * window[e7 + 1]!;
      const u0r = a0r + a4r;
      const u0i = a0i + a4i;
      const u1r = a1r + a5r;
      const u1i = a1i + a5i;
      const u2r = a2r + a6r;
      const u2i = a2i + a6i;
      const u3r = a3r + a7r;
      const u3i = a3i + a7i;
      const v0r = a0r - a4r;
      const v0i = a0i - a4i;
      const d1r = a1r - a5r;
      const d1i = a1i - a5i;
      const v1r = (d1r + d1i) * SQRT_HALF;
      const v1i = (d1i - d1r) * SQRT_HALF;
      const v2r = a2i - a6i;
      const v2i = a6r - a2r;
      const d3r = a3r - a7r;
      const d3i = a3i - a7i;
      const v3r = (d3i - d3r) * SQRT_HALF;
      const v3i = -(d3r + d3i) * SQRT_HALF;
      // DFT4 of u → y0, y2, y4, y6
      const e0r = u0r + u2r;
      const e0i = u0i + u2i;
      const e1r = u0r - u2r;
      const e1i = u0i - u2i;
      const e2r = u1r + u3r;
      const e2i = u1i + u3i;
      const e3r = u1i - u3i;
      const e3i = u3r - u1r;
      // DFT4 of v → y1, y3, y5, y7
      const f0r = v0r + v2r;
      const f0i = v0i + v2i;
      const f1r = v0r - v2r;
      const f1i = v0i - v2i;
      const f2r = v1r + v3r;
      const f2i = v1i + v3i;
      const f3r = v1i - v3i;
      const f3i = v3r - v1r;
      const o = out0 + q;
      yr[o] = e0r + e2r;
      yi[o] = e0i + e2i;
      let zr = f0r + f2r;
      let zi = f0i + f2i;
      yr[o + s] = zr * w1r - zi * w1i;
      yi[o + s] = zr * w1i + zi * w1r;
      zr = e1r + e3r;
      zi = e1i + e3i;
      yr[o + 2 * s] = zr * w2r - zi * w2i;
      yi[o + 2 * s] = zr * w2i + zi * w2r;
      zr = f1r + f3r;
      zi = f1i + f3i;
      yr[o + 3 * s] = zr * w3r - zi * w3i;
      yi[o + 3 * s] = zr * w3i + zi * w3r;
      zr = e0r - e2r;
      zi = e0i - e2i;
      yr[o + 4 * s] = zr * w4r - zi * w4i;
      yi[o + 4 * s] = zr * w4i + zi * w4r;
      zr = f0r - f2r;
      zi = f0i - f2i;
      yr[o + 5 * s] = zr * w5r - zi * w5i;
      yi[o + 5 * s] = zr * w5i + zi * w5r;
      zr = e1r - e3r;
      zi = e1i - e3i;
      yr[o + 6 * s] = zr * w6r - zi * w6i;
      yi[o + 6 * s] = zr * w6i + zi * w6r;
      zr = f1r - f3r;
      zi = f1i - f3i;
      yr[o + 7 * s] = zr * w7r - zi * w7i;
      yi[o + 7 * s] = zr * w7i + zi * w7r;
    }
  }
}
