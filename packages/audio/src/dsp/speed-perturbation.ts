import { type Resampler, type ResamplerOptions, createResampler } from './resampler.js';

/**
 * Speed perturbation as torchaudio.functional.speed and Kaldi's recipes do it: the waveform is read
 * as if sampled at sampleRate·factor and resampled to sampleRate, so factor 1.1 plays 10% faster
 * (and higher) and gives ceil(n / 1.1)-ish samples. The source rate is rounded to an integer Hz.
 */
export function createSpeedPerturbation(sampleRate: number, factor: number, options?: ResamplerOptions): Resampler {
  if (!(typeof factor === 'number' && factor > 0 && Number.isFinite(factor))) throw new RangeError(`speed factor must be a positive number, got ${JSON.stringify(factor)}`);
  if (!Number.isInteger(sampleRate) || sampleRate < 1) throw new RangeError(`sampleRate must be a positive integer (Hz), got ${JSON.stringify(sampleRate)}`);
  return createResampler(Math.round(sampleRate * factor), sampleRate, options);
}
