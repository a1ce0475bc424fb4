import type { SampleOperation } from '@tessera/core';
import { checkFill, imageShape, operationOrigin } from './operation-support.js';

export type RandomTranslateOptions = {
  /** Largest shift in pixels, in each direction. */
  padding: number;
  /** Fill value per channel (or one for all) of the uncovered border. Default 0. */
  fill?: number[];
};

/**
 * FFCV's RandomTranslate: pads the image by `padding` on every side with `fill`, then takes the
 * original size at an offset drawn uniformly from [0, 2 × padding] on each axis.
 */
export function randomTranslate(options: RandomTranslateOptions): SampleOperation<RandomTranslateOptions> {
  const padding = options?.padding;
  if (!Number.isInteger(padding) || padding < 0) throw new RangeError(`randomTranslate padding must be a non-negative integer, got ${JSON.stringify(padding)}`);
  const fill = checkFill(options.fill ?? [0], undefined, 'randomTranslate');
  return {
    kind: 'sample',
    name: 'image/random-translate',
    options,
    origin: operationOrigin('randomTranslate', options),
    setup(input) {
      const [height, width, channels] = imageShape(input, 'randomTranslate');
      checkFill(fill, channels, 'randomTranslate');
      const values = Array.from({ length: channels }, (_, channel) => fill[fill.length === 1 ? 0 : channel]!);
      return {
        output: input,
        apply(source, target, context) {
          // offset into the padded image; the output's (row, column) shows padded (row + dy, column + dx)
          const dy = context.random.nextInt(2 * padding + 1) - padding;
          const dx = context.random.nextInt(2 * padding + 1) - padding;
          const from = source.data;
          const to = target.data;
          const rowLength = width * channels;
          for (let row = 0; row < height; row++) {
            const sourceRow = row + dy;
            const rowStart = row * rowLength;
            if (sourceRow < 0 || sourceRow >= height) {
              for (let index = 0; index < rowLength; index++) to[rowStart + index] = values[index % channels]!;
              continue;
            }
            const firstColumn = Math.max(0, -dx);
            const endColumn = Math.min(width, width - dx);
            for (let column = 0; column < firstColumn; column++) for (let channel = 0; channel < channels; channel++) to[rowStart + column * channels + channel] = values[channel]!;
            for (let column = Math.max(endColumn, 0); column < width; column++) for (let channel = 0; channel < channels; channel++) to[rowStart + column * channels + channel] = values[channel]!;
            if (endColumn > firstColumn) {
              const start = sourceRow * rowLength + (firstColumn + dx) * channels;
              (to as Uint8Array).set((from as Uint8Array).subarray(start, start + (endColumn - firstColumn) * channels), rowStart + firstColumn * channels);
            }
          }
        },
      };
    },
  };
}
