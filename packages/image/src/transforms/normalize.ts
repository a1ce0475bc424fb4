import type { SampleOperation } from '@tessera/core';
import { imageShape, operationOrigin } from './operation-support.js';

/** ImageNet channel means and standard deviations in pixel units (0–255), as FFCV's examples use them. */
export const IMAGENET_MEAN: [number, number, number] = [0.485 * 255, 0.456 * 255, 0.406 * 255];
export const IMAGENET_STD: [number, number, number] = [0.229 * 255, 0.224 * 255, 0.225 * 255];

export type NormalizeOptions = {
  /** Per-channel mean in pixel units (0–255 for uint8 input), or one value for all channels. */
  mean: number[];
  /** Per-channel standard deviation in the same units. */
  std: number[];
  /** 'hwc' keeps the layout (default); 'chw' also transposes to [channels, height, width]. */
  layout?: 'hwc' | 'chw';
};

/** (pixel − mean) / std per channel, to float32 (FFCV's NormalizeImage; optionally HWC → CHW). */
export function normalize(options: NormalizeOptions): SampleOperation<NormalizeOptions> {
  const { mean, std } = options ?? ({} as NormalizeOptions);
  const layout = options?.layout ?? 'hwc';
  if (!Array.isArray(mean) || !Array.isArray(std) || mean.length === 0 || std.length === 0) throw new TypeError('normalize needs mean and std arrays (one value per channel)');
  if (!mean.every(Number.isFinite) || !std.every((value) => Number.isFinite(value) && value !== 0)) throw new RangeError('normalize mean must be finite and std finite and non-zero');
  if (layout !== 'hwc' && layout !== 'chw') throw new TypeError(`normalize layout must be 'hwc' or 'chw', got ${JSON.stringify(layout)}`);
  return {
    kind: 'sample',
    name: 'image/normalize',
    options,
    origin: operationOrigin('normalize', options),
    setup(input) {
      const [height, width, channels] = imageShape(input, 'normalize', ['uint8', 'float32', 'float64']);
      for (const [name, values] of [['mean', mean], ['std', std]] as const) {
        if (values.length !== 1 && values.length !== channels) throw new RangeError(`normalize ${name} has ${values.length} values, the image ${channels} channels`);
      }
      const scale = Float32Array.from({ length: channels }, (_, channel) => 1 / std[std.length === 1 ? 0 : channel]!);
      const offset = Float32Array.from({ length: channels }, (_, channel) => -mean[mean.length === 1 ? 0 : channel]! * scale[channel]!);
      // uint8 input: one lookup table per channel (256 float32 each) instead of arithmetic per value
      const table = input.dtype === 'uint8' ? new Float32Array(256 * channels) : undefined;
      if (table !== undefined) for (let channel = 0; channel < channels; channel++) for (let value = 0; value < 256; value++) table[channel * 256 + value] = value * scale[channel]! + offset[channel]!;
      const pixels = height * width;
      const chw = layout === 'chw';
      return {
        output: { dtype: 'float32', shape: chw ? [channels, height, width] : [height, width, channels] },
        apply(source, target) {
          const from = source.data;
          const to = target.data as Float32Array;
          if (table !== undefined && channels === 3) {
            const bytes = from as Uint8Array;
            if (chw) {
              for (let pixel = 0, index = 0; pixel < pixels; pixel++, index += 3) {
                to[pixel] = table[bytes[index]!]!;
                to[pixels + pixel] = table[256 + bytes[index + 1]!]!;
                to[2 * pixels + pixel] = table[512 + bytes[index + 2]!]!;
              }
            } else {
              for (let index = 0; index < pixels * 3; index += 3) {
                to[index] = table[bytes[index]!]!;
                to[index + 1] = table[256 + bytes[index + 1]!]!;
                to[index + 2] = table[512 + bytes[index + 2]!]!;
              }
            }
            return;
          }
          for (let pixel = 0; pixel < pixels; pixel++) {
            for (let channel = 0; channel < channels; channel++) {
              const value = from[pixel * channels + channel] as number;
              const normalized = table !== undefined ? table[channel * 256 + value]! : value * scale[channel]! + offset[channel]!;
              to[chw ? channel * pixels + pixel : pixel * channels + channel] = normalized;
            }
          }
        },
      };
    },
  };
}
