import type { SampleOperation } from '@tessera/core';
import { type ResamplerOptions, createResampler } from '../dsp/resampler.js';
import { operationOptions, operationOrigin, validSamples, waveformLayout, waveformSpec } from './operation-support.js';

export type ResampleOptions = ResamplerOptions & {
  /** Source rate (Hz, integer): the rate the decoder produces. */
  from: number;
  /** Target rate (Hz, integer). */
  to: number;
};

/**
 * Resamples every channel from `from` to `to` Hz (torchaudio.functional.resample's math and defaults,
 * see createResampler): output [channels, ceil(maxSamples·to/from)], valid length ceil(n·to/from).
 */
export function resample(options: ResampleOptions): SampleOperation {
  const checked = operationOptions(options, 'resample', ['from', 'to', 'lowpassFilterWidth', 'rolloff', 'method', 'beta']);
  if (checked.from === undefined || checked.to === undefined) throw new RangeError(`resample needs from and to (Hz), got ${JSON.stringify(options)}`);
  const { from, to, ...resamplerOptions } = checked;
  const resampler = createResampler(from, to, resamplerOptions);
  return {
    kind: 'sample',
    name: 'audio/resample',
    options: options as never,
    origin: operationOrigin('resample', options as never),
    setup(input) {
      const layout = waveformLayout(input, 'resample');
      const maxOut = resampler.outputLength(layout.maxSamples);
      return {
        output: waveformSpec(layout, layout.channels, maxOut, layout.variable),
        apply(slotIn, slotOut) {
          const samples = validSamples(layout, slotIn, 'resample');
          const source = slotIn.data as Float32Array;
          const target = slotOut.data as Float32Array;
          const length = resampler.outputLength(samples);
          for (let channel = 0; channel < layout.channels; channel++) {
            resampler.process(source, channel * layout.maxSamples, samples, target, channel * maxOut);
            target.fill(0, channel * maxOut + length, (channel + 1) * maxOut);
          }
          if (layout.variable) slotOut.lengths[0] = length;
        },
      };
    },
  };
}
