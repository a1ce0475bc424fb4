/**
 * The opticalFlow field on real bytes: quantization round trips on OpenCV Farneback flow of a
 * fixture video (fixtures/flow-farneback.bin, made by fixtures/make-flow-fixtures.py) within the
 * stated steps; clipping counted; crops, resizes and flips of a linear field exact (vectors in
 * output pixels, u negated when flipped); which stored pair each output pair is (stride, the end);
 * layouts; workers 0 and 2 identical; corrupt bytes are E_VIDEO_FORMAT naming the sample; bad
 * options E_ARGUMENT.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BATCH_INFO, type RandomNumbers, createLoader, createOutputSlot, openDataset, writeDataset } from '@tessera/core';
import { centerCrop } from '@tessera/image';
import { type OpticalFlowOptions, type OpticalFlowValue, type StoredOpticalFlow, opticalFlow, videoPlugin } from '@tessera/video';
import { afterAll, describe, expect, it } from 'vitest';
import { asRecord, clipOptions } from '../src/clips/clip-options.js';
import { createPlans, planClips } from '../src/clips/clip-sampler.js';
import { fixturePath } from './fixture-references.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-video-flow-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const farnebackInfo = JSON.parse(readFileSync(fixturePath('flow-farneback.json'), 'utf8')) as { shape: [number, number, number, number]; frameTimes: number[]; maxMagnitude: number };
const farnebackBytes = readFileSync(fixturePath('flow-farneback.bin'));
const farneback = new Float32Array(farnebackBytes.buffer.slice(farnebackBytes.byteOffset, farnebackBytes.byteOffset + farnebackBytes.byteLength));
const [PAIRS, GRID_HEIGHT, GRID_WIDTH] = farnebackInfo.shape;
const farnebackValue: OpticalFlowValue = { flow: farneback, width: GRID_WIDTH, height: GRID_HEIGHT, frameTimes: farnebackInfo.frameTimes };

let files = 0;
async function write(values: OpticalFlowValue[], options: OpticalFlowOptions = {}): Promise<string> {
  const path = join(directory, `flow-${files++}.beton`);
  await writeDataset(path, { flow: opticalFlow(options) }, values.map((flow) => ({ flow })));
  return path;
}

function readAll(path: string): StoredOpticalFlow[] {
  const dataset = openDataset(path, { plugins: [videoPlugin()] });
  try {
    return Array.from({ length: dataset.numSamples }, (_, index) => dataset.read(index, 'flow') as unknown as StoredOpticalFlow);
  } finally {
    dataset.close();
  }
}

function maxError(expected: Float32Array, actual: Float32Array): { max: number; mean: number } {
  let max = 0;
  let sum = 0;
  for (let index = 0; index < expected.length; index++) {
    const error = Math.abs(expected[index]! - actual[index]!);
    max = Math.max(max, error);
    sum += error;
  }
  return { max, mean: sum / expected.length };
}

/** A scripted random source (an LCG): the same sequence for the decoder and for the expected plan. */
function scripted(seed: number): RandomNumbers {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state;
  };
  return { nextUint32: next, nextFloat: () => next() / 2 ** 32, nextInt: (bound) => Math.floor((next() / 2 ** 32) * bound) };
}

describe('quantization round trip on Farneback flow', () => {
  it(`int16 (scale 1/64) and uint8x2 (scale 1/4) are within scale / 2 of the written flow; nothing clips`, async () => {
    expect(farneback.length).toBe(PAIRS * GRID_HEIGHT * GRID_WIDTH * 2);
    for (const [options, step] of [
      [{}, 1 / 64],
      [{ quantization: 'uint8x2' }, 1 / 4],
      [{ quantization: 'int16', scale: 1 / 1024 }, 1 / 1024],
    ] as const) {
      const [stored] = readAll(await write([farnebackValue], options));
      expect(stored!.scale).toBe(step);
      expect(stored!.clipped).toBe(0);
      expect(stored!.frames).toBe(PAIRS + 1);
      expect(stored!.frameTimes).toEqual(farnebackInfo.frameTimes);
      const { max } = maxError(farneback, stored!.flow);
      expect(max).toBeLessThanOrEqual(step / 2);
      // The real flow is not trivially small: errors are measured on values of a few pixels.
      expect(farnebackInfo.maxMagnitude).toBeGreaterThan(4);
    }
  });

  it('jpeg (quality 95, scale 1/4): max error ≤ 3 steps (0.75 px) and mean ≤ 0.25 step; quality 75 is coarser', async () => {
    const errors: Record<number, { max: number; mean: number }> = {};
    for (const quality of [95, 75]) {
      const [stored] = readAll(await write([farnebackValue], { quantization: 'jpeg', quality }));
      errors[quality] = maxError(farneback, stored!.flow);
    }
    console.log(`jpeg flow error in pixels (scale 1/4): q95 max ${errors[95]!.max} mean ${errors[95]!.mean.toFixed(4)}; q75 max ${errors[75]!.max} mean ${errors[75]!.mean.toFixed(4)}`);
    expect(errors[95]!.max).toBeLessThanOrEqual(3 / 4);
    expect(errors[95]!.mean).toBeLessThanOrEqual(0.25 / 4);
    expect(errors[75]!.mean).toBeGreaterThan(errors[95]!.mean);
  });

  it('values past the range are clipped to it and counted per sample (maxMagnitude 2 px)', async () => {
    for (const quantization of ['int16', 'uint8x2', 'jpeg'] as const) {
      const limit = 2;
      const [stored] = readAll(await write([farnebackValue], { quantization, maxMagnitude: limit }));
      const maxCode = quantization === 'int16' ? 32767 : 127;
      expect(stored!.scale).toBe(limit / maxCode);
      const low = quantization === 'int16' ? -limit : (-128 * limit) / 127;
      let over = 0;
      for (const component of farneback) if (Math.round(component / stored!.scale) > maxCode || Math.round(component / stored!.scale) < (quantization === 'int16' ? -maxCode : -128)) over++;
      expect(over).toBeGreaterThan(10);
      expect(stored!.clipped).toBe(over);
      if (quantization !== 'jpeg') {
        const clippedExpected = farneback.map((component) => Math.min(limit, Math.max(low, component)));
        expect(maxError(clippedExpected, stored!.flow).max).toBeLessThanOrEqual(stored!.scale / 2 + 1e-7);
      }
    }
  });
});

// A linear field on a 40×30 grid of an 80×60 video (the flow at half resolution), 5 frames: exactly
// representable in int16 at scale 1/64, and bilinear resampling of a linear field is exact.
const GRID = { width: 40, height: 30 };
const linearU = (x: number, y: number, pair: number) => 0.25 * x + 0.5 * y + pair;
const linearV = (x: number, y: number, pair: number) => -0.5 * x + 0.125 * y - 2 * pair;
function linearValue(frames: number): OpticalFlowValue {
  const flow = new Float32Array((frames - 1) * GRID.width * GRID.height * 2);
  for (let pair = 0; pair < frames - 1; pair++) {
    for (let y = 0; y < GRID.height; y++) {
      for (let x = 0; x < GRID.width; x++) {
        const at = ((pair * GRID.height + y) * GRID.width + x) * 2;
        flow[at] = linearU(x, y, pair);
        flow[at + 1] = linearV(x, y, pair);
      }
    }
  }
  return { flow, ...GRID, fps: 25, videoWidth: 80, videoHeight: 60 };
}

/** The expected output of one clip, from the plan, by the documented formula (THWC). */
function expectedClip(plan: { frames: Int32Array; crop: readonly number[]; flip: boolean }, frames: number, outHeight: number, outWidth: number): Float32Array {
  const out = new Float32Array((plan.frames.length - 1) * outHeight * outWidth * 2);
  const sx = GRID.width / 80;
  const sy = GRID.height / 60;
  const [cx, cy, cw, ch] = [plan.crop[0]! * sx, plan.crop[1]! * sy, plan.crop[2]! * sx, plan.crop[3]! * sy];
  const clamp = (value: number, high: number) => Math.min(high, Math.max(0, value));
  for (let pair = 0; pair < plan.frames.length - 1; pair++) {
    const from = plan.frames[pair]!;
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        const at = ((pair * outHeight + oy) * outWidth + ox) * 2;
        if (from >= frames - 1) continue; // zero: no pair from the last frame
        const column = plan.flip ? outWidth - 1 - ox : ox;
        const x = clamp(cx + ((column + 0.5) * cw) / outWidth - 0.5, GRID.width - 1);
        const y = clamp(cy + ((oy + 0.5) * ch) / outHeight - 0.5, GRID.height - 1);
        out[at] = ((plan.flip ? -1 : 1) * linearU(x, y, from) * outWidth) / cw;
        out[at + 1] = (linearV(x, y, from) * outHeight) / ch;
      }
    }
  }
  return out;
}

function decodeWith(path: string, decoderOptions: Record<string, unknown>, seed: number | undefined): Float32Array {
  const dataset = openDataset(path, { plugins: [videoPlugin()] });
  try {
    const decoder = dataset.createDecoder('flow', 'flow', decoderOptions as never);
    const slot = createOutputSlot(decoder.output);
    decoder.decode(0, slot, seed === undefined ? undefined : { sampleIndex: 0, epoch: 0, random: scripted(seed) });
    return Float32Array.from(slot.data as Float32Array);
  } finally {
    dataset.close();
  }
}

function expectClose(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  for (let index = 0; index < expected.length; index++) {
    if (Math.abs(actual[index]! - expected[index]!) > 1e-5 * Math.max(1, Math.abs(expected[index]!))) {
      throw new Error(`value ${index}: ${actual[index]} vs expected ${expected[index]}`);
    }
  }
}

describe('crop, resize and flip of a linear field', () => {
  const frames = 5;
  const video = { frames, width: 80, height: 60, frameTime: (k: number) => k / 25, presentationSeconds: (k: number) => k / 25, durationSeconds: () => frames / 25 };

  it('crop none at the grid size gives the stored pairs exactly, in grid pixels', async () => {
    const path = await write([linearValue(frames)]);
    const decoded = decodeWith(path, { frames: 5, sampler: 'uniform' }, undefined);
    const stored = readAll(path)[0]!;
    expect(decoded).toEqual(stored.flow);
    expect(decoded).toEqual(linearValue(frames).flow);
  });

  for (const [name, options] of [
    ['center crop, upsampled', { frames: 3, sampler: 'uniform', crop: 'center', centerRatio: 0.5, size: [48, 40] }],
    ['center crop, downsampled, anisotropic', { frames: 3, sampler: 'uniform', crop: 'center', size: [10, 24] }],
    ['random-resized crop with flips', { frames: 4, crop: 'random-resized', flip: 0.5, size: [16, 20], scale: [0.2, 0.9] }],
    ['whole frame resized and flipped', { frames: 2, flip: 1, size: [15, 50] }],
    ['stride 2 running past the end (repeat_last)', { frames: 4, stride: 2, crop: 'random-resized', flip: 0.5, size: [12, 12] }],
  ] as const) {
    it(`${name}: exact against the formula, for 12 random draws`, async () => {
      const path = await write([linearValue(frames)]);
      const resolved = clipOptions(asRecord(options, 'test'), 'test');
      const plans = createPlans(resolved);
      let flipped = 0;
      for (let seed = 1; seed <= 12; seed++) {
        planClips(video, resolved, { sampleIndex: 0, epoch: 0, random: scripted(seed) }, plans, 'test');
        flipped += plans[0]!.flip ? 1 : 0;
        if (options.crop === 'center') expect(plans[0]!.crop).toEqual(centerCrop(80, 60, resolved.centerRatio));
        const [outHeight, outWidth] = options.size;
        expectClose(decodeWith(path, options, seed), expectedClip(plans[0]!, frames, outHeight, outWidth));
      }
      if ('flip' in options && options.flip === 0.5) expect(flipped).toBeGreaterThan(0);
    });
  }

  it('a flipped clip is the mirror of the unflipped one with u negated; vectors scale with the output size', async () => {
    const path = await write([linearValue(frames)]);
    const plain = decodeWith(path, { frames: 2, size: [30, 40] }, 3);
    const flipped = decodeWith(path, { frames: 2, size: [30, 40], flip: 1 }, 3);
    const doubled = decodeWith(path, { frames: 2, size: [60, 80] }, 3);
    for (let y = 0; y < 30; y++) {
      for (let x = 0; x < 40; x++) {
        const at = (y * 40 + x) * 2;
        const mirror = (y * 40 + (39 - x)) * 2;
        expect(flipped[at]).toBe(-plain[mirror]!);
        expect(flipped[at + 1]).toBe(plain[mirror + 1]);
      }
    }
    // Twice the output size: vectors twice as long (in output pixels), at the matching points.
    expect(doubled[((2 * 10 + 1) * 80 + 2 * 10 + 1) * 2]! / 2).toBeCloseTo(plain[(10 * 40 + 10) * 2]! + 0.25 * 0.25 + 0.5 * 0.25, 5);
  });

  it('output pair i is the stored pair from clip frame f_i (stride 2: f_i → f_i + 1); zero from the last frame', async () => {
    const path = await write([linearValue(frames)]);
    // uniform, 3 frames at stride 2 over 5 frames: frames 0, 2, 4 → pairs 0 and 2.
    const decoded = decodeWith(path, { frames: 3, stride: 2, sampler: 'uniform' }, undefined);
    const pair = GRID.width * GRID.height * 2;
    const stored = linearValue(frames).flow as Float32Array;
    expect(decoded.subarray(0, pair)).toEqual(stored.subarray(0, pair));
    expect(decoded.subarray(pair, 2 * pair)).toEqual(stored.subarray(2 * pair, 3 * pair));
    // Clip 1 of 'regular' clips 2 frames apart, 4 frames at stride 1, repeat_last: frames 2, 3, 4, 4 → pairs 2, 3, then zero.
    const clips = decodeWith(path, { frames: 4, clips: 2, sampler: 'regular', interval: 2 }, undefined);
    expect(clips.subarray(0, 3 * pair)).toEqual(stored.subarray(0, 3 * pair));
    const tail = clips.subarray(3 * pair);
    expect(tail.subarray(0, 2 * pair)).toEqual(stored.subarray(2 * pair, 4 * pair));
    expect(tail.subarray(2 * pair).every((value) => value === 0)).toBe(true);
  });

  it("layout 'CTHW' is [2, T − 1, H, W] of the same values; clips > 1 add a leading dimension", async () => {
    const path = await write([linearValue(frames)]);
    const base = { frames: 3, sampler: 'uniform', crop: 'center', size: [8, 6] };
    const thwc = decodeWith(path, base, undefined);
    const cthw = decodeWith(path, { ...base, layout: 'CTHW' }, undefined);
    for (let pair = 0; pair < 2; pair++) {
      for (let point = 0; point < 48; point++) {
        for (let channel = 0; channel < 2; channel++) expect(cthw[(channel * 2 + pair) * 48 + point]).toBe(thwc[(pair * 48 + point) * 2 + channel]);
      }
    }
    const dataset = openDataset(path, { plugins: [videoPlugin()] });
    const decoder = dataset.createDecoder('flow', 'flow', { ...base, clips: 3, layout: 'CTHW' });
    expect(decoder.output).toEqual({ dtype: 'float32', shape: [3, 2, 2, 8, 6] });
    const info = dataset.createDecoder('flow', 'info');
    const slot = createOutputSlot(info.output);
    info.decode(0, slot);
    expect(Array.from(slot.data as Float64Array)).toEqual([5, 5 / 25, 25, 80, 60, 0, 0]);
    dataset.close();
  });
});

describe('flow through the loader', () => {
  it('workers 0 and 2 give identical batches under one seed (random clips, crops, flips; int16 and jpeg)', async () => {
    const values = Array.from({ length: 6 }, (_, index) => ({ ...farnebackValue, flow: index % 2 === 0 ? farneback : farneback.map((value) => -value) }));
    for (const quantization of ['int16', 'jpeg'] as const) {
      const path = await write(values, { quantization });
      const collect = async (workers: number) => {
        const loader = createLoader(path, {
          batchSize: 4,
          order: 'random',
          seed: 5,
          workers,
          plugins: [videoPlugin()],
          pipelines: { flow: { decoderOptions: { frames: 3, crop: 'random-resized', flip: 0.5, size: [24, 32] } } },
        });
        const batches: Array<{ indices: number[]; flow: Float32Array }> = [];
        try {
          for (let epoch = 0; epoch < 2; epoch++) {
            for await (const batch of loader) batches.push({ indices: Array.from(batch[BATCH_INFO].sampleIndices), flow: Float32Array.from(batch.flow!.data as Float32Array) });
          }
          return { batches, stats: loader.stats() };
        } finally {
          await loader.close();
        }
      };
      const single = await collect(0);
      const threaded = await collect(2);
      expect(threaded.batches).toEqual(single.batches);
      expect(threaded.stats.placement.flow).toEqual({ thread: 'worker' });
      expect(single.batches[0]!.flow.length).toBe(4 * 2 * 24 * 32 * 2);
      expect(single.batches[0]!.flow.some((value) => value !== 0)).toBe(true);
    }
  });
});

describe('corrupt stored flow', () => {
  async function corruptError(quantization: 'int16' | 'jpeg', corrupt: (bytes: Buffer, pointer: number, byteLength: number) => void): Promise<{ code: string; message: string } | undefined> {
    const path = await write([farnebackValue, farnebackValue], { quantization });
    const dataset = openDataset(path, { plugins: [videoPlugin()] });
    const field = dataset.field('flow');
    const pointer = field.readUint64(field.recordOffset(1));
    const byteLength = field.metadata.getUint32(field.recordOffset(1) + 8, true);
    dataset.close();
    const bytes = readFileSync(path);
    corrupt(bytes, pointer, byteLength);
    const target = `${path}.corrupt.beton`;
    writeFileSync(target, bytes);
    const reopened = openDataset(target, { plugins: [videoPlugin()] });
    try {
      const decoder = reopened.createDecoder('flow', 'flow', { frames: 4, sampler: 'uniform' });
      const slot = createOutputSlot(decoder.output);
      decoder.decode(0, slot); // sample 0 is intact
      try {
        decoder.decode(1, slot);
      } catch (error) {
        return error as { code: string; message: string };
      }
      return undefined;
    } finally {
      reopened.close();
    }
  }

  const cases: Array<[string, 'int16' | 'jpeg', (bytes: Buffer, pointer: number, byteLength: number) => void, RegExp]> = [
    ['a layout version', 'int16', (bytes, pointer) => bytes.writeUInt32LE(7, pointer), /layout version 7/],
    ['the quantization code', 'int16', (bytes, pointer) => bytes.writeUInt32LE(3, pointer + 4), /quantization code 3/],
    ['the scale', 'int16', (bytes, pointer) => bytes.writeDoubleLE(0.5, pointer + 16), /scale 0\.5/],
    ['a frame time', 'int16', (bytes, pointer) => bytes.writeDoubleLE(Number.NaN, pointer + 48 + 16), /frame 2 has time NaN/],
    ['the frame count in the payload', 'int16', (bytes, pointer) => bytes.writeUInt32LE(1000, pointer + 8), /holds 1000 frames/],
    ['a JPEG pair offset past the end', 'jpeg', (bytes, pointer) => bytes.writeUInt32LE(0xfffffff0, pointer + 48 + 32 + 4), /pair index|pair 0|pair 1/],
    ['the bytes of a JPEG', 'jpeg', (bytes, pointer, byteLength) => bytes.fill(0x55, pointer + 48 + 32 + 16 + 20, pointer + byteLength - 8), /JPEG/],
  ];
  for (const [name, quantization, corrupt, message] of cases) {
    it(`${name} (${quantization}): E_VIDEO_FORMAT naming the sample`, async () => {
      const error = await corruptError(quantization, corrupt);
      expect(error?.code, String(error?.message)).toBe('E_VIDEO_FORMAT');
      expect(error!.message).toMatch(/sample 1/);
      expect(error!.message).toMatch(message);
    });
  }

  it('a payload length past its allocation (metadata) is refused when the file is opened', async () => {
    const path = await write([farnebackValue, farnebackValue]);
    const dataset = openDataset(path, { plugins: [videoPlugin()] });
    const field = dataset.field('flow');
    const at = dataset.layout.metadataStart + field.recordOffset(1) + 8;
    const byteLength = field.metadata.getUint32(field.recordOffset(1) + 8, true);
    dataset.close();
    const bytes = readFileSync(path);
    expect(bytes.readUInt32LE(at)).toBe(byteLength);
    bytes.writeUInt32LE(byteLength + 64, at);
    const target = `${path}.long.beton`;
    writeFileSync(target, bytes);
    const error = (() => {
      try {
        openDataset(target, { plugins: [videoPlugin()] }).close();
      } catch (caught) {
        return caught as { code: string; message: string };
      }
      return undefined;
    })();
    expect(error?.code).toBe('E_METADATA');
    expect(error?.message).toMatch(/sample 1: the flow has \d+ bytes, its allocation \d+/);
  });

  it('a payload shorter than its pairs (truncated in the metadata) is E_VIDEO_FORMAT naming the sample', async () => {
    const path = await write([farnebackValue, farnebackValue]);
    const dataset = openDataset(path, { plugins: [videoPlugin()] });
    const field = dataset.field('flow');
    const at = dataset.layout.metadataStart + field.recordOffset(1) + 8;
    dataset.close();
    const bytes = readFileSync(path);
    bytes.writeUInt32LE(bytes.readUInt32LE(at) - 1000, at);
    const target = `${path}.short.beton`;
    writeFileSync(target, bytes);
    const reopened = openDataset(target, { plugins: [videoPlugin()] });
    const decoder = reopened.createDecoder('flow', 'flow', { frames: 2 });
    const slot = createOutputSlot(decoder.output);
    decoder.decode(0, slot);
    expect(() => decoder.decode(1, slot)).toThrow(expect.objectContaining({ code: 'E_VIDEO_FORMAT', message: expect.stringMatching(/sample 1: 3 pairs of 96×64 int16 need 73728 bytes, the payload has 72728/) }));
    reopened.close();
  });
});

describe('bad options and values', () => {
  it('field options are E_ARGUMENT naming the option', () => {
    const code = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return `${(error as { code: string }).code} ${(error as Error).message}`;
      }
      return 'no error';
    };
    expect(code(() => opticalFlow({ quantization: 'png' as never }))).toMatch(/^E_ARGUMENT .*quantization must be one of/);
    expect(code(() => opticalFlow({ scale: -1 }))).toMatch(/^E_ARGUMENT .*scale must be a positive number/);
    expect(code(() => opticalFlow({ scale: 1, maxMagnitude: 10 }))).toMatch(/^E_ARGUMENT .*not both/);
    expect(code(() => opticalFlow({ quality: 90 }))).toMatch(/^E_ARGUMENT .*quality applies to quantization 'jpeg' only/);
    expect(code(() => opticalFlow({ quantization: 'jpeg', quality: 0 }))).toMatch(/^E_ARGUMENT .*quality must be an integer from 1 to 100/);
    expect(code(() => opticalFlow({ scales: 1 } as never))).toMatch(/^E_ARGUMENT .*unknown option "scales"/);
    expect(opticalFlow({ maxMagnitude: 32767 / 8 }).arguments).toEqual({ quantization: 'int16', scale: 1 / 8 });
  });

  it('decoder options are E_ARGUMENT before anything is decoded', async () => {
    const path = await write([farnebackValue]);
    const open = (decoderOptions: object) => createLoader(path, { batchSize: 1, plugins: [videoPlugin()], pipelines: { flow: { decoderOptions: decoderOptions as never } } });
    const codeOf = (decoderOptions: object) => {
      try {
        open(decoderOptions);
      } catch (error) {
        return `${(error as { code: string }).code} ${(error as Error).message}`;
      }
      return 'no error';
    };
    expect(codeOf({ frames: 1 })).toMatch(/^E_ARGUMENT .*frames must be at least 2/);
    expect(codeOf({ crop: 'center' })).toMatch(/^E_ARGUMENT .*needs size/);
    expect(codeOf({ frame: 4 })).toMatch(/^E_ARGUMENT .*frames/);
    expect(codeOf({ size: [0, 4] })).toMatch(/^E_ARGUMENT .*size must be/);
    expect(codeOf({ layout: 'HWC' })).toMatch(/^E_ARGUMENT .*layout/);
  });

  it('non-finite flow, wrong sizes and missing times are E_FIELD_VALUE naming the sample', async () => {
    const nan = Float32Array.from(farneback);
    nan[2 * (5 * GRID_WIDTH + 7) + 1] = Number.NaN;
    for (const [value, message] of [
      [{ ...farnebackValue, flow: nan }, /pair 0 at x 7, y 5: v is NaN/],
      [{ ...farnebackValue, flow: farneback.subarray(1) }, /not a multiple of width × height × 2/],
      [{ ...farnebackValue, frameTimes: [0, 0.04] }, /frameTimes must list the 4 frames/],
      [{ ...farnebackValue, frameTimes: [0, 0.04, 0.04, 0.08] }, /frameTimes\[2\]/],
      [{ flow: farneback, width: GRID_WIDTH, height: GRID_HEIGHT }, /needs frameTimes .* or fps/],
      [{ ...farnebackValue, width: 0 }, /width must be an integer/],
      [{ ...farnebackValue, colour: 1 }, /has no "colour"/],
    ] as const) {
      const error = await writeDataset(join(directory, `bad-${files++}.beton`), { flow: opticalFlow() }, [{ flow: farnebackValue }, { flow: value }]).then(
        () => undefined,
        (caught: unknown) => caught as { code: string; message: string },
      );
      expect(error?.code).toBe('E_FIELD_VALUE');
      expect(error!.message).toMatch(message);
      expect(error!.message).toMatch(/sample 1/);
    }
  });
});
