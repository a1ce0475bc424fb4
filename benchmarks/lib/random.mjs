/**
 * Seeded pseudo-randomness, so every contender of a benchmark sees the same index sequence and every
 * run the same data.
 */
import { createCipheriv, createHash } from 'node:crypto';

/** mulberry32: a tiny 32-bit PRNG; returns a function yielding floats in [0, 1). */
export function mulberry32(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` indices drawn uniformly (with replacement) from [0, limit). */
export function randomIndices(count, limit, seed) {
  const next = mulberry32(seed);
  const indices = new Uint32Array(count);
  for (let position = 0; position < count; position++) indices[position] = Math.floor(next() * limit);
  return indices;
}

/**
 * A deterministic stream of random-looking bytes (AES-256-CTR keystream keyed by `tag`), readable at
 * any 16-byte-aligned offset: fast (AES-NI, GB/s) and reproducible without storing anything.
 */
export function createByteStream(tag) {
  const key = createHash('sha256').update(`tessera-bench:${tag}`).digest();
  let zeros = Buffer.alloc(0);
  return {
    /** Fills `target` with the stream's bytes [byteOffset, byteOffset + target.byteLength). */
    fill(target, byteOffset) {
      if (byteOffset % 16 !== 0) throw new RangeError(`byte stream offset ${byteOffset} must be a multiple of 16`);
      if (zeros.byteLength < target.byteLength) zeros = Buffer.alloc(Math.max(target.byteLength, 1 << 16));
      const iv = Buffer.alloc(16);
      const block = byteOffset / 16;
      iv.writeUInt32BE(Math.floor(block / 2 ** 32) >>> 0, 8);
      iv.writeUInt32BE(block >>> 0, 12);
      const cipher = createCipheriv('aes-256-ctr', key, iv);
      const output = cipher.update(zeros.subarray(0, target.byteLength));
      target.set(output);
      return target;
    },
  };
}
