import { describe, expect, it } from 'vitest';
import { createKaldiFbank, createMelFilterbank, createMelSpectrogram, createSpectrogram, melSpectrogramPreset } from '../src/dsp/index.js';
import { clipSamples, dspIndex, readFloat32, referencesOf } from './fixtures/dsp/dsp-fixtures.js';

/**
 * Tolerances against torchaudio (references from scripts/make-mel-references.py, torch float32):
 * - log10 mel: |Δ| ≤ 1e-3 wherever the reference is within 80 dB of the clip's peak (≥ max − 8);
 * - whisper: |Δ| ≤ 1e-3 everywhere after its normalisation (which floors at max − 8 anyway);
 * - kaldi fbank (natural log): |Δ| ≤ 1e-3 wherever the reference is above ln(ε) + 1 and within
 *   80 dB (≥ max − 8·ln 10) of the peak;
 * - linear magnitude spectrogram: |Δ| ≤ 1e-4 · (1 + value) — float32 rounding of torch.
 */
function compareWithFloor(actual: Float32Array, expected: Float32Array, floor: number, tolerance: number): { compared: number; largest: number } {
  let largest = 0;
  let compared = 0;
  for (let index = 0; index < expected.length; index++) {
    if (!(expected[index]! >= floor)) continue;
    compared++;
    largest = Math.max(largest, Math.abs(actual[index]! - expected[index]!));
  }
  expect(largest).toBeLessThanOrEqual(tolerance);
  return { compared, largest };
}

function maximum(values: Float32Array): number {
  let result = Number.NEGATIVE_INFINITY;
  for (const value of values) result = Math.max(result, value);
  return result;
}

describe(`log10 mel spectrogram against torchaudio ${dspIndex.torchaudio}`, () => {
  for (const reference of referencesOf('mel-log10')) {
    it(`${reference.name}: |Δ| ≤ 1e-3 within 80 dB of the peak`, () => {
      const input = clipSamples(reference.clip);
      const params = reference.params.preset === 'torchaudio' ? melSpectrogramPreset('torchaudio') : { ...(reference.params as object), log: 'log10' as const };
      const mel = createMelSpectrogram(params);
      const [melCount, frames] = reference.shape as [number, number];
      expect(mel.melCount).toBe(melCount);
      expect(mel.frameCount(input.length)).toBe(frames);
      // an offset input and a wider output row, as a batch slot has
      const padded = new Float32Array(input.length + 11);
      padded.set(input, 7);
      const stride = frames + 3;
      const out = new Float32Array(5 + melCount * stride);
      expect(mel.compute(padded, 7, input.length, out, 5, stride)).toBe(frames);
      const actual = new Float32Array(melCount * frames);
      for (let row = 0; row < melCount; row++) actual.set(out.subarray(5 + row * stride, 5 + row * stride + frames), row * frames);
      const expected = readFloat32(reference.file);
      const { compared } = compareWithFloor(actual, expected, maximum(expected) - 8, 1e-3);
      expect(compared).toBeGreaterThan(expected.length * 0.5);
    });
  }
});

describe('whisper log-mel against the re-stated whisper pipeline', () => {
  for (const reference of referencesOf('whisper')) {
    it(`${reference.name}: |Δ| ≤ 1e-3 everywhere`, () => {
      const input = clipSamples(reference.clip);
      const mel = createMelSpectrogram(melSpectrogramPreset('whisper'));
      const [melCount, frames] = reference.shape as [number, number];
      expect(mel.frameCount(input.length)).toBe(frames);
      const out = new Float32Array(melCount * frames);
      mel.compute(input, 0, input.length, out, 0, frames);
      compareWithFloor(out, readFloat32(reference.file), Number.NEGATIVE_INFINITY, 1e-3);
    });
  }
});

describe('Kaldi fbank against torchaudio.compliance.kaldi.fbank', () => {
  for (const reference of referencesOf('kaldi-fbank')) {
    it(`${reference.name}: |Δ| ≤ 1e-3 on log energies above the floor`, () => {
      const input = clipSamples(reference.clip);
      const fbank = createKaldiFbank({ nMels: 80 });
      expect(fbank.fftSize).toBe(512);
      const [melCount, frames] = reference.shape as [number, number];
      expect(fbank.frameCount(input.length)).toBe(frames);
      const out = new Float32Array(melCount * frames);
      fbank.compute(input, 0, input.length, out, 0, frames);
      const expected = readFloat32(reference.file);
      const floor = Math.max(Math.log(1.1920928955078125e-7) + 1, maximum(expected) - 8 * Math.LN10);
      compareWithFloor(out, expected, floor, 1e-3);
    });
  }
});

describe('linear spectrogram against torchaudio.transforms.Spectrogram(power=1)', () => {
  for (const reference of referencesOf('spectrogram')) {
    it(`${reference.name}: |Δ| ≤ 1e-4·(1 + |x|)`, () => {
      const input = clipSamples(reference.clip);
      const spectrogram = createSpectrogram({ nFft: 400, hopLength: 160, power: 1 });
      const [bins, frames] = reference.shape as [number, number];
      expect(spectrogram.binCount).toBe(bins);
      const out = new Float32Array(bins * frames);
      expect(spectrogram.compute(input, 0, input.length, out, 0, frames)).toBe(frames);
      const expected = readFloat32(reference.file);
      for (let index = 0; index < expected.length; index++) expect(Math.abs(out[index]! - expected[index]!)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(expected[index]!)));
    });
  }
});

describe('mel filterbank and framing details', () => {
  it('Slaney-normed filters have unit area in Hz (2 / (f[m+2] − f[m]) · triangle)', () => {
    const bank = createMelFilterbank({ sampleRate: 16000, fftSize: 400, melCount: 80, scale: 'slaney', norm: 'slaney' });
    const dense = bank.toDense();
    // a triangle of height h over [f0, f2] has area h·(f2 − f0)/2 = 1 in Hz; in 40 Hz bins ≈ 1/40
    for (let mel = 20; mel < 80; mel++) {
      let sum = 0;
      for (let bin = 0; bin < 201; bin++) sum += dense[mel * 201 + bin]!;
      expect(Math.abs(sum * 40 - 1)).toBeLessThan(0.1);
    }
  });

  it('frame counts follow torch (center) and Kaldi (snip edges)', () => {
    const mel = createMelSpectrogram({ nFft: 400, hopLength: 160, nMels: 80 });
    expect(mel.frameCount(16037)).toBe(101);
    expect(mel.frameCount(160)).toBe(2);
    expect(mel.frameCount(0)).toBe(0);
    const whisper = createMelSpectrogram(melSpectrogramPreset('whisper'));
    expect(whisper.frameCount(480000)).toBe(3000);
    const fbank = createKaldiFbank();
    expect(fbank.frameCount(399)).toBe(0);
    expect(fbank.frameCount(400)).toBe(1);
    expect(fbank.frameCount(16037)).toBe(98);
    expect(createKaldiFbank({ snipEdges: false }).frameCount(16037)).toBe(100);
  });

  it('clips shorter than the reflect padding still give finite values; constant padding differs from reflect at the edges', () => {
    const input = new Float32Array([0.5, -0.25, 0.125]);
    const reflect = createMelSpectrogram({ nFft: 400, hopLength: 160, nMels: 40, log: 'db' });
    const constant = createMelSpectrogram({ nFft: 400, hopLength: 160, nMels: 40, log: 'db', padMode: 'constant' });
    const a = new Float32Array(40);
    const b = new Float32Array(40);
    expect(reflect.compute(input, 0, 3, a, 0, 1)).toBe(1);
    constant.compute(input, 0, 3, b, 0, 1);
    expect(a.every(Number.isFinite)).toBe(true);
    expect(Math.max(...a.map((value, index) => Math.abs(value - b[index]!)))).toBeGreaterThan(1);
  });

  it('rejects bad parameters naming them', () => {
    expect(() => createMelSpectrogram({ nFft: 400, winLength: 512 })).toThrow(/winLength/);
    expect(() => createMelSpectrogram({ power: 3 as 2 })).toThrow(/power/);
    expect(() => createMelSpectrogram({ fMax: 9000 })).toThrow(/fMax/);
    expect(() => createMelSpectrogram({ log: 'log2' as 'ln' })).toThrow(/log/);
    expect(() => createMelSpectrogram({ normalize: 'whisper' })).toThrow(/normalize/);
    const mel = createMelSpectrogram({ nMels: 80 });
    expect(() => mel.compute(new Float32Array(1000), 0, 1000, new Float32Array(10), 0, 6)).toThrow(RangeError);
  });
});
