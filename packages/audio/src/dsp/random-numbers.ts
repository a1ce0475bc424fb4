/** The draws DSP augmentations make: core's RandomNumbers (context.random) satisfies it. */
export interface RandomNumbers {
  /** uniform in [0, 1) */
  nextFloat(): number;
  /** uniform integer in [0, bound) */
  nextInt(bound: number): number;
}

/** A standard normal draw (Box–Muller, cosine branch): two uniform draws per value, no hidden state. */
export function nextGaussian(random: RandomNumbers): number {
  const u = 1 - random.nextFloat(); // (0, 1]
  const v = random.nextFloat();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Uniform in [low, high). */
export function nextUniform(random: RandomNumbers, low: number, high: number): number {
  return low + (high - low) * random.nextFloat();
}
