import { type MelScale, hzToMel, melToHz } from './mel-scale.js';

/**
 * Triangular mel filters over the bins of a real FFT, stored sparsely: filter m covers the bins
 * [firstBins[m], firstBins[m] + binCounts[m]) with weights[weightOffsets[m] + (bin − firstBins[m])].
 * Applying one costs the ~2 non-zero weights per bin, not a dense binCount × melCount product.
 */
export interface MelFilterbank {
  readonly melCount: number;
  /** FFT bins the filters index: fftSize / 2 + 1 */
  readonly binCount: number;
  readonly firstBins: Int32Array;
  readonly binCounts: Int32Array;
  readonly weightOffsets: Int32Array;
  readonly weights: Float64Array;
  /** output[outputOffset + m·outputStride] = Σ_b weight(m, b) · spectrum[spectrumOffset + b] */
  apply(spectrum: Float64Array | Float32Array, spectrumOffset: number, output: Float64Array | Float32Array, outputOffset: number, outputStride: number): void;
  /** The dense [melCount, binCount] matrix (for tests and inspection). */
  toDense(): Float64Array;
}

export interface MelFilterbankOptions {
  sampleRate: number;
  fftSize: number;
  melCount: number;
  /** Default 0. */
  minFrequencyHz?: number;
  /** Default sampleRate / 2. */
  maxFrequencyHz?: number;
  /** 'htk' (torchaudio's default) or 'slaney' (librosa's, Whisper's). Default 'htk'. */
  scale?: 'htk' | 'slaney';
  /** 'slaney' scales each filter to unit area (2 / (f[m+2] − f[m])); default 'none'. */
  norm?: 'none' | 'slaney';
}

/**
 * torchaudio.functional.melscale_fbanks semantics (also librosa.filters.mel with the Slaney scale
 * and norm, as Whisper uses): bin frequencies linspace(0, floor(sampleRate / 2), binCount), n_mels + 2
 * points equally spaced in mel between f_min and f_max, weight = max(0, min(rising, falling)).
 */
export function createMelFilterbank(options: MelFilterbankOptions): MelFilterbank {
  const { sampleRate, fftSize, melCount } = options;
  const minFrequency = options.minFrequencyHz ?? 0;
  const maxFrequency = options.maxFrequencyHz ?? sampleRate / 2;
  const scale = options.scale ?? 'htk';
  const norm = options.norm ?? 'none';
  checkFilterbank(sampleRate, fftSize, melCount, minFrequency, maxFrequency);
  const binCount = Math.floor(fftSize / 2) + 1;
  const binFrequencies = new Float64Array(binCount);
  const top = Math.floor(sampleRate / 2);
  for (let bin = 0; bin < binCount; bin++) binFrequencies[bin] = binCount === 1 ? 0 : (top * bin) / (binCount - 1);
  const melMin = hzToMel(minFrequency, scale);
  const melMax = hzToMel(maxFrequency, scale);
  const points = new Float64Array(melCount + 2);
  for (let index = 0; index < melCount + 2; index++) points[index] = melToHz(melMin + ((melMax - melMin) * index) / (melCount + 1), scale);
  return buildSparse(melCount, binCount, (mel, bin) => {
    const left = points[mel]!;
    const center = points[mel + 1]!;
    const right = points[mel + 2]!;
    const frequency = binFrequencies[bin]!;
    const rising = (frequency - left) / (center - left);
    const falling = (right - frequency) / (right - center);
    const weight = Math.max(0, Math.min(rising, falling));
    return norm === 'slaney' ? (weight * 2) / (right - left) : weight;
  });
}

export interface KaldiMelFilterbankOptions {
  sampleRate: number;
  /** The padded window (FFT) size, e.g. 512 for 25 ms at 16 kHz. */
  fftSize: number;
  melCount: number;
  /** Default 20. */
  lowFrequencyHz?: number;
  /** ≤ 0 means Nyquist + this value (Kaldi's convention). Default 0 (Nyquist). */
  highFrequencyHz?: number;
}

/**
 * Kaldi's mel banks (torchaudio.compliance.kaldi.get_mel_banks without VTLN): mel = 1127·ln(1 + f/700),
 * centres equally spaced in mel between low and high, bin b at b·sampleRate / fftSize for
 * b < fftSize / 2, the Nyquist bin weighted 0.
 */
export function createKaldiMelFilterbank(options: KaldiMelFilterbankOptions): MelFilterbank {
  const { sampleRate, fftSize, melCount } = options;
  const nyquist = sampleRate / 2;
  const low = options.lowFrequencyHz ?? 20;
  let high = options.highFrequencyHz ?? 0;
  if (high <= 0) high += nyquist;
  checkFilterbank(sampleRate, fftSize, melCount, low, high);
  const binWidth = sampleRate / fftSize;
  const melLow = hzToMel(low, 'kaldi' satisfies MelScale);
  const melHigh = hzToMel(high, 'kaldi');
  const delta = (melHigh - melLow) / (melCount + 1);
  const binCount = Math.floor(fftSize / 2) + 1;
  const lastWeighted = Math.floor(fftSize / 2);
  return buildSparse(melCount, binCount, (mel, bin) => {
    if (bin >= lastWeighted) return 0;
    const left = melLow + mel * delta;
    const center = melLow + (mel + 1) * delta;
    const right = melLow + (mel + 2) * delta;
    const value = hzToMel(binWidth * bin, 'kaldi');
    const rising = (value - left) / (center - left);
    const falling = (right - value) / (right - center);
    return Math.max(0, Math.min(rising, falling));
  });
}

function checkFilterbank(sampleRate: number, fftSize: number, melCount: number, low: number, high: number): void {
  if (!(sampleRate > 0 && Number.isFinite(sampleRate))) throw new RangeError(`sampleRate must be a positive number, got ${sampleRate}`);
  if (!Number.isInteger(fftSize) || fftSize < 2) throw new RangeError(`nFft must be an integer ≥ 2, got ${fftSize}`);
  if (!Number.isInteger(melCount) || melCount < 1) throw new RangeError(`nMels must be a positive integer, got ${melCount}`);
  if (!(low >= 0 && low < high && high <= sampleRate / 2 + 1e-9)) {
    throw new RangeError(`mel frequency range must satisfy 0 ≤ fMin < fMax ≤ sampleRate / 2 (${sampleRate / 2}), got fMin ${low}, fMax ${high}`);
  }
}

function buildSparse(melCount: number, binCount: number, weightOf: (mel: number, bin: number) => number): MelFilterbank {
  const firstBins = new Int32Array(melCount);
  const binCounts = new Int32Array(melCount);
  const weightOffsets = new Int32Array(melCount);
  const collected: number[] = [];
  for (let mel = 0; mel < melCount; mel++) {
    let first = -1;
    let last = -1;
    for (let bin = 0; bin < binCount; bin++) {
      if (weightOf(mel, bin) > 0) {
        if (first < 0) first = bin;
        last = bin;
      }
    }
    weightOffsets[mel] = collected.length;
    if (first < 0) continue; // an empty filter (too many mels for the FFT size), as torchaudio allows
    firstBins[mel] = first;
    binCounts[mel] = last - first + 1;
    for (let bin = first; bin <= last; bin++) collected.push(weightOf(mel, bin));
  }
  const weights = Float64Array.from(collected);
  return {
    melCount,
    binCount,
    firstBins,
    binCounts,
    weightOffsets,
    weights,
    apply(spectrum, spectrumOffset, output, outputOffset, outputStride) {
      for (let mel = 0; mel < melCount; mel++) {
        const first = spectrumOffset + firstBins[mel]!;
        const count = binCounts[mel]!;
        const offset = weightOffsets[mel]!;
        let sum = 0;
        for (let index = 0; index < count; index++) sum += weights[offset + index]! * spectrum[first + index]!;
        output[outputOffset + mel * outputStride] = sum;
      }
    },
    toDense() {
      const dense = new Float64Array(melCount * binCount);
      for (let mel = 0; mel < melCount; mel++) {
        for (let index = 0; index < binCounts[mel]!; index++) dense[mel * binCount + firstBins[mel]! + index] = weights[weightOffsets[mel]! + index]!;
      }
      return dense;
    },
  };
}
