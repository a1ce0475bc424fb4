import type { SampleOperation } from '@tessera/core';
import { checkProbability, imageShape, operationOrigin } from './operation-support.js';

export type GrayscaleOptions = {
  /** Output channels: 1, or 3 (the luma repeated). Default 1; must be 3 when probability < 1. */
  channels?: 1 | 3;
  /** Chance of converting a sample (torchvision's RandomGrayscale). Default 1. */
  probability?: number;
};

/** RGB → luma (0.299 R + 0.587 G + 0.114 B, rounded; uint8 RGB input). */
export function grayscale(options: GrayscaleOptions = {}): SampleOperation<GrayscaleOptions> {
  const channels = options.channels ?? 1;
  const probability = checkProbability(options.probability ?? 1, 'grayscale probability');
  if (channels !== 1 && channels !== 3) throw new RangeError(`grayscale channels must be 1 or 3, got ${JSON.stringify(channels)}`);
  if (probability < 1 && channels !== 3) throw new RangeError('grayscale with probability < 1 must keep 3 channels (channels: 3): every sample of a batch has one shape');
  return {
    kind: 'sample',
    name: 'image/grayscale',
    options,
    origin: operationOrigin('grayscale', options),
    setup(input) {
      const [height, width, inputChannels] = imageShape(input, 'grayscale', ['uint8']);
      if (inputChannels !== 3) throw new RangeError(`grayscale needs RGB input (3 channels), got ${inputChannels}`);
      const pixels = height * width;
      const inPlace = channels === 3;
      return {
        output: { dtype: 'uint8', shape: [height, width, channels] },
        inPlace,
        apply(source, target, context) {
          const from = source.data as Uint8Array;
          const to = target.data as Uint8Array;
          if (probability < 1 && context.random.nextFloat() >= probability) {
            if (!inPlace) to.set(from);
            return;
          }
          for (let pixel = 0; pixel < pixels; pixel++) {
            const index = pixel * 3;
            const luma = (from[index]! * 19595 + from[index + 1]! * 38470 + from[index + 2]! * 7471 + 32768) >> 16;
            if (channels === 1) to[pixel] = luma;
            else to[index] = to[index + 1] = to[index + 2] = luma;
          }
        },
      };
    },
  };
}
