import { afterAll, describe, expect, it } from 'vitest';
import { createFlacDecoder, locateFlacFrames, parseFlacFile } from '../src/flac/index.js';
import { NO_FFMPEG, NO_FFMPEG_REASON, firstDifference, makeFlac, referenceDecode, removeTemporaryFolder, seededRandom } from './flac-test-support.js';

const files = [
  {
    name: '16-bit mono, 4096-sample frames, 3-sample final frame',
    input: ['-f', 'lavfi', '-i', 'anoisesrc=color=pink:sample_rate=16000:duration=2:seed=3', '-af', 'atrim=end_sample=20483'],
    output: ['-sample_fmt', 's16', '-frame_size', '4096'],
  },
  {
    name: '24-bit stereo, 1152-sample frames',
    input: ['-f', 'lavfi', '-i', "aevalsrc='0.5*sin(2*PI*330*t)+0.2*(random(0)-0.5)|0.4*sin(2*PI*(100+400*t)*t)':s=44100:d=0.81"],
    output: ['-sample_fmt', 's32', '-bits_per_raw_sample', '24', '-frame_size', '1152'],
  },
  {
    name: '16-bit stereo, 192-sample frames',
    input: ['-f', 'lavfi', '-i', "aevalsrc='0.3*sin(2*PI*500*t)|0.3*sin(2*PI*510*t)':s=8000:d=0.5"],
    output: ['-sample_fmt', 's16', '-frame_size', '192'],
  },
];

describe.skipIf(NO_FFMPEG)(`FLAC crops equal the slice of the full decode${NO_FFMPEG ? ` (skipped: ${NO_FFMPEG_REASON})` : ''}`, () => {
  afterAll(removeTemporaryFolder);
  const decoder = createFlacDecoder();

  for (const file of files) {
    it(file.name, () => {
      const { bytes, path } = makeFlac(file.input, file.output);
      const stream = parseFlacFile(bytes);
      const { info, frames, frameByteOffsets, frameFirstSamples } = stream;
      const total = info.totalSamples;
      const reference = referenceDecode(path, info.channels, info.bitsPerSample).planar;
      const random = seededRandom(total);
      const frameCount = frameByteOffsets.length - 1;
      const boundary = (frame: number) => frameFirstSamples[frame];
      const crops: [number, number][] = [
        [0, total],
        [0, 1],
        [total - 1, 1],
        [total - 5, 5],
        [boundary(1) - 1, 2],
        [boundary(frameCount - 1), total - boundary(frameCount - 1)],
        [boundary(frameCount - 1) - 3, total - boundary(frameCount - 1) + 3],
        [boundary(1), boundary(2) - boundary(1)],
      ];
      for (let index = 0; index < 60; index++) {
        const start = random(total);
        crops.push([start, 1 + random(Math.min(total - start, index % 3 === 0 ? 50 : 9000))]);
      }
      for (const [start, length] of crops) {
        const { firstFrame, endFrame } = locateFlacFrames(frameFirstSamples, start, length);
        const slice = frames.subarray(frameByteOffsets[firstFrame], frameByteOffsets[endFrame]);
        // Planar output with a row stride wider than the crop, at an offset, between sentinels.
        const stride = length + 3;
        const offset = 2;
        const out = new Int32Array(offset + info.channels * stride).fill(-7);
        expect(decoder.decode(slice, info, frameFirstSamples[firstFrame], start, length, out, offset, stride)).toBe(length);
        for (let channel = 0; channel < info.channels; channel++) {
          const row = out.subarray(offset + channel * stride, offset + channel * stride + length);
          const expected = reference.subarray(channel * total + start, channel * total + start + length);
          expect(firstDifference(row, expected), `crop ${start}+${length} channel ${channel}`).toBe(-1);
          expect(Array.from(out.subarray(offset + channel * stride + length, offset + (channel + 1) * stride))).toEqual([-7, -7, -7]);
        }
        expect(Array.from(out.subarray(0, offset))).toEqual([-7, -7]);
      }
    });
  }

  it('a crop past the end returns the samples that exist; all frames from the crop onwards also work', () => {
    const { bytes, path } = makeFlac(files[0].input, files[0].output);
    const stream = parseFlacFile(bytes);
    const { info, frames, frameByteOffsets, frameFirstSamples } = stream;
    const total = info.totalSamples;
    const reference = referenceDecode(path, 1, 16).planar;
    const out = new Float32Array(10000);
    const start = total - 100;
    const { firstFrame } = locateFlacFrames(frameFirstSamples, start, 10000);
    expect(decoder.decode(frames.subarray(frameByteOffsets[firstFrame]), info, frameFirstSamples[firstFrame], start, 10000, out, 0, 10000)).toBe(100);
    expect(firstDifference(out.subarray(0, 100), Float32Array.from(reference.subarray(start), (value) => value / 32768))).toBe(-1);
    // Frames from frame 1 to the end of the stream, crop inside frame 1.
    const inside = frameFirstSamples[1] + 17;
    const crop = new Int16Array(300);
    expect(decoder.decode(frames.subarray(frameByteOffsets[1]), info, frameFirstSamples[1], inside, 300, crop, 0, 300)).toBe(300);
    expect(firstDifference(crop, reference.subarray(inside, inside + 300))).toBe(-1);
    // No frames at all: nothing written.
    expect(decoder.decode(frames.subarray(0, 0), info, 0, 0, 10, out, 0, 10)).toBe(0);
  });
});
