import { type RandomNumbers, nextGaussian } from './random-numbers.js';

export type NoiseColor = 'white' | 'pink';

/** Fills `out[offset, offset + count)` with unit-variance white Gaussian noise. */
export function fillWhiteNoise(random: RandomNumbers, out: Float32Array | Float64Array, offset: number, count: number): void {
  for (let index = 0; index < count; index++) out[offset + index] = nextGaussian(random);
}

/**
 * Fills `out[offset, offset + count)` with pink (1/f power) noise: white Gaussian noise through Paul
 * Kellet's economy 3-pole filter (±0.5 dB from 1/f above ~40 Hz at 44.1 kHz), then scaled to unit
 * variance over the block. The filter state lives in locals: no allocation.
 */
export function fillPinkNoise(random: RandomNumbers, out: Float32Array | Float64Array, offset: number, count: number): void {
  let b0 = 0;
  let b1 = 0;
  let b2 = 0;
  let sumSquares = 0;
  for (let index = 0; index < count; index++) {
    const white = nextGaussian(random);
    b0 = 0.99765 * b0 + white * 0.099046;
    b1 = 0.963 * b1 + white * 0.2965164;
    b2 = 0.57 * b2 + white * 1.0526913;
    const value = b0 + b1 + b2 + white * 0.1848;
    out[offset + index] = value;
    sumSquares += value * value;
  }
  if (count === 0 || sumSquares === 0) return;
  const scale = 1 / Math.sqrt(sumSquares / count);
  for (let index = 0; index < count; index++) out[offset + index] = out[offset + index]! * scale;
}

export function fillNoise(color: NoiseColor, random: RandomNumbers, out: Float32Array | Float64Array, offset: number, count: number): void {
  if (color === 'pink') fillPinkNoise(random, out, offset, count);
  else fillWhiteNoise(random, out, offset, count);
}
