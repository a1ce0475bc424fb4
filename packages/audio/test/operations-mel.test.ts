import { type OutputSpec, createOutputSlot, createSampleRandom, float16BitsToNumber } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { logMel, melSpectrogram } from '../src/operations/index.js';
import { clipSamples, readFloat32, referencesOf } from './fixtures/dsp/dsp-fixtures.js';

function context(seed: number, sampleIndex = 0) {
  const random = createSampleRandom();
  random.reseed(seed, 0, sampleIndex, 0);
  return { sampleIndex, epoch: 0, random };
}

/** A decoded-waveform slot [channels, maxSamples] (variable in samples) holding `rows`. */
function waveformSlot(rows: Float32Array[], maxSamples: number) {
  const spec: OutputSpec = { dtype: 'float32', shape: [rows.length, maxSamples], variableDims: [1] };
  const slot = createOutputSlot(spec);
  (slot.data as Float32Array).fill(0.123); // stale data past the valid samples must not leak in
  for (const [channel, row] of rows.entries()) (slot.data as Float32Array).set(row, channel * maxSamples);
  slot.lengths[0] = rows[0]!.length;
  return { spec, slot };
}

function reference(name: string) {
  const found = [...referencesOf('mel-log10'), ...referencesOf('whisper'), ...referencesOf('kaldi-fbank')].find((entry) => entry.name === name);
  if (found === undefined) throw new Error(`no reference ${name}`);
  return { ...found, values: readFloat32(found.file) };
}

describe('logMel / melSpectrogram operations (setup → apply on core slots)', () => {
  it('logMel torchaudio preset (hop 160, 80 mels) on a padded stereo slot matches torchaudio per channel; padding frames are zero', () => {
    const clip = clipSamples('clip-16k-a');
    const half = clip.map((value) => value * 0.5);
    const { spec, slot } = waveformSlot([clip, half], 20000);
    const operation = logMel({ hopLength: 160, nMels: 80 });
    expect(operation.name).toBe('audio/log-mel');
    expect(operation.origin?.exportName).toBe('logMel');
    const instance = operation.setup(spec);
    expect(instance.output).toEqual({ dtype: 'float32', shape: [2, 80, 126], variableDims: [2] });
    const out = createOutputSlot(instance.output);
    (out.data as Float32Array).fill(7);
    instance.apply(slot, out, context(1));
    expect(out.lengths[0]).toBe(101);
    const expected = reference('mel-htk-none-clip-16k-a');
    const peak = Math.max(...expected.values);
    const data = out.data as Float32Array;
    for (let mel = 0; mel < 80; mel++) {
      for (let frame = 0; frame < 126; frame++) {
        const value = data[mel * 126 + frame]!;
        if (frame >= 101) {
          expect(value).toBe(0);
          expect(data[80 * 126 + mel * 126 + frame]).toBe(0);
          continue;
        }
        const target = expected.values[mel * 101 + frame]!;
        if (target >= peak - 8) {
          expect(Math.abs(value - target)).toBeLessThanOrEqual(1e-3);
          // half amplitude = −6.02 dB = −0.60206 in log10 power
          expect(Math.abs(data[80 * 126 + mel * 126 + frame]! - (target + 2 * Math.log10(0.5)))).toBeLessThanOrEqual(2e-3);
        }
      }
    }
  });

  it("preset 'whisper' and 'kaldi-fbank' match their references on a rank-1 waveform", () => {
    const clip = clipSamples('clip-16k-b');
    const spec: OutputSpec = { dtype: 'float32', shape: [8000], variableDims: [0] };
    const slot = createOutputSlot(spec);
    (slot.data as Float32Array).set(clip);
    slot.lengths[0] = clip.length;
    for (const [preset, name, floorOf] of [
      ['whisper', 'whisper-clip-16k-b', () => Number.NEGATIVE_INFINITY],
      ['kaldi-fbank', 'fbank-clip-16k-b', (peak: number) => Math.max(Math.log(1.1920928955078125e-7) + 1, peak - 8 * Math.LN10)],
    ] as const) {
      const instance = logMel({ preset }).setup(spec);
      const [melCount, frames] = reference(name).shape as [number, number];
      const maxFrames = instance.output.shape[1]!;
      expect(instance.output.shape[0]).toBe(melCount);
      const out = createOutputSlot(instance.output);
      instance.apply(slot, out, context(1));
      expect(out.lengths[0]).toBe(frames);
      const { values } = reference(name);
      const floor = floorOf(Math.max(...values));
      for (let mel = 0; mel < melCount; mel++) {
        for (let frame = 0; frame < frames; frame++) {
          const target = values[mel * frames + frame]!;
          if (target >= floor) expect(Math.abs((out.data as Float32Array)[mel * maxFrames + frame]! - target)).toBeLessThanOrEqual(1e-3);
        }
      }
    }
  });

  it("dtype 'float16' gives the float32 values rounded to half precision", () => {
    const clip = clipSamples('clip-16k-b');
    const { spec, slot } = waveformSlot([clip], clip.length);
    const full = melSpectrogram({ preset: 'whisper' }).setup(spec);
    const half = melSpectrogram({ preset: 'whisper', dtype: 'float16' }).setup(spec);
    expect(half.output.dtype).toBe('float16');
    const fullOut = createOutputSlot(full.output);
    const halfOut = createOutputSlot(half.output);
    full.apply(slot, fullOut, context(1));
    half.apply(slot, halfOut, context(1));
    expect(halfOut.lengths[0]).toBe(fullOut.lengths[0]);
    const bits = halfOut.data as Uint16Array;
    for (let index = 0; index < bits.length; index++) {
      const value = (fullOut.data as Float32Array)[index]!;
      expect(Math.abs(float16BitsToNumber(bits[index]!) - value)).toBeLessThanOrEqual(Math.abs(value) * 2 ** -11 + 1e-7);
    }
  });

  it('melSpectrogram without a preset is the power mel (no log): a silent input gives zeros', () => {
    const { spec, slot } = waveformSlot([new Float32Array(1000)], 1000);
    const instance = melSpectrogram({ nMels: 40 }).setup(spec);
    const out = createOutputSlot(instance.output);
    instance.apply(slot, out, context(1));
    expect(out.lengths[0]).toBe(6);
    expect((out.data as Float32Array).every((value) => value === 0)).toBe(true);
  });

  it('rejects unknown options naming the nearest valid one, bad values and non-waveform inputs', () => {
    expect(() => logMel({ hop_length: 160 } as never)).toThrow(/did you mean hopLength/);
    expect(() => logMel({ preset: 'kaldi-fbank', nFft: 512 } as never)).toThrow(/unknown option "nFft"/);
    expect(() => logMel({ preset: 'librosa' as 'whisper' })).toThrow(/preset/);
    expect(() => logMel({ nMels: 0 })).toThrow(/nMels/);
    expect(() => logMel({ dtype: 'int8' as 'float16' })).toThrow(/dtype/);
    expect(() => logMel().setup({ dtype: 'int16', shape: [1, 100], variableDims: [1] })).toThrow(TypeError);
    expect(() => logMel().setup({ dtype: 'float32', shape: [1, 2, 100], variableDims: [2] })).toThrow(/waveform/);
  });
});
