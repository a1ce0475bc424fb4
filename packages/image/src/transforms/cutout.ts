import type { SampleOperation } from '@tessera/core';
import { checkFill, imageShape, operationOrigin } from './operation-support.js';

export type CutoutOptions = {
  /** Side of the square, in pixels. */
  size: number;
  /** Fill value per channel (or one for all). Default 0. */
  fill?: number[];
};

/** FFCV's Cutout: fills a size × size square at a uniform position fully inside the image (in place). */
export function cutout(options: CutoutOptions): SampleOperation<CutoutOptions> {
  const size = options?.size;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`cutout size must be a positive integer, got ${JSON.stringify(size)}`);
  const fill = checkFill(options.fill ?? [0], undefined, 'cutout');
  return {
    kind: 'sample',
    name: 'image/cutout',
    options,
    origin: operationOrigin('cutout', options),
    setup(input) {
      const [height, width, channels] = imageShape(input, 'cutout');
      if (size > height || size > width) throw new RangeError(`cutout size ${size} is larger than the ${height}x${width} image`);
      checkFill(fill, channels, 'cutout');
      const values = Array.from({ length: channels }, (_, channel) => fill[fill.length === 1 ? 0 : channel]!);
      return {
        output: input,
        inPlace: true,
        apply(slot, _output, context) {
          const top = context.random.nextInt(height - size + 1);
          const left = context.random.nextInt(width - size + 1);
          const data = slot.data as Float32Array;
          for (let row = top; row < top + size; row++) {
            let offset = (row * width + left) * channels;
            for (let column = 0; column < size; column++) {
              for (let channel = 0; channel < channels; channel++) data[offset + channel] = values[channel]!;
              offset += channels;
            }
          }
        },
      };
    },
  };
}
