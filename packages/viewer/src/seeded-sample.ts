import { createRandom } from '@tessera/core';

/**
 * `count` distinct row indices in [0, numSamples), chosen with a fixed seed (Floyd's algorithm: no
 * array of numSamples entries), sorted so reads go forward through the file.
 */
export function seededSampleRows(numSamples: number, count: number, seed: number): Uint32Array {
  if (count >= numSamples) return Uint32Array.from({ length: numSamples }, (_, index) => index);
  const random = createRandom(seed);
  const chosen = new Set<number>();
  for (let upper = numSamples - count; upper < numSamples; upper++) {
    const candidate = random.nextInt(upper + 1);
    chosen.add(chosen.has(candidate) ? upper : candidate);
  }
  return Uint32Array.from(chosen).sort();
}
