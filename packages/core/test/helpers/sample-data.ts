import { bytes, float64, int64, json, ndarray } from '../../src/index.js';

/** A deterministic pseudo-random generator (mulberry32) so test data is the same on every machine. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

export const mixedSchema = () => ({
  label: int64(),
  weight: float64(),
  blob: bytes(),
  meta: json(),
  vector: ndarray({ dtype: '<f4', shape: [2, 3] }),
});

/** Samples with every core field, edge values first, payloads of 0..maxBlob bytes. */
export function mixedSamples(count: number, maxBlob = 700, seed = 1) {
  const random = createRandom(seed);
  const edgeLabels = [0, -1, Number.MAX_SAFE_INTEGER, 2n ** 63n - 1n, -(2n ** 63n)];
  const edgeWeights = [Number.NaN, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 5e-324];
  return Array.from({ length: count }, (_, index) => {
    const size = index === 0 ? 0 : Math.floor(random() * maxBlob);
    const blob = new Uint8Array(size);
    for (let position = 0; position < size; position++) blob[position] = Math.floor(random() * 256);
    return {
      label: index < edgeLabels.length ? edgeLabels[index]! : Math.floor(random() * 2 ** 40) - 2 ** 39,
      weight: index < edgeWeights.length ? edgeWeights[index]! : random() * 1000 - 500,
      blob,
      meta: { index, text: `sample ${index} ✓`, values: [index, index / 3], ok: index % 2 === 0 },
      vector: Float32Array.from({ length: 6 }, () => random() * 2 - 1),
    };
  });
}
