import { describe, expect, it } from 'vitest';
import { createComplexFft, createRealFft, fftRadices } from '../src/dsp/index.js';

/** A direct O(n²) DFT in float64, the ground truth. */
function directDft(real: Float64Array, imaginary: Float64Array): [Float64Array, Float64Array] {
  const n = real.length;
  const outReal = new Float64Array(n);
  const outImaginary = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let sumReal = 0;
    let sumImaginary = 0;
    for (let t = 0; t < n; t++) {
      const angle = (-2 * Math.PI * ((t * k) % n)) / n;
      sumReal += real[t]! * Math.cos(angle) - imaginary[t]! * Math.sin(angle);
      sumImaginary += real[t]! * Math.sin(angle) + imaginary[t]! * Math.cos(angle);
    }
    outReal[k] = sumReal;
    outImaginary[k] = sumImaginary;
  }
  return [outReal, outImaginary];
}

/** Deterministic values in [-1, 1) (a 32-bit LCG). */
function values(count: number, seed: number): Float64Array {
  const out = new Float64Array(count);
  let state = seed >>> 0;
  for (let index = 0; index < count; index++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[index] = state / 2 ** 31 - 1;
  }
  return out;
}

const COMPLEX_SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 24, 25, 40, 49, 64, 77, 100, 128, 200, 243, 256, 360, 510, 512, 1000];
const REAL_SIZES = [2, 4, 10, 64, 199, 400, 441, 512, 1024, 1023, 2048, 882, 7 * 11 * 13];

describe('complex FFT', () => {
  it("factors sizes into radices 8, 4, 2, 3, 5 then other primes", () => {
    expect(fftRadices(200)).toEqual([8, 5, 5]);
    expect(fftRadices(256)).toEqual([8, 8, 4]);
    expect(fftRadices(100)).toEqual([4, 5, 5]);
    expect(fftRadices(1001)).toEqual([7, 11, 13]);
    expect(fftRadices(2 * 7919)).toEqual([2, 7919]);
    expect(fftRadices(1)).toEqual([]);
  });

  for (const size of COMPLEX_SIZES) {
    it(`matches a direct DFT for n = ${size} within 1e-9 relative`, () => {
      const real = values(size, size);
      const imaginary = values(size, size + 17);
      const [expectedReal, expectedImaginary] = directDft(real, imaginary);
      createComplexFft(size).transform(real, imaginary);
      let largest = 0;
      for (let k = 0; k < size; k++) largest = Math.max(largest, Math.abs(real[k]! - expectedReal[k]!), Math.abs(imaginary[k]! - expectedImaginary[k]!));
      expect(largest).toBeLessThan(1e-9 * Math.max(1, Math.sqrt(size)));
    });
  }

  it('rejects sizes that are not positive integers', () => {
    expect(() => createComplexFft(0)).toThrow(RangeError);
    expect(() => createRealFft(12.5)).toThrow(/positive integer/);
  });
});

describe('real FFT', () => {
  for (const size of REAL_SIZES) {
    it(`n = ${size}: bins, power and magnitude match a direct DFT (reused plan, offset input, window)`, () => {
      const fft = createRealFft(size);
      expect(fft.binCount).toBe(Math.floor(size / 2) + 1);
      for (let round = 0; round < 2; round++) {
        const signal = values(size, 3 * size + round);
        const window = values(size, 7 * size + round).map((value) => Math.abs(value));
        const input = new Float32Array(size + 5);
        for (let index = 0; index < size; index++) input[5 + index] = signal[index]!;
        const windowed = new Float64Array(size);
        for (let index = 0; index < size; index++) windowed[index] = input[5 + index]! * window[index]!;
        const [expectedReal, expectedImaginary] = directDft(windowed, new Float64Array(size));
        const real = new Float64Array(fft.binCount);
        const imaginary = new Float64Array(fft.binCount);
        const power = new Float64Array(fft.binCount + 3);
        const magnitude = new Float32Array(fft.binCount);
        fft.transform(input, 5, real, imaginary, window);
        fft.powerSpectrum(input, 5, power, 3, window);
        fft.magnitudeSpectrum(input, 5, magnitude, 0, window);
        const tolerance = 1e-9 * Math.max(1, Math.sqrt(size));
        for (let k = 0; k < fft.binCount; k++) {
          const expectedPower = expectedReal[k]! ** 2 + expectedImaginary[k]! ** 2;
          expect(Math.abs(real[k]! - expectedReal[k]!)).toBeLessThan(tolerance);
          expect(Math.abs(imaginary[k]! - expectedImaginary[k]!)).toBeLessThan(tolerance);
          expect(Math.abs(power[3 + k]! - expectedPower)).toBeLessThan(tolerance * Math.max(1, Math.sqrt(expectedPower)) * 4);
          expect(Math.abs(magnitude[k]! - Math.sqrt(expectedPower))).toBeLessThan(1e-5 * Math.max(1, Math.sqrt(expectedPower)));
        }
      }
    });
  }

  it('a cosine at bin 7 of 400 puts n/2 in that bin and ~0 elsewhere', () => {
    const size = 400;
    const input = new Float32Array(size);
    for (let t = 0; t < size; t++) input[t] = Math.cos((2 * Math.PI * 7 * t) / size);
    const magnitude = new Float64Array(201);
    createRealFft(size).magnitudeSpectrum(input, 0, magnitude, 0);
    expect(magnitude[7]).toBeCloseTo(200, 3);
    for (let k = 0; k < 201; k++) if (k !== 7) expect(magnitude[k]).toBeLessThan(1e-3);
  });
});
