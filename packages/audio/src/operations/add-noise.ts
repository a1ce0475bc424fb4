import type { SampleOperation } from '@tessera/core';
import { type NoiseColor, fillNoise } from '../dsp/noise.js';
import { addScaled, meanSquare, noiseScaleForSnr } from '../dsp/signal-level.js';
import { checkRange, operationOptions, operationOrigin, validSamples, waveformLayout } from './operation-support.js';

export type AddNoiseOptions = {
  /** A fixed signal-to-noise ratio in dB. */
  snrDb?: number;
  /** An SNR drawn uniformly from [minSnrDb, maxSnrDb] per sample. */
  minSnrDb?: number;
  maxSnrDb?: number;
  /** Default 'white' (Gaussian). 'pink': 1/f power. */
  color?: NoiseColor;
  /** Probability of adding noise to a sample. Default 1. */
  probability?: number;
};

/**
 * Adds generated noise (from context.random, so deterministic per seed and sample) at an SNR over the
 * valid samples of all channels (independent noise per channel); in place. Silent input is left as is.
 */
export function addNoise(options: AddNoiseOptions): SampleOperation {
  const checked = operationOptions(options, 'addNoise', ['snrDb', 'minSnrDb', 'maxSnrDb', 'color', 'probability']);
  const [low, high] = checkRange(checked, 'snrDb', 'minSnrDb', 'maxSnrDb', 'addNoise');
  const color = checked.color ?? 'white';
  if (color !== 'white' && color !== 'pink') throw new RangeError(`addNoise color must be 'white' or 'pink', got ${JSON.stringify(color)}`);
  const probability = checked.probability ?? 1;
  if (typeof probability !== 'number' || !(probability >= 0 && probability <= 1)) throw new RangeError(`addNoise probability must be a number from 0 to 1, got ${JSON.stringify(probability)}`);
  return {
    kind: 'sample',
    name: 'audio/add-noise',
    options: options as never,
    origin: operationOrigin('addNoise', options as never),
    setup(input) {
      const layout = waveformLayout(input, 'addNoise');
      const noise = new Float32Array(layout.channels * layout.maxSamples);
      return {
        output: input,
        inPlace: true,
        apply(slot, _output, context) {
          const random = context.random;
          if (probability < 1 && random.nextFloat() >= probability) return;
          const snrDb = low === high ? low : low + (high - low) * random.nextFloat();
          const samples = validSamples(layout, slot, 'addNoise');
          if (samples === 0) return;
          const data = slot.data as Float32Array;
          let signalPower = 0;
          let noisePower = 0;
          for (let channel = 0; channel < layout.channels; channel++) {
            const offset = channel * layout.maxSamples;
            fillNoise(color, random, noise, offset, samples);
            signalPower += meanSquare(data, offset, samples);
            noisePower += meanSquare(noise, offset, samples);
          }
          const scale = noiseScaleForSnr(signalPower, noisePower, snrDb);
          if (scale === 0) return;
          for (let channel = 0; channel < layout.channels; channel++) addScaled(data, channel * layout.maxSamples, noise, channel * layout.maxSamples, samples, scale);
        },
      };
    },
  };
}
