import type { SampleOperation } from '@tessera/core';
import { mixdownChannels } from '../dsp/signal-level.js';
import { operationOptions, operationOrigin, validSamples, waveformLayout, waveformSpec } from './operation-support.js';

/** Mono mixdown: the mean of the channels, [channels, L] → [1, L] (a rank-1 waveform passes unchanged). */
export function mixdown(options?: Record<string, never>): SampleOperation {
  operationOptions(options, 'mixdown', []);
  return {
    kind: 'sample',
    name: 'audio/mixdown',
    options: (options ?? {}) as never,
    origin: operationOrigin('mixdown', (options ?? {}) as never),
    setup(input) {
      const layout = waveformLayout(input, 'mixdown');
      if (layout.rank === 1) return { output: input, inPlace: true, apply() {} };
      return {
        output: waveformSpec(layout, 1, layout.maxSamples, layout.variable),
        apply(slotIn, slotOut) {
          const samples = validSamples(layout, slotIn, 'mixdown');
          const out = slotOut.data as Float32Array;
          mixdownChannels(slotIn.data as Float32Array, 0, layout.channels, layout.maxSamples, samples, out, 0);
          out.fill(0, samples, layout.maxSamples);
          if (layout.variable) slotOut.lengths[0] = samples;
        },
      };
    },
  };
}
