/**
 * What `tessera view` shows of audio fields: waveforms as WAV (int16 fields as 16-bit PCM, equal to
 * the stored samples; float32 fields as float WAV, equal too), FLAC and MP3 as stored, Opus decoded
 * to WAV; features and codec tokens as arrays, alignments as JSON; seconds from the metadata.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDataset, writeDataset } from '@tessera/core';
import { type StoredCompressedAudio, type StoredWaveform, alignments, audioPlugin, codecTokens, compressedAudio, spectrogram, waveform } from '@tessera/audio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_FFMPEG_REASON, ffmpegSync, float32Of, testFfmpeg } from './ffmpeg-available.js';
import { chirp, int16Exact } from './signals.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-audio-preview-'));
const path = join(directory, 'preview.beton');
const lossyPath = join(directory, 'lossy.beton');
const RATE = 16000;
const clip = (length: number, seed: number) => int16Exact(chirp(length, RATE, 150, 3000, seed));
const lengths = [16000, 7919, 0];
const samples = lengths.map((length, index) => ({
  pcm16: { samples: [clip(length, index), clip(length, index + 10)], sampleRate: RATE },
  float: { samples: clip(length, index + 20), sampleRate: RATE },
  flac: { samples: clip(length, index + 30), sampleRate: RATE },
  features: { data: Float32Array.from({ length: 4 * 3 }, (_, at) => at / 2), frames: 3 },
  codes: [Int16Array.of(1, 2, 3, 4, 5), Int16Array.of(6, 7, 8, 9, 10)],
  words: index === 2 ? [] : [{ start: 1600, duration: 3200, label: 'hello', score: 0.5 }, { start: 4800, duration: 800, label: 'there', speaker: 'A' }],
}));

beforeAll(async () => {
  await writeDataset(
    path,
    {
      pcm16: waveform({ sampleRate: RATE, channels: 2, dtype: 'int16' }),
      float: waveform({ sampleRate: RATE, dtype: 'float32' }),
      flac: compressedAudio({ format: 'flac', sampleRate: RATE }),
      features: spectrogram({ kind: 'mel', sampleRate: RATE, nMels: 4 }),
      codes: codecTokens({ codec: 'test', frameRate: 50, codebooks: 2, codebookSize: 1024 }),
      words: alignments({ sampleRate: RATE }),
    },
    samples,
    { plugins: [audioPlugin()], workers: 0 },
  );
  if (testFfmpeg !== undefined) {
    const value = { samples: clip(16000, 40), sampleRate: RATE };
    await writeDataset(lossyPath, { mp3: compressedAudio({ format: 'mp3', sampleRate: RATE }), opus: compressedAudio({ format: 'opus', sampleRate: RATE }) }, [{ mp3: value, opus: value }], { plugins: [audioPlugin()], workers: 0 });
  }
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

type AudioPreview = { kind: 'audio'; mimeType: string; bytes: Uint8Array; durationSeconds: number; sampleRate: number; channels: number; peaks?: Float32Array };

/** The fields of a WAV header this module writes, and its interleaved samples as numbers. */
function parseWav(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascii = (offset: number) => String.fromCharCode(...bytes.subarray(offset, offset + 4));
  expect([ascii(0), view.getUint32(4, true) + 8, ascii(8), ascii(12)]).toEqual(['RIFF', bytes.byteLength, 'WAVE', 'fmt ']);
  const format = { tag: view.getUint16(20, true), channels: view.getUint16(22, true), sampleRate: view.getUint32(24, true), byteRate: view.getUint32(28, true), blockAlign: view.getUint16(32, true), bits: view.getUint16(34, true) };
  let offset = 20 + view.getUint32(16, true);
  while (ascii(offset) !== 'data') offset += 8 + view.getUint32(offset + 4, true);
  const dataBytes = view.getUint32(offset + 4, true);
  expect(offset + 8 + dataBytes).toBe(bytes.byteLength);
  const count = dataBytes / (format.bits / 8);
  const values = Array.from({ length: count }, (_, index) => (format.bits === 16 ? view.getInt16(offset + 8 + 2 * index, true) : view.getFloat32(offset + 8 + 4 * index, true)));
  return { ...format, values };
}

const interleave = (rows: ArrayLike<number>[]) => Array.from({ length: rows[0]!.length * rows.length }, (_, index) => rows[index % rows.length]![Math.floor(index / rows.length)]!);

function expectPeaksBound(peaks: Float32Array, rows: ArrayLike<number>[], scale: number) {
  const length = rows[0]!.length;
  expect(peaks.length).toBe(2 * Math.min(200, length));
  const values = rows.flatMap((row) => Array.from(row, (value) => value * scale));
  if (length === 0) return;
  let minimum = 1;
  let maximum = -1;
  for (let pair = 0; pair < peaks.length / 2; pair++) {
    expect(peaks[2 * pair]!).toBeLessThanOrEqual(peaks[2 * pair + 1]!);
    minimum = Math.min(minimum, peaks[2 * pair]!);
    maximum = Math.max(maximum, peaks[2 * pair + 1]!);
  }
  // The strip's extremes are the clip's extremes.
  expect(minimum).toBeCloseTo(Math.min(...values), 6);
  expect(maximum).toBeCloseTo(Math.max(...values), 6);
}

describe('audio previews and statistics', () => {
  it('waveform int16: a 16-bit PCM WAV whose samples are the stored ones exactly, with peaks', async () => {
    const dataset = openDataset(path, { plugins: [audioPlugin()] });
    try {
      for (let sampleIndex = 0; sampleIndex < lengths.length; sampleIndex++) {
        const preview = (await dataset.preview('pcm16', sampleIndex)) as AudioPreview;
        const stored = dataset.read(sampleIndex, 'pcm16') as StoredWaveform;
        expect(preview).toMatchObject({ kind: 'audio', mimeType: 'audio/wav', durationSeconds: lengths[sampleIndex]! / RATE, sampleRate: RATE, channels: 2 });
        const wav = parseWav(preview.bytes);
        expect(wav).toMatchObject({ tag: 1, channels: 2, sampleRate: RATE, byteRate: RATE * 4, blockAlign: 4, bits: 16 });
        expect(wav.values).toEqual(interleave(stored.samples));
        expectPeaksBound(preview.peaks!, stored.samples, 1 / 32768);
        expect(dataset.statistics('pcm16', sampleIndex)).toEqual({ seconds: lengths[sampleIndex]! / RATE, channels: 2 });
      }
    } finally {
      dataset.close();
    }
  });

  it('waveform float32: a float WAV whose samples are the stored ones exactly', async () => {
    const dataset = openDataset(path, { plugins: [audioPlugin()] });
    try {
      const preview = (await dataset.preview('float', 1)) as AudioPreview;
      const stored = dataset.read(1, 'float') as StoredWaveform;
      const wav = parseWav(preview.bytes);
      expect(wav).toMatchObject({ tag: 3, channels: 1, sampleRate: RATE, bits: 32 });
      expect(wav.values).toEqual(Array.from(stored.samples[0]!));
      expectPeaksBound(preview.peaks!, stored.samples, 1);
    } finally {
      dataset.close();
    }
  });

  it('FLAC: the stored frames as a .flac file, no decoding', async () => {
    const dataset = openDataset(path, { plugins: [audioPlugin()] });
    try {
      const preview = (await dataset.preview('flac', 0)) as AudioPreview;
      const stored = dataset.read(0, 'flac') as StoredCompressedAudio;
      const payload = dataset.toJSON(0, 'flac') as { frames: number; byteLength: number };
      expect(preview).toMatchObject({ kind: 'audio', mimeType: 'audio/flac', durationSeconds: 1, sampleRate: RATE, channels: 1 });
      expect(String.fromCharCode(...preview.bytes.subarray(0, 4))).toBe('fLaC');
      expect(Buffer.compare(Buffer.from(preview.bytes), Buffer.from(stored.file!))).toBe(0);
      // "fLaC" + STREAMINFO (4 + 34 bytes), then the stored frame bytes: the payload less its index and MD5
      expect(preview.bytes.byteLength - 42).toBe(payload.byteLength - 8 * (payload.frames + 1) - 16);
      expect(await dataset.preview('flac', 2)).toMatchObject({ mimeType: 'audio/wav', durationSeconds: 0 });
      expect(dataset.statistics('flac', 1)).toEqual({ seconds: 7919 / RATE, channels: 1 });
    } finally {
      dataset.close();
    }
  });

  it.skipIf(testFfmpeg === undefined)(`MP3 as stored, Opus decoded to WAV (${testFfmpeg === undefined ? NO_FFMPEG_REASON : 'ffmpeg found'})`, async () => {
    const dataset = openDataset(lossyPath, { plugins: [audioPlugin()] });
    try {
      const mp3 = (await dataset.preview('mp3', 0)) as AudioPreview;
      const payload = dataset.toJSON(0, 'mp3') as { frames: number; byteLength: number };
      expect(mp3).toMatchObject({ kind: 'audio', mimeType: 'audio/mpeg', durationSeconds: 1, sampleRate: RATE, channels: 1 });
      expect(mp3.bytes.byteLength).toBe(payload.byteLength - 8 * (payload.frames + 1));
      expect([mp3.bytes[0], mp3.bytes[1]! & 0xe0]).toEqual([0xff, 0xe0]);
      // A player reads it as an MP3 file: the frames decode to the clip plus the encoder's delay and padding.
      const decoded = float32Of(ffmpegSync(['-f', 'mp3', '-i', 'pipe:0', '-f', 'f32le', '-ac', '1', 'pipe:1'], mp3.bytes));
      expect(decoded.length).toBeGreaterThanOrEqual(16000);
      expect(decoded.length).toBeLessThan(16000 + 3 * 1152);

      const opus = (await dataset.preview('opus', 0)) as AudioPreview;
      const stored = dataset.read(0, 'opus') as StoredCompressedAudio;
      expect(opus).toMatchObject({ kind: 'audio', mimeType: 'audio/wav', durationSeconds: 1, sampleRate: RATE, channels: 1 });
      expect(parseWav(opus.bytes).values).toEqual(Array.from(stored.samples[0]!));
    } finally {
      dataset.close();
    }
  });

  it('spectrograms and codec tokens as arrays, alignments as JSON, counts from the metadata', async () => {
    const dataset = openDataset(path, { plugins: [audioPlugin()] });
    try {
      const features = await dataset.preview('features', 0);
      expect(features).toMatchObject({ kind: 'array', dtype: '<f4', shape: [4, 3] });
      expect(Array.from((features as { values: Float64Array }).values)).toEqual(Array.from(samples[0]!.features.data));
      expect(dataset.statistics('features', 0)).toMatchObject({ frames: 3 });
      const codes = await dataset.preview('codes', 0);
      expect(codes).toMatchObject({ kind: 'array', dtype: '<i2', shape: [2, 5] });
      expect(Array.from((codes as { values: Float64Array }).values)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(dataset.statistics('codes', 0)).toEqual({ frames: 5, seconds: 0.1 });
      const words = (await dataset.preview('words', 0)) as { kind: 'json'; value: { spans: { label: string; startSeconds: number; endSeconds: number }[] } };
      expect(words.kind).toBe('json');
      expect(words.value.spans.map(({ label, startSeconds, endSeconds }) => [label, startSeconds, endSeconds])).toEqual([
        ['hello', 0.1, 0.3],
        ['there', 0.3, 0.35],
      ]);
      expect([dataset.statistics('words', 0), dataset.statistics('words', 2)]).toEqual([{ spans: 2 }, { spans: 0 }]);
    } finally {
      dataset.close();
    }
  });
});
