import type { SampleOperation } from '@tessera/core';
import { imageShape, operationOrigin } from './operation-support.js';

/** HWC → CHW (any dtype): [height, width, channels] becomes [channels, height, width]. */
export function toCHW(): SampleOperation<Record<string, never>> {
  return {
    kind: 'sample',
    name: 'image/to-chw',
    options: {},
    origin: operationOrigin('toCHW', {}),
    setup(input) {
      const [height, width, channels] = imageShape(input, 'toCHW');
      const pixels = height * width;
      return {
        output: { dtype: input.dtype, shape: [channels, height, width] },
        apply(source, target) {
          const from = source.data;
          const to = target.data;
          for (let channel = 0; channel < channels; channel++) {
            const base = channel * pixels;
            for (let pixel = 0; pixel < pixels; pixel++) to[base + pixel] = from[pixel * channels + channel]!;
          }
        },
      };
    },
  };
}
