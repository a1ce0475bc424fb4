import { createKaldiMelFilterbank, type MelFilterbank } from './mel-filterbank.js';
import { createRealFft, type RealFft } from './real-fft.js';
import { WINDOW_KINDS, type WindowKind, createWindow } from './windows.js';

/** float32 machine epsilon, Kaldi's log floor. */
export const FLOAT32_EPSILON = 1.1920928955078125e-7;

export type KaldiFbankParams = {
  /** Hz. Default 16000. */
  sampleRate?: number;
  /** Default 25. */
  frameLengthMs?: number;
  /** Default 10. */
  frameShiftMs?: number;
  /** Default 80 (Kaldi's own default is 23; 80 is what ASR recipes use). */
  nMels?: number;
  /** Default 'povey'. */
  window?: WindowKind;
  /** Only frames that fit entirely (true) or Kaldi's symmetric reflection at the ends (false). Default true. */
  snipEdges?: boolean;
  /** Subtract each frame's mean. Default true. */
  removeDcOffset?: boolean;
  /** x[i] −= c·x[i−1] (x[0] −= c·x[0]). Default 0.97. */
  preemphasis?: number;
  /** Power (true) or magnitude spectrum. Default true. */
  usePower?: boolean;
  /** FFT size = next power of two of the frame length (512 for 400). Default true. */
  roundToPowerOfTwo?: boolean;
  /** Hz. Default 20. */
  lowFrequencyHz?: number;
  /** Hz; ≤ 0 means Nyquist + value. Default 0. */
  highFrequencyHz?: number;
  /** ln(max(x, float32 epsilon)) (true) or the energies. Default true. */
  useLogFbank?: boolean;
};

export const KALDI_FBANK_PARAMS: readonly (keyof KaldiFbankParams)[] = [
  'sampleRate',
  'frameLengthMs',
  'frameShiftMs',
  'nMels',
  'window',
  'snipEdges',
  'removeDcOffset',
  'preemphasis',
  'usePower',
  'roundToPowerOfTwo',
  'lowFrequencyHz',
  'highFrequencyHz',
  'useLogFbank',
];

export interface KaldiFbank {
  readonly params: Readonly<Required<KaldiFbankParams>>;
  readonly melCount: number;
  /** samples per frame (400 at 16 kHz) */
  readonly windowSize: number;
  /** samples between frames (160 at 16 kHz) */
  readonly windowShift: number;
  /** FFT size (512 at 16 kHz) */
  readonly fftSize: number;
  frameCount(sampleCount: number): number;
  /** Writes [nMels, frames] planar (mel m, frame t at out[outOffset + m·outRowStride + t]); returns the frames. */
  compute(input: Float32Array, inputOffset: number, sampleCount: number, out: Float32Array | Float64Array, outOffset: number, outRowStride: number): number;
}

/**
 * torchaudio.compliance.kaldi.fbank with its defaults (dither 0, so deterministic; no energy
 * column, no VTLN, no mean subtraction): per frame remove DC, pre-emphasise, povey window, zero-pad
 * to a power of two, power spectrum, Kaldi mel banks, ln(max(x, ε_float32)). One channel per call.
 */
export function createKaldiFbank(params: KaldiFbankParams = {}): KaldiFbank {
  const resolved: Required<KaldiFbankParams> = {
    sampleRate: params.sampleRate ?? 16000,
    frameLengthMs: params.frameLengthMs ?? 25,
    frameShiftMs: params.frameShiftMs ?? 10,
    nMels: params.nMels ?? 80,
    window: params.window ?? 'povey',
    snipEdges: params.snipEdges ?? true,
    removeDcOffset: params.removeDcOffset ?? true,
    preemphasis: params.preemphasis ?? 0.97,
    usePower: params.usePower ?? true,
    roundToPowerOfTwo: params.roundToPowerOfTwo ?? true,
    lowFrequencyHz: params.lowFrequencyHz ?? 20,
    highFrequencyHz: params.highFrequencyHz ?? 0,
    useLogFbank: params.useLogFbank ?? true,
  };
  const { sampleRate, frameLengthMs, frameShiftMs } = resolved;
  if (!(typeof sampleRate === 'number' && sampleRate > 0 && Number.isFinite(sampleRate))) throw new RangeError(`sampleRate must be a positive number, got ${JSON.stringify(sampleRate)}`);
  // int(sample_frequency * ms * 0.001), as torchaudio computes it
  const windowSize = Math.trunc(sampleRate * frameLengthMs * 0.001);
  const windowShift = Math.trunc(sampleRate * frameShiftMs * 0.001);
  if (!(windowSize >= 2)) throw new RangeError(`frameLengthMs ${frameLengthMs} gives ${windowSize} samples at ${sampleRate} Hz; it needs at least 2`);
  if (!(windowShift >= 1)) throw new RangeError(`frameShiftMs ${frameShiftMs} gives ${windowShift} samples at ${sampleRate} Hz; it needs at least 1`);
  if (!WINDOW_KINDS.includes(resolved.window)) throw new RangeError(`window must be one of ${WINDOW_KINDS.join(', ')}, got ${JSON.stringify(resolved.window)}`);
  if (!(typeof resolved.preemphasis === 'number' && resolved.preemphasis >= 0 && resolved.preemphasis <= 1)) throw new RangeError(`preemphasis must be a number from 0 to 1, got ${JSON.stringify(resolved.preemphasis)}`);
  for (const name of ['snipEdges', 'removeDcOffset', 'usePower', 'roundToPowerOfTwo', 'useLogFbank'] as const) {
    if (typeof resolved[name] !== 'boolean') throw new TypeError(`${name} must be a boolean, got ${JSON.stringify(resolved[name])}`);
  }
  const fftSize = resolved.roundToPowerOfTwo ? 2 ** Math.ceil(Math.log2(windowSize)) : windowSize;
  const filterbank = createKaldiMelFilterbank({ sampleRate, fftSize, melCount: resolved.nMels, lowFrequencyHz: resolved.lowFrequencyHz, highFrequencyHz: resolved.highFrequencyHz });
  // Kaldi's hann and hamming are symmetric (N − 1 denominators), like its povey window.
  const window = createWindow(resolved.window, windowSize, { periodic: false });
  const plan = new KaldiFbankPlan(resolved, windowSize, windowShift, fftSize, window, filterbank);
  return {
    params: Object.freeze(resolved),
    melCount: resolved.nMels,
    windowSize,
    windowShift,
    fftSize,
    frameCount: (sampleCount) => plan.frameCount(sampleCount),
    compute: (input, inputOffset, sampleCount, out, outOffset, outRowStride) => plan.compute(input, inputOffset, sampleCount, out, outOffset, outRowStride),
  };
}

class KaldiFbankPlan {
  private readonly fft: RealFft;
  private readonly frame: Float64Array;
  private readonly spectrum: Float64Array;

  constructor(
    private readonly params: Required<KaldiFbankParams>,
    private readonly windowSize: number,
    private readonly windowShift: number,
    fftSize: number,
    private readonly window: Float64Array,
    private readonly filterbank: MelFilterbank,
  ) {
    this.fft = createRealFft(fftSize);
    this.frame = new Float64Array(fftSize);
    this.spectrum = new Float64Array(this.fft.binCount);
  }

  frameCount(sampleCount: number): number {
    if (!Number.isInteger(sampleCount) || sampleCount < 0) throw new RangeError(`sampleCount must be a non-negative integer, got ${sampleCount}`);
    if (this.params.snipEdges) return sampleCount < this.windowSize ? 0 : 1 + Math.floor((sampleCount - this.windowSize) / this.windowShift);
    return Math.floor((sampleCount + Math.floor(this.windowShift / 2)) / this.windowShift);
  }

  compute(input: Float32Array, inputOffset: number, sampleCount: number, out: Float32Array | Float64Array, outOffset: number, outRowStride: number): number {
    const frames = this.frameCount(sampleCount);
    if (inputOffset < 0 || inputOffset + sampleCount > input.length) throw new RangeError(`input range [${inputOffset}, ${inputOffset + sampleCount}) is outside the input of ${input.length} samples`);
    if (frames === 0) return 0;
    const melCount = this.filterbank.melCount;
    if (outRowStride < frames || outOffset < 0 || outOffset + (melCount - 1) * outRowStride + frames > out.length) {
      throw new RangeError(`output of ${out.length} values (row stride ${outRowStride}, offset ${outOffset}) cannot hold ${melCount} rows × ${frames} frames`);
    }
    const { snipEdges, removeDcOffset, preemphasis, usePower, useLogFbank } = this.params;
    const windowSize = this.windowSize;
    const frame = this.frame;
    const spectrum = this.spectrum;
    const window = this.window;
    const filterbank = this.filterbank;
    const padding = snipEdges ? 0 : Math.floor(windowSize / 2) - Math.floor(this.windowShift / 2);
    for (let index = 0; index < frames; index++) {
      const start = index * this.windowShift - padding;
      if (start >= 0 && start + windowSize <= sampleCount) {
        for (let sample = 0; sample < windowSize; sample++) frame[sample] = input[inputOffset + start + sample]!;
      } else {
        for (let sample = 0; sample < windowSize; sample++) frame[sample] = input[inputOffset + symmetricIndex(start + sample, sampleCount)]!;
      }
      if (removeDcOffset) {
        let sum = 0;
        for (let sample = 0; sample < windowSize; sample++) sum += frame[sample]!;
        const mean = sum / windowSize;
        for (let sample = 0; sample < windowSize; sample++) frame[sample] = frame[sample]! - mean;
      }
      if (preemphasis !== 0) {
        for (let sample = windowSize - 1; sample > 0; sample--) frame[sample] = frame[sample]! - preemphasis * frame[sample - 1]!;
        frame[0] = frame[0]! - preemphasis * frame[0]!;
      }
      for (let sample = 0; sample < windowSize; sample++) frame[sample] = frame[sample]! * window[sample]!;
      // frame[windowSize, fftSize) stays zero
      if (usePower) this.fft.powerSpectrum(frame, 0, spectrum, 0);
      else this.fft.magnitudeSpectrum(frame, 0, spectrum, 0);
      const firstBins = filterbank.firstBins;
      const binCounts = filterbank.binCounts;
      const weightOffsets = filterbank.weightOffsets;
      const weights = filterbank.weights;
      for (let mel = 0; mel < melCount; mel++) {
        const first = firstBins[mel]!;
        const offset = weightOffsets[mel]! - first;
        let sum = 0;
        for (let bin = first; bin < first + binCounts[mel]!; bin++) sum += weights[offset + bin]! * spectrum[bin]!;
        out[outOffset + mel * outRowStride + index] = useLogFbank ? Math.log(Math.max(sum, FLOAT32_EPSILON)) : sum;
      }
    }
    return frames;
  }
}

/** Kaldi's reflection for frames past the ends: −1 → 0, −2 → 1, n → n − 1, n + 1 → n − 2. */
function symmetricIndex(position: number, length: number): number {
  const period = 2 * length;
  let index = position % period;
  if (index < 0) index += period;
  return index < length ? index : period - 1 - index;
}
