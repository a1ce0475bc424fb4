import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TesseraError } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AudioFormatError } from '../src/audio-errors.js';
import { createOpusDecoder, parseOggOpus } from '../src/opus/index.js';
import type { PacketStream } from '../src/opus/index.js';
import { FFMPEG_MISSING, breathe, encodeClip, ffmpegDecode, temporaryFolder } from './opus-ffmpeg-tools.js';

/** Deterministic pseudo-random positions (xorshift32). */
function positions(seed: number, count: number, below: number): number[] {
  let state = seed;
  return Array.from({ length: count }, () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % below;
  });
}

function pageStarts(bytes: Uint8Array): number[] {
  const starts: number[] = [];
  let offset = 0;
  while (offset + 27 <= bytes.length) {
    starts.push(offset);
    const segments = bytes[offset + 26]!;
    let size = 27 + segments;
    for (let index = 0; index < segments; index++) size += bytes[offset + 27 + index]!;
    offset += size;
  }
  return starts;
}

function expectFormatError(run: () => unknown, where: string): AudioFormatError {
  try {
    run();
  } catch (error) {
    expect(error, where).toBeInstanceOf(AudioFormatError);
    expect((error as TesseraError).code, where).toBe('E_AUDIO_FORMAT');
    return error as AudioFormatError;
  }
  throw new Error(`${where}: no error`);
}

function decodeWhole(stream: PacketStream): Float32Array {
  const out = new Float32Array(stream.channels * stream.totalSamples);
  const decoder = createOpusDecoder(stream.sampleRate, stream.channels);
  expect(decoder.decode(stream, 0, stream.totalSamples, out, 0, stream.totalSamples)).toBe(stream.totalSamples);
  decoder.free();
  return out;
}

describe.skipIf(FFMPEG_MISSING !== undefined)(`Ogg Opus corruption${FFMPEG_MISSING ? ` (skipped: ${FFMPEG_MISSING})` : ''}`, () => {
  const folder = temporaryFolder('opus-corrupt');
  let mono: Uint8Array;
  let stereo: Uint8Array;
  beforeAll(() => {
    mono = encodeClip(folder.path, { seconds: 3.7, sampleRate: 16_000, channels: 1, codec: 'opus' });
    stereo = encodeClip(folder.path, { seconds: 1, sampleRate: 48_000, channels: 2, codec: 'opus' });
  });
  afterAll(() => folder.remove());

  it('truncation at every 1/16 of the file throws E_AUDIO_FORMAT naming the offset where the data ends', async () => {
    for (const bytes of [mono, stereo]) {
      const pages = new Set(pageStarts(bytes));
      for (let step = 1; step < 16; step++) {
        await breathe();
        const length = Math.floor((bytes.length * step) / 16);
        const cut = bytes.subarray(0, length);
        if (pages.has(length)) continue; // covered by the page-boundary test
        const error = expectFormatError(() => parseOggOpus(cut, 16_000), `cut at ${length}`);
        expect(error.byteOffset, `cut at ${length}`).toBe(length);
        expect(error.message).toContain(String(length));
      }
    }
  });

  it('truncation exactly on a page boundary gives a shorter stream whose length is its last granule, as ffmpeg decodes it', async () => {
    const pages = pageStarts(mono);
    expect(pages.length).toBeGreaterThanOrEqual(5); // OpusHead, OpusTags, then about a second of audio per page
    const full = parseOggOpus(mono, 48_000);
    for (const boundary of [pages[2]!, pages[3]!, pages[Math.floor(pages.length / 2)]!, pages[pages.length - 1]!]) {
      await breathe();
      const cut = mono.subarray(0, boundary);
      const stream = parseOggOpus(cut, 48_000);
      const packets = stream.packetByteOffsets.length - 1;
      // The packets are a prefix of the full stream's, and the length fits inside what they decode to.
      expect(packets).toBeLessThan(full.packetByteOffsets.length - 1);
      expect(stream.packets).toEqual(full.packets.subarray(0, stream.packets.length));
      expect(stream.delaySamples + stream.totalSamples).toBeLessThanOrEqual(stream.packetFirstSamples[packets]!);
      const file = join(folder.path, `cut-${boundary}.opus`);
      writeFileSync(file, cut);
      // Only the two header pages: no audio (ffmpeg refuses such a file).
      if (packets === 0) expect(stream.totalSamples).toBe(0);
      else expect(stream.totalSamples, `cut at page ${boundary}`).toBe(ffmpegDecode(file, 1, 'libopus')[0]!.length);
      if (stream.totalSamples > 0) {
        const whole = decodeWhole(stream);
        const reference = decodeWhole(full);
        expect(whole).toEqual(reference.subarray(0, stream.totalSamples));
      }
    }
  });

  it('a flipped byte anywhere in the file fails the page checksum: E_AUDIO_FORMAT at that page', async () => {
    const pages = pageStarts(mono);
    for (const position of positions(7, 40, mono.length)) {
      const bytes = Uint8Array.from(mono);
      bytes[position] ^= 0x5a;
      const page = pages.filter((start) => start <= position).pop()!;
      const error = expectFormatError(() => parseOggOpus(bytes, 16_000), `flip at ${position}`);
      // A flip in the capture pattern or the length fields is found before the checksum.
      expect(error.byteOffset!, `flip at ${position}`).toBeGreaterThanOrEqual(page);
    }
    await breathe();
  });

  it('flipped bytes in stored packets: decode throws AudioFormatError or returns, never out of bounds, and the decoder then decodes a clean clip exactly', async () => {
    const stream = parseOggOpus(mono, 16_000);
    const clean = decodeWhole(stream);
    const decoder = createOpusDecoder(16_000, 1);
    const out = new Float32Array(stream.totalSamples + 16).fill(7);
    let thrown = 0;
    let returned = 0;
    for (const [round, position] of positions(11, 300, stream.packets.length).entries()) {
      if (round % 50 === 0) await breathe();
      const packets = Uint8Array.from(stream.packets);
      packets[position] ^= 1 << round % 8;
      if (round % 3 === 0) packets[(position + 1) % packets.length] ^= 0xff;
      const corrupt: PacketStream = { ...stream, packets };
      try {
        const written = decoder.decode(corrupt, 0, stream.totalSamples, out, 0, stream.totalSamples);
        expect(written).toBeLessThanOrEqual(stream.totalSamples);
        returned++;
      } catch (error) {
        expect(error).toBeInstanceOf(AudioFormatError);
        thrown++;
      }
      for (let index = stream.totalSamples; index < out.length; index++) expect(out[index]).toBe(7);
    }
    expect(thrown + returned).toBe(300);
    const after = new Float32Array(stream.totalSamples);
    decoder.decode(stream, 0, stream.totalSamples, after, 0, stream.totalSamples);
    expect(after).toEqual(clean);
  });

  it('an inconsistent index is E_AUDIO_FORMAT (offsets past the bytes, decreasing offsets, more samples than packets); a wrong request is E_ARGUMENT', () => {
    const stream = parseOggOpus(stereo, 48_000);
    const decoder = createOpusDecoder(48_000, 2);
    const out = new Float32Array(2 * stream.totalSamples);
    const offsets = Uint32Array.from(stream.packetByteOffsets);
    offsets[offsets.length - 1] = stream.packets.length + 1;
    expectFormatError(() => decoder.decode({ ...stream, packetByteOffsets: offsets }, 0, 100, out, 0, 100), 'offsets past the bytes');
    const decreasing = Uint32Array.from(stream.packetByteOffsets);
    decreasing[3] = decreasing[5]! + 1;
    expectFormatError(() => decoder.decode({ ...stream, packetByteOffsets: decreasing }, 0, 4000, out, 0, 4000), 'decreasing offsets');
    expectFormatError(() => decoder.decode({ ...stream, totalSamples: stream.totalSamples + 10_000 }, 0, 10, out, 0, 10), 'too many samples');
    const durations = Float64Array.from(stream.packetFirstSamples);
    for (let index = 1; index < durations.length; index++) durations[index]! += index * 10;
    expectFormatError(() => decoder.decode({ ...stream, packetFirstSamples: durations }, 0, 2000, out, 0, 2000), 'index durations');
    expect(() => decoder.decode(stream, 0, 100, new Float32Array(150), 0, 100)).toThrow(expect.objectContaining({ code: 'E_ARGUMENT' }));
    expect(() => decoder.decode(stream, -1, 100, out, 0, 100)).toThrow(expect.objectContaining({ code: 'E_ARGUMENT' }));
    expect(() => createOpusDecoder(16_000, 1).decode(stream, 0, 100, out, 0, 100)).toThrow(expect.objectContaining({ code: 'E_ARGUMENT' }));
    expect(() => parseOggOpus(stereo, 44_100)).toThrow(expect.objectContaining({ code: 'E_ARGUMENT' }));
    expect(decoder.decode(stream, stream.totalSamples, 100, out, 0, 100)).toBe(0);
    decoder.free();
    expect(() => decoder.decode(stream, 0, 100, out, 0, 100)).toThrow(expect.objectContaining({ code: 'E_CLOSED' }));
  });
});
