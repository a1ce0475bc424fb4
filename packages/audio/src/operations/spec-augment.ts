import type { SampleOperation } from '@tessera/core';
import { LHOTSE_SPEC_AUGMENT, type SpecAugmentParams, createSpecAugment } from '../dsp/spec-augment.js';
import { operationOptions, operationOrigin } from './operation-support.js';

export type SpecAugmentOptions = Partial<SpecAugmentParams> & {
  /** 'lhotse' (the default): lhotse.dataset.SpecAugment's defaults, see LHOTSE_SPEC_AUGMENT; other fields override it. */
  preset?: 'lhotse';
};

/**
 * SpecAugment on features [bins, frames] or [channels, bins, frames] (float32, the last dimension
 * variable, as melSpectrogram/logMel produce): time warp, frequency and time masks over the valid
 * frames, drawn from context.random; in place. Each channel is augmented independently.
 */
export function specAugment(options?: SpecAugmentOptions): SampleOperation {
  const checked = operationOptions(options, 'specAugment', ['preset', ...Object.keys(LHOTSE_SPEC_AUGMENT)]);
  const { preset = 'lhotse', ...overrides } = checked;
  if (preset !== 'lhotse') throw new RangeError(`specAugment preset must be 'lhotse', got ${JSON.stringify(preset)}`);
  const augment = createSpecAugment(overrides);
  return {
    kind: 'sample',
    name: 'audio/spec-augment',
    options: (options ?? {}) as never,
    origin: operationOrigin('specAugment', (options ?? {}) as never),
    setup(input) {
      const rank = input.shape.length;
      const variableDims = input.variableDims ?? [];
      if (input.dtype !== 'float32') throw new TypeError(`specAugment needs float32 features, got ${input.dtype}`);
      if ((rank !== 2 && rank !== 3) || !(variableDims.length === 0 || (variableDims.length === 1 && variableDims[0] === rank - 1))) {
        throw new RangeError(`specAugment needs features [bins, frames] or [channels, bins, frames] variable in frames, got shape ${JSON.stringify(input.shape)} with variableDims ${JSON.stringify(variableDims)}; apply melSpectrogram or logMel first`);
      }
      const channels = rank === 3 ? input.shape[0]! : 1;
      const bins = input.shape[rank - 2]!;
      const maxFrames = input.shape[rank - 1]!;
      return {
        output: input,
        inPlace: true,
        apply(slot, _output, context) {
          const frames = variableDims.length === 1 ? slot.lengths[0]! : maxFrames;
          if (!(frames >= 0 && frames <= maxFrames)) throw new RangeError(`specAugment: the input says ${frames} frames, its slot holds ${maxFrames}`);
          for (let channel = 0; channel < channels; channel++) augment.apply(slot.data as Float32Array, channel * bins * maxFrames, bins, frames, maxFrames, context.random);
        },
      };
    },
  };
}
