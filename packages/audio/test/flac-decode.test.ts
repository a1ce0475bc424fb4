import { afterAll, describe, expect, it } from 'vitest';
import { FlacFrameHeader, readFlacFrameHeader } from '../src/flac/flac-frame-header.js';
import { type FlacStream, createFlacDecoder, parseFlacFile } from '../src/flac/index.js';
import { NO_FFMPEG, NO_FFMPEG_REASON, firstDifference, makeFlac, referenceDecode, removeTemporaryFolder } from './flac-test-support.js';

const S16 = ['-sample_fmt', 's16'];
const S24 = ['-sample_fmt', 's32', '-bits_per_raw_sample', '24'];
const lavfi = (graph: string) => ['-f', 'lavfi', '-i', graph];
const SINE = (rate: number, seconds: number) => `sine=frequency=440:sample_rate=${rate}:duration=${seconds}`;
const PINK = (rate: number, seconds: number, seed = 1) => `anoisesrc=color=pink:sample_rate=${rate}:duration=${seconds}:amplitude=0.5:seed=${seed}`;
/** Speech-like: a wobbling pitch with a syllable-rate envelope and a little noise. */
const CHIRP = (rate: number, seconds: number) =>
  `aevalsrc='0.5*sin(2*PI*(220+120*sin(2*PI*1.7*t))*t)*(0.55+0.45*sin(2*PI*4*t))+0.02*(random(0)-0.5)':s=${rate}:d=${seconds}`;
const STEREO = (rate: number, seconds: number) => [
  ...lavfi(SINE(rate, seconds)),
  ...lavfi(PINK(rate, seconds, 7)),
  '-filter_complex',
  '[0:a][1:a]amerge=inputs=2,pan=stereo|c0=0.6*c0+0.3*c1|c1=0.5*c0+0.4*c1',
];
const MULTICHANNEL = (channels: number, rate: number) =>
  lavfi(
    `aevalsrc='${Array.from({ length: channels }, (_, c) => `0.4*sin(2*PI*${200 + 110 * c}*t)+0.1*(random(${c})-0.5)`).join('|')}':s=${rate}:d=0.7`,
  );

interface Case {
  name: string;
  input: string[];
  output: string[];
  /** Channel assignment (frame header code) that must occur in the file. */
  assignment?: number;
}

const cases: Case[] = [
  { name: 'sine 16 kHz 1.013 s, 4096-sample frames', input: lavfi(SINE(16000, 1.013)), output: [...S16, '-frame_size', '4096'] },
  { name: 'one-sample final frame', input: [...lavfi(SINE(16000, 1)), '-af', 'atrim=end_sample=12289'], output: [...S16, '-frame_size', '4096'] },
  { name: 'seven-sample final frame', input: [...lavfi(PINK(16000, 2)), '-af', 'atrim=end_sample=16391'], output: [...S16, '-frame_size', '4096'] },
  { name: 'pink noise 44.1 kHz 3 s', input: lavfi(PINK(44100, 3)), output: S16 },
  { name: 'speech-like chirp 16 kHz', input: lavfi(CHIRP(16000, 2.3)), output: [...S16, '-frame_size', '4096'] },
  { name: 'white noise at full scale', input: lavfi('anoisesrc=color=white:sample_rate=16000:duration=0.6:amplitude=1'), output: S16 },
  { name: 'silence', input: [...lavfi('anullsrc=r=16000:cl=mono'), '-t', '0.5'], output: S16 },
  { name: 'square wave clipping at ±32768', input: lavfi("aevalsrc='if(lt(mod(t*97,1),0.5),1.2,-1.2)':s=16000:d=0.5"), output: S16 },
  { name: 'stereo auto decorrelation', input: STEREO(48000, 1.1), output: S16 },
  { name: 'stereo independent', input: STEREO(48000, 0.9), output: [...S16, '-ch_mode', 'indep'], assignment: 1 },
  { name: 'stereo left/side', input: STEREO(48000, 0.9), output: [...S16, '-ch_mode', 'left_side'], assignment: 8 },
  { name: 'stereo side/right', input: STEREO(48000, 0.9), output: [...S16, '-ch_mode', 'right_side'], assignment: 9 },
  { name: 'stereo mid/side', input: STEREO(48000, 0.9), output: [...S16, '-ch_mode', 'mid_side'], assignment: 10 },
  { name: '24-bit stereo 96 kHz mid/side', input: STEREO(96000, 0.6), output: [...S24, '-ch_mode', 'mid_side'], assignment: 10 },
  { name: '24-bit stereo left/side', input: STEREO(44100, 0.6), output: [...S24, '-ch_mode', 'left_side'], assignment: 8 },
  { name: '24-bit stereo side/right', input: STEREO(44100, 0.6), output: [...S24, '-ch_mode', 'right_side'], assignment: 9 },
  { name: '24-bit mono, LPC order 32 at 15-bit precision', input: lavfi(CHIRP(16000, 1)), output: [...S24, '-compression_level', '12', '-max_prediction_order', '32', '-lpc_coeff_precision', '15'] },
  { name: '24-bit pink noise', input: lavfi(PINK(48000, 1)), output: S24 },
  { name: '24-bit full-scale square', input: lavfi("aevalsrc='if(lt(mod(t*51,1),0.5),1.5,-1.5)':s=48000:d=0.3"), output: S24 },
  ...[8000, 11025, 12000, 22050, 32000, 37800, 88200, 96000].map((rate) => ({
    name: `sample rate ${rate} Hz`,
    input: lavfi(CHIRP(rate, 0.8)),
    output: S16,
  })),
  ...[16, 192, 576, 1000, 1152, 4608, 32768, 65535].map((frameSize) => ({
    name: `frame size ${frameSize}`,
    input: lavfi(CHIRP(16000, frameSize > 8192 ? 5.3 : 1.3)),
    output: [...S16, '-frame_size', String(frameSize)],
  })),
  ...Array.from({ length: 13 }, (_, level) => ({
    name: `compression level ${level}`,
    input: lavfi(CHIRP(16000, 1.2)),
    output: [...S16, '-compression_level', String(level)],
  })),
  { name: 'lpc_type none', input: lavfi(CHIRP(16000, 1)), output: [...S16, '-lpc_type', 'none'] },
  { name: 'lpc_type fixed', input: lavfi(CHIRP(16000, 1)), output: [...S16, '-lpc_type', 'fixed'] },
  { name: 'lpc_type levinson', input: lavfi(CHIRP(16000, 1)), output: [...S16, '-lpc_type', 'levinson'] },
  { name: 'lpc_type cholesky, 4 passes', input: lavfi(PINK(16000, 1)), output: [...S16, '-lpc_type', 'cholesky', '-lpc_passes', '4'] },
  { name: 'exact Rice parameters', input: lavfi(PINK(16000, 1)), output: [...S16, '-exact_rice_parameters', '1'] },
  { name: 'multi-dimensional quantization', input: lavfi(CHIRP(16000, 1)), output: [...S16, '-multi_dim_quant', '1'] },
  { name: 'partition order 0 only', input: lavfi(PINK(16000, 1)), output: [...S16, '-min_partition_order', '0', '-max_partition_order', '0'] },
  { name: 'partition order 8', input: lavfi(PINK(16000, 1)), output: [...S16, '-min_partition_order', '8', '-max_partition_order', '8'] },
  { name: 'prediction order search, orders 1–32', input: lavfi(CHIRP(16000, 0.5)), output: [...S16, '-prediction_order_method', 'search', '-min_prediction_order', '1', '-max_prediction_order', '32'] },
  { name: 'LPC precision 4 bits', input: lavfi(CHIRP(16000, 1)), output: [...S16, '-lpc_coeff_precision', '4'] },
  { name: '3 channels', input: MULTICHANNEL(3, 16000), output: S16 },
  { name: '6 channels', input: MULTICHANNEL(6, 48000), output: S16 },
  { name: '8 channels, 24-bit', input: MULTICHANNEL(8, 48000), output: S24 },
];

/** What the frames of a stream use, read from frame headers and the first subframe header. */
function frameKinds(stream: FlacStream): { assignments: Set<number>; subframeTypes: Set<string>; maxLpcOrder: number } {
  const header = new FlacFrameHeader();
  const assignments = new Set<number>();
  const subframeTypes = new Set<string>();
  let maxLpcOrder = 0;
  for (let index = 0; index + 1 < stream.frameByteOffsets.length; index++) {
    const offset = stream.frameByteOffsets[index];
    readFlacFrameHeader(stream.frames, offset, stream.frames.byteLength, stream.info, header);
    assignments.add(header.channelAssignment);
    const type = (stream.frames[offset + header.byteLength] >>> 1) & 0x3f;
    if (type === 0) subframeTypes.add('constant');
    else if (type === 1) subframeTypes.add('verbatim');
    else if (type < 32) subframeTypes.add('fixed');
    else {
      subframeTypes.add('lpc');
      maxLpcOrder = Math.max(maxLpcOrder, type - 31);
    }
  }
  return { assignments, subframeTypes, maxLpcOrder };
}

describe.skipIf(NO_FFMPEG)(`FLAC decode equals ffmpeg's, sample for sample${NO_FFMPEG ? ` (skipped: ${NO_FFMPEG_REASON})` : ''}`, () => {
  afterAll(removeTemporaryFolder);
  const decoder = createFlacDecoder();
  const seen = { subframeTypes: new Set<string>(), maxLpcOrder: 0, bits: new Set<number>(), channels: new Set<number>() };

  for (const testCase of cases) {
    it(testCase.name, () => {
      const { bytes, path } = makeFlac(testCase.input, testCase.output);
      const stream = parseFlacFile(bytes);
      const { info } = stream;
      const reference = referenceDecode(path, info.channels, info.bitsPerSample);
      expect(info.totalSamples).toBe(reference.samples);
      expect(stream.frameFirstSamples[stream.frameFirstSamples.length - 1]).toBe(reference.samples);

      const samples = info.totalSamples;
      const integers = new Int32Array(samples * info.channels);
      expect(decoder.decode(stream.frames, info, 0, 0, samples, integers, 0, samples)).toBe(samples);
      expect(firstDifference(integers, reference.planar)).toBe(-1);

      const floats = new Float32Array(samples * info.channels);
      expect(decoder.decode(stream.frames, info, 0, 0, samples, floats, 0, samples)).toBe(samples);
      const scale = 2 ** -(info.bitsPerSample - 1);
      const expectedFloats = Float32Array.from(reference.planar, (value) => value * scale);
      expect(firstDifference(floats, expectedFloats)).toBe(-1);

      if (info.bitsPerSample <= 16) {
        const shorts = new Int16Array(samples * info.channels);
        decoder.decode(stream.frames, info, 0, 0, samples, shorts, 0, samples);
        expect(firstDifference(shorts, reference.planar)).toBe(-1);
      }

      const kinds = frameKinds(stream);
      if (testCase.assignment !== undefined) expect([...kinds.assignments]).toContain(testCase.assignment);
      for (const type of kinds.subframeTypes) seen.subframeTypes.add(type);
      seen.maxLpcOrder = Math.max(seen.maxLpcOrder, kinds.maxLpcOrder);
      seen.bits.add(info.bitsPerSample);
      seen.channels.add(info.channels);
    });
  }

  it('the files above cover every subframe type, LPC orders past the unrolled 12, 16 and 24 bits, 1–8 channels', () => {
    expect([...seen.subframeTypes].sort()).toEqual(['constant', 'fixed', 'lpc', 'verbatim']);
    expect(seen.maxLpcOrder).toBeGreaterThan(12);
    expect([...seen.bits].sort()).toEqual([16, 24]);
    expect([...seen.channels].sort()).toEqual([1, 2, 3, 6, 8]);
  });
});
