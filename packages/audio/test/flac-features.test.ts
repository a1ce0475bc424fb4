/**
 * Stream features ffmpeg's encoder never produces, written by test/flac-test-writer.ts from known
 * integers: the decoder must give those integers back, and (where ffmpeg can decode the stream,
 * up to 24 bits) exactly what ffmpeg gives.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createFlacDecoder, parseFlacFile } from '../src/flac/index.js';
import { NO_FFMPEG, firstDifference, referenceDecode, removeTemporaryFolder, seededRandom, writeTemporary } from './flac-test-support.js';
import { type FramePlan, type StreamPlan, type SubframePlan, writeFlacStream } from './flac-test-writer.js';

/** A smooth signal plus noise within `bits`-bit two's complement, multiples of 2^wasted. */
function signal(length: number, bits: number, seed: number, options: { noise?: number; amplitude?: number; wasted?: number } = {}): number[] {
  const random = seededRandom(seed);
  const max = 2 ** (bits - 1) - 1;
  const amplitude = (options.amplitude ?? 0.6) * max;
  const noise = (options.noise ?? 0.01) * max;
  const step = 2 ** (options.wasted ?? 0);
  return Array.from({ length }, (_, index) => {
    const value = amplitude * Math.sin((index * (0.01 + seed * 0.003)) + seed) + noise * (random(2001) / 1000 - 1);
    return Math.max(-max - 1, Math.min(max, Math.round(value / step) * step));
  });
}

const LPC2: SubframePlan = { kind: 'lpc', coefficients: [7700, -3700], precision: 14, shift: 12 };
const lpc = (coefficients: number[], precision: number, shift: number, extra: Partial<SubframePlan> = {}): SubframePlan =>
  ({ kind: 'lpc', coefficients, precision, shift, ...extra }) as SubframePlan;

/** Frames cut from per-channel signals at the given block sizes, with a plan per frame. */
function framesOf(channels: number[][], blockSizes: number[], plan: (frameIndex: number) => { assignment: number; subframes: SubframePlan[] }): FramePlan[] {
  let start = 0;
  return blockSizes.map((blockSize, frameIndex) => {
    const samples = channels.map((channel) => channel.slice(start, start + blockSize));
    start += blockSize;
    return { samples, ...plan(frameIndex) };
  });
}

interface Feature {
  name: string;
  plan: () => { stream: StreamPlan; channels: number[][] };
  /** ffmpeg decodes it (up to 24 bits): compare with ffmpeg too. */
  ffmpeg: boolean;
}

const cycle: SubframePlan[] = [
  { kind: 'verbatim' },
  { kind: 'fixed', order: 0 },
  { kind: 'fixed', order: 1 },
  { kind: 'fixed', order: 2 },
  { kind: 'fixed', order: 3 },
  { kind: 'fixed', order: 4 },
  LPC2,
  lpc([3000, -1000, 200], 13, 11, { rice: { partitionOrder: 3 } }),
];

const features: Feature[] = [
  {
    name: '8-bit mono, 1000-sample frames (16-bit block size code), every subframe type, explicit 48 kHz code',
    ffmpeg: true,
    plan: () => {
      const channels = [signal(8000, 8, 1, { noise: 0.05 })];
      const frames = framesOf(channels, Array(8).fill(1000), (index) => ({ assignment: 0, subframes: [cycle[index]] }));
      return { channels, stream: { sampleRate: 48000, bitsPerSample: 8, channels: 1, variableBlockSize: false, frames, explicitCodes: true } };
    },
  },
  {
    name: '12-bit stereo mid/side with 1 and 2 wasted bits, 22050 Hz (16-bit rate code)',
    ffmpeg: true,
    plan: () => {
      const channels = [signal(4096, 12, 2, { wasted: 2 }), signal(4096, 12, 3, { wasted: 2 })];
      const frames = framesOf(channels, [1024, 1024, 1024, 1024], (index) => ({
        assignment: 10,
        subframes: [{ ...cycle[index + 2], wasted: 1 } as SubframePlan, { kind: 'fixed', order: 2, wasted: 2 }],
      }));
      return { channels, stream: { sampleRate: 22050, bitsPerSample: 12, channels: 2, variableBlockSize: false, frames, explicitCodes: true } };
    },
  },
  {
    name: '20-bit stereo, variable block sizes 1…65535, left/side and side/right, 5-bit Rice, escaped partitions',
    ffmpeg: true,
    plan: () => {
      const sizes = [1, 17, 4096, 333, 65535, 256, 4];
      const total = sizes.reduce((sum, size) => sum + size, 0);
      const channels = [signal(total, 20, 4, { noise: 0.05 }), signal(total, 20, 5, { noise: 0.05 })];
      const frames = framesOf(channels, sizes, (index) => ({
        assignment: index % 2 === 0 ? 8 : 9,
        subframes:
          sizes[index] < 8
            ? [{ kind: 'verbatim' }, { kind: 'verbatim' }]
            : [
                { kind: 'fixed', order: 2, rice: { method: 1, partitionOrder: 0 } },
                { kind: 'fixed', order: 1, rice: index === 2 ? { escapeBits: 21, partitionOrder: 4 } : { method: 1, parameter: 20 } },
              ],
      }));
      return { channels, stream: { sampleRate: 96000, bitsPerSample: 20, channels: 2, variableBlockSize: true, frames, explicitCodes: true } };
    },
  },
  {
    name: '24-bit full-scale white noise: 5-bit Rice parameters up to 24, escapes of 0 and 25 bits, wasted-bit constant',
    ffmpeg: true,
    plan: () => {
      const random = seededRandom(6);
      const noise = Array.from({ length: 12288 }, () => random(2 ** 24) - 2 ** 23);
      const channels = [[...noise.slice(0, 8192), ...Array(4096).fill(-(2 ** 20))]];
      const frames = framesOf(channels, [4096, 4096, 4096], (index) => ({
        assignment: 0,
        subframes: [
          [
            { kind: 'fixed', order: 0, rice: { method: 1, partitionOrder: 2 } },
            { kind: 'fixed', order: 1, rice: { escapeBits: 25, partitionOrder: 1 } },
            { kind: 'constant', wasted: 20 },
          ][index] as SubframePlan,
        ],
      }));
      return { channels, stream: { sampleRate: 44100, bitsPerSample: 24, channels: 1, variableBlockSize: false, frames } };
    },
  },
  {
    name: 'escape with 0 raw bits (all-zero residual) and long unary codes (Rice parameter 0, quotients past 32 and 1000)',
    ffmpeg: true,
    plan: () => {
      const zeros = Array.from({ length: 2048 }, (_, index) => 5 * index - 3000); // fixed order 2 predicts it exactly
      const jumps = Array.from({ length: 2048 }, (_, index) => (index % 7 === 0 ? 700 : index % 5 === 0 ? -20 : 3));
      const channels = [[...zeros, ...jumps]];
      const frames = framesOf(channels, [2048, 2048], (index) => ({
        assignment: 0,
        subframes: [index === 0 ? { kind: 'fixed', order: 2, rice: { escapeBits: 0 } } : { kind: 'fixed', order: 0, rice: { parameter: 0 } }],
      }));
      return { channels, stream: { sampleRate: 16000, bitsPerSample: 16, channels: 1, variableBlockSize: false, frames } };
    },
  },
  {
    name: '16-bit LPC of orders 13, 24 and 32 with precision 15 and shift 0…15',
    ffmpeg: true,
    plan: () => {
      const channels = [signal(3 * 1152, 16, 7, { noise: 0.001, amplitude: 0.3 })];
      const orders = [13, 24, 32];
      const frames = framesOf(channels, [1152, 1152, 1152], (index) => ({
        assignment: 0,
        subframes: [
          lpc(
            Array.from({ length: orders[index] }, (_, j) => (j === 0 ? 2 ** 14 - 1 : j === 1 ? -(2 ** 14) : (j % 3) - 1)),
            15,
            [14, 0, 15][index],
            { rice: { method: 1, partitionOrder: 5 } },
          ),
        ],
      }));
      return { channels, stream: { sampleRate: 16000, bitsPerSample: 16, channels: 1, variableBlockSize: false, frames } };
    },
  },
  {
    name: '32-bit stereo: all four assignments, 33-bit side channels at ±2^31, LPC, fixed, wasted bits, Rice parameters past 24',
    ffmpeg: false,
    plan: () => {
      const length = 5 * 1024;
      const left = signal(length, 32, 8, { amplitude: 0.2, noise: 0.0001 });
      const right = signal(length, 32, 9, { amplitude: 0.2, noise: 0.0001 });
      for (let index = 4096; index < 5120; index++) {
        left[index] = index % 2 === 0 ? 2 ** 31 - 1 : -(2 ** 31);
        right[index] = -left[index] - 1;
      }
      const random = seededRandom(10);
      for (let index = 1024; index < 2048; index++) left[index] = random(2 ** 30) - 2 ** 29;
      for (let index = 3072; index < 4096; index++) right[index] = (Math.round(right[index] / 2 ** 8)) * 2 ** 8;
      const channels = [left, right];
      const frames = framesOf(channels, Array(5).fill(1024), (index) => ({
        assignment: [1, 8, 9, 10, 10][index],
        subframes: [
          [
            [lpc([7000, -3000], 14, 12, { rice: { method: 1 } }), { kind: 'fixed', order: 3, rice: { method: 1 } }],
            [{ kind: 'fixed', order: 0, rice: { method: 1, partitionOrder: 1 } }, { kind: 'verbatim' }],
            [{ kind: 'verbatim' }, { kind: 'fixed', order: 2, rice: { method: 1 } }],
            [{ kind: 'fixed', order: 1, rice: { method: 1 } }, { kind: 'verbatim' }],
            [{ kind: 'verbatim' }, { kind: 'verbatim' }],
          ][index][0] as SubframePlan,
          [
            [lpc([7000, -3000], 14, 12, { rice: { method: 1 } }), { kind: 'fixed', order: 3, rice: { method: 1 } }],
            [{ kind: 'fixed', order: 0, rice: { method: 1, partitionOrder: 1 } }, { kind: 'verbatim' }],
            [{ kind: 'verbatim' }, { kind: 'fixed', order: 2, rice: { method: 1 } }],
            [{ kind: 'fixed', order: 1, rice: { method: 1 } }, { kind: 'verbatim' }],
            [{ kind: 'verbatim' }, { kind: 'verbatim' }],
          ][index][1] as SubframePlan,
        ],
      }));
      return { channels, stream: { sampleRate: 192000, bitsPerSample: 32, channels: 2, variableBlockSize: false, frames, explicitCodes: true } };
    },
  },
  {
    name: '32-bit mono with wasted bits and verbatim extremes',
    ffmpeg: false,
    plan: () => {
      const channels = [[...signal(2048, 32, 11, { wasted: 5 }), ...Array.from({ length: 2048 }, (_, index) => (index % 3 === 0 ? -(2 ** 31) : index % 3 === 1 ? 2 ** 31 - 1 : 0))]];
      const frames = framesOf(channels, [2048, 2048], (index) => ({
        assignment: 0,
        subframes: [index === 0 ? lpc([6000, -2000], 14, 12, { wasted: 5, rice: { method: 1 } }) : { kind: 'verbatim' }],
      }));
      return { channels, stream: { sampleRate: 8000, bitsPerSample: 32, channels: 1, variableBlockSize: false, frames } };
    },
  },
  {
    name: '4-bit and 7-channel 28-bit streams (sizes STREAMINFO gives, frame code 0)',
    ffmpeg: false,
    plan: () => {
      const channels = Array.from({ length: 7 }, (_, channel) => signal(600, 28, 20 + channel, { noise: 0.02 }));
      const frames = framesOf(channels, [300, 300], () => ({
        assignment: 6,
        subframes: channels.map((_, channel) => (channel % 2 === 0 ? { kind: 'fixed', order: 2, rice: { method: 1 } } : lpc([4000, -1900], 13, 11, { rice: { method: 1 } }))),
      }));
      return { channels, stream: { sampleRate: 32000, bitsPerSample: 28, channels: 7, variableBlockSize: false, frames } };
    },
  },
  {
    name: '4-bit mono',
    ffmpeg: false,
    plan: () => {
      const channels = [signal(500, 4, 30, { noise: 0.2 })];
      const frames = framesOf(channels, [250, 250], (index) => ({ assignment: 0, subframes: [index === 0 ? { kind: 'fixed', order: 1 } : { kind: 'verbatim' }] }));
      return { channels, stream: { sampleRate: 8000, bitsPerSample: 4, channels: 1, variableBlockSize: false, frames } };
    },
  },
];

describe('FLAC features beyond ffmpeg’s encoder (test-written streams)', () => {
  afterAll(removeTemporaryFolder);
  const decoder = createFlacDecoder();

  for (const feature of features) {
    it(feature.name, () => {
      const { stream: plan, channels } = feature.plan();
      const bytes = writeFlacStream(plan);
      const stream = parseFlacFile(bytes);
      const { info } = stream;
      const total = channels[0].length;
      expect(info).toMatchObject({ sampleRate: plan.sampleRate, channels: plan.channels, bitsPerSample: plan.bitsPerSample, totalSamples: total });
      expect(stream.frameByteOffsets.length).toBe(plan.frames.length + 1);
      const expected = Int32Array.from(channels.flat());
      const integers = new Int32Array(total * info.channels);
      expect(decoder.decode(stream.frames, info, 0, 0, total, integers, 0, total)).toBe(total);
      expect(firstDifference(integers, expected)).toBe(-1);
      const floats = new Float32Array(total * info.channels);
      decoder.decode(stream.frames, info, 0, 0, total, floats, 0, total);
      expect(firstDifference(floats, Float32Array.from(channels.flat(), (value) => value / 2 ** (info.bitsPerSample - 1)))).toBe(-1);
      // A crop from the middle frame on.
      const middle = Math.floor(stream.frameByteOffsets.length / 2);
      const start = stream.frameFirstSamples[middle] + (total > 2000 ? 3 : 0);
      const crop = new Int32Array((total - start) * info.channels);
      expect(decoder.decode(stream.frames.subarray(stream.frameByteOffsets[middle]), info, stream.frameFirstSamples[middle], start, total - start, crop, 0, total - start)).toBe(
        total - start,
      );
      expect(firstDifference(crop.subarray(0, total - start), expected.subarray(start, total))).toBe(-1);
      if (feature.ffmpeg && !NO_FFMPEG) {
        const reference = referenceDecode(writeTemporary('written.flac', bytes), info.channels, info.bitsPerSample);
        expect(firstDifference(reference.planar, expected)).toBe(-1);
      }
    });
  }
});
