import { FrameReader, type PadMode } from './frame-reader.js';
import type { MelFilterbank } from './mel-filterbank.js';
import { createRealFft, type RealFft } from './real-fft.js';

export type LogMode = 'none' | 'log10' | 'ln' | 'db';

/** Everything the engine needs, already resolved and validated. */
export interface EngineSettings {
  fftSize: number;
  hopLength: number;
  /** length fftSize, zero-padded and centred */
  window: Float64Array;
  center: boolean;
  padMode: PadMode;
  power: 1 | 2;
  /** null: the linear spectrogram (fftSize / 2 + 1 rows) */
  filterbank: MelFilterbank | null;
  log: LogMode;
  logFloor: number;
  dropLastFrame: boolean;
  /** Whisper's max(x, max − 8) then (x + 4) / 4 over the frames of one call */
  whisperNormalize: boolean;
}

/**
 * The short-time spectrum loop shared by the mel and linear spectrograms: frame (centred with
 * padding or not), window, real FFT power spectrum, optional sparse mel, optional log, written
 * planar [rows, frames]. One frame at a time with preallocated scratch.
 */
export class SpectrogramEngine {
  readonly rowCount: number;
  private readonly settings: EngineSettings;
  private readonly fft: RealFft;
  private readonly reader: FrameReader;
  private readonly spectrum: Float64Array;
  /** one frame's mel values before they are written into the strided output */
  private readonly rows: Float64Array;

  constructor(settings: EngineSettings) {
    this.settings = settings;
    this.fft = createRealFft(settings.fftSize);
    this.reader = new FrameReader(settings.fftSize);
    this.spectrum = new Float64Array(this.fft.binCount);
    this.rowCount = settings.filterbank === null ? this.fft.binCount : settings.filterbank.melCount;
    this.rows = new Float64Array(this.rowCount);
  }

  frameCount(sampleCount: number): number {
    if (!Number.isInteger(sampleCount) || sampleCount < 0) throw new RangeError(`sampleCount must be a non-negative integer, got ${sampleCount}`);
    const { fftSize, hopLength, center, dropLastFrame } = this.settings;
    let frames: number;
    if (center) frames = sampleCount === 0 ? 0 : 1 + Math.floor((sampleCount + 2 * Math.floor(fftSize / 2) - fftSize) / hopLength);
    else frames = sampleCount < fftSize ? 0 : 1 + Math.floor((sampleCount - fftSize) / hopLength);
    return dropLastFrame ? Math.max(0, frames - 1) : frames;
  }

  compute(input: Float32Array, inputOffset: number, sampleCount: number, out: Float32Array | Float64Array, outOffset: number, outRowStride: number): number {
    const frames = this.frameCount(sampleCount);
    if (inputOffset < 0 || inputOffset + sampleCount > input.length) throw new RangeError(`input range [${inputOffset}, ${inputOffset + sampleCount}) is outside the input of ${input.length} samples`);
    if (frames === 0) return 0;
    if (outRowStride < frames) throw new RangeError(`outRowStride ${outRowStride} is smaller than the ${frames} frames`);
    if (outOffset < 0 || outOffset + (this.rowCount - 1) * outRowStride + frames > out.length) {
      throw new RangeError(`output of ${out.length} values cannot hold ${this.rowCount} rows × ${frames} frames at offset ${outOffset} with row stride ${outRowStride}`);
    }
    const { fftSize, hopLength, window, center, padMode, power, filterbank, log, logFloor } = this.settings;
    const fft = this.fft;
    const reader = this.reader;
    const spectrum = this.spectrum;
    const rows = this.rows;
    const shift = center ? Math.floor(fftSize / 2) : 0;
    const binCount = fft.binCount;
    const logScale = log === 'log10' ? 1 / Math.LN10 : log === 'ln' ? 1 : log === 'db' ? (power === 2 ? 10 : 20) / Math.LN10 : 0;
    for (let frame = 0; frame < frames; frame++) {
      reader.locate(input, inputOffset, sampleCount, frame * hopLength - shift, padMode);
      fft.powerSpectrum(reader.array, reader.offset, spectrum, 0, window);
      if (power === 1) for (let bin = 0; bin < binCount; bin++) spectrum[bin] = Math.sqrt(spectrum[bin]!);
      if (filterbank === null) {
        for (let bin = 0; bin < binCount; bin++) {
          const value = spectrum[bin]!;
          out[outOffset + bin * outRowStride + frame] = logScale === 0 ? value : Math.log(Math.max(value, logFloor)) * logScale;
        }
        continue;
      }
      const melCount = filterbank.melCount;
      const firstBins = filterbank.firstBins;
      const binCounts = filterbank.binCounts;
      const weightOffsets = filterbank.weightOffsets;
      const weights = filterbank.weights;
      for (let mel = 0; mel < melCount; mel++) {
        const first = firstBins[mel]!;
        const count = binCounts[mel]!;
        const offset = weightOffsets[mel]! - first;
        let sum = 0;
        for (let bin = first; bin < first + count; bin++) sum += weights[offset + bin]! * spectrum[bin]!;
        rows[mel] = sum;
      }
      if (logScale !== 0) logInPlace(rows, melCount, logFloor, logScale);
      for (let mel = 0; mel < melCount; mel++) out[outOffset + mel * outRowStride + frame] = rows[mel]!;
    }
    if (this.settings.whisperNormalize) {
      let maximum = Number.NEGATIVE_INFINITY;
      for (let row = 0; row < this.rowCount; row++) {
        const start = outOffset + row * outRowStride;
        for (let frame = 0; frame < frames; frame++) if (out[start + frame]! > maximum) maximum = out[start + frame]!;
      }
      const floor = maximum - 8;
      for (let row = 0; row < this.rowCount; row++) {
        const start = outOffset + row * outRowStride;
        for (let frame = 0; frame < frames; frame++) {
          const value = out[start + frame]!;
          out[start + frame] = (Math.max(value, floor) + 4) / 4;
        }
      }
    }
    return frames;
  }
}


/** values[i] = ln(max(values[i], floor)) · scale for i < count. */
function logInPlace(values: Float64Array, count: number, floor: number, scale: number): void {
  for (let index = 0; index < count; index++) values[index] = Math.log(Math.max(values[index]!, floor)) * scale;
}
