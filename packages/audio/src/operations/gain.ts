import type { SampleOperation } from '@tessera/core';
import { applyGain } from '../dsp/signal-level.js';
import { checkRange, operationOptions, operationOrigin, validSamples, waveformLayout } from './operation-support.js';

export type GainOptions = {
  /** A fixed gain in dB. */
  db?: number;
  /** A gain drawn uniformly from [minDb, maxDb] per sample (context.random). */
  minDb?: number;
  maxDb?: number;
};

/** Multiplies the waveform by 10^(dB/20), fixed or drawn per sample; in place. */
export function gain(options: GainOptions): SampleOperation {
  const checked = operationOptions(options, 'gain', ['db', 'minDb', 'maxDb']);
  const [low, high] = checkRange(checked, 'db', 'minDb', 'maxDb', 'gain');
  return {
    kind: 'sample',
    name: 'audio/gain',
    options: options as never,
    origin: operationOrigin('gain', options as never),
    setup(input) {
      const layout = waveformLayout(input, 'gain');
      return {
        output: input,
        inPlace: true,
        apply(slot, _output, context) {
          const db = low === high ? low : low + (high - low) * context.random.nextFloat();
          const samples = validSamples(layout, slot, 'gain');
          for (let channel = 0; channel < layout.channels; channel++) applyGain(slot.data as Float32Array, channel * layout.maxSamples, samples, db);
        },
      };
    },
  };
}
