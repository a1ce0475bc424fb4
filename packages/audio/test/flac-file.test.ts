import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeFlacFile, parseFlacFile, stripFlacPadding } from '../src/flac/index.js';
import { NO_FFMPEG, NO_FFMPEG_REASON, firstDifference, makeFlac, referenceDecode, removeTemporaryFolder, writeTemporary } from './flac-test-support.js';

/** MD5 of the samples as FLAC defines it: interleaved, little-endian, ceil(bits / 8) bytes each. */
function pcmMd5(planar: Int32Array, channels: number, bitsPerSample: number): string {
  const samples = planar.length / channels;
  const width = Math.ceil(bitsPerSample / 8);
  const bytes = new Uint8Array(planar.length * width);
  let position = 0;
  for (let index = 0; index < samples; index++) {
    for (let channel = 0; channel < channels; channel++) {
      const value = planar[channel * samples + index];
      for (let byte = 0; byte < width; byte++) bytes[position++] = (value >> (8 * byte)) & 0xff;
    }
  }
  return createHash('md5').update(bytes).digest('hex');
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe.skipIf(NO_FFMPEG)(`FLAC files: parse, rebuild, strip${NO_FFMPEG ? ` (skipped: ${NO_FFMPEG_REASON})` : ''}`, () => {
  afterAll(removeTemporaryFolder);
  const mono = () =>
    makeFlac(['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=16000:duration=1.013'], ['-sample_fmt', 's16', '-frame_size', '4096']);
  const stereo24 = () =>
    makeFlac(
      ['-f', 'lavfi', '-i', "aevalsrc='0.5*sin(2*PI*330*t)+0.1*(random(0)-0.5)|0.4*sin(2*PI*220*t)':s=48000:d=0.7"],
      ['-sample_fmt', 's32', '-bits_per_raw_sample', '24', '-frame_size', '4608'],
    );

  it('reads STREAMINFO and builds the frame index (frames exactly as in the file)', () => {
    const { bytes, path } = mono();
    const stream = parseFlacFile(bytes);
    expect(stream.info).toMatchObject({ sampleRate: 16000, channels: 1, bitsPerSample: 16, totalSamples: 16208, minBlockSize: 4096, maxBlockSize: 4096 });
    expect(Array.from(stream.frameFirstSamples)).toEqual([0, 4096, 8192, 12288, 16208]);
    const offsets = stream.frameByteOffsets;
    expect(offsets.length).toBe(5);
    expect(offsets[0]).toBe(0);
    expect(offsets[4]).toBe(stream.frames.byteLength);
    for (let index = 0; index < 4; index++) {
      expect(offsets[index + 1]).toBeGreaterThan(offsets[index]);
      expect([stream.frames[offsets[index]], stream.frames[offsets[index] + 1]]).toEqual([0xff, 0xf8]);
    }
    // The frames are the file's last bytes, unchanged.
    expect(hex(bytes.subarray(bytes.length - stream.frames.byteLength))).toBe(hex(stream.frames));
    // STREAMINFO's MD5 (ffmpeg computes it) is the MD5 of ffmpeg's decode.
    const reference = referenceDecode(path, 1, 16);
    expect(hex(stream.info.md5)).toBe(pcmMd5(reference.planar, 1, 16));
  });

  it('STREAMINFO of 24-bit stereo, and its MD5', () => {
    const { bytes, path } = stereo24();
    const stream = parseFlacFile(bytes);
    expect(stream.info).toMatchObject({ sampleRate: 48000, channels: 2, bitsPerSample: 24, totalSamples: 33600, maxBlockSize: 4608 });
    expect(hex(stream.info.md5)).toBe(pcmMd5(referenceDecode(path, 2, 24).planar, 2, 24));
  });

  for (const [name, make] of [
    ['16-bit mono', mono],
    ['24-bit stereo', stereo24],
  ] as const) {
    it(`encodeFlacFile(parseFlacFile(x)) is smaller than x, decodes with ffmpeg identically, parses back the same (${name})`, () => {
      const { bytes, path } = make();
      const stream = parseFlacFile(bytes);
      const rebuilt = encodeFlacFile(stream);
      expect(rebuilt.byteLength).toBe(4 + 4 + 34 + stream.frames.byteLength);
      // ffmpeg's muxer wrote an 8 KiB PADDING block and a VORBIS_COMMENT.
      expect(bytes.byteLength - rebuilt.byteLength).toBeGreaterThan(8192);
      const { info } = stream;
      const original = referenceDecode(path, info.channels, info.bitsPerSample);
      const again = referenceDecode(writeTemporary('rebuilt.flac', rebuilt), info.channels, info.bitsPerSample);
      expect(again.samples).toBe(original.samples);
      expect(firstDifference(again.planar, original.planar)).toBe(-1);
      const reparsed = parseFlacFile(rebuilt);
      expect(reparsed.info).toEqual(info);
      expect(hex(reparsed.frames)).toBe(hex(stream.frames));
      expect(Array.from(reparsed.frameByteOffsets)).toEqual(Array.from(stream.frameByteOffsets));
      expect(Array.from(reparsed.frameFirstSamples)).toEqual(Array.from(stream.frameFirstSamples));
      // STREAMINFO's frame sizes are the real minimum and maximum.
      const sizes = Array.from(stream.frameByteOffsets.subarray(1), (end, index) => end - stream.frameByteOffsets[index]);
      expect((rebuilt[12] << 16) | (rebuilt[13] << 8) | rebuilt[14]).toBe(Math.min(...sizes));
      expect((rebuilt[15] << 16) | (rebuilt[16] << 8) | rebuilt[17]).toBe(Math.max(...sizes));
    });
  }

  it('stripFlacPadding keeps STREAMINFO and the frames only; ffmpeg decodes it identically', () => {
    const { bytes, path } = mono();
    const stripped = stripFlacPadding(bytes);
    const stream = parseFlacFile(bytes);
    expect(stripped.byteLength).toBe(42 + stream.frames.byteLength);
    expect(hex(stripped.subarray(0, 8))).toBe('664c614380000022');
    expect(hex(stripped.subarray(8, 42))).toBe(hex(bytes.subarray(8, 42)));
    const original = referenceDecode(path, 1, 16);
    const again = referenceDecode(writeTemporary('stripped.flac', stripped), 1, 16);
    expect(firstDifference(again.planar, original.planar)).toBe(-1);
    expect(parseFlacFile(stripped).info).toEqual(stream.info);
  });

  it('a leading ID3v2 tag is skipped', () => {
    const { bytes } = mono();
    const tagBody = new Uint8Array(300).fill(0x20);
    const tagged = new Uint8Array(10 + tagBody.length + bytes.length);
    tagged.set([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, (tagBody.length >> 7) & 0x7f, tagBody.length & 0x7f]);
    tagged.set(tagBody, 10);
    tagged.set(bytes, 10 + tagBody.length);
    const stream = parseFlacFile(tagged);
    expect(stream.info.totalSamples).toBe(16208);
    expect(hex(stream.frames)).toBe(hex(parseFlacFile(bytes).frames));
    expect(stripFlacPadding(tagged).byteLength).toBe(42 + stream.frames.byteLength);
  });

  it('STREAMINFO total samples of 0 (unknown, as when ffmpeg writes to a pipe) is replaced by the frames’ sum', () => {
    const { bytes } = mono();
    const unknown = bytes.slice();
    unknown[8 + 13] &= 0xf0;
    unknown.fill(0, 8 + 14, 8 + 18);
    expect(parseFlacFile(unknown).info.totalSamples).toBe(16208);
  });
});
