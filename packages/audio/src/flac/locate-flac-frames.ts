/**
 * Which stored frames a crop needs: frames [firstFrame, endFrame) of the index hold samples
 * [startSample, startSample + sampleCount). Slice `frames` with frameByteOffsets[firstFrame] and
 * frameByteOffsets[endFrame], and pass frameFirstSamples[firstFrame] as `framesFirstSample`.
 */
export interface FlacFrameRange {
  firstFrame: number;
  endFrame: number;
}

export function locateFlacFrames(frameFirstSamples: ArrayLike<number>, startSample: number, sampleCount: number): FlacFrameRange {
  const frameCount = frameFirstSamples.length - 1;
  // Last frame starting at or before startSample (binary search).
  let low = 0;
  let high = frameCount - 1;
  while (low < high) {
    const middle = (low + high + 1) >>> 1;
    if (frameFirstSamples[middle] <= startSample) low = middle;
    else high = middle - 1;
  }
  const firstFrame = Math.max(0, low);
  const endSample = startSample + sampleCount;
  let endFrame = firstFrame;
  while (endFrame < frameCount && frameFirstSamples[endFrame] < endSample) endFrame++;
  return { firstFrame, endFrame: Math.max(endFrame, Math.min(firstFrame + 1, frameCount)) };
}
