/**
 * One clip's crop window (video pixels) mapped to the flow grid, resampled bilinearly to the output
 * size, with the vectors rescaled to output pixels and, for a flipped clip, mirrored with u negated.
 *
 * Sampling is pixel-center aligned: output column ox reads the grid at
 *   x = cropX + (ox + 0.5) × cropWidth / outWidth − 0.5   (grid pixels, clamped to [0, W − 1])
 * and the same for rows. A grid-pixel vector (u, v) becomes (u × outWidth / cropWidth,
 * v × outHeight / cropHeight): motion in the pixels of the output clip.
 */
import type { CropWindow } from '@tessera/image';

/** Where a pair's codes are and how to turn them into pixels. */
export interface FlowSource {
  codes: Int16Array | Uint8Array;
  /** Index of (u at x 0, y 0) and of (v at x 0, y 0). */
  uBase: number;
  vBase: number;
  rowStride: number;
  columnStride: number;
  /** Subtracted from a code (128 for uint8 codes). */
  zero: number;
  /** Pixels per code step. */
  scale: number;
}

/** Where one output pair goes in the slot. */
export interface FlowTarget {
  out: Float32Array;
  base: number;
  /** Offset of the v value from the u value. */
  vOffset: number;
  rowStride: number;
  columnStride: number;
}

/** The per-output-column and per-output-row sampling tables of one clip (reused, sized once). */
export class FlowSampling {
  readonly x0: Int32Array;
  readonly x1: Int32Array;
  readonly wx: Float64Array;
  readonly y0: Int32Array;
  readonly y1: Int32Array;
  readonly wy: Float64Array;
  uFactor = 1;
  vFactor = 1;

  constructor(
    readonly outWidth: number,
    readonly outHeight: number,
  ) {
    this.x0 = new Int32Array(outWidth);
    this.x1 = new Int32Array(outWidth);
    this.wx = new Float64Array(outWidth);
    this.y0 = new Int32Array(outHeight);
    this.y1 = new Int32Array(outHeight);
    this.wy = new Float64Array(outHeight);
  }

  /** Sets the tables for a crop window in video pixels of a video `videoWidth`×`videoHeight` with a `gridWidth`×`gridHeight` flow grid. */
  plan(crop: CropWindow, flip: boolean, videoWidth: number, videoHeight: number, gridWidth: number, gridHeight: number): void {
    const cropX = (crop[0] * gridWidth) / videoWidth;
    const cropY = (crop[1] * gridHeight) / videoHeight;
    const cropWidth = (crop[2] * gridWidth) / videoWidth;
    const cropHeight = (crop[3] * gridHeight) / videoHeight;
    axis(cropX, cropWidth, this.outWidth, gridWidth, flip, this.x0, this.x1, this.wx);
    axis(cropY, cropHeight, this.outHeight, gridHeight, false, this.y0, this.y1, this.wy);
    this.uFactor = ((flip ? -1 : 1) * this.outWidth) / cropWidth;
    this.vFactor = this.outHeight / cropHeight;
  }

  /** Writes one pair: every output point of it. */
  write(source: FlowSource, target: FlowTarget): void {
    const { codes, uBase, vBase, rowStride, columnStride, zero } = source;
    const uFactor = this.uFactor * source.scale;
    const vFactor = this.vFactor * source.scale;
    const { out, vOffset } = target;
    const { x0, x1, wx, y0, y1, wy, outWidth, outHeight } = this;
    for (let oy = 0; oy < outHeight; oy++) {
      const top = y0[oy]! * rowStride;
      const bottom = y1[oy]! * rowStride;
      const down = wy[oy]!;
      let at = target.base + oy * target.rowStride;
      for (let ox = 0; ox < outWidth; ox++, at += target.columnStride) {
        const left = x0[ox]! * columnStride;
        const right = x1[ox]! * columnStride;
        const across = wx[ox]!;
        const u0 = codes[uBase + top + left]! + (codes[uBase + top + right]! - codes[uBase + top + left]!) * across;
        const u1 = codes[uBase + bottom + left]! + (codes[uBase + bottom + right]! - codes[uBase + bottom + left]!) * across;
        const v0 = codes[vBase + top + left]! + (codes[vBase + top + right]! - codes[vBase + top + left]!) * across;
        const v1 = codes[vBase + bottom + left]! + (codes[vBase + bottom + right]! - codes[vBase + bottom + left]!) * across;
        out[at] = (u0 + (u1 - u0) * down - zero) * uFactor;
        out[at + vOffset] = (v0 + (v1 - v0) * down - zero) * vFactor;
      }
    }
  }

  /** Writes a zero pair (no stored flow from the clip's last video frame). */
  zero(target: FlowTarget): void {
    for (let oy = 0; oy < this.outHeight; oy++) {
      let at = target.base + oy * target.rowStride;
      for (let ox = 0; ox < this.outWidth; ox++, at += target.columnStride) {
        target.out[at] = 0;
        target.out[at + target.vOffset] = 0;
      }
    }
  }
}

function axis(start: number, length: number, outLength: number, gridLength: number, flip: boolean, low: Int32Array, high: Int32Array, weight: Float64Array): void {
  const step = length / outLength;
  for (let index = 0; index < outLength; index++) {
    // A flipped clip's output column ox shows the crop's column outLength − 1 − ox.
    const sampled = flip ? outLength - 1 - index : index;
    let position = start + (sampled + 0.5) * step - 0.5;
    if (position < 0) position = 0;
    else if (position > gridLength - 1) position = gridLength - 1;
    const floor = Math.floor(position);
    low[index] = floor;
    high[index] = Math.min(floor + 1, gridLength - 1);
    weight[index] = position - floor;
  }
}
