import { describe, expect, it } from 'vitest';
import { createResampler } from '../src/dsp/index.js';
import { clipSamples, readFloat32, referencesOf } from './fixtures/dsp/dsp-fixtures.js';

/**
 * Measured against torchaudio 0.13.1 (which builds its kernel in float32): max |Δ| 3.7e-6 (44.1→16 kHz),
 * 1.3e-5 (22.05→16 kHz), 9e-8 (16→8 kHz), 1.8e-7 (8→16 kHz), 3.2e-6 (Kaiser 44.1→16 kHz).
 */
const RESAMPLE_TOLERANCE = 1e-4;

describe('resampler against torchaudio.functional.resample', () => {
  for (const reference of referencesOf('resample')) {
    const { from, to, method, beta } = reference.params as { from: number; to: number; method: 'sinc-hann' | 'kaiser'; beta?: number };
    it(`${reference.name}: length ceil(n·to/from) and max |Δ| ≤ ${RESAMPLE_TOLERANCE}`, () => {
      const input = clipSamples(reference.clip);
      const resampler = createResampler(from, to, method === 'kaiser' ? { method, beta } : {});
      const expected = readFloat32(reference.file);
      expect(resampler.outputLength(input.length)).toBe(expected.length);
      const out = new Float32Array(expected.length + 4);
      const padded = new Float32Array(input.length + 3);
      padded.set(input, 2);
      expect(resampler.process(padded, 2, input.length, out, 4)).toBe(expected.length);
      let largest = 0;
      for (let index = 0; index < expected.length; index++) largest = Math.max(largest, Math.abs(out[4 + index]! - expected[index]!));
      expect(largest).toBeLessThanOrEqual(RESAMPLE_TOLERANCE);
    });
  }

  it('reduces rates by their gcd and copies equal rates', () => {
    const resampler = createResampler(44100, 16000);
    expect([resampler.from, resampler.to]).toEqual([441, 160]);
    const same = createResampler(16000, 16000);
    const input = new Float32Array([1, 2, 3]);
    const out = new Float32Array(3);
    expect(same.process(input, 0, 3, out, 0)).toBe(3);
    expect(Array.from(out)).toEqual([1, 2, 3]);
  });

  it('keeps a 1 kHz tone at 16 kHz → 8 kHz (amplitude within 1% away from the edges) and attenuates a 6 kHz one by > 46 dB', () => {
    const count = 16000;
    const low = new Float32Array(count);
    const high = new Float32Array(count);
    for (let t = 0; t < count; t++) {
      low[t] = Math.sin((2 * Math.PI * 1000 * t) / 16000);
      high[t] = Math.sin((2 * Math.PI * 6000 * t) / 16000);
    }
    const resampler = createResampler(16000, 8000);
    const outLow = new Float32Array(resampler.outputLength(count));
    const outHigh = new Float32Array(resampler.outputLength(count));
    resampler.process(low, 0, count, outLow, 0);
    resampler.process(high, 0, count, outHigh, 0);
    let peakLow = 0;
    let peakHigh = 0;
    for (let index = 100; index < outLow.length - 100; index++) {
      peakLow = Math.max(peakLow, Math.abs(outLow[index]!));
      peakHigh = Math.max(peakHigh, Math.abs(outHigh[index]!));
    }
    expect(Math.abs(peakLow - 1)).toBeLessThan(0.01);
    expect(peakHigh).toBeLessThan(5e-3); // hann-windowed sinc, width 6: ≈ −55 dB stop band
  });

  it('rejects non-integer rates and bad options naming them', () => {
    expect(() => createResampler(44100.5, 16000)).toThrow(/fromRate/);
    expect(() => createResampler(16000, 0)).toThrow(/toRate/);
    expect(() => createResampler(16000, 8000, { rolloff: 1.5 })).toThrow(/rolloff/);
    expect(() => createResampler(16000, 8000, { method: 'linear' as 'kaiser' })).toThrow(/method/);
    const resampler = createResampler(16000, 8000);
    expect(() => resampler.process(new Float32Array(100), 0, 100, new Float32Array(10), 0)).toThrow(RangeError);
  });
});
