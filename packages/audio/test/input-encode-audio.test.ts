import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TesseraError } from '@tessera/core';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeAudio } from '../src/input/index.js';
import type { Pcm } from '../src/input/index.js';
import { NO_FFMPEG_REASON, ffmpegSync, float32Of, testFfmpeg } from './ffmpeg-available.js';
import { integerRamp } from './input-wav-bytes.js';

const folder = mkdtempSync(join(tmpdir(), 'tessera-encode-test-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** PCM whose samples are exactly k / 2^(bits−1), so a lossless round trip is exact. */
function exactPcm(length: number, channels: number, sampleRate: number, bits: 16 | 24, seed = 1): Pcm {
  const full = 2 ** (bits - 1);
  // A loud-ish seeded signal, kept inside [-0.9, 0.9] so nothing clips.
  const rows = Array.from({ length: channels }, (_, channel) =>
    Float32Array.from(integerRamp(length, -Math.floor(0.9 * full), Math.floor(0.9 * full), seed + channel), (value) => value / full),
  );
  return { channels: rows, sampleRate, length };
}

function tone(length: number, sampleRate: number, hz = 440): Pcm {
  return { channels: [Float32Array.from({ length }, (_, index) => 0.5 * Math.sin((2 * Math.PI * hz * index) / sampleRate))], sampleRate, length };
}

const ascii = (bytes: Uint8Array, offset: number, length: number) => String.fromCharCode(...bytes.subarray(offset, offset + length));
const indexOf = (bytes: Uint8Array, text: string) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(text, 0, 'latin1');

/** STREAMINFO fields of a .flac file. */
function streamInfo(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const at = 8;
  const packed = view.getUint32(at + 10);
  return {
    minBlockSize: view.getUint16(at),
    maxBlockSize: view.getUint16(at + 2),
    sampleRate: packed >>> 12,
    channels: ((packed >>> 9) & 7) + 1,
    bitsPerSample: ((packed >>> 4) & 31) + 1,
    totalSamples: (packed & 15) * 2 ** 32 + view.getUint32(at + 14),
    md5: Buffer.from(bytes.subarray(at + 18, at + 34)).toString('hex'),
  };
}

/** Decodes encoded bytes with the test ffmpeg to f32le planar rows (reference decoder). */
function decode(bytes: Uint8Array, name: string, channels: number, rate?: number): Float32Array[] {
  const path = join(folder, name);
  writeFileSync(path, bytes);
  const interleaved = float32Of(ffmpegSync(['-i', path, ...(rate === undefined ? [] : ['-ar', String(rate)]), '-f', 'f32le', '-']));
  const length = interleaved.length / channels;
  return Array.from({ length: channels }, (_, channel) => Float32Array.from({ length }, (_, frame) => interleaved[frame * channels + channel]!));
}

describe('encodeAudio checks before running ffmpeg', () => {
  const noFfmpeg = join(folder, 'no-ffmpeg');
  it('rates a format cannot store are E_AUDIO_SAMPLE_RATE', async () => {
    for (const [format, sampleRate] of [['opus', 44100], ['opus', 22050], ['mp3', 96000], ['mp3', 7000]] as const) {
      const error = (await encodeAudio(tone(100, sampleRate), { format, ffmpegPath: noFfmpeg }).catch((caught) => caught)) as TesseraError;
      expect(error.code, `${format} ${sampleRate}`).toBe('E_AUDIO_SAMPLE_RATE');
      expect(error.message).toContain(`got ${sampleRate} Hz`);
    }
  });
  it('bad options are E_ARGUMENT', async () => {
    const cases = [
      { format: 'wav' },
      { format: 'flac', bitsPerSample: 20 },
      { format: 'flac', compressionLevel: 13 },
      { format: 'flac', frameSize: 8 },
      { format: 'opus', bitrate: 1000 },
    ];
    for (const options of cases) {
      const error = (await encodeAudio(tone(100, 16000), { ...(options as object), ffmpegPath: noFfmpeg } as never).catch((caught) => caught)) as TesseraError;
      expect(error.code, JSON.stringify(options)).toBe('E_ARGUMENT');
    }
    const three = { channels: [new Float32Array(4), new Float32Array(4), new Float32Array(4)], sampleRate: 48000, length: 4 };
    expect(((await encodeAudio(three, { format: 'opus', ffmpegPath: noFfmpeg }).catch((caught) => caught)) as TesseraError).message).toContain('opus stores 1–2 channels, got 3');
  });
});

describe.skipIf(testFfmpeg === undefined)(`encodeAudio with ffmpeg (${testFfmpeg ?? NO_FFMPEG_REASON})`, () => {
  const ffmpegPath = testFfmpeg;

  it('FLAC 16-bit: fixed 4096-sample blocks, STREAMINFO with total samples and MD5, decodes exactly', async () => {
    const pcm = exactPcm(20_000, 2, 16000, 16);
    const bytes = await encodeAudio(pcm, { format: 'flac', ffmpegPath });
    expect(ascii(bytes, 0, 4)).toBe('fLaC');
    const info = streamInfo(bytes);
    expect(info).toMatchObject({ minBlockSize: 4096, maxBlockSize: 4096, sampleRate: 16000, channels: 2, bitsPerSample: 16, totalSamples: 20_000 });
    expect(info.md5).not.toBe('0'.repeat(32));
    expect(decode(bytes, 'exact16.flac', 2)).toEqual(pcm.channels);
    const again = await encodeAudio(pcm, { format: 'flac', ffmpegPath });
    expect(again).toEqual(bytes);
  });

  it('FLAC 24-bit and other frame sizes / levels decode exactly', async () => {
    const pcm = exactPcm(9_000, 1, 44100, 24, 9);
    const bytes = await encodeAudio(pcm, { format: 'flac', bitsPerSample: 24, frameSize: 1152, compressionLevel: 8, ffmpegPath });
    expect(streamInfo(bytes)).toMatchObject({ minBlockSize: 1152, maxBlockSize: 1152, bitsPerSample: 24, totalSamples: 9_000, sampleRate: 44100 });
    expect(decode(bytes, 'exact24.flac', 1)).toEqual(pcm.channels);
    const level0 = await encodeAudio(pcm, { format: 'flac', bitsPerSample: 24, compressionLevel: 0, ffmpegPath });
    expect(decode(level0, 'level0.flac', 1)).toEqual(pcm.channels);
  });

  it('Opus in Ogg: OpusHead, 20 ms packets, decoded length = input length at 48 kHz, a tone within 0.05 of the input', async () => {
    const pcm = tone(48_000, 48000);
    const bytes = await encodeAudio(pcm, { format: 'opus', ffmpegPath });
    expect(ascii(bytes, 0, 4)).toBe('OggS');
    expect(indexOf(bytes, 'OpusHead')).toBeGreaterThan(0);
    const [decoded] = decode(bytes, 'tone.ogg', 1);
    expect(decoded!.length).toBe(48_000);
    let maxError = 0;
    for (let index = 2000; index < 46_000; index++) maxError = Math.max(maxError, Math.abs(decoded![index]! - pcm.channels[0]![index]!));
    expect(maxError).toBeLessThan(0.05);
    // 32 kb/s: about 4 kB per second of audio.
    expect(bytes.byteLength).toBeGreaterThan(2500);
    expect(bytes.byteLength).toBeLessThan(6000);
    const at16k = await encodeAudio(tone(16_000, 16000), { format: 'opus', ffmpegPath });
    const head = indexOf(at16k, 'OpusHead');
    // 16 kHz PCM is fed to libopus at 48 kHz (OpusHead's input rate, u32 LE at +12): the last page's
    // granule position is pre-skip + 3 × 16 000, with every ffmpeg (4.1's libopus wrapper otherwise
    // writes the pre-skip in 16 kHz units).
    const view = new DataView(at16k.buffer, at16k.byteOffset);
    const preSkip = view.getUint16(head + 10, true);
    const lastPage = Buffer.from(at16k).lastIndexOf('OggS');
    expect(view.getUint32(head + 12, true)).toBe(48000);
    expect(preSkip).toBe(312);
    expect(Number(view.getBigInt64(lastPage + 6, true))).toBe(preSkip + 48_000);
  });

  it('MP3 keeps the Xing/LAME header: decoded length = input length; no ID3 tag', async () => {
    for (const [sampleRate, length] of [[44100, 44100], [16000, 12345]]) {
      const pcm = tone(length, sampleRate);
      const bytes = await encodeAudio(pcm, { format: 'mp3', ffmpegPath });
      expect(ascii(bytes, 0, 3)).not.toBe('ID3');
      expect(bytes[0]).toBe(0xff);
      const xing = Math.max(indexOf(bytes, 'Xing'), indexOf(bytes, 'Info'));
      expect(xing).toBeGreaterThan(0);
      expect(indexOf(bytes, 'LAME') > 0 || indexOf(bytes, 'Lavc') > 0).toBe(true);
      const [decoded] = decode(bytes, `tone-${sampleRate}.mp3`, 1);
      expect(decoded!.length, `${sampleRate} Hz`).toBe(length);
    }
  });
});
