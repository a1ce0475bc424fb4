import type { SampleOperation } from '@tessera/core';
import { checkProbability, imageShape, operationOrigin } from './operation-support.js';

export type RandomHorizontalFlipOptions = {
  /** Chance of flipping a sample. Default 0.5. */
  probability?: number;
};

/** Mirrors an HWC image left–right with the given probability (any dtype, in place). */
export function randomHorizontalFlip(options: RandomHorizontalFlipOptions = {}): SampleOperation<RandomHorizontalFlipOptions> {
  const probability = checkProbability(options.probability ?? 0.5, 'randomHorizontalFlip probability');
  return {
    kind: 'sample',
    name: 'image/random-horizontal-flip',
    options,
    origin: operationOrigin('randomHorizontalFlip', options),
    setup(input) {
      const [height, width, channels] = imageShape(input, 'randomHorizontalFlip');
      return {
        output: input,
        inPlace: true,
        apply(slot, _output, context) {
          if (context.random.nextFloat() >= probability) return;
          const data = slot.data;
          const rowLength = width * channels;
          for (let row = 0; row < height; row++) {
            let left = row * rowLength;
            let right = left + rowLength - channels;
            while (left < right) {
              for (let channel = 0; channel < channels; channel++) {
                const value = data[left + channel]!;
                data[left + channel] = data[right + channel]!;
                data[right + channel] = value;
              }
              left += channels;
              right -= channels;
            }
          }
        },
      };
    },
  };
}
