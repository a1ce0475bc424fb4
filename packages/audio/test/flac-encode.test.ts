import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeFlacFile, parseFlacFile } from '../src/flac/index.js';
import { createFlacDecoder } from '../src/flac/flac-decoder.js';
import { encodeFlac } from '../src/flac/flac-encoder.js';
import type { FlacStream } from '../src/flac/flac-stream.js';
import { NO_FFMPEG, NO_FFMPEG_REASON, ffmpegPath, firstDifference, removeTemporaryFolder, writeTemporary } from './flac-test-support.js';
import { chirp, seededUniform } from './signals.js';

type Rows = (Int16Array | Int32Array)[];

const fullScale = (bits: number) => 2 ** (bits - 1);

/** Float signal → integers at `bits` (rounded, clamped). */
function quantize(signal: Float32Array, bits: number): Int32Array {
  const scale = fullScale(bits);
  return Int32Array.from(signal, (sample) => Math.max(-scale, Math.min(scale - 1, Math.round(sample * scale))));
}

function chirpRows(channels: number, length: number, bits: number, sampleRate = 16000): Rows {
  return Array.from({ length: channels }, (_, channel) => quantize(chirp(length, sampleRate, 200 + 50 * channel, 3000, channel + 1), bits));
}

function squareRows(channels: number, length: number, bits: number, periodSamples: number): Rows {
  const high = fullScale(bits) - 1;
  const low = -fullScale(bits);
  return Array.from({ length: channels }, (_, channel) =>
    // Odd channels are inverted: the side channel then spans the full bitsPerSample + 1 bits.
    Int32Array.from({ length }, (_, index) => (Math.floor(index / periodSamples) % 2 === channel % 2 ? high : low)),
  );
}

function noiseRows(channels: number, length: number, bits: number, seed: number): Rows {
  const uniform = seededUniform(seed);
  const scale = fullScale(bits);
  return Array.from({ length: channels }, () => Int32Array.from({ length }, () => Math.floor(uniform() * 2 * scale) - scale));
}

/** Planar integers: channel c sample i at c * length + i. */
function planarOf(rows: Rows): Int32Array {
  const length = rows[0].length;
  const planar = new Int32Array(rows.length * length);
  for (const [channel, row] of rows.entries()) planar.set(row, channel * length);
  return planar;
}

/** MD5 as FLAC defines it: interleaved little-endian samples of bits / 8 bytes. */
function pcmMd5(rows: Rows, bits: number): string {
  const width = bits / 8;
  const length = rows[0].length;
  const bytes = new Uint8Array(length * rows.length * width);
  let position = 0;
  for (let index = 0; index < length; index++) {
    for (const row of rows) for (let byte = 0; byte < width; byte++) bytes[position++] = (row[index] >> (8 * byte)) & 0xff;
  }
  return createHash('md5').update(bytes).digest('hex');
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** Decodes the stream with this package's decoder (through the file, so STREAMINFO is rewritten and re-read). */
function decodeOwn(stream: FlacStream): Int32Array {
  const parsed = parseFlacFile(encodeFlacFile(stream));
  expect(parsed.info).toEqual(stream.info);
  expect(hex(parsed.frames)).toBe(hex(stream.frames));
  expect(Array.from(parsed.frameByteOffsets)).toEqual(Array.from(stream.frameByteOffsets));
  expect(Array.from(parsed.frameFirstSamples)).toEqual(Array.from(stream.frameFirstSamples));
  const { channels, totalSamples } = stream.info;
  const out = new Int32Array(channels * totalSamples);
  const written = createFlacDecoder().decode(parsed.frames, parsed.info, 0, 0, totalSamples, out, 0, totalSamples);
  expect(written).toBe(totalSamples);
  return out;
}

const ROUND_TRIPS: { name: string; rows: () => Rows; bits: 16 | 24; sampleRate?: number; blockSize?: number }[] = [
  { name: 'chirp + noise, mono 16-bit, 1 s at 16 kHz', rows: () => chirpRows(1, 16000, 16), bits: 16 },
  { name: 'chirp + noise, stereo 16-bit', rows: () => chirpRows(2, 20000, 16), bits: 16 },
  { name: 'chirp + noise, stereo 24-bit at 48 kHz', rows: () => chirpRows(2, 20000, 24, 48000), bits: 24, sampleRate: 48000 },
  { name: 'chirp + noise, 6 channels 16-bit', rows: () => chirpRows(6, 9000, 16), bits: 16 },
  { name: 'chirp + noise, 6 channels 24-bit', rows: () => chirpRows(6, 9000, 24), bits: 24 },
  { name: 'silence, mono 16-bit', rows: () => [new Int16Array(10000)], bits: 16 },
  { name: 'silence, stereo 24-bit', rows: () => [new Int32Array(10000), new Int32Array(10000)], bits: 24 },
  { name: 'full-scale square waves, stereo 16-bit (inverted right: 17-bit side)', rows: () => squareRows(2, 12000, 16, 37), bits: 16 },
  { name: 'full-scale square waves, stereo 24-bit (25-bit side)', rows: () => squareRows(2, 12000, 24, 5), bits: 24 },
  { name: 'full-scale square waves, 6 channels 24-bit', rows: () => squareRows(6, 5000, 24, 1), bits: 24 },
  { name: 'full-scale white noise, stereo 16-bit (RICE2 / VERBATIM)', rows: () => noiseRows(2, 9000, 16, 7), bits: 16 },
  { name: 'full-scale white noise, mono 24-bit', rows: () => noiseRows(1, 9000, 24, 8), bits: 24 },
  { name: '1-sample clip, mono 16-bit', rows: () => [Int16Array.of(-12345)], bits: 16 },
  { name: '1-sample clip, stereo 24-bit', rows: () => [Int32Array.of(8388607), Int32Array.of(-8388608)], bits: 24 },
  { name: '2-sample and 3-sample clips, 6 channels', rows: () => chirpRows(6, 3, 16), bits: 16 },
  { name: '4097-sample clip (a 1-sample last frame), mono 16-bit', rows: () => chirpRows(1, 4097, 16), bits: 16 },
  { name: '4097-sample clip, stereo 24-bit', rows: () => chirpRows(2, 4097, 24), bits: 24 },
  { name: 'Int16Array rows as given', rows: () => chirpRows(2, 5000, 16).map((row) => Int16Array.from(row)), bits: 16 },
  { name: 'block size 1000 (16-bit size code), 11025 Hz (16-bit rate code)', rows: () => chirpRows(2, 7777, 16, 11025), bits: 16, sampleRate: 11025, blockSize: 1000 },
  { name: 'block size 16 (8-bit size code), 22 kHz (kHz rate code)', rows: () => chirpRows(1, 999, 16, 22000), bits: 16, sampleRate: 22000, blockSize: 16 },
  { name: 'block size 65535, 96 010 Hz (tens-of-Hz rate code)', rows: () => chirpRows(1, 70000, 24, 96010), bits: 24, sampleRate: 96010, blockSize: 65535 },
  { name: '65 537 Hz (rate from STREAMINFO), block size 576', rows: () => chirpRows(2, 3000, 16, 65537), bits: 16, sampleRate: 65537, blockSize: 576 },
];

describe('encodeFlac: round trip through this package’s decoder', () => {
  for (const { name, rows: makeRows, bits, sampleRate = 16000, blockSize } of ROUND_TRIPS) {
    it(`${name}: bit-exact, STREAMINFO and index consistent, libFLAC's MD5`, () => {
      const rows = makeRows();
      const stream = encodeFlac(rows, { sampleRate, bitsPerSample: bits, blockSize });
      const length = rows[0].length;
      const frameSize = blockSize ?? 4096;
      expect(stream.info).toMatchObject({ sampleRate, channels: rows.length, bitsPerSample: bits, totalSamples: length, minBlockSize: frameSize, maxBlockSize: frameSize });
      const frames = Math.ceil(length / frameSize);
      expect(Array.from(stream.frameFirstSamples)).toEqual([...Array.from({ length: frames }, (_, index) => index * frameSize), length]);
      expect(hex(stream.info.md5)).toBe(pcmMd5(rows, bits));
      expect(firstDifference(decodeOwn(stream), planarOf(rows))).toBe(-1);
    });
  }

  it('silence and square waves code compactly (CONSTANT subframes; FIXED on the square waves)', () => {
    const silence = encodeFlac([new Int16Array(16000)], { sampleRate: 16000, bitsPerSample: 16 });
    // 4 frames of a ≤ 7-byte header, one 3-byte CONSTANT subframe, CRC-16.
    expect(silence.frames.byteLength).toBeLessThanOrEqual(4 * (7 + 3 + 2));
    const square = encodeFlac(squareRows(2, 16000, 16, 40), { sampleRate: 16000, bitsPerSample: 16 });
    // 16-bit VERBATIM would be 64 000 bytes; a transition every 40 samples costs a large Rice parameter.
    expect(square.frames.byteLength).toBeLessThan(32000);
  });

  it('white noise is never larger than VERBATIM (plus headers)', () => {
    const rows = noiseRows(1, 16384, 16, 3);
    const stream = encodeFlac(rows, { sampleRate: 16000, bitsPerSample: 16 });
    expect(stream.frames.byteLength).toBeLessThanOrEqual(16384 * 2 + 4 * (1 + 8 + 2));
  });

  it('equal input gives equal bytes (scratch reuse leaves no trace)', () => {
    const rows = chirpRows(2, 10000, 16);
    const first = encodeFlac(rows, { sampleRate: 16000, bitsPerSample: 16 });
    encodeFlac(noiseRows(6, 70000, 24, 5), { sampleRate: 48000, bitsPerSample: 24, blockSize: 65535 });
    const again = encodeFlac(rows, { sampleRate: 16000, bitsPerSample: 16 });
    expect(hex(again.frames)).toBe(hex(first.frames));
    expect(hex(again.info.md5)).toBe(hex(first.info.md5));
  });

  it('an empty clip is a stream of no frames with the MD5 of nothing', () => {
    const stream = encodeFlac([new Int16Array(0)], { sampleRate: 16000, bitsPerSample: 16 });
    expect(stream.frames.byteLength).toBe(0);
    expect(Array.from(stream.frameByteOffsets)).toEqual([0]);
    expect(Array.from(stream.frameFirstSamples)).toEqual([0]);
    expect(hex(stream.info.md5)).toBe('d41d8cd98f00b204e9800998ecf8427e');
  });

  it('rejects bad arguments with E_ARGUMENT / E_AUDIO_SAMPLE_RATE', () => {
    const row = new Int32Array(10);
    const code = (call: () => unknown) => {
      try {
        call();
      } catch (error) {
        return (error as { code?: string }).code;
      }
      return 'no error';
    };
    expect(code(() => encodeFlac([], { sampleRate: 16000, bitsPerSample: 16 }))).toBe('E_ARGUMENT');
    expect(code(() => encodeFlac(Array.from({ length: 9 }, () => row), { sampleRate: 16000, bitsPerSample: 16 }))).toBe('E_ARGUMENT');
    expect(code(() => encodeFlac([row, new Int32Array(9)], { sampleRate: 16000, bitsPerSample: 16 }))).toBe('E_ARGUMENT');
    expect(code(() => encodeFlac([new Float32Array(10) as unknown as Int32Array], { sampleRate: 16000, bitsPerSample: 16 }))).toBe('E_ARGUMENT');
    expect(code(() => encodeFlac([row], { sampleRate: 0, bitsPerSample: 16 }))).toBe('E_AUDIO_SAMPLE_RATE');
    expect(code(() => encodeFlac([row], { sampleRate: 700000, bitsPerSample: 16 }))).toBe('E_AUDIO_SAMPLE_RATE');
    expect(code(() => encodeFlac([row], { sampleRate: 16000, bitsPerSample: 20 as 16 }))).toBe('E_ARGUMENT');
    expect(code(() => encodeFlac([row], { sampleRate: 16000, bitsPerSample: 16, blockSize: 15 }))).toBe('E_ARGUMENT');
    expect(code(() => encodeFlac([Int32Array.of(0, 32768)], { sampleRate: 16000, bitsPerSample: 16 }))).toBe('E_ARGUMENT');
    expect(code(() => encodeFlac([Int32Array.of(-8388609)], { sampleRate: 16000, bitsPerSample: 24 }))).toBe('E_ARGUMENT');
    expect(() => encodeFlac([Int32Array.of(0, 32768)], { sampleRate: 16000, bitsPerSample: 16 })).toThrow(/sample 1 is 32768, outside the 16-bit range/);
  });
});

/** ffmpeg's decode (with -xerror) as planar integers at `bits`, and its stderr. */
function ffmpegDecode(path: string, channels: number, bits: 16 | 24): { planar: Int32Array; raw: Uint8Array; stderr: string } {
  const result = spawnSync(ffmpegPath!, ['-hide_banner', '-v', 'error', '-nostdin', '-xerror', '-i', path, '-f', bits === 16 ? 's16le' : 's32le', '-'], {
    maxBuffer: 1 << 28,
  });
  expect(result.status).toBe(0);
  const raw = new Uint8Array(result.stdout);
  const interleaved = bits === 16 ? new Int16Array(raw.slice().buffer) : new Int32Array(raw.slice().buffer);
  const length = interleaved.length / channels;
  const planar = new Int32Array(interleaved.length);
  for (let index = 0; index < length; index++) {
    for (let channel = 0; channel < channels; channel++) planar[channel * length + index] = interleaved[index * channels + channel] >> (bits === 16 ? 0 : 8);
  }
  return { planar, raw, stderr: result.stderr.toString() };
}

/** ffmpeg's own FLAC (-compression_level 5, the same block size) of the same integers: its frame bytes. */
function ffmpegFlacBytes(rows: Rows, bits: 16 | 24, sampleRate: number): number {
  const channels = rows.length;
  const length = rows[0].length;
  const interleaved = new Int32Array(length * channels);
  for (let index = 0; index < length; index++) for (let channel = 0; channel < channels; channel++) interleaved[index * channels + channel] = rows[channel][index] * (bits === 16 ? 65536 : 256);
  const input = writeTemporary('pcm.s32le', new Uint8Array(interleaved.buffer));
  const output = `${input}.flac`;
  execFileSync(ffmpegPath!, [
    '-hide_banner', '-v', 'error', '-nostdin', '-y', '-f', 's32le', '-ar', String(sampleRate), '-ac', String(channels), '-i', input,
    '-c:a', 'flac', '-compression_level', '5', '-frame_size', '4096',
    ...(bits === 16 ? ['-sample_fmt', 's16'] : ['-sample_fmt', 's32', '-bits_per_raw_sample', '24']), output,
  ]);
  return parseFlacFile(new Uint8Array(readFileSync(output))).frames.byteLength;
}

describe.skipIf(NO_FFMPEG)(`encodeFlac: ffmpeg decodes the files${NO_FFMPEG ? ` (skipped: ${NO_FFMPEG_REASON})` : ''}`, () => {
  afterAll(removeTemporaryFolder);
  const cases = ROUND_TRIPS.filter((entry) => entry.sampleRate !== 65537 && entry.sampleRate !== 96010);
  for (const { name, rows: makeRows, bits, sampleRate = 16000, blockSize } of cases) {
    it(`${name}: ffmpeg -xerror gives the same integers, no error, and the MD5 of its output is STREAMINFO's`, () => {
      const rows = makeRows();
      const stream = encodeFlac(rows, { sampleRate, bitsPerSample: bits, blockSize });
      const path = writeTemporary('encoded.flac', encodeFlacFile(stream));
      const { planar, raw, stderr } = ffmpegDecode(path, rows.length, bits);
      expect(stderr).toBe('');
      expect(firstDifference(planar, planarOf(rows))).toBe(-1);
      // ffmpeg's output bytes hashed as libFLAC does: s16le directly; s32le cut to the top 3 bytes.
      const md5Input = bits === 16 ? raw : raw.filter((_, index) => index % 4 !== 0);
      expect(hex(stream.info.md5)).toBe(createHash('md5').update(md5Input).digest('hex'));
    });
  }

  it('rates without a table code (65 537 Hz from STREAMINFO, 96 010 Hz in tens of Hz) decode in ffmpeg', () => {
    for (const sampleRate of [65537, 96010]) {
      const rows = chirpRows(2, 9000, 16, sampleRate);
      const path = writeTemporary('rate.flac', encodeFlacFile(encodeFlac(rows, { sampleRate, bitsPerSample: 16 })));
      const { planar, stderr } = ffmpegDecode(path, 2, 16);
      expect(stderr).toBe('');
      expect(firstDifference(planar, planarOf(rows))).toBe(-1);
    }
  });

  // Sizes against ffmpeg's own FLAC encoder at level 5 (LPC up to order 8), same PCM, same block size.
  const SIZE_CASES: { name: string; rows: () => Rows; bits: 16 | 24; sampleRate: number; bound: number }[] = [
    { name: 'chirp + noise, mono 16-bit 16 kHz', rows: () => chirpRows(1, 48000, 16), bits: 16, sampleRate: 16000, bound: 1.15 },
    { name: 'chirp + noise, stereo 16-bit 16 kHz', rows: () => chirpRows(2, 48000, 16), bits: 16, sampleRate: 16000, bound: 1.15 },
    { name: 'chirp + noise, stereo 24-bit 48 kHz', rows: () => chirpRows(2, 48000, 24, 48000), bits: 24, sampleRate: 48000, bound: 1.15 },
    { name: 'full-scale square waves, stereo 16-bit', rows: () => squareRows(2, 48000, 16, 40), bits: 16, sampleRate: 16000, bound: 1.15 },
    { name: 'full-scale white noise, stereo 16-bit', rows: () => noiseRows(2, 48000, 16, 11), bits: 16, sampleRate: 16000, bound: 1.15 },
  ];
  const espeak = spawnSync('espeak-ng', ['--version']).status === 0 ? 'espeak-ng' : undefined;
  it.skipIf(espeak === undefined)(`speech (espeak-ng, made at test time), mono 16-bit 16 kHz: frames within 1.05× of ffmpeg level 5${espeak === undefined ? ' (skipped: no espeak-ng on PATH)' : ''}`, () => {
    const wav = writeTemporary('speech.wav', new Uint8Array(0));
    execFileSync(espeak!, ['-w', wav, 'The committee discussed the budget for next year in great detail, then the quick brown fox jumped over the lazy dog.']);
    const raw = execFileSync(ffmpegPath!, ['-hide_banner', '-v', 'error', '-nostdin', '-i', wav, '-ar', '16000', '-ac', '1', '-f', 's16le', '-'], { maxBuffer: 1 << 26 });
    const rows = [new Int16Array(new Uint8Array(raw).slice().buffer)];
    const ours = encodeFlac(rows, { sampleRate: 16000, bitsPerSample: 16 }).frames.byteLength;
    const theirs = ffmpegFlacBytes(rows, 16, 16000);
    console.log(`flac-encode size speech: ${ours} B vs ffmpeg level 5 ${theirs} B = ${(ours / theirs).toFixed(4)}×`);
    expect(ours / theirs).toBeLessThanOrEqual(1.05);
  });
  for (const { name, rows: makeRows, bits, sampleRate, bound } of SIZE_CASES) {
    it(`${name}: frames within ${bound}× of ffmpeg -compression_level 5`, () => {
      const rows = makeRows();
      const ours = encodeFlac(rows, { sampleRate, bitsPerSample: bits }).frames.byteLength;
      const theirs = ffmpegFlacBytes(rows, bits, sampleRate);
      console.log(`flac-encode size ${name}: ${ours} B vs ffmpeg level 5 ${theirs} B = ${(ours / theirs).toFixed(4)}×`);
      expect(ours / theirs).toBeLessThanOrEqual(bound);
    });
  }
});
