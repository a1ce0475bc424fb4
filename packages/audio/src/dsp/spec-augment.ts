import type { RandomNumbers } from './random-numbers.js';

export type SpecAugmentParams = {
  /** Time warp W (frames): the warp centre moves by up to ±W. 0 disables. */
  timeWarpFactor: number;
  /** Frequency masks per example. */
  numFeatureMasks: number;
  /** Frequency mask widths are drawn from [0, featuresMaskSize). */
  featuresMaskSize: number;
  /** Upper bound on time masks (fewer for short examples, see maxFramesMaskFraction). */
  numFrameMasks: number;
  /** Time mask widths are drawn from [0, framesMaskSize) (lowered for short examples). */
  framesMaskSize: number;
  /** At most this fraction of the frames is masked in all. */
  maxFramesMaskFraction: number;
  /** Probability that an example is augmented at all. */
  probability: number;
  /** Value written into masks: 'mean' (of the example, after warping) or a number. */
  maskValue: 'mean' | number;
};

/**
 * lhotse.dataset.SpecAugment's defaults (lhotse/dataset/signal_transforms.py): time_warp_factor 80,
 * num_feature_masks 2, features_mask_size 27, num_frame_masks 10, frames_mask_size 100,
 * max_frames_mask_fraction 0.15, p 0.9, masks filled with the example's mean.
 */
export const LHOTSE_SPEC_AUGMENT: Readonly<SpecAugmentParams> = Object.freeze({
  timeWarpFactor: 80,
  numFeatureMasks: 2,
  featuresMaskSize: 27,
  numFrameMasks: 10,
  framesMaskSize: 100,
  maxFramesMaskFraction: 0.15,
  probability: 0.9,
  maskValue: 'mean',
});

export interface SpecAugment {
  readonly params: Readonly<SpecAugmentParams>;
  /**
   * Augments one [bins, frames] planar feature matrix in place (bin b, frame t at
   * data[offset + b·rowStride + t]; only the `frames` valid frames are read or written).
   * Draw order (deterministic for a given source): apply?, warp centre, warp target, frequency mask
   * widths then starts, time mask widths then starts — lhotse's order.
   */
  apply(data: Float32Array | Float64Array, offset: number, bins: number, frames: number, rowStride: number, random: RandomNumbers): void;
}

export function checkSpecAugmentParams(params: SpecAugmentParams): void {
  const nonNegativeIntegers = ['timeWarpFactor', 'numFeatureMasks', 'numFrameMasks'] as const;
  for (const name of nonNegativeIntegers) {
    if (!Number.isInteger(params[name]) || params[name] < 0) throw new RangeError(`specAugment ${name} must be a non-negative integer, got ${JSON.stringify(params[name])}`);
  }
  for (const name of ['featuresMaskSize', 'framesMaskSize'] as const) {
    if (!Number.isInteger(params[name]) || params[name] < 1) throw new RangeError(`specAugment ${name} must be a positive integer, got ${JSON.stringify(params[name])}`);
  }
  for (const name of ['maxFramesMaskFraction', 'probability'] as const) {
    if (typeof params[name] !== 'number' || !(params[name] >= 0 && params[name] <= 1)) throw new RangeError(`specAugment ${name} must be a number from 0 to 1, got ${JSON.stringify(params[name])}`);
  }
  if (params.maskValue !== 'mean' && !(typeof params.maskValue === 'number' && Number.isFinite(params.maskValue))) {
    throw new TypeError(`specAugment maskValue must be 'mean' or a finite number, got ${JSON.stringify(params.maskValue)}`);
  }
}

/** SpecAugment (Park et al. 2019) as lhotse applies it, with scratch grown on demand and reused. */
export function createSpecAugment(params: Partial<SpecAugmentParams> = {}): SpecAugment {
  const resolved: SpecAugmentParams = { ...LHOTSE_SPEC_AUGMENT, ...params };
  checkSpecAugmentParams(resolved);
  let row = new Float64Array(0);
  let maskStarts = new Int32Array(Math.max(resolved.numFeatureMasks, resolved.numFrameMasks));
  let maskWidths = new Int32Array(maskStarts.length);
  return {
    params: Object.freeze(resolved),
    apply(data, offset, bins, frames, rowStride, random) {
      if (frames === 0 || bins === 0) return;
      if (random.nextFloat() > resolved.probability) return;
      const warp = resolved.timeWarpFactor;
      if (warp >= 1 && frames - warp > warp + 1) {
        const center = warp + 1 + random.nextInt(frames - 2 * warp - 1);
        const warped = center - warp + random.nextInt(2 * warp + 1);
        if (warped !== center) {
          if (row.length < frames) row = new Float64Array(frames);
          for (let bin = 0; bin < bins; bin++) {
            const start = offset + bin * rowStride;
            for (let frame = 0; frame < frames; frame++) row[frame] = data[start + frame]!;
            resizeBicubic(row, 0, center, data, start, warped);
            resizeBicubic(row, center, frames - center, data, start + warped, frames - warped);
          }
        }
      }
      let value = 0;
      if (resolved.maskValue === 'mean') {
        let sum = 0;
        for (let bin = 0; bin < bins; bin++) for (let frame = 0; frame < frames; frame++) sum += data[offset + bin * rowStride + frame]!;
        value = sum / (bins * frames);
      } else {
        value = resolved.maskValue;
      }
      if (maskStarts.length < Math.max(resolved.numFeatureMasks, resolved.numFrameMasks)) {
        maskStarts = new Int32Array(Math.max(resolved.numFeatureMasks, resolved.numFrameMasks));
        maskWidths = new Int32Array(maskStarts.length);
      }
      // frequency masks: widths in [0, F), starts uniform in [0, bins − width]
      const featureMasks = resolved.numFeatureMasks;
      for (let mask = 0; mask < featureMasks; mask++) maskWidths[mask] = random.nextInt(resolved.featuresMaskSize);
      for (let mask = 0; mask < featureMasks; mask++) maskStarts[mask] = Math.floor(random.nextFloat() * Math.max(0, bins - maskWidths[mask]!));
      for (let mask = 0; mask < featureMasks; mask++) {
        const end = Math.min(bins, maskStarts[mask]! + maskWidths[mask]!);
        for (let bin = maskStarts[mask]!; bin < end; bin++) data.fill(value, offset + bin * rowStride, offset + bin * rowStride + frames);
      }
      // time masks: the count and width limited so that at most maxFramesMaskFraction of the frames is masked
      const maxMaskedFrames = resolved.maxFramesMaskFraction * frames;
      const frameMasks = Math.min(resolved.numFrameMasks, Math.ceil(maxMaskedFrames / resolved.framesMaskSize));
      if (frameMasks < 1) return;
      const maxWidth = Math.min(resolved.framesMaskSize, Math.floor(maxMaskedFrames / frameMasks));
      if (maxWidth < 1) return;
      for (let mask = 0; mask < frameMasks; mask++) maskWidths[mask] = random.nextInt(maxWidth);
      for (let mask = 0; mask < frameMasks; mask++) maskStarts[mask] = Math.floor(random.nextFloat() * (frames - maskWidths[mask]!));
      for (let mask = 0; mask < frameMasks; mask++) {
        const start = maskStarts[mask]!;
        const end = Math.min(frames, start + maskWidths[mask]!);
        if (end <= start) continue;
        for (let bin = 0; bin < bins; bin++) data.fill(value, offset + bin * rowStride + start, offset + bin * rowStride + end);
      }
    },
  };
}

/**
 * Resizes source[sourceStart, sourceStart + sourceLength) to `targetLength` values at target[targetStart…]
 * with torch's bicubic interpolation (Keys, a = −0.75, align_corners false, edges clamped), along one axis.
 */
function resizeBicubic(source: Float64Array, sourceStart: number, sourceLength: number, target: Float32Array | Float64Array, targetStart: number, targetLength: number): void {
  const ratio = sourceLength / targetLength;
  const last = sourceLength - 1;
  for (let index = 0; index < targetLength; index++) {
    const position = (index + 0.5) * ratio - 0.5;
    const floor = Math.floor(position);
    const t = position - floor;
    const w0 = cubicOuter(t + 1);
    const w1 = cubicInner(t);
    const w2 = cubicInner(1 - t);
    const w3 = cubicOuter(2 - t);
    const i0 = Math.min(last, Math.max(0, floor - 1));
    const i1 = Math.min(last, Math.max(0, floor));
    const i2 = Math.min(last, Math.max(0, floor + 1));
    const i3 = Math.min(last, Math.max(0, floor + 2));
    target[targetStart + index] = w0 * source[sourceStart + i0]! + w1 * source[sourceStart + i1]! + w2 * source[sourceStart + i2]! + w3 * source[sourceStart + i3]!;
  }
}

const CUBIC_A = -0.75;
/** Keys kernel for |x| ≤ 1 */
function cubicInner(x: number): number {
  return ((CUBIC_A + 2) * x - (CUBIC_A + 3)) * x * x + 1;
}
/** Keys kernel for 1 < |x| < 2 */
function cubicOuter(x: number): number {
  return ((CUBIC_A * x - 5 * CUBIC_A) * x + 8 * CUBIC_A) * x - 4 * CUBIC_A;
}
