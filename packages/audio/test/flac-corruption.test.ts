import { TesseraError } from '@tessera/core';
import { afterAll, describe, expect, it } from 'vitest';
import { AudioFormatError } from '../src/audio-errors.js';
import { type FlacStream, createFlacDecoder, parseFlacFile } from '../src/flac/index.js';
import { NO_FFMPEG, NO_FFMPEG_REASON, makeFlac, referenceDecode, removeTemporaryFolder, seededRandom } from './flac-test-support.js';

function audioError(action: () => unknown): AudioFormatError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(AudioFormatError);
    expect(TesseraError.is(error, 'E_AUDIO_FORMAT')).toBe(true);
    return error as AudioFormatError;
  }
  throw new Error('expected an E_AUDIO_FORMAT error, nothing was thrown');
}

const yieldToVitest = () => new Promise((resolve) => setImmediate(resolve));

describe.skipIf(NO_FFMPEG)(`corrupt FLAC is detected, never decoded silently${NO_FFMPEG ? ` (skipped: ${NO_FFMPEG_REASON})` : ''}`, () => {
  afterAll(removeTemporaryFolder);
  const decoder = createFlacDecoder();
  const small = () =>
    makeFlac(['-f', 'lavfi', '-i', 'anoisesrc=color=pink:sample_rate=16000:duration=0.3:amplitude=0.4:seed=5'], ['-sample_fmt', 's16', '-frame_size', '1152']);

  /**
   * Flips bytes of the frame region at `positions` (XOR with a seeded non-zero mask, or one bit); each
   * flipped stream must fail both decode and parse with E_AUDIO_FORMAT. Returns how many decoded anyway
   * with right samples (allowed in principle) — wrong samples fail the test at once.
   */
  async function flipAll(bytes: Uint8Array, stream: FlacStream, reference: Int32Array, positions: number[], singleBit: boolean): Promise<number> {
    const { info } = stream;
    const total = info.totalSamples;
    const framesStart = bytes.length - stream.frames.byteLength;
    const random = seededRandom(positions.length);
    const out = new Int32Array(total * info.channels);
    let undetected = 0;
    for (const position of positions) {
      const mask = singleBit ? 1 << random(8) : 1 + random(255);
      const frames = stream.frames.slice();
      frames[position] ^= mask;
      let threw = false;
      try {
        decoder.decode(frames, info, 0, 0, total, out, 0, total);
      } catch (error) {
        if (!TesseraError.is(error, 'E_AUDIO_FORMAT')) throw error;
        threw = true;
      }
      if (!threw) {
        const wrong = out.findIndex((value, index) => value !== reference[index]);
        expect(wrong, `flip 0x${mask.toString(16)} at frame byte ${position} decoded silently to wrong samples`).toBe(-1);
        undetected++;
      }
      const file = bytes.slice();
      file[framesStart + position] ^= mask;
      expect(() => parseFlacFile(file)).toThrow(AudioFormatError);
      await yieldToVitest();
    }
    return undetected;
  }

  it('every byte of a small file’s frames, flipped, makes decode and parse throw E_AUDIO_FORMAT', async () => {
    const { bytes, path } = small();
    const stream = parseFlacFile(bytes);
    const reference = referenceDecode(path, 1, 16).planar;
    const positions = Array.from({ length: stream.frames.byteLength }, (_, index) => index);
    expect(await flipAll(bytes, stream, reference, positions, false)).toBe(0);
  });

  it('500 seeded single-bit flips in 24-bit stereo frames all throw E_AUDIO_FORMAT', async () => {
    const { bytes, path } = makeFlac(
      ['-f', 'lavfi', '-i', "aevalsrc='0.5*sin(2*PI*330*t)+0.1*(random(0)-0.5)|0.4*sin(2*PI*(100+300*t)*t)':s=48000:d=0.4"],
      ['-sample_fmt', 's32', '-bits_per_raw_sample', '24', '-frame_size', '4096'],
    );
    const stream = parseFlacFile(bytes);
    const reference = referenceDecode(path, 2, 24).planar;
    const random = seededRandom(99);
    const positions = Array.from({ length: 500 }, () => random(stream.frames.byteLength));
    expect(await flipAll(bytes, stream, reference, positions, true)).toBe(0);
  });

  it('truncation at every 1/32 of the file: parse throws E_AUDIO_FORMAT naming the byte offset', () => {
    const { bytes } = small();
    for (let part = 0; part < 32; part++) {
      const length = Math.floor((bytes.length * part) / 32);
      const error = audioError(() => parseFlacFile(bytes.subarray(0, length)));
      expect(error.message).toMatch(/byte offset \d+/);
      expect(error.byteOffset).toBeTypeOf('number');
      expect(error.byteOffset!).toBeLessThanOrEqual(length);
    }
    // One byte short, and cut at a frame boundary (STREAMINFO's total then disagrees).
    expect(audioError(() => parseFlacFile(bytes.subarray(0, bytes.length - 1))).message).toMatch(/truncated/);
    const stream = parseFlacFile(bytes);
    const boundary = bytes.length - stream.frames.byteLength + stream.frameByteOffsets[2];
    expect(audioError(() => parseFlacFile(bytes.subarray(0, boundary))).message).toMatch(/STREAMINFO says \d+ samples per channel, the 2 frames hold 2304/);
  });

  it('frames that end inside a frame make decode throw; frames cut at a frame boundary decode what they hold', () => {
    const { bytes } = small();
    const stream = parseFlacFile(bytes);
    const { info } = stream;
    const out = new Float32Array(info.totalSamples);
    for (const cut of [stream.frameByteOffsets[1] - 1, stream.frameByteOffsets[1] - 2, stream.frameByteOffsets[2] + 3, stream.frameByteOffsets[1] + 1]) {
      expect(audioError(() => decoder.decode(stream.frames.subarray(0, cut), info, 0, 0, info.totalSamples, out, 0, info.totalSamples)).message).toMatch(
        /truncated|CRC|sync/,
      );
    }
    expect(decoder.decode(stream.frames.subarray(0, stream.frameByteOffsets[2]), info, 0, 0, info.totalSamples, out, 0, info.totalSamples)).toBe(2304);
  });

  it('names what is wrong: magic, metadata, header CRC-8, STREAMINFO inconsistencies', () => {
    const { bytes } = small();
    const framesStart = bytes.length - parseFlacFile(bytes).frames.byteLength;
    const edit = (change: (copy: Uint8Array) => void) => {
      const copy = bytes.slice();
      change(copy);
      return copy;
    };
    /** Sets bytes (offset → value, the value may use the old byte). */
    const patch = (changes: [number, (old: number) => number][]) =>
      edit((copy) => {
        for (const [offset, value] of changes) copy[offset] = value(copy[offset]);
      });
    expect(audioError(() => parseFlacFile(new TextEncoder().encode('RIFF....WAVEfmt '))).message).toMatch(/not a FLAC file.*fLaC.*52 49 46 46.*byte offset 0/);
    expect(audioError(() => parseFlacFile(new Uint8Array(0))).message).toMatch(/end of data/);
    expect(audioError(() => parseFlacFile(bytes.subarray(0, 20))).message).toMatch(/metadata truncated/);
    expect(audioError(() => parseFlacFile(edit((copy) => (copy[4] = 0x81)))).message).toMatch(/must start with STREAMINFO/);
    // A flipped bit in frame 0's sample rate code: the header CRC-8 no longer matches.
    const crc8 = audioError(() => parseFlacFile(edit((copy) => (copy[framesStart + 2] ^= 0x01))));
    expect(crc8.message).toMatch(/CRC-8 mismatch/);
    expect(crc8.byteOffset).toBe(framesStart);
    // STREAMINFO says a maximum block size of 1024, the frames have 1152.
    expect(audioError(() => parseFlacFile(patch([[10, () => 0x04], [11, () => 0x00], [8, () => 0], [9, () => 16]]))).message).toMatch(
      /block size 1152 exceeds STREAMINFO's maximum block size 1024/,
    );
    // STREAMINFO says 22050 Hz, the frame headers code 16000 Hz.
    expect(audioError(() => parseFlacFile(patch([[18, () => 0x05], [19, () => 0x62], [20, (old) => (old & 0x0f) | 0x20]]))).message).toMatch(
      /sample rate 16000 Hz differs from STREAMINFO's 22050 Hz/,
    );
    // STREAMINFO's total samples one more than the frames hold.
    const total = parseFlacFile(bytes).info.totalSamples;
    expect(
      audioError(() =>
        parseFlacFile(
          edit((copy) => {
            const value = total + 1;
            copy[8 + 14] = value >>> 24;
            copy[8 + 15] = value >>> 16;
            copy[8 + 16] = value >>> 8;
            copy[8 + 17] = value;
          }),
        ),
      ).message,
    ).toMatch(new RegExp(`STREAMINFO says ${total + 1} samples per channel, the \\d+ frames hold ${total}`));
    // STREAMINFO says 24 bits per sample, the frames code 16.
    expect(audioError(() => parseFlacFile(patch([[20, (old) => (old & 0xfe) | 0x01], [21, (old) => (old & 0x0f) | 0x70]]))).message).toMatch(
      /16 bits per sample, STREAMINFO says 24/,
    );
  });

  it('decode arguments are checked (E_ARGUMENT)', () => {
    const { bytes } = small();
    const stream = parseFlacFile(bytes);
    const { info } = stream;
    expect(() => decoder.decode(stream.frames, info, 0, 0, 100, new Float32Array(99), 0, 100)).toThrow(expect.objectContaining({ code: 'E_ARGUMENT' }));
    expect(() => decoder.decode(stream.frames, info, 1152, 0, 10, new Float32Array(10), 0, 10)).toThrow(expect.objectContaining({ code: 'E_ARGUMENT' }));
    expect(() => decoder.decode(stream.frames, { ...info, bitsPerSample: 24 }, 0, 0, 10, new Int16Array(10), 0, 10)).toThrow(
      expect.objectContaining({ code: 'E_ARGUMENT' }),
    );
  });
});
