/** Levels and gains of waveforms. */

/** 10^(db / 20) */
export function decibelsToAmplitude(db: number): number {
  return 10 ** (db / 20);
}

/** Mean of x² over `data[offset, offset + count)` (0 for an empty range). */
export function meanSquare(data: Float32Array | Float64Array, offset: number, count: number): number {
  let sum = 0;
  for (let index = 0; index < count; index++) sum += data[offset + index]! * data[offset + index]!;
  return count === 0 ? 0 : sum / count;
}

/** Multiplies `data[offset, offset + count)` by 10^(db / 20) in place. */
export function applyGain(data: Float32Array | Float64Array, offset: number, count: number, db: number): void {
  const factor = decibelsToAmplitude(db);
  for (let index = 0; index < count; index++) data[offset + index] = data[offset + index]! * factor;
}

/**
 * The factor for noise so that signal + factor·noise has the SNR `snrDb`:
 * √(P_signal / (P_noise · 10^(snr/10))). 0 when either power is 0 (nothing to scale against).
 */
export function noiseScaleForSnr(signalPower: number, noisePower: number, snrDb: number): number {
  if (!(signalPower > 0) || !(noisePower > 0)) return 0;
  return Math.sqrt(signalPower / (noisePower * 10 ** (snrDb / 10)));
}

/** signal[signalOffset + i] += scale · noise[noiseOffset + i] for i < count. */
export function addScaled(signal: Float32Array | Float64Array, signalOffset: number, noise: Float32Array | Float64Array, noiseOffset: number, count: number, scale: number): void {
  for (let index = 0; index < count; index++) signal[signalOffset + index] = signal[signalOffset + index]! + scale * noise[noiseOffset + index]!;
}

/**
 * Mean of `channels` rows (row r at input[inputOffset + r·rowStride]) over `count` samples into
 * out[outOffset, outOffset + count). `out` may alias row 0 of the input.
 */
export function mixdownChannels(input: Float32Array | Float64Array, inputOffset: number, channels: number, rowStride: number, count: number, out: Float32Array | Float64Array, outOffset: number): void {
  const scale = 1 / channels;
  for (let index = 0; index < count; index++) {
    let sum = 0;
    for (let channel = 0; channel < channels; channel++) sum += input[inputOffset + channel * rowStride + index]!;
    out[outOffset + index] = sum * scale;
  }
}
