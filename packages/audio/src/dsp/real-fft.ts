import { type ComplexFft, createComplexFft } from './complex-fft.js';

/** Samples a real FFT reads: a Float32Array (waveforms) or Float64Array (scratch frames). */
export type SampleArray = Float32Array | Float64Array;

/**
 * A reusable real-input FFT plan of any size `n`: `n / 2 + 1` bins (floor for odd n) of
 * X[k] = Σ x[t] e^{-2πi·tk/n}. Even sizes run one n/2-point complex FFT on the packed pairs
 * z[t] = x[2t] + i·x[2t+1] and split its result; odd sizes run an n-point complex FFT.
 * Every method writes into caller memory and allocates nothing.
 */
export interface RealFft {
  readonly size: number;
  /** n / 2 + 1 (odd n: (n + 1) / 2) */
  readonly binCount: number;
  /** Complex bins of `input[inputOffset, inputOffset + n)`, optionally multiplied by `window` (length n) first. */
  transform(input: SampleArray, inputOffset: number, real: Float64Array, imaginary: Float64Array, window?: Float64Array): void;
  /** |X[k]|² into `output[outputOffset + k]`. */
  powerSpectrum(input: SampleArray, inputOffset: number, output: Float64Array | Float32Array, outputOffset: number, window?: Float64Array): void;
  /** |X[k]| into `output[outputOffset + k]`. */
  magnitudeSpectrum(input: SampleArray, inputOffset: number, output: Float64Array | Float32Array, outputOffset: number, window?: Float64Array): void;
}

export function createRealFft(size: number): RealFft {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`real FFT size must be a positive integer, got ${size}`);
  return size % 2 === 0 ? new EvenRealFft(size) : new OddRealFft(size);
}

class EvenRealFft implements RealFft {
  readonly size: number;
  readonly binCount: number;
  private readonly half: number;
  private readonly complex: ComplexFft;
  private readonly packedReal: Float64Array;
  private readonly packedImaginary: Float64Array;
  private readonly splitCos: Float64Array;
  private readonly splitSin: Float64Array;
  private readonly binReal: Float64Array;
  private readonly binImaginary: Float64Array;
  /** the window used when none is given */
  private readonly ones: Float64Array;

  constructor(size: number) {
    this.size = size;
    this.half = size / 2;
    this.ones = new Float64Array(size).fill(1);
    this.binCount = this.half + 1;
    this.complex = createComplexFft(this.half);
    this.packedReal = new Float64Array(this.half);
    this.packedImaginary = new Float64Array(this.half);
    this.splitCos = new Float64Array(this.binCount);
    this.splitSin = new Float64Array(this.binCount);
    for (let k = 0; k <= this.half; k++) {
      this.splitCos[k] = Math.cos((-2 * Math.PI * k) / size);
      this.splitSin[k] = Math.sin((-2 * Math.PI * k) / size);
    }
    this.binReal = new Float64Array(this.binCount);
    this.binImaginary = new Float64Array(this.binCount);
  }

  private pack(input: SampleArray, inputOffset: number, window: Float64Array | undefined): void {
    this.complex.transformPacked(input, inputOffset, window ?? this.ones, this.packedReal, this.packedImaginary);
  }

  /**
   * X[k] = E[k] + W_n^k·O[k], E = (Z[k] + conj Z[M−k]) / 2, O = (Z[k] − conj Z[M−k]) / 2i, Z[M] = Z[0].
   * Writes into binReal/binImaginary.
   */
  private split(): void {
    const zr = this.packedReal;
    const zi = this.packedImaginary;
    const half = this.half;
    const cos = this.splitCos;
    const sin = this.splitSin;
    const outReal = this.binReal;
    const outImaginary = this.binImaginary;
    outReal[0] = zr[0]! + zi[0]!;
    outImaginary[0] = 0;
    outReal[half] = zr[0]! - zi[0]!;
    outImaginary[half] = 0;
    for (let k = 1; k < half; k++) {
      const ar = zr[k]!;
      const ai = zi[k]!;
      const br = zr[half - k]!;
      const bi = -zi[half - k]!;
      const er = 0.5 * (ar + br);
      const ei = 0.5 * (ai + bi);
      // (a − b) / 2i = (a − b)·(−i/2)
      const or = 0.5 * (ai - bi);
      const oi = -0.5 * (ar - br);
      const wr = cos[k]!;
      const wi = sin[k]!;
      outReal[k] = er + or * wr - oi * wi;
      outImaginary[k] = ei + or * wi + oi * wr;
    }
  }

  transform(input: SampleArray, inputOffset: number, real: Float64Array, imaginary: Float64Array, window?: Float64Array): void {
    this.pack(input, inputOffset, window);
    this.split();
    real.set(this.binReal);
    imaginary.set(this.binImaginary);
  }

  powerSpectrum(input: SampleArray, inputOffset: number, output: Float64Array | Float32Array, outputOffset: number, window?: Float64Array): void {
    this.pack(input, inputOffset, window);
    // The split fused with |X|², the hot path of every spectrogram.
    const zr = this.packedReal;
    const zi = this.packedImaginary;
    const half = this.half;
    const cos = this.splitCos;
    const sin = this.splitSin;
    const dc = zr[0]! + zi[0]!;
    const nyquist = zr[0]! - zi[0]!;
    output[outputOffset] = dc * dc;
    output[outputOffset + half] = nyquist * nyquist;
    // X[k] = E + W^k·O and X[M−k] = conj(E − W^k·O): one pass over k ≤ M/2 gives both bins.
    for (let k = 1; 2 * k <= half; k++) {
      const ar = zr[k]!;
      const ai = zi[k]!;
      const br = zr[half - k]!;
      const bi = -zi[half - k]!;
      const er = ar + br;
      const ei = ai + bi;
      const or = ai - bi;
      const oi = br - ar;
      const wr = cos[k]!;
      const wi = sin[k]!;
      const rotatedReal = or * wr - oi * wi;
      const rotatedImaginary = or * wi + oi * wr;
      const plusReal = er + rotatedReal;
      const plusImaginary = ei + rotatedImaginary;
      const minusReal = er - rotatedReal;
      const minusImaginary = ei - rotatedImaginary;
      output[outputOffset + k] = 0.25 * (plusReal * plusReal + plusImaginary * plusImaginary);
      output[outputOffset + half - k] = 0.25 * (minusReal * minusReal + minusImaginary * minusImaginary);
    }
  }

  magnitudeSpectrum(input: SampleArray, inputOffset: number, output: Float64Array | Float32Array, outputOffset: number, window?: Float64Array): void {
    this.pack(input, inputOffset, window);
    this.split();
    for (let k = 0; k < this.binCount; k++) output[outputOffset + k] = Math.hypot(this.binReal[k]!, this.binImaginary[k]!);
  }
}

class OddRealFft implements RealFft {
  readonly size: number;
  readonly binCount: number;
  private readonly complex: ComplexFft;
  private readonly real: Float64Array;
  private readonly imaginary: Float64Array;

  constructor(size: number) {
    this.size = size;
    this.binCount = (size + 1) / 2;
    this.complex = createComplexFft(size);
    this.real = new Float64Array(size);
    this.imaginary = new Float64Array(size);
  }

  private run(input: SampleArray, inputOffset: number, window: Float64Array | undefined): void {
    for (let t = 0; t < this.size; t++) this.real[t] = window === undefined ? input[inputOffset + t]! : input[inputOffset + t]! * window[t]!;
    this.imaginary.fill(0);
    this.complex.transform(this.real, this.imaginary);
  }

  transform(input: SampleArray, inputOffset: number, real: Float64Array, imaginary: Float64Array, window?: Float64Array): void {
    this.run(input, inputOffset, window);
    real.set(this.real.subarray(0, this.binCount));
    imaginary.set(this.imaginary.subarray(0, this.binCount));
  }

  powerSpectrum(input: SampleArray, inputOffset: number, output: Float64Array | Float32Array, outputOffset: number, window?: Float64Array): void {
    this.run(input, inputOffset, window);
    for (let k = 0; k < this.binCount; k++) output[outputOffset + k] = this.real[k]! * this.real[k]! + this.imaginary[k]! * this.imaginary[k]!;
  }

  magnitudeSpectrum(input: SampleArray, inputOffset: number, output: Float64Array | Float32Array, outputOffset: number, window?: Float64Array): void {
    this.run(input, inputOffset, window);
    for (let k = 0; k < this.binCount; k++) output[outputOffset + k] = Math.hypot(this.real[k]!, this.imaginary[k]!);
  }
}
