/**
 * The shuffle used for large ranges: Rao–Sandelius ("A simple randomization procedure", Sandelius
 * 1962). Every element draws one of 256 buckets independently and uniformly (8 bits of a
 * `nextUint32`, four per draw); the elements are scattered into their buckets (stable), and each
 * bucket is shuffled the same way, recursively, down to Fisher–Yates. The result is an exactly
 * uniform permutation (for an output sequence the probability is a sum over bucket-size vectors that
 * does not depend on the sequence), and every pass is sequential or stays inside a cache-sized
 * bucket, where a plain Fisher–Yates over 10 million elements stalls on a cache miss per swap
 * (about 2.5× slower on 10 million elements).
 */

/** Ranges up to this many elements (256 KiB of uint32) are shuffled by Fisher–Yates. */
export const FISHER_YATES_MAX_LENGTH = 65_536;

const BUCKET_BITS = 8;
const BUCKET_COUNT = 1 << BUCKET_BITS;

/** What the bucket shuffle needs from the random source: raw outputs, and Fisher–Yates for small ranges. */
export interface BucketShuffleRandom {
  nextUint32(): number;
  fisherYates(array: Uint32Array, start: number, end: number): void;
}

/** Shuffles `array[start, end)` in place; allocates `end − start` × 5 bytes of scratch once. */
export function bucketShuffle(random: BucketShuffleRandom, array: Uint32Array, start: number, end: number): void {
  const length = end - start;
  if (length <= FISHER_YATES_MAX_LENGTH) {
    random.fisherYates(array, start, end);
    return;
  }
  shuffleRange(random, array, start, end, new Uint32Array(length), new Uint8Array(length));
}

function shuffleRange(
  random: BucketShuffleRandom,
  array: Uint32Array,
  start: number,
  end: number,
  scratch: Uint32Array,
  bucketOf: Uint8Array,
): void {
  const length = end - start;
  if (length <= FISHER_YATES_MAX_LENGTH) {
    random.fisherYates(array, start, end);
    return;
  }
  const bucketCursor = new Uint32Array(BUCKET_COUNT);
  let offset = 0;
  for (; offset + 4 <= length; offset += 4) {
    const bits = random.nextUint32();
    bucketOf[offset] = bits;
    bucketOf[offset + 1] = bits >>> 8;
    bucketOf[offset + 2] = bits >>> 16;
    bucketOf[offset + 3] = bits >>> 24;
  }
  if (offset < length) {
    let bits = random.nextUint32();
    for (; offset < length; offset++, bits >>>= 8) bucketOf[offset] = bits;
  }
  for (let position = 0; position < length; position++) bucketCursor[bucketOf[position]!]!++;
  const bucketStart = new Uint32Array(BUCKET_COUNT + 1);
  for (let bucket = 0, total = 0; bucket < BUCKET_COUNT; bucket++) {
    const size = bucketCursor[bucket]!;
    bucketStart[bucket] = total;
    bucketCursor[bucket] = total;
    total += size;
  }
  bucketStart[BUCKET_COUNT] = length;
  for (let position = 0; position < length; position++) scratch[bucketCursor[bucketOf[position]!]!++] = array[start + position]!;
  array.set(scratch.subarray(0, length), start);
  for (let bucket = 0; bucket < BUCKET_COUNT; bucket++) {
    shuffleRange(random, array, start + bucketStart[bucket]!, start + bucketStart[bucket + 1]!, scratch, bucketOf);
  }
}
