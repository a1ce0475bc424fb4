import type { SampleOperation } from '@tessera/core';
import type { Resampler } from '../dsp/resampler.js';
import { createSpeedPerturbation } from '../dsp/speed-perturbation.js';
import { checkPositiveInteger, operationOptions, operationOrigin, validSamples, waveformLayout, waveformSpec } from './operation-support.js';

export type SpeedPerturbOptions = {
  /** Speed factors drawn uniformly per sample. Default [0.9, 1, 1.1] (Kaldi/lhotse recipes). */
  factors?: number[];
  /** The waveform's rate in Hz (not part of its spec). Default 16000. */
  sampleRate?: number;
};

/**
 * Speed perturbation (torchaudio.functional.speed / Kaldi style): a factor f from `factors` per
 * sample, the waveform resampled from round(sampleRate·f) to sampleRate Hz, so it gets shorter for
 * f > 1. Output [channels, the longest result] variable in samples.
 */
export function speedPerturb(options?: SpeedPerturbOptions): SampleOperation {
  const checked = operationOptions(options, 'speedPerturb', ['factors', 'sampleRate']);
  const factors = checked.factors ?? [0.9, 1, 1.1];
  const sampleRate = checkPositiveInteger(checked.sampleRate ?? 16000, 'speedPerturb sampleRate');
  if (!Array.isArray(factors) || factors.length === 0) throw new RangeError(`speedPerturb factors must be a non-empty array of positive numbers, got ${JSON.stringify(factors)}`);
  const resamplers: Resampler[] = factors.map((factor) => createSpeedPerturbation(sampleRate, factor));
  return {
    kind: 'sample',
    name: 'audio/speed-perturb',
    options: (options ?? {}) as never,
    origin: operationOrigin('speedPerturb', (options ?? {}) as never),
    setup(input) {
      const layout = waveformLayout(input, 'speedPerturb');
      const maxOut = Math.max(...resamplers.map((resampler) => resampler.outputLength(layout.maxSamples)));
      return {
        output: waveformSpec(layout, layout.channels, maxOut, true),
        apply(slotIn, slotOut, context) {
          const resampler = resamplers[resamplers.length === 1 ? 0 : context.random.nextInt(resamplers.length)]!;
          const samples = validSamples(layout, slotIn, 'speedPerturb');
          const length = resampler.outputLength(samples);
          const source = slotIn.data as Float32Array;
          const target = slotOut.data as Float32Array;
          for (let channel = 0; channel < layout.channels; channel++) {
            resampler.process(source, channel * layout.maxSamples, samples, target, channel * maxOut);
            target.fill(0, channel * maxOut + length, (channel + 1) * maxOut);
          }
          slotOut.lengths[0] = length;
        },
      };
    },
  };
}
