import type { PluginOrigin, SampleOperation } from '@tessera/core';
import { TesseraError } from '@tessera/core';

export type NormalizeClipOptions = {
  /** Per-channel mean in pixel units (0–255 for uint8 clips), or one value for all channels. */
  mean: number[];
  /** Per-channel standard deviation in the same units. */
  std: number[];
  /** The layout the frames decoder was given: 'THWC' (channels last, the default) or 'CTHW'. */
  layout?: 'THWC' | 'CTHW';
};

/** The package's bundled entry exports every factory: workers rebuild the operation from it. */
const origin = (options: NormalizeClipOptions): PluginOrigin => ({ module: import.meta.url, exportName: 'normalizeClip', options });

/**
 * (pixel − mean) / std per channel, to float32, for clips from a video `frames` decoder: uint8
 * [T, H, W, 3] or [3, T, H, W], with or without a leading clips dimension; the layout is kept.
 * One lookup table per channel (256 float32 each) instead of arithmetic per value.
 */
export function normalizeClip(options: NormalizeClipOptions): SampleOperation<NormalizeClipOptions> {
  const { mean, std } = options ?? ({} as NormalizeClipOptions);
  const layout = options?.layout ?? 'THWC';
  if (!Array.isArray(mean) || !Array.isArray(std) || mean.length === 0 || std.length === 0) throw new TesseraError('E_ARGUMENT', 'normalizeClip needs mean and std arrays (one value per channel, or one for all)');
  if (!mean.every(Number.isFinite) || !std.every((value) => Number.isFinite(value) && value !== 0)) throw new TesseraError('E_ARGUMENT', 'normalizeClip: mean must be finite and std finite and non-zero');
  if (layout !== 'THWC' && layout !== 'CTHW') throw new TesseraError('E_ARGUMENT', `normalizeClip: layout must be 'THWC' or 'CTHW', got ${JSON.stringify(layout)}`);
  return {
    kind: 'sample',
    name: 'video/normalize-clip',
    options,
    origin: origin(options),
    setup(input) {
      const shape = input.shape;
      const rank = shape.length;
      const channelAxis = layout === 'THWC' ? rank - 1 : rank - 4;
      if (input.dtype !== 'uint8' || (rank !== 4 && rank !== 5) || (input.variableDims?.length ?? 0) > 0 || shape[channelAxis] !== 3) {
        throw new TesseraError('E_ARGUMENT', `normalizeClip needs uint8 ${layout} clips from a video frames decoder (${layout === 'THWC' ? '[T, H, W, 3]' : '[3, T, H, W]'}, optionally with a leading clips dimension), got ${input.dtype} ${JSON.stringify(shape)}; set layout to the decoder's`);
      }
      for (const [name, values] of [
        ['mean', mean],
        ['std', std],
      ] as const) {
        if (values.length !== 1 && values.length !== 3) throw new TesseraError('E_ARGUMENT', `normalizeClip: ${name} has ${values.length} values; give 3 (one per channel) or 1`);
      }
      const table = new Float32Array(3 * 256);
      for (let channel = 0; channel < 3; channel++) {
        const scale = 1 / std[std.length === 1 ? 0 : channel]!;
        const offset = mean[mean.length === 1 ? 0 : channel]!;
        for (let value = 0; value < 256; value++) table[channel * 256 + value] = (value - offset) * scale;
      }
      // CTHW: each clip is three planes of T × H × W values.
      const clips = rank === 5 ? shape[0]! : 1;
      const planeLength = layout === 'CTHW' ? shape[rank - 3]! * shape[rank - 2]! * shape[rank - 1]! : 0;
      return {
        output: { dtype: 'float32', shape: [...shape] },
        apply(source, target) {
          const from = source.data as Uint8Array;
          const to = target.data as Float32Array;
          if (layout === 'THWC') {
            for (let index = 0; index < from.length; index += 3) {
              to[index] = table[from[index]!]!;
              to[index + 1] = table[256 + from[index + 1]!]!;
              to[index + 2] = table[512 + from[index + 2]!]!;
            }
            return;
          }
          for (let clip = 0; clip < clips; clip++) {
            for (let channel = 0; channel < 3; channel++) {
              const base = (clip * 3 + channel) * planeLength;
              const lookup = channel * 256;
              for (let index = base; index < base + planeLength; index++) to[index] = table[lookup + from[index]!]!;
            }
          }
        },
      };
    },
  };
}
