/** Each augmentation by hand (fixed random draws), then determinism under the loader's seed. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BatchColumn, type Operation, createLoader, createOutputSlot, int64, writeDataset } from '@tessera/core';
import {
  IMAGENET_MEAN,
  IMAGENET_STD,
  colorJitter,
  cutout,
  grayscale,
  imagePlugin,
  mixUp,
  normalize,
  randomHorizontalFlip,
  randomTranslate,
  rgbImage,
  toCHW,
} from '@tessera/image';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradientImage } from './helpers/images.js';
import { replayRandom, sampleContext, slotWith } from './helpers/slots.js';

const SPEC = { dtype: 'uint8' as const, shape: [2, 3, 3] };
// 2 rows × 3 columns × RGB: pixel p has values 10p, 10p+1, 10p+2
const PIXELS = Array.from({ length: 18 }, (_, index) => Math.floor(index / 3) * 10 + (index % 3));

describe('sample operations', () => {
  it('randomHorizontalFlip mirrors each row when the draw is below the probability, in place', () => {
    const instance = randomHorizontalFlip({ probability: 0.5 }).setup(SPEC);
    expect(instance.inPlace).toBe(true);
    const slot = slotWith(SPEC, PIXELS);
    instance.apply(slot, slot, sampleContext([0.7]));
    expect(Array.from(slot.data as Uint8Array)).toEqual(PIXELS);
    instance.apply(slot, slot, sampleContext([0.2]));
    expect(Array.from(slot.data as Uint8Array)).toEqual([20, 21, 22, 10, 11, 12, 0, 1, 2, 50, 51, 52, 40, 41, 42, 30, 31, 32]);
  });

  it('cutout fills a size × size square at a uniform position inside the image', () => {
    const instance = cutout({ size: 2, fill: [255, 0, 7] }).setup(SPEC);
    const slot = slotWith(SPEC, PIXELS);
    instance.apply(slot, slot, sampleContext([0, 0.99])); // top 0, left floor(0.99 × 2) = 1
    expect(Array.from(slot.data as Uint8Array)).toEqual([0, 1, 2, 255, 0, 7, 255, 0, 7, 30, 31, 32, 255, 0, 7, 255, 0, 7]);
    expect(() => cutout({ size: 3 }).setup(SPEC)).toThrow(/larger than the 2x3 image/);
  });

  it('randomTranslate shifts within the padding and fills the uncovered border', () => {
    const instance = randomTranslate({ padding: 1, fill: [9] }).setup(SPEC);
    const input = slotWith(SPEC, PIXELS);
    const output = slotWith(SPEC);
    // dy = floor(0.99 × 3) − 1 = 1, dx = floor(0 × 3) − 1 = −1: output (r, c) shows input (r + 1, c − 1)
    instance.apply(input, output, sampleContext([0.99, 0]));
    expect(Array.from(output.data as Uint8Array)).toEqual([9, 9, 9, 30, 31, 32, 40, 41, 42, 9, 9, 9, 9, 9, 9, 9, 9, 9]);
    instance.apply(input, output, sampleContext([0.5, 0.5])); // no shift
    expect(Array.from(output.data as Uint8Array)).toEqual(PIXELS);
  });

  it('normalize gives float32 (x − mean) / std, HWC or CHW', () => {
    const hwc = normalize({ mean: IMAGENET_MEAN, std: IMAGENET_STD }).setup(SPEC);
    expect(hwc.output).toEqual({ dtype: 'float32', shape: [2, 3, 3] });
    const output = slotWith(hwc.output);
    hwc.apply(slotWith(SPEC, PIXELS), output, sampleContext([0]));
    expect(output.data[4]).toBeCloseTo((11 - IMAGENET_MEAN[1]) / IMAGENET_STD[1], 5);
    const chw = normalize({ mean: [10], std: [2], layout: 'chw' }).setup(SPEC);
    expect(chw.output.shape).toEqual([3, 2, 3]);
    const planar = slotWith(chw.output);
    chw.apply(slotWith(SPEC, PIXELS), planar, sampleContext([0]));
    // channel 1 (green) of pixel 2 is 21 → (21 − 10) / 2
    expect(planar.data[6 + 2]).toBe(5.5);
    expect(() => normalize({ mean: [1, 2], std: [1] }).setup(SPEC)).toThrow(/mean has 2 values, the image 3 channels/);
  });

  it('toCHW transposes any dtype', () => {
    const instance = toCHW().setup(SPEC);
    expect(instance.output).toEqual({ dtype: 'uint8', shape: [3, 2, 3] });
    const output = slotWith(instance.output);
    instance.apply(slotWith(SPEC, PIXELS), output, sampleContext([0]));
    expect(Array.from(output.data as Uint8Array)).toEqual([0, 10, 20, 30, 40, 50, 1, 11, 21, 31, 41, 51, 2, 12, 22, 32, 42, 52]);
  });

  it('grayscale: luma to 1 channel, or repeated to 3 with a probability', () => {
    const one = grayscale().setup(SPEC);
    expect(one.output).toEqual({ dtype: 'uint8', shape: [2, 3, 1] });
    const output = slotWith(one.output);
    one.apply(slotWith(SPEC, [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 10, 10, 10]), output, sampleContext([0]));
    expect(Array.from(output.data as Uint8Array)).toEqual([76, 150, 29, 255, 0, 10]);
    const three = grayscale({ channels: 3, probability: 0.5 }).setup(SPEC);
    const slot = slotWith(SPEC, PIXELS);
    three.apply(slot, slot, sampleContext([0.9]));
    expect(Array.from(slot.data as Uint8Array)).toEqual(PIXELS);
    three.apply(slot, slot, sampleContext([0.1]));
    expect(slot.data[0]).toBe(slot.data[1]);
    expect(() => grayscale({ probability: 0.5 })).toThrow(/must keep 3 channels/);
  });

  it('colorJitter: brightness scales, saturation 0 is gray, hue turns red toward yellow; unchanged with factors of 1', () => {
    const red = [200, 0, 0, 200, 0, 0, 200, 0, 0, 200, 0, 0, 200, 0, 0, 200, 0, 0];
    const brighter = colorJitter({ brightness: 0.5 }).setup(SPEC);
    let slot = slotWith(SPEC, red);
    // permutation draws (3), then the brightness factor 0.5 + 1 × 0.99 = 1.49
    brighter.apply(slot, slot, sampleContext([0, 0, 0, 0.99]));
    expect(slot.data[0]).toBe(255);
    const desaturate = colorJitter({ saturation: 1 }).setup(SPEC);
    slot = slotWith(SPEC, red);
    desaturate.apply(slot, slot, sampleContext([0, 0, 0, 0])); // factor 0: the luma
    expect(Array.from((slot.data as Uint8Array).subarray(0, 3))).toEqual([59, 59, 59]); // trunc(0.2989 × 200)
    const hue = colorJitter({ hue: 0.1 }).setup(SPEC);
    slot = slotWith(SPEC, red);
    hue.apply(slot, slot, sampleContext([0, 0, 0, 1])); // shift +0.1 of the wheel: 36°
    expect(Array.from((slot.data as Uint8Array).subarray(0, 3))).toEqual([200, 120, 0]);
    expect(() => colorJitter({ hue: 0.7 })).toThrow(/hue must be at most 0.5/);
  });

  it('refuses inputs it cannot handle, naming the problem', () => {
    expect(() => randomHorizontalFlip().setup({ dtype: 'uint8', shape: [10] })).toThrow(/needs a fixed-size HWC image/);
    expect(() => colorJitter({ brightness: 1 }).setup({ dtype: 'float32', shape: [2, 2, 3] })).toThrow(/needs uint8 pixels, got float32/);
  });
});

describe('mixUp', () => {
  it('blends each sample with the previous one and makes soft labels', () => {
    const operation = mixUp({ numClasses: 3, alpha: 0.4 });
    const instance = operation.setup({ image: { dtype: 'uint8', shape: [1, 1, 1] }, label: { dtype: 'int64', shape: [] } });
    expect(instance.outputs).toEqual({ label: { dtype: 'float32', shape: [3] } });
    const image: BatchColumn = { data: Uint8Array.of(100, 0, 200), spec: { dtype: 'uint8', shape: [1, 1, 1] }, lengths: new Int32Array(0) };
    const label: BatchColumn = { data: BigInt64Array.of(0n, 1n, 2n), spec: { dtype: 'int64', shape: [] }, lengths: new Int32Array(0) };
    const soft: BatchColumn = { data: new Float32Array(9), spec: { dtype: 'float32', shape: [3] }, lengths: new Int32Array(0) };
    instance.apply({ image, label }, { label: soft }, { epoch: 0, batchIndex: 0, count: 3, sampleIndices: Uint32Array.of(0, 1, 2), random: replayRandom([0.3, 0.6, 0.2, 0.8, 0.5, 0.4]) });
    const lambda = (soft.data as Float32Array)[0]!;
    expect(lambda).toBeGreaterThan(0);
    expect(lambda).toBeLessThan(1);
    // sample 0 mixes with sample 2, sample 1 with 0, sample 2 with 1
    expect(Array.from(soft.data as Float32Array).map((value) => Number(value.toFixed(5)))).toEqual(
      [lambda, 0, 1 - lambda, 1 - lambda, lambda, 0, 0, 1 - lambda, lambda].map((value) => Number(value.toFixed(5))),
    );
    expect(Array.from(image.data as Uint8Array)).toEqual([Math.round(lambda * 100 + (1 - lambda) * 200), Math.round(lambda * 0 + (1 - lambda) * 100), Math.round(lambda * 200)]);
  });
});

describe('determinism under the loader seed', () => {
  let directory: string;
  let path: string;
  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'tessera-image-transforms-'));
    path = join(directory, 'small.beton');
    const records = Array.from({ length: 24 }, (_, index) => ({ image: gradientImage(40 + index, 36 + (index % 5), index), label: index % 4 }));
    await writeDataset(path, { image: rgbImage(), label: int64() }, records, { workers: 0 });
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  const operations = (): Operation[] => [
    randomHorizontalFlip(),
    colorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 }),
    grayscale({ channels: 3, probability: 0.2 }),
    cutout({ size: 8 }),
    randomTranslate({ padding: 4 }),
    normalize({ mean: IMAGENET_MEAN, std: IMAGENET_STD, layout: 'chw' }),
  ];

  async function epochs(seed: number, workers: number): Promise<Float32Array[]> {
    const loader = createLoader(path, {
      batchSize: 8,
      seed,
      workers,
      order: 'random',
      plugins: [imagePlugin()],
      pipelines: { image: { decoder: 'random-resized-crop', decoderOptions: { outputSize: 32 }, operations: operations() } },
      batchOperations: [mixUp({ numClasses: 4, alpha: 0.2 })],
    });
    const batches: Float32Array[] = [];
    for (let epoch = 0; epoch < 2; epoch++) {
      for await (const batch of loader) {
        expect(batch.image!.shape).toEqual([8, 3, 32, 32]);
        expect(batch.label!.shape).toEqual([8, 4]);
        batches.push((batch.image!.data as Float32Array).slice(), (batch.label!.data as Float32Array).slice());
      }
    }
    await loader.close();
    return batches;
  }

  it('the same seed gives the same augmented batches, with 0 or 2 decode workers; another seed differs', async () => {
    const reference = await epochs(5, 0);
    const threaded = await epochs(5, 2);
    expect(threaded.length).toBe(reference.length);
    for (const [index, batch] of threaded.entries()) expect(Buffer.from(batch.buffer).equals(Buffer.from(reference[index]!.buffer)), `batch ${index}`).toBe(true);
    const other = await epochs(6, 0);
    expect(Buffer.from(other[0]!.buffer).equals(Buffer.from(reference[0]!.buffer))).toBe(false);
    // epochs differ from each other too
    expect(Buffer.from(reference[0]!.buffer).equals(Buffer.from(reference[6]!.buffer))).toBe(false);
  });

  it('transforms run inside decode workers (they carry origins)', () => {
    for (const operation of operations()) expect((operation as { origin?: unknown }).origin).toMatchObject({ module: expect.stringMatching(/\/dist\/index\.js$/) });
    expect(createOutputSlot).toBeDefined();
  });
});
