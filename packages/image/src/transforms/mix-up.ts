import type { BatchOperation, OutputSpec } from '@tessera/core';

interface RandomSource {
  nextFloat(): number;
}

export type MixUpOptions = {
  /** Beta(alpha, alpha) draws the mixing weight λ. Default 1 (uniform). */
  alpha?: number;
  /** Number of classes: labels become float32 [numClasses] soft labels. */
  numClasses: number;
  /** The image field (any fixed-shape uint8 or float output). Default 'image'. */
  imageField?: string;
  /** The label field (an integer scalar). Default 'label'. */
  labelField?: string;
  /** One λ for the whole batch (FFCV's default) or one per sample. Default true. */
  sameLambda?: boolean;
};

/**
 * MixUp (FFCV's ImageMixup + LabelMixup, as one batch operation): every sample i is blended with
 * its neighbour i − 1 (the first with the last), image = λ·image[i] + (1 − λ)·image[i − 1], and its
 * label becomes the soft label λ·onehot(label[i]) + (1 − λ)·onehot(label[i − 1]). Images are mixed in
 * place (uint8 rounded); labels change spec to float32 [numClasses]. λ comes from the loader's
 * seeded batch random source.
 */
export function mixUp(options: MixUpOptions): BatchOperation<MixUpOptions> {
  const alpha = options?.alpha ?? 1;
  const numClasses = options?.numClasses;
  const imageField = options?.imageField ?? 'image';
  const labelField = options?.labelField ?? 'label';
  const sameLambda = options?.sameLambda ?? true;
  if (!(typeof alpha === 'number' && alpha > 0 && Number.isFinite(alpha))) throw new RangeError(`mixUp alpha must be a positive number, got ${JSON.stringify(alpha)}`);
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new RangeError(`mixUp numClasses must be a positive integer, got ${JSON.stringify(numClasses)}`);
  return {
    kind: 'batch',
    name: 'image/mix-up',
    options,
    fields: [imageField, labelField],
    setup(inputs) {
      const image = inputs[imageField];
      const label = inputs[labelField];
      if (image === undefined || label === undefined) throw new RangeError(`mixUp needs fields "${imageField}" and "${labelField}"`);
      if ((image.variableDims?.length ?? 0) > 0) throw new RangeError(`mixUp needs fixed-size images, "${imageField}" has variable dimensions`);
      if (label.shape.length !== 0 || !/^u?int(8|16|32|64)$/.test(label.dtype)) {
        throw new TypeError(`mixUp needs integer scalar labels, "${labelField}" is ${label.dtype} ${JSON.stringify(label.shape)}`);
      }
      const imageElements = image.shape.reduce((product, extent) => product * extent, 1);
      const rounding = image.dtype.includes('int');
      let saved = new Float64Array(imageElements);
      const outputs: Record<string, OutputSpec> = { [labelField]: { dtype: 'float32', shape: [numClasses] } };
      return {
        outputs,
        apply(columns, targets, context) {
          const count = context.count;
          if (count === 0) return;
          const images = columns[imageField]!.data;
          const labels = columns[labelField]!.data;
          const soft = targets[labelField]!.data as Float32Array;
          const lambdas = new Float64Array(count);
          const shared = sameLambda ? sampleBeta(alpha, context.random) : 0;
          for (let index = 0; index < count; index++) lambdas[index] = sameLambda ? shared : sampleBeta(alpha, context.random);
          // labels first (they are read from the untouched input column)
          soft.fill(0, 0, count * numClasses);
          for (let index = 0; index < count; index++) {
            const partner = index === 0 ? count - 1 : index - 1;
            const own = Number(labels[index]);
            const other = Number(labels[partner]);
            if (!(own >= 0 && own < numClasses) || !(other >= 0 && other < numClasses)) {
              throw new RangeError(`mixUp: label ${!(own >= 0 && own < numClasses) ? own : other} is outside [0, ${numClasses})`);
            }
            soft[index * numClasses + own] = soft[index * numClasses + own]! + lambdas[index]!;
            soft[index * numClasses + other] = soft[index * numClasses + other]! + 1 - lambdas[index]!;
          }
          // images in place, from the last down (each reads its not yet mixed predecessor); the first
          // sample mixes with the original of the last, saved before
          if (saved.length !== imageElements) saved = new Float64Array(imageElements);
          mixInPlace(images as unknown as ArrayLike<number> & { [index: number]: number }, imageElements, count, lambdas, saved, rounding);
        },
      };
    },
  };
}

/** Typed per array class, so each loop stays monomorphic. */
function mixInPlace(pixels: ArrayLike<number> & { [index: number]: number }, elements: number, count: number, lambdas: Float64Array, saved: Float64Array, rounding: boolean): void {
  if (pixels instanceof Float32Array) {
    mixFloat32(pixels, elements, count, lambdas, saved);
    return;
  }
  if (pixels instanceof Uint8Array) {
    mixUint8(pixels, elements, count, lambdas, saved);
    return;
  }
  const lastStart = (count - 1) * elements;
  for (let element = 0; element < elements; element++) saved[element] = pixels[lastStart + element]!;
  for (let index = count - 1; index >= 0; index--) {
    const lambda = lambdas[index]!;
    const start = index * elements;
    for (let element = 0; element < elements; element++) {
      const other = index === 0 ? saved[element]! : pixels[start - elements + element]!;
      const mixed = lambda * pixels[start + element]! + (1 - lambda) * other;
      pixels[start + element] = rounding ? Math.round(mixed) : mixed;
    }
  }
}

function mixFloat32(pixels: Float32Array, elements: number, count: number, lambdas: Float64Array, saved: Float64Array): void {
  const lastStart = (count - 1) * elements;
  for (let element = 0; element < elements; element++) saved[element] = pixels[lastStart + element]!;
  for (let index = count - 1; index > 0; index--) {
    const lambda = lambdas[index]!;
    const rest = 1 - lambda;
    const start = index * elements;
    const partner = start - elements;
    for (let element = 0; element < elements; element++) pixels[start + element] = lambda * pixels[start + element]! + rest * pixels[partner + element]!;
  }
  const lambda = lambdas[0]!;
  for (let element = 0; element < elements; element++) pixels[element] = lambda * pixels[element]! + (1 - lambda) * saved[element]!;
}

function mixUint8(pixels: Uint8Array, elements: number, count: number, lambdas: Float64Array, saved: Float64Array): void {
  const lastStart = (count - 1) * elements;
  for (let element = 0; element < elements; element++) saved[element] = pixels[lastStart + element]!;
  for (let index = count - 1; index > 0; index--) {
    const lambda = lambdas[index]!;
    const rest = 1 - lambda;
    const start = index * elements;
    const partner = start - elements;
    for (let element = 0; element < elements; element++) pixels[start + element] = Math.round(lambda * pixels[start + element]! + rest * pixels[partner + element]!);
  }
  const lambda = lambdas[0]!;
  for (let element = 0; element < elements; element++) pixels[element] = Math.round(lambda * pixels[element]! + (1 - lambda) * saved[element]!);
}

/** Beta(alpha, alpha) from two gamma draws (Marsaglia–Tsang, with the alpha < 1 boost). */
export function sampleBeta(alpha: number, random: RandomSource): number {
  const x = sampleGamma(alpha, random);
  const y = sampleGamma(alpha, random);
  return x + y === 0 ? 0.5 : x / (x + y);
}

function sampleGamma(shape: number, random: RandomSource): number {
  if (shape < 1) {
    const boost = random.nextFloat() ** (1 / shape);
    return sampleGamma(shape + 1, random) * boost;
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = sampleNormal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random.nextFloat();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

function sampleNormal(random: RandomSource): number {
  const u = 1 - random.nextFloat();
  const v = random.nextFloat();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
