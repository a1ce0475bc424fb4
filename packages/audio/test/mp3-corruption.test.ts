import type { TesseraError } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AudioFormatError } from '../src/audio-errors.js';
import { createMp3Decoder, parseMp3 } from '../src/mp3/index.js';
import type { PacketStream } from '../src/mp3/index.js';
import { FFMPEG_MISSING, breathe, encodeClip, temporaryFolder } from './opus-ffmpeg-tools.js';

function positions(seed: number, count: number, below: number): number[] {
  let state = seed;
  return Array.from({ length: count }, () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % below;
  });
}

function formatError(run: () => unknown, where: string): AudioFormatError | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    expect(error, where).toBeInstanceOf(AudioFormatError);
    expect((error as TesseraError).code, where).toBe('E_AUDIO_FORMAT');
    return error as AudioFormatError;
  }
}

function decodeWhole(stream: PacketStream): Float32Array {
  const out = new Float32Array(stream.channels * stream.totalSamples);
  const decoder = createMp3Decoder();
  expect(decoder.decode(stream, 0, stream.totalSamples, out, 0, stream.totalSamples)).toBe(stream.totalSamples);
  decoder.free();
  return out;
}

describe.skipIf(FFMPEG_MISSING !== undefined)(`MP3 corruption${FFMPEG_MISSING ? ` (skipped: ${FFMPEG_MISSING})` : ''}`, () => {
  const folder = temporaryFolder('mp3-corrupt');
  let mono: Uint8Array;
  let stereo: Uint8Array;
  beforeAll(() => {
    mono = encodeClip(folder.path, { seconds: 3.7, sampleRate: 16_000, channels: 1, codec: 'mp3' });
    stereo = encodeClip(folder.path, { seconds: 1, sampleRate: 44_100, channels: 2, codec: 'mp3' });
  });
  afterAll(() => folder.remove());

  it('truncation at every 1/16 of the file throws E_AUDIO_FORMAT naming where the data ends (a cut frame, or fewer frames than the Info tag counts)', async () => {
    for (const bytes of [mono, stereo]) {
      const full = parseMp3(bytes);
      for (let step = 1; step < 16; step++) {
        await breathe();
        const length = Math.floor((bytes.length * step) / 16);
        const error = formatError(() => parseMp3(bytes.subarray(0, length)), `cut at ${length}`);
        expect(error, `cut at ${length} of ${bytes.length}`).toBeDefined();
        expect(error!.byteOffset, `cut at ${length}`).toBeLessThanOrEqual(length);
        expect(error!.byteOffset!, `cut at ${length}`).toBeGreaterThanOrEqual(length - 1441); // within the last frame
      }
      // Exactly on a frame boundary: the frames are whole, the Info tag's count is not met.
      const frameEnd = bytes.length - (full.packetByteOffsets[full.packetByteOffsets.length - 1]! - full.packetByteOffsets[full.packetByteOffsets.length - 2]!);
      const error = formatError(() => parseMp3(bytes.subarray(0, frameEnd)), 'cut at the last frame');
      expect(error?.message).toMatch(/Info tag counts \d+ MP3 frames, the file has \d+/);
      expect(error?.byteOffset).toBe(frameEnd);
    }
  });

  it('flipped bytes in the file: parse throws E_AUDIO_FORMAT or returns a stream whose index fits its bytes', async () => {
    for (const [round, position] of positions(5, 200, mono.length).entries()) {
      if (round % 50 === 0) await breathe();
      const bytes = Uint8Array.from(mono);
      bytes[position] ^= 1 << round % 8;
      let stream: PacketStream | undefined;
      formatError(() => {
        stream = parseMp3(bytes);
      }, `flip at ${position}`);
      if (stream !== undefined) {
        const offsets = stream.packetByteOffsets;
        expect(offsets[offsets.length - 1]).toBe(stream.packets.length);
        expect(stream.delaySamples + stream.totalSamples).toBeLessThanOrEqual(stream.packetFirstSamples[offsets.length - 1]!);
      }
    }
  });

  it('flipped bytes in stored frames: decode throws AudioFormatError or returns, never out of bounds, and the decoder then decodes a clean clip exactly', async () => {
    for (const bytes of [mono, stereo]) {
      const stream = parseMp3(bytes);
      const clean = decodeWhole(stream);
      const decoder = createMp3Decoder();
      const size = stream.channels * stream.totalSamples;
      const out = new Float32Array(size + 16).fill(7);
      let thrown = 0;
      for (const [round, position] of positions(13, 200, stream.packets.length).entries()) {
        if (round % 50 === 0) await breathe();
        const packets = Uint8Array.from(stream.packets);
        packets[position] ^= 1 << round % 8;
        if (round % 4 === 0) packets[(position + 1) % packets.length] ^= 0xff;
        try {
          expect(decoder.decode({ ...stream, packets }, 0, stream.totalSamples, out, 0, stream.totalSamples)).toBeLessThanOrEqual(stream.totalSamples);
        } catch (error) {
          expect(error).toBeInstanceOf(AudioFormatError);
          thrown++;
        }
        for (let index = size; index < out.length; index++) expect(out[index]).toBe(7);
      }
      // Header flips are caught before mpg123 sees them (a changed frame length or format).
      expect(thrown).toBeGreaterThan(0);
      const after = new Float32Array(size);
      decoder.decode(stream, 0, stream.totalSamples, after, 0, stream.totalSamples);
      expect(after).toEqual(clean);
    }
  });

  it('an inconsistent index is E_AUDIO_FORMAT; a wrong request is E_ARGUMENT; a freed decoder is E_CLOSED', () => {
    const stream = parseMp3(stereo);
    const decoder = createMp3Decoder();
    const out = new Float32Array(2 * stream.totalSamples);
    const offsets = Uint32Array.from(stream.packetByteOffsets);
    offsets[offsets.length - 1] = stream.packets.length + 1;
    expect(formatError(() => decoder.decode({ ...stream, packetByteOffsets: offsets }, 0, 100, out, 0, 100), 'past the bytes')).toBeDefined();
    const shifted = Uint32Array.from(stream.packetByteOffsets);
    shifted[2]! += 1;
    expect(formatError(() => decoder.decode({ ...stream, packetByteOffsets: shifted }, 0, 4000, out, 0, 4000), 'shifted frame')).toBeDefined();
    expect(formatError(() => decoder.decode({ ...stream, sampleRate: 22_050 }, 0, 100, out, 0, 100), 'wrong rate')).toBeDefined();
    expect(() => decoder.decode(stream, 0, 100, new Float32Array(150), 0, 100)).toThrow(expect.objectContaining({ code: 'E_ARGUMENT' }));
    expect(() => decoder.decode({ ...stream, codec: 'opus' }, 0, 100, out, 0, 100)).toThrow(expect.objectContaining({ code: 'E_ARGUMENT' }));
    expect(formatError(() => parseMp3(new Uint8Array(0)), 'empty')).toBeDefined();
    expect(formatError(() => parseMp3(new Uint8Array(5000)), 'zeros')).toBeDefined();
    decoder.free();
    expect(() => decoder.decode(stream, 0, 100, out, 0, 100)).toThrow(expect.objectContaining({ code: 'E_CLOSED' }));
  });
});
