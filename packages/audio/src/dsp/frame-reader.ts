import type { SampleArray } from './real-fft.js';

export type PadMode = 'reflect' | 'constant';

/**
 * Finds the samples of one analysis frame: an interior frame is read in place (`array` is the input,
 * `offset` its start); a frame that reaches past either end is copied into a scratch frame with
 * reflect padding (mirror about the first and last sample, numpy/torch 'reflect', repeated for
 * clips shorter than the padding) or zeros. Reused for every frame: no allocation.
 */
export class FrameReader {
  array: SampleArray;
  offset = 0;
  private readonly scratch: Float32Array;
  private readonly frameLength: number;

  constructor(frameLength: number) {
    this.frameLength = frameLength;
    this.scratch = new Float32Array(frameLength);
    this.array = this.scratch;
  }

  /** Locates the frame starting at sample `start` (may be negative) of `input[inputOffset, inputOffset + sampleCount)`. */
  locate(input: Float32Array, inputOffset: number, sampleCount: number, start: number, padMode: PadMode): void {
    const length = this.frameLength;
    if (start >= 0 && start + length <= sampleCount) {
      this.array = input;
      this.offset = inputOffset + start;
      return;
    }
    const scratch = this.scratch;
    const period = 2 * (sampleCount - 1);
    for (let index = 0; index < length; index++) {
      let position = start + index;
      if (position >= 0 && position < sampleCount) {
        scratch[index] = input[inputOffset + position]!;
      } else if (padMode === 'constant' || sampleCount === 0) {
        scratch[index] = 0;
      } else if (sampleCount === 1) {
        scratch[index] = input[inputOffset]!;
      } else {
        position %= period;
        if (position < 0) position += period;
        if (position >= sampleCount) position = period - position;
        scratch[index] = input[inputOffset + position]!;
      }
    }
    this.array = scratch;
    this.offset = 0;
  }
}
