import { type BatchColumn, type OutputSpec, createOutputSlot, createRandom, createSampleRandom } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { createResampler, createSpectrogram } from '../src/dsp/index.js';
import { addNoise, gain, mixNoiseField, mixdown, padOrTrim, resample, speedPerturb } from '../src/operations/index.js';
import { clipSamples, readFloat32, referencesOf } from './fixtures/dsp/dsp-fixtures.js';

function context(seed: number, sampleIndex = 0) {
  const random = createSampleRandom();
  random.reseed(seed, 0, sampleIndex, 0);
  return { sampleIndex, epoch: 0, random };
}

function waveformSlot(rows: Float32Array[], maxSamples: number) {
  const spec: OutputSpec = { dtype: 'float32', shape: [rows.length, maxSamples], variableDims: [1] };
  const slot = createOutputSlot(spec);
  (slot.data as Float32Array).fill(0.5);
  for (const [channel, row] of rows.entries()) (slot.data as Float32Array).set(row, channel * maxSamples);
  slot.lengths[0] = rows[0]!.length;
  return { spec, slot };
}

function channel(slot: { data: unknown }, index: number, maxSamples: number, length: number): Float32Array {
  return (slot.data as Float32Array).slice(index * maxSamples, index * maxSamples + length);
}

function power(values: Float32Array | Float64Array): number {
  let sum = 0;
  for (const value of values) sum += value * value;
  return sum / values.length;
}

describe('resample operation', () => {
  it('44.1 → 16 kHz of a padded slot matches torchaudio within 1e-4 and scales lengths', () => {
    const clip = clipSamples('clip-44k');
    const expected = readFloat32(referencesOf('resample').find((entry) => entry.name === 'resample-44100-16000')!.file);
    const { spec, slot } = waveformSlot([clip, clip], 30000);
    const instance = resample({ from: 44100, to: 16000 }).setup(spec);
    expect(instance.output).toEqual({ dtype: 'float32', shape: [2, Math.ceil((30000 * 160) / 441)], variableDims: [1] });
    const out = createOutputSlot(instance.output);
    instance.apply(slot, out, context(1));
    expect(out.lengths[0]).toBe(expected.length);
    const maxOut = instance.output.shape[1]!;
    for (let row = 0; row < 2; row++) {
      const values = channel(out, row, maxOut, maxOut);
      for (let index = 0; index < expected.length; index++) expect(Math.abs(values[index]! - expected[index]!)).toBeLessThanOrEqual(1e-4);
      for (let index = expected.length; index < maxOut; index++) expect(values[index]).toBe(0);
    }
  });

  it('rejects missing or unknown options', () => {
    expect(() => resample({ from: 44100 } as never)).toThrow(/from and to/);
    expect(() => resample({ from: 44100, to: 16000, rollof: 0.9 } as never)).toThrow(/did you mean rolloff/);
  });
});

describe('mixdown, gain, padOrTrim', () => {
  it('mixdown averages channels into [1, L], zero past the valid samples', () => {
    const left = new Float32Array([1, 2, 3, 4]);
    const right = new Float32Array([3, 2, 1, -4]);
    const { spec, slot } = waveformSlot([left, right], 6);
    const instance = mixdown().setup(spec);
    expect(instance.output).toEqual({ dtype: 'float32', shape: [1, 6], variableDims: [1] });
    const out = createOutputSlot(instance.output);
    instance.apply(slot, out, context(1));
    expect(Array.from(out.data as Float32Array)).toEqual([2, 2, 2, 0, 0, 0]);
    expect(out.lengths[0]).toBe(4);
  });

  it('gain in dB is exact for +20 dB, touches only valid samples, and a random range is deterministic per seed', () => {
    const { spec, slot } = waveformSlot([new Float32Array([0.1, -0.2, 0.3])], 5);
    const instance = gain({ db: 20 }).setup(spec);
    expect(instance.inPlace).toBe(true);
    instance.apply(slot, slot, context(1));
    expect(Array.from(slot.data as Float32Array)).toEqual([Math.fround(0.1) * 10, Math.fround(-0.2) * 10, Math.fround(0.3) * 10, 0.5, 0.5].map(Math.fround));
    const random = gain({ minDb: -6, maxDb: 6 });
    const runs = [1, 1, 2].map((seed) => {
      const { spec: s, slot: target } = waveformSlot([new Float32Array([1])], 1);
      random.setup(s).apply(target, target, context(seed));
      return (target.data as Float32Array)[0]!;
    });
    expect(runs[0]).toBe(runs[1]);
    expect(runs[0]).not.toBe(runs[2]);
    for (const value of runs) expect(value >= 10 ** (-6 / 20) - 1e-6 && value <= 10 ** (6 / 20) + 1e-6).toBe(true);
    expect(() => gain({ db: 3, minDb: 1 })).toThrow(/either/);
    expect(() => gain({})).toThrow(/needs db/);
  });

  it('padOrTrim gives a fixed length: trimmed, or zero-padded', () => {
    const { spec, slot } = waveformSlot([new Float32Array([1, 2, 3])], 4);
    const short = padOrTrim({ length: 2 }).setup(spec);
    expect(short.output).toEqual({ dtype: 'float32', shape: [1, 2] });
    const shortOut = createOutputSlot(short.output);
    short.apply(slot, shortOut, context(1));
    expect(Array.from(shortOut.data as Float32Array)).toEqual([1, 2]);
    const long = padOrTrim({ length: 6 }).setup(spec);
    const longOut = createOutputSlot(long.output);
    (longOut.data as Float32Array).fill(9);
    long.apply(slot, longOut, context(1));
    expect(Array.from(longOut.data as Float32Array)).toEqual([1, 2, 3, 0, 0, 0]);
  });
});

describe('addNoise', () => {
  const tone = new Float32Array(16000).map((_, index) => 0.3 * Math.sin((2 * Math.PI * 440 * index) / 16000));

  for (const color of ['white', 'pink'] as const) {
    it(`${color} noise lands at the requested SNR (±0.01 dB) and is deterministic per seed`, () => {
      const outputs = [7, 7, 8].map((seed) => {
        const { spec, slot } = waveformSlot([tone, tone], 16000);
        addNoise({ snrDb: 10, color }).setup(spec).apply(slot, slot, context(seed));
        return slot;
      });
      const added = new Float64Array(32000);
      for (let index = 0; index < 32000; index++) added[index] = (outputs[0]!.data as Float32Array)[index]! - tone[index % 16000]!;
      const snr = 10 * Math.log10(power(tone) / power(added));
      expect(Math.abs(snr - 10)).toBeLessThan(0.01);
      expect(Array.from(outputs[0]!.data as Float32Array)).toEqual(Array.from(outputs[1]!.data as Float32Array));
      expect(Array.from(outputs[0]!.data as Float32Array)).not.toEqual(Array.from(outputs[2]!.data as Float32Array));
      // the two channels get independent noise
      expect(Math.abs(added[100]! - added[16100]!)).toBeGreaterThan(0);
    });
  }

  it('pink noise has far more power per bin below 500 Hz than above 4 kHz; white about the same', () => {
    const ratios: Record<string, number> = {};
    for (const color of ['white', 'pink'] as const) {
      const silent = new Float32Array(16000).fill(1e-3); // a constant signal: noise power follows from the SNR
      const { spec, slot } = waveformSlot([silent], 16000);
      addNoise({ snrDb: -40, color }).setup(spec).apply(slot, slot, context(3));
      const spectrogram = createSpectrogram({ nFft: 512, hopLength: 256, power: 2, center: false });
      const frames = spectrogram.frameCount(16000);
      const out = new Float32Array(257 * frames);
      spectrogram.compute(slot.data as Float32Array, 0, 16000, out, 0, frames);
      const band = (low: number, high: number) => {
        let sum = 0;
        for (let bin = low; bin < high; bin++) for (let frame = 0; frame < frames; frame++) sum += out[bin * frames + frame]!;
        return sum / (high - low);
      };
      ratios[color] = band(2, 16) / band(128, 256);
    }
    expect(ratios.pink).toBeGreaterThan(20);
    expect(ratios.white).toBeGreaterThan(0.5);
    expect(ratios.white).toBeLessThan(2);
  });

  it('leaves silence alone and rejects a bad color', () => {
    const { spec, slot } = waveformSlot([new Float32Array(10)], 10);
    addNoise({ snrDb: 0 }).setup(spec).apply(slot, slot, context(1));
    expect((slot.data as Float32Array).every((value) => value === 0)).toBe(true);
    expect(() => addNoise({ snrDb: 0, color: 'brown' as 'pink' })).toThrow(/color/);
  });
});

describe('speedPerturb', () => {
  it('factor 1.1 resamples 17.6 kHz → 16 kHz (shorter), and the factor choice is deterministic per seed', () => {
    const clip = clipSamples('clip-16k-a');
    const { spec, slot } = waveformSlot([clip], 16037);
    const fast = speedPerturb({ factors: [1.1] }).setup(spec);
    const out = createOutputSlot(fast.output);
    fast.apply(slot, out, context(1));
    const reference = createResampler(17600, 16000);
    expect(out.lengths[0]).toBe(Math.ceil((16037 * 16000) / 17600));
    const expected = new Float32Array(reference.outputLength(16037));
    reference.process(clip, 0, 16037, expected, 0);
    expect(channel(out, 0, fast.output.shape[1]!, expected.length)).toEqual(expected);

    const random = speedPerturb({ factors: [0.9, 1, 1.1] }).setup(spec);
    expect(random.output.shape[1]).toBe(Math.ceil((16037 * 16000) / 14400));
    const lengths = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => {
      const target = createOutputSlot(random.output);
      random.apply(slot, target, context(seed));
      return target.lengths[0]!;
    });
    const again = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => {
      const target = createOutputSlot(random.output);
      random.apply(slot, target, context(seed));
      return target.lengths[0]!;
    });
    expect(again).toEqual(lengths);
    expect(new Set(lengths).size).toBeGreaterThan(1);
    for (const length of lengths) expect([17819, 16037, 14580]).toContain(length);
  });
});

describe('mixNoiseField (batch operation)', () => {
  function column(rows: Float32Array[], maxSamples: number): BatchColumn {
    const spec: OutputSpec = { dtype: 'float32', shape: [1, maxSamples], variableDims: [1] };
    const data = new Float32Array(rows.length * maxSamples);
    const lengths = new Int32Array(rows.length);
    rows.forEach((row, index) => {
      data.set(row, index * maxSamples);
      lengths[index] = row.length;
    });
    return { data, spec, lengths };
  }

  it('mixes the noise field (repeated to cover the signal) at the requested SNR', () => {
    const signal = [new Float32Array(3000).map((_, index) => Math.sin(index / 5)), new Float32Array(2000).map((_, index) => Math.cos(index / 7))];
    const seedNoise = createRandom(11);
    const noise = [new Float32Array(700).map(() => seedNoise.nextFloat() - 0.5), new Float32Array(2500).map(() => seedNoise.nextFloat() - 0.5)];
    const audio = column(signal, 3000);
    const noiseColumn = column(noise, 2500);
    const operation = mixNoiseField({ field: 'audio', noiseField: 'noise', snrDb: 5 });
    expect(operation.fields).toEqual(['audio', 'noise']);
    const instance = operation.setup({ audio: audio.spec, noise: noiseColumn.spec });
    instance.apply({ audio, noise: noiseColumn }, {}, { epoch: 0, batchIndex: 0, count: 2, sampleIndices: new Uint32Array([0, 1]), random: createRandom(1) });
    for (let row = 0; row < 2; row++) {
      const length = signal[row]!.length;
      const added = new Float64Array(length);
      for (let index = 0; index < length; index++) added[index] = (audio.data as Float32Array)[row * 3000 + index]! - signal[row]![index]!;
      expect(Math.abs(10 * Math.log10(power(signal[row]!) / power(added)) - 5)).toBeLessThan(0.01);
      // the 700-sample noise repeats
      if (row === 0) expect(added[10]! / noise[0]![10]!).toBeCloseTo(added[710]! / noise[0]![10]!, 5);
      for (let index = length; index < 3000; index++) expect(audio.data[row * 3000 + index]).toBe(0);
    }
  });

  it("noiseField = field mixes each sample with the next one's original audio", () => {
    const rows = [new Float32Array([1, 1, 1, 1]), new Float32Array([2, -2, 2, -2])];
    const audio = column(rows, 4);
    const instance = mixNoiseField({ field: 'audio', noiseField: 'audio', snrDb: 0 }).setup({ audio: audio.spec });
    instance.apply({ audio }, {}, { epoch: 0, batchIndex: 0, count: 2, sampleIndices: new Uint32Array([0, 1]), random: createRandom(1) });
    // 0 dB: the partner is scaled to the sample's own power
    expect(Array.from((audio.data as Float32Array).subarray(0, 4))).toEqual([2, 0, 2, 0]);
    expect(Array.from((audio.data as Float32Array).subarray(4, 8))).toEqual([4, 0, 4, 0]);
    expect(() => mixNoiseField({ field: 'audio', noiseField: 'audio', partner: 'same', snrDb: 0 })).toThrow(/partner 'next'/);
  });
});
