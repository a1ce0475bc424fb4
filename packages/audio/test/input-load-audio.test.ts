import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TesseraError } from '@tessera/core';
import { afterAll, describe, expect, it } from 'vitest';
import { FfmpegNotFoundError } from '../src/audio-ffmpeg.js';
import { AudioInputError, loadAudio } from '../src/input/index.js';
import { NO_FFMPEG_REASON, ffmpegSync, float32Of, testFfmpeg } from './ffmpeg-available.js';
import { integerRamp, wavBytes } from './input-wav-bytes.js';

const folder = mkdtempSync(join(tmpdir(), 'tessera-input-test-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
/** A path that is no ffmpeg: a target with it proves the load ran without ffmpeg. */
const NO_FFMPEG = { ffmpegPath: join(folder, 'no-ffmpeg-here') };

function writeFile(name: string, bytes: Uint8Array): string {
  const path = join(folder, name);
  writeFileSync(path, bytes);
  return path;
}

/** Planar expectations from interleaved stored values. */
function planar(values: readonly number[], channels: number, scale: (value: number) => number): Float32Array[] {
  const frames = values.length / channels;
  return Array.from({ length: channels }, (_, channel) => Float32Array.from({ length: frames }, (_, frame) => scale(values[frame * channels + channel]!)));
}

describe('WAV fast path (JS, no ffmpeg)', () => {
  const cases = [
    { name: 'int16 mono', formatTag: 1, bitsPerSample: 16, channels: 1, min: -32768, max: 32767, scale: (value: number) => value / 32768 },
    { name: 'int16 stereo', formatTag: 1, bitsPerSample: 16, channels: 2, min: -32768, max: 32767, scale: (value: number) => value / 32768 },
    { name: 'int24 stereo', formatTag: 1, bitsPerSample: 24, channels: 2, min: -8388608, max: 8388607, scale: (value: number) => value / 8388608 },
    { name: 'int32 mono', formatTag: 1, bitsPerSample: 32, channels: 1, min: -2147483648, max: 2147483647, scale: (value: number) => value / 2147483648 },
    { name: 'uint8 mono', formatTag: 1, bitsPerSample: 8, channels: 1, min: 0, max: 255, scale: (value: number) => (value - 128) / 128 },
    { name: 'int24 5.1, WAVE_FORMAT_EXTENSIBLE', formatTag: 1, bitsPerSample: 24, channels: 6, min: -8388608, max: 8388607, scale: (value: number) => value / 8388608, extensible: true },
  ] as const;
  for (const entry of cases) {
    it(`${entry.name}: every sample exact (x / 2^(bits−1)) at the file's rate and channels`, async () => {
      const values = integerRamp(entry.channels * 1000, entry.min, entry.max).map((value) => (entry.bitsPerSample === 8 ? Math.abs(value) % 256 : value));
      const path = writeFile(`${entry.name.replace(/\W+/g, '-')}.wav`, wavBytes({ sampleRate: 16000, channels: entry.channels, formatTag: entry.formatTag, bitsPerSample: entry.bitsPerSample, values, extensible: 'extensible' in entry }));
      const pcm = await loadAudio(path, { sampleRate: 16000, channels: entry.channels, ...NO_FFMPEG });
      expect(pcm.sampleRate).toBe(16000);
      expect(pcm.length).toBe(1000);
      expect(pcm.channels).toEqual(planar(values, entry.channels, entry.scale));
    });
  }

  it('float32 and float64 WAV (also extensible), after an odd-sized LIST chunk, are read exactly', async () => {
    const values = Array.from({ length: 802 }, (_, index) => Math.fround(Math.sin(index / 7) * 0.9));
    for (const [bits, extensible] of [[32, false], [64, false], [32, true]] as const) {
      const bytes = wavBytes({ sampleRate: 8000, channels: 2, formatTag: 3, bitsPerSample: bits, values, extensible, extraChunkBytes: 13 });
      const pcm = await loadAudio(bytes, { sampleRate: 8000, channels: 2, ...NO_FFMPEG });
      expect(pcm.length).toBe(401);
      expect(pcm.channels).toEqual(planar(values, 2, (value) => value));
    }
  });

  it('crops keep frames round(start·rate) … round(end·rate) exactly', async () => {
    const values = integerRamp(16000, -32768, 32767, 3);
    const path = writeFile('crop.wav', wavBytes({ sampleRate: 16000, channels: 1, formatTag: 1, bitsPerSample: 16, values }));
    const whole = (await loadAudio(path, { sampleRate: 16000, channels: 1, ...NO_FFMPEG })).channels[0]!;
    const cases: [number | undefined, number | undefined, number, number][] = [
      [0.25, 0.75, 4000, 12000],
      [0.12345, 0.5, 1975, 8000],
      [undefined, 0.1, 0, 1600],
      [0.9, undefined, 14400, 16000],
      [0.9, 5, 14400, 16000],
      [2, 3, 16000, 16000],
      [0.5, 0.5, 8000, 8000],
    ];
    for (const [start, end, from, to] of cases) {
      const pcm = await loadAudio({ path, start, end }, { sampleRate: 16000, channels: 1, ...NO_FFMPEG });
      expect(pcm.length, `start ${start} end ${end}`).toBe(to - from);
      expect(pcm.channels[0]).toEqual(whole.subarray(from, to));
    }
  });

  it('remixes in JS: N → 1 is the mean of the channels, 1 → N repeats the channel', async () => {
    const values = integerRamp(3 * 500, -32768, 32767, 11);
    const path = writeFile('three.wav', wavBytes({ sampleRate: 16000, channels: 3, formatTag: 1, bitsPerSample: 16, values }));
    const mono = await loadAudio(path, { sampleRate: 16000, channels: 1, ...NO_FFMPEG });
    const expected = Float32Array.from({ length: 500 }, (_, frame) => {
      const sum = Math.fround(Math.fround(values[frame * 3]! / 32768) + Math.fround(values[frame * 3 + 1]! / 32768));
      return Math.fround(Math.fround(sum + Math.fround(values[frame * 3 + 2]! / 32768)) / 3);
    });
    expect(mono.channels).toEqual([expected]);
    const single = writeFile('single.wav', wavBytes({ sampleRate: 16000, channels: 1, formatTag: 1, bitsPerSample: 16, values: values.slice(0, 500) }));
    const stereo = await loadAudio(single, { sampleRate: 16000, channels: 2, ...NO_FFMPEG });
    expect(stereo.channels).toHaveLength(2);
    expect(stereo.channels[1]).toEqual(stereo.channels[0]);
    expect(stereo.channels[0]![1]).toBe(32767 / 32768);
  });

  it('other channel counts need ffmpeg (3 → 2 with no ffmpeg is E_FFMPEG_NOT_FOUND); beyond 8 channels is E_AUDIO_INPUT', async () => {
    const three = join(folder, 'three.wav');
    await expect(loadAudio(three, { sampleRate: 16000, channels: 2, ...NO_FFMPEG })).rejects.toBeInstanceOf(FfmpegNotFoundError);
    const ten = wavBytes({ sampleRate: 16000, channels: 10, formatTag: 1, bitsPerSample: 16, values: new Array(100).fill(0) });
    const error = (await loadAudio(ten, { sampleRate: 16000, channels: 2, ...NO_FFMPEG }).catch((caught) => caught)) as AudioInputError;
    expect(error.code).toBe('E_AUDIO_INPUT');
    expect(error.message).toContain('cannot remix 10 channels to 2');
  });
});

describe('PCM values', () => {
  it('at the target rate and channels are returned as given (no copy, no ffmpeg)', async () => {
    const samples = new Float32Array([0.5, -0.25, 0]);
    const pcm = await loadAudio({ samples, sampleRate: 16000 }, { sampleRate: 16000, channels: 1, ...NO_FFMPEG });
    expect(pcm.channels[0]).toBe(samples);
    expect(pcm.length).toBe(3);
  });

  it('at another rate with resample: false is E_AUDIO_SAMPLE_RATE saying both rates and the fix', async () => {
    const error = (await loadAudio({ samples: new Float32Array(10), sampleRate: 44100 }, { sampleRate: 16000, channels: 1, resample: false }).catch((caught) => caught)) as AudioInputError;
    expect(error).toBeInstanceOf(AudioInputError);
    expect(error.code).toBe('E_AUDIO_SAMPLE_RATE');
    expect(error.message).toContain('is 44100 Hz, the field is 16000 Hz; resample, or set resample: true');
  });

  it('malformed PCM is E_AUDIO_INPUT', async () => {
    for (const value of [{ samples: [new Float32Array(3), new Float32Array(4)], sampleRate: 16000 }, { samples: new Int8Array(3), sampleRate: 16000 }, { samples: new Float32Array(3), sampleRate: 0 }, 42]) {
      const error = (await loadAudio(value as never, { sampleRate: 16000, channels: 1 }).catch((caught) => caught)) as TesseraError;
      expect(error.code).toBe('E_AUDIO_INPUT');
    }
  });
});

describe('unreadable inputs', () => {
  it('a missing file is AudioInputError naming the path', async () => {
    const missing = join(folder, 'missing.wav');
    const error = (await loadAudio(missing, { sampleRate: 16000, channels: 1 }).catch((caught) => caught)) as AudioInputError;
    expect(error).toBeInstanceOf(AudioInputError);
    expect(error.code).toBe('E_AUDIO_INPUT');
    expect(error.input).toBe(missing);
    expect(error.message).toBe(`${missing}: cannot be read: no such file`);
    const folderError = (await loadAudio(folder, { sampleRate: 16000, channels: 1 }).catch((caught) => caught)) as AudioInputError;
    expect(folderError.code).toBe('E_AUDIO_INPUT');
  });

  it('a bad crop is E_AUDIO_INPUT naming the path', async () => {
    const error = (await loadAudio({ path: 'x.wav', start: 2, end: 1 }, { sampleRate: 16000, channels: 1 }).catch((caught) => caught)) as AudioInputError;
    expect(error.code).toBe('E_AUDIO_INPUT');
    expect(error.message).toContain('x.wav: end must be a number of seconds at or after start (2)');
  });

  it('with TESSERA_FFMPEG pointing at a non-existent path and PATH emptied, a FLAC input is FfmpegNotFoundError listing the links', async () => {
    const path = writeFile('needs-ffmpeg.flac', new Uint8Array([0x66, 0x4c, 0x61, 0x43, 0, 0, 0, 0]));
    const saved = { TESSERA_FFMPEG: process.env.TESSERA_FFMPEG, PATH: process.env.PATH };
    process.env.TESSERA_FFMPEG = '/nonexistent/ffmpeg';
    process.env.PATH = '';
    try {
      const error = (await loadAudio(path, { sampleRate: 16000, channels: 1 }).catch((caught) => caught)) as FfmpegNotFoundError;
      expect(error).toBeInstanceOf(FfmpegNotFoundError);
      expect(error.code).toBe('E_FFMPEG_NOT_FOUND');
      expect(error.message).toContain('TESSERA_FFMPEG (/nonexistent/ffmpeg): no such file');
      expect(error.message).toContain('ffmpegPath option: not given');
    } finally {
      process.env.TESSERA_FFMPEG = saved.TESSERA_FFMPEG;
      if (saved.TESSERA_FFMPEG === undefined) delete process.env.TESSERA_FFMPEG;
      process.env.PATH = saved.PATH;
    }
  });
});

describe.skipIf(testFfmpeg === undefined)(`through ffmpeg (${testFfmpeg ?? NO_FFMPEG_REASON})`, () => {
  const ffmpegPath = testFfmpeg;
  const target = (sampleRate: number, channels: number) => ({ sampleRate, channels, ffmpegPath });
  const generate = (name: string, lavfi: string, codecArgs: string[]) => {
    const path = join(folder, name);
    ffmpegSync(['-f', 'lavfi', '-i', lavfi, ...codecArgs, '-y', path]);
    return path;
  };
  /** ffmpeg's own decode of a file (the reference), f32le at `rate` and `channels`. */
  const reference = (path: string, rate: number, channels: number, inputArgs: string[] = []) => float32Of(ffmpegSync([...inputArgs, '-i', path, '-ar', String(rate), '-ac', String(channels), '-f', 'f32le', '-']));

  it('FLAC decodes exactly like the WAV of the same int16 PCM (lossless), whole and cropped', async () => {
    const values = integerRamp(2 * 24000, -32768, 32767, 5);
    const wav = writeFile('source.wav', wavBytes({ sampleRate: 16000, channels: 2, formatTag: 1, bitsPerSample: 16, values }));
    const flac = join(folder, 'source.flac');
    ffmpegSync(['-i', wav, '-c:a', 'flac', '-y', flac]);
    const fromWav = await loadAudio(wav, { sampleRate: 16000, channels: 2, ...NO_FFMPEG });
    const fromFlac = await loadAudio(flac, target(16000, 2));
    expect(fromFlac.length).toBe(24000);
    expect(fromFlac.channels).toEqual(fromWav.channels);
    const crop = await loadAudio({ path: flac, start: 0.25, end: 0.75 }, target(16000, 2));
    expect(crop.length).toBe(8000);
    expect(crop.channels).toEqual(fromWav.channels.map((row) => row.subarray(4000, 12000)));
    const odd = await loadAudio({ path: flac, start: 0.12345, end: 1.2 }, target(16000, 2));
    expect(odd.length).toBe(19200 - 1975);
    expect(odd.channels[1]).toEqual(fromWav.channels[1]!.subarray(1975, 19200));
    const bytes = await loadAudio(new Uint8Array(readFileSync(flac)), target(16000, 2));
    expect(bytes.channels).toEqual(fromWav.channels);
  });

  it('MP3 and Ogg Opus decode to ffmpeg\'s own samples at the target rate (same decoder: equal), crops have exact counts', async () => {
    const mp3 = generate('tone.mp3', 'sine=frequency=440:sample_rate=44100:duration=2', ['-c:a', 'libmp3lame', '-b:a', '96k']);
    const ogg = generate('tone.ogg', 'sine=frequency=440:sample_rate=48000:duration=2', ['-c:a', 'libopus', '-b:a', '48k']);
    for (const path of [mp3, ogg]) {
      const pcm = await loadAudio(path, target(16000, 1));
      const expected = reference(path, 16000, 1);
      expect(pcm.length).toBe(expected.length);
      expect(pcm.channels[0]).toEqual(expected);
      const crop = await loadAudio({ path, start: 0.5, end: 1.25 }, target(16000, 1));
      expect(crop.length).toBe(12000);
      const rms = Math.sqrt(crop.channels[0]!.reduce((sum, sample) => sum + sample * sample, 0) / crop.length);
      expect(rms).toBeGreaterThan(0.05);
    }
  });

  it('WAV at another rate and PCM at another rate are resampled with ffmpeg: length n·to/from, a tone stays a tone (max |Δ| ≤ 0.01 away from the edges)', async () => {
    const from = 48000;
    const tone = Float32Array.from({ length: from }, (_, index) => 0.5 * Math.sin((2 * Math.PI * 440 * index) / from));
    const pcm = await loadAudio({ samples: tone, sampleRate: from }, target(16000, 1));
    expect(pcm.length).toBe(16000);
    let maxError = 0;
    for (let index = 200; index < 15800; index++) maxError = Math.max(maxError, Math.abs(pcm.channels[0]![index]! - 0.5 * Math.sin((2 * Math.PI * 440 * index) / 16000)));
    expect(maxError).toBeLessThan(0.01);
    const values = Array.from(tone, (sample) => Math.round(sample * 32767));
    const wav = writeFile('tone48k.wav', wavBytes({ sampleRate: from, channels: 1, formatTag: 1, bitsPerSample: 16, values }));
    const fromWav = await loadAudio({ path: wav, start: 0.5 }, target(16000, 1));
    expect(fromWav.length).toBe(8000);
  });

  it('3 → 2 channels uses ffmpeg\'s default layout mapping', async () => {
    const pcm = await loadAudio(join(folder, 'three.wav'), target(16000, 2));
    expect(pcm.channels).toHaveLength(2);
    expect(pcm.length).toBe(500);
  });

  it('an undecodable file is AudioInputError naming the path and quoting ffmpeg', async () => {
    const path = writeFile('garbage.mp3', new Uint8Array(4000).map((_, index) => (index * 37) & 0xff));
    const error = (await loadAudio(path, target(16000, 1)).catch((caught) => caught)) as AudioInputError;
    expect(error).toBeInstanceOf(AudioInputError);
    expect(error.code).toBe('E_AUDIO_INPUT');
    expect(error.input).toBe(path);
    expect(error.message.startsWith(`${path}: ffmpeg failed to decode the audio`)).toBe(true);
    expect(error.stderr!.length).toBeGreaterThan(0);
  });
});
