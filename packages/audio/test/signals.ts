/** Deterministic test signals (no randomness from the platform): chirps, tones and seeded noise. */

/** mulberry32: a small seeded generator, uniform in [0, 1). */
export function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A linear chirp from `fromHz` to `toHz` plus seeded noise, peak below 0.9. */
export function chirp(length: number, sampleRate: number, fromHz = 200, toHz = 3000, seed = 1, noise = 0.05): Float32Array {
  const uniform = seededUniform(seed);
  const out = new Float32Array(length);
  const seconds = length / sampleRate;
  for (let index = 0; index < length; index++) {
    const time = index / sampleRate;
    const phase = 2 * Math.PI * (fromHz * time + ((toHz - fromHz) * time * time) / (2 * Math.max(seconds, 1e-9)));
    out[index] = 0.6 * Math.sin(phase) + noise * (uniform() * 2 - 1);
  }
  return out;
}

/** Values exactly representable in int16 (k / 32768), so float32 ↔ int16 round trips are exact. */
export function int16Exact(signal: Float32Array): Float32Array {
  // + 0 turns -0 (rounded small negatives) into 0: int16 storage has no negative zero.
  return signal.map((sample) => Math.max(-32768, Math.min(32767, Math.round(sample * 32768))) / 32768 + 0);
}
