import { type OutputSpec, createOutputSlot, createSampleRandom } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { LHOTSE_SPEC_AUGMENT, createSpecAugment } from '../src/dsp/index.js';
import { logMel, specAugment } from '../src/operations/index.js';
import { clipSamples } from './fixtures/dsp/dsp-fixtures.js';

function context(seed: number, sampleIndex = 0) {
  const random = createSampleRandom();
  random.reseed(seed, 0, sampleIndex, 0);
  return { sampleIndex, epoch: 0, random };
}

/** log-mel features [1, 80, maxFrames] of a 16 kHz clip repeated to ~4 s, through the real operations. */
function features() {
  const clip = clipSamples('clip-16k-a');
  const samples = new Float32Array(64000);
  for (let index = 0; index < samples.length; index++) samples[index] = clip[index % clip.length]!;
  const spec: OutputSpec = { dtype: 'float32', shape: [1, 70000], variableDims: [1] };
  const slot = createOutputSlot(spec);
  (slot.data as Float32Array).set(samples);
  slot.lengths[0] = samples.length;
  const mel = logMel({ hopLength: 160, nMels: 80 }).setup(spec);
  const out = createOutputSlot(mel.output);
  mel.apply(slot, out, context(0));
  return { spec: mel.output, slot: out, frames: out.lengths[0]!, maxFrames: mel.output.shape[2]! };
}

function augmented(seed: number, options: Parameters<typeof specAugment>[0]) {
  const { spec, slot, frames, maxFrames } = features();
  const original = (slot.data as Float32Array).slice();
  const instance = specAugment(options).setup(spec);
  expect(instance.inPlace).toBe(true);
  instance.apply(slot, slot, context(seed));
  return { data: slot.data as Float32Array, original, frames, maxFrames };
}

describe('specAugment', () => {
  it("preset 'lhotse' has lhotse's defaults", () => {
    expect(LHOTSE_SPEC_AUGMENT).toEqual({
      timeWarpFactor: 80,
      numFeatureMasks: 2,
      featuresMaskSize: 27,
      numFrameMasks: 10,
      framesMaskSize: 100,
      maxFramesMaskFraction: 0.15,
      probability: 0.9,
      maskValue: 'mean',
    });
    expect(createSpecAugment().params).toEqual(LHOTSE_SPEC_AUGMENT);
  });

  it('same seed → identical output; different seeds → different masks', () => {
    const first = augmented(5, { probability: 1 });
    const second = augmented(5, { probability: 1 });
    const third = augmented(6, { probability: 1 });
    expect(Array.from(first.data)).toEqual(Array.from(second.data));
    expect(Array.from(first.data)).not.toEqual(Array.from(third.data));
    expect(Array.from(first.data)).not.toEqual(Array.from(first.original));
  });

  it('masks only (no warp, value 0): ≤ 2 frequency bands of < 27 bins, ≤ 15% of the frames, padding untouched', () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const { data, original, frames, maxFrames } = augmented(seed, { probability: 1, timeWarpFactor: 0, maskValue: 0 });
      const rowMasked = (bin: number) => {
        for (let frame = 0; frame < frames; frame++) if (data[bin * maxFrames + frame] !== 0) return false;
        return true;
      };
      const columnMasked = (frame: number) => {
        for (let bin = 0; bin < 80; bin++) if (data[bin * maxFrames + frame] !== 0) return false;
        return true;
      };
      let bands = 0;
      let run = 0;
      for (let bin = 0; bin <= 80; bin++) {
        if (bin < 80 && rowMasked(bin)) run++;
        else {
          if (run > 0) bands++;
          expect(run).toBeLessThanOrEqual(2 * 26);
          run = 0;
        }
      }
      expect(bands).toBeLessThanOrEqual(2);
      let maskedFrames = 0;
      for (let frame = 0; frame < frames; frame++) if (columnMasked(frame)) maskedFrames++;
      expect(maskedFrames).toBeLessThanOrEqual(Math.floor(0.15 * frames));
      // every value is either untouched or 0
      for (let bin = 0; bin < 80; bin++) {
        for (let frame = 0; frame < maxFrames; frame++) {
          const value = data[bin * maxFrames + frame]!;
          if (frame >= frames) expect(value).toBe(original[bin * maxFrames + frame]);
          else expect(value === 0 || value === original[bin * maxFrames + frame]).toBe(true);
        }
      }
    }
  });

  it("maskValue 'mean' fills masks with the example's mean; probability 0 changes nothing", () => {
    const { data, original, frames, maxFrames } = augmented(9, { probability: 1, timeWarpFactor: 0, numFeatureMasks: 0 });
    let sum = 0;
    for (let bin = 0; bin < 80; bin++) for (let frame = 0; frame < frames; frame++) sum += original[bin * maxFrames + frame]!;
    const mean = Math.fround(sum / (80 * frames));
    let masked = 0;
    for (let bin = 0; bin < 80; bin++) for (let frame = 0; frame < frames; frame++) if (data[bin * maxFrames + frame] !== original[bin * maxFrames + frame]) {
      masked++;
      expect(data[bin * maxFrames + frame]).toBe(mean);
    }
    expect(masked).toBeGreaterThan(0);
    const untouched = augmented(9, { probability: 0 });
    expect(Array.from(untouched.data)).toEqual(Array.from(untouched.original));
  });

  it('time warp alone moves frames (the centre shifts unless the draw lands on it) and keeps frame 0', () => {
    let warpedSeeds = 0;
    for (const seed of [1, 2, 3, 4, 5]) {
      const { data, original, frames, maxFrames } = augmented(seed, { probability: 1, numFeatureMasks: 0, maxFramesMaskFraction: 0 });
      let changed = 0;
      for (let bin = 0; bin < 80; bin++) for (let frame = 0; frame < frames; frame++) if (Math.abs(data[bin * maxFrames + frame]! - original[bin * maxFrames + frame]!) > 1e-6) changed++;
      if (changed > 0) warpedSeeds++;
      for (let bin = 0; bin < 80; bin++) expect(Math.abs(data[bin * maxFrames]! - original[bin * maxFrames]!)).toBeLessThan(1);
    }
    expect(warpedSeeds).toBeGreaterThanOrEqual(4);
  });

  it('rejects bad options and non-feature inputs', () => {
    expect(() => specAugment({ numFrameMask: 3 } as never)).toThrow(/did you mean numFrameMasks/);
    expect(() => specAugment({ probability: 2 })).toThrow(/probability/);
    expect(() => specAugment({ preset: 'espnet' as 'lhotse' })).toThrow(/preset/);
    expect(() => specAugment().setup({ dtype: 'float32', shape: [1, 1000], variableDims: [0] })).toThrow(/frames/);
  });
});
