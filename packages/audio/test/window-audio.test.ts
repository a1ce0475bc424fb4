/**
 * Audio on the sample's time axis (issue 12): stored starts (PCM `startTime`, `startTime: 'container'`
 * measured from real containers), `timeline`/`anchors`, and cuts by the loader's window (`crop:
 * 'window'` of waveform decoders, `window: true` of the alignments' spans), checked sample by sample
 * against the stored PCM. Decoders are called as the loader calls them, with `context.window`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AlignmentSpan, type StoredCompressedAudio, type StoredWaveform, alignments, audioPlugin, compressedAudio, flac, loadAudio, waveform } from '@tessera/audio';
import { type DecodeContext, type FieldSpec, createOutputSlot, createSampleRandom, openDataset, writeDataset } from '@tessera/core';
import { afterAll, describe, expect, it } from 'vitest';
import { parseFramecrcStart } from '../src/input/container-start.js';
import { NO_FFMPEG_REASON, ffmpegSync, float32Of, testFfmpeg } from './ffmpeg-available.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-audio-window-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
let files = 0;
const nextPath = () => join(directory, `dataset-${files++}.beton`);

const random = createSampleRandom();
const context = (sampleIndex: number, startSeconds?: number, durationSeconds?: number): DecodeContext =>
  startSeconds === undefined ? { sampleIndex, epoch: 0, random } : { sampleIndex, epoch: 0, random, window: { startSeconds, durationSeconds: durationSeconds! } };

/** int16-exact ramp values, distinct per sample (k / 32768 for k = offset + index). */
const ramp = (length: number, offset: number): Float32Array => Float32Array.from({ length }, (_, index) => ((offset + index) % 30000) / 32768);

async function written(fields: Record<string, FieldSpec>, values: Record<string, unknown>[]) {
  const path = nextPath();
  await writeDataset(path, fields, values);
  return openDataset(path, { plugins: [audioPlugin()] });
}

describe('stored starts: PCM startTime round trips', () => {
  it('waveform (float32, int16) and FLAC store round(startTime × rate) and read it back as seconds', async () => {
    const startTimes = [0.5, -0.25, undefined, 0.10003, 1234.5];
    const values = startTimes.map((startTime, index) => {
      const samples = ramp(800 + index, index * 1000);
      const value = { samples, sampleRate: 16000, ...(startTime === undefined ? {} : { startTime }) };
      return { float: value, int16: value, flac: value };
    });
    const dataset = await written({ float: waveform({ sampleRate: 16000 }), int16: waveform({ sampleRate: 16000, dtype: 'int16' }), flac: flac({ sampleRate: 16000 }) }, values);
    try {
      // 0.10003 s × 16000 = 1600.48 → 1600 samples.
      const expected = [8000, -4000, 0, 1600, 19_752_000];
      for (const [sampleIndex, start] of expected.entries()) {
        for (const field of ['float', 'int16', 'flac']) {
          const stored = dataset.read(sampleIndex, field) as StoredWaveform | StoredCompressedAudio;
          expect(stored.startTime).toBe(start / 16000);
          const row = stored.samples[0]!;
          expect(Array.from(row, (sample) => (row instanceof Int16Array ? sample / 32768 : sample))).toEqual(Array.from(values[sampleIndex]!.float.samples));
          expect(dataset.toJSON(sampleIndex, field)).toMatchObject({ start, startTime: start / 16000, length: 800 + sampleIndex });
          expect(dataset.timeline(field, sampleIndex)).toEqual({ startSeconds: start / 16000, durationSeconds: (800 + sampleIndex) / 16000 });
        }
      }
    } finally {
      dataset.close();
    }
  });

  it('a read value written again keeps its start; an empty clip has no stream (timeline false)', async () => {
    const first = await written({ audio: waveform({ sampleRate: 8000 }) }, [{ audio: { samples: ramp(100, 3), sampleRate: 8000, startTime: 2.5 } }, { audio: { samples: new Float32Array(0), sampleRate: 8000, startTime: 1 } }]);
    const copy = first.read(0, 'audio');
    expect(first.timeline('audio', 1)).toBeUndefined();
    first.close();
    const second = await written({ audio: waveform({ sampleRate: 8000 }) }, [{ audio: copy }]);
    expect((second.read(0, 'audio') as StoredWaveform).startTime).toBe(2.5);
    second.close();
  });

  it('bad startTime values and starts beyond i32 fail the write with typed errors', async () => {
    await expect(written({ audio: waveform({ sampleRate: 8000 }) }, [{ audio: { samples: ramp(4, 0), sampleRate: 8000, startTime: 'container' } }])).rejects.toMatchObject({ code: 'E_AUDIO_INPUT' });
    await expect(written({ audio: waveform({ sampleRate: 8000 }) }, [{ audio: { samples: ramp(4, 0), sampleRate: 8000, startTime: Number.NaN } }])).rejects.toMatchObject({ code: 'E_AUDIO_INPUT' });
    await expect(written({ audio: waveform({ sampleRate: 8000 }) }, [{ audio: { samples: ramp(4, 0), sampleRate: 8000, startTime: 2 ** 31 / 8000 } }])).rejects.toMatchObject({ code: 'E_ENCODE' });
  });

  it('compressed fields written without timeAxis (the layout before starts) read as starting at 0 and refuse starts', async () => {
    const legacy = (): FieldSpec => ({ ...compressedAudio({ sampleRate: 16000 }), arguments: { format: 'flac', sampleRate: 16000, channels: 1 } }) as FieldSpec;
    const dataset = await written({ audio: legacy() }, [{ audio: { samples: ramp(300, 0), sampleRate: 16000 } }]);
    try {
      expect((dataset.read(0, 'audio') as StoredCompressedAudio).startTime).toBe(0);
      expect(dataset.toJSON(0, 'audio')).not.toHaveProperty('start');
      expect(dataset.timeline('audio', 0)).toEqual({ startSeconds: 0, durationSeconds: 300 / 16000 });
    } finally {
      dataset.close();
    }
    await expect(written({ audio: legacy() }, [{ audio: { samples: ramp(300, 0), sampleRate: 16000, startTime: 1 } }])).rejects.toMatchObject({ code: 'E_ENCODE' });
  });

  it('parses framecrc starts of both ffmpeg generations', () => {
    const text = '#software: Lavf58.24.100\n#tb 0: 1/44100\n#media_type 0: audio\n#codec_id 0: pcm_f32le\n#sample_rate 0: 44100\n0,      20992,      20992,     1024,     4096, 0x472ac27b\n';
    expect(parseFramecrcStart(text, 'x')).toEqual({ seconds: 20992 / 44100, samples: 20992, sampleRate: 44100 });
    expect(parseFramecrcStart('#tb 0: 1/48000\n0,      -312,      -312,      960,     3840, 0x0\n', 'x')).toEqual({ seconds: -312 / 48000, samples: -312, sampleRate: 48000 });
    expect(() => parseFramecrcStart('#tb 0: 1/48000\n', 'x')).toThrow(expect.objectContaining({ code: 'E_AUDIO_INPUT' }));
  });
});

// ── 'container': real files where the audio starts at 0.5 s, after the video ───────────────────

const ffmpegs = [...new Set([testFfmpeg, existsSync('/usr/bin/ffmpeg') ? '/usr/bin/ffmpeg' : undefined].filter((path): path is string => path !== undefined))];
const hasPyAv = (() => {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import av'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** First presented audio sample per PyAV (libav's own decode): first frame pts × time base, seconds. */
function pyAvStart(path: string): number {
  const script = 'import av,sys\nc=av.open(sys.argv[1])\ns=c.streams.audio[0]\nf=next(c.decode(s))\nprint(repr(float(f.pts*f.time_base)))';
  return Number(execFileSync('/usr/bin/python3', ['-c', script, path]).toString().trim());
}

describe.skipIf(testFfmpeg === undefined)(`startTime 'container'${testFfmpeg === undefined ? ` (skipped: ${NO_FFMPEG_REASON})` : ''}`, () => {
  const make = (name: string, codec: string[]): string => {
    const path = join(directory, name);
    const video = ['-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=25:duration=2'];
    const audio = ['-itsoffset', '0.5', '-f', 'lavfi', '-i', "aevalsrc='0.5*sin(2*PI*(200+300*t)*t)':s=44100:d=1.5"];
    ffmpegSync(['-y', ...video, ...audio, '-map', '0:v', '-map', '1:a', '-c:v', 'mpeg4', ...codec, path]);
    return path;
  };
  const containers = () => [
    { path: make('flac.mkv', ['-c:a', 'flac']), exactStart: 0.5 },
    { path: make('pcm.mov', ['-c:a', 'pcm_s16le']), exactStart: 0.5 },
    // AAC: its start is whatever the muxer and decoder make of the priming samples.
    { path: make('aac.mp4', ['-c:a', 'aac', '-b:a', '64k']), exactStart: undefined },
  ];
  const fullDecode = (ffmpeg: string, path: string): Float32Array =>
    float32Of(new Uint8Array(execFileSync(ffmpeg, ['-hide_banner', '-v', 'error', '-i', path, '-map', '0:a:0', '-ac', '1', '-f', 'f32le', 'pipe:1'], { maxBuffer: 1 << 26 })));

  it(`is the audio stream's first presented sample (ffmpeg -copyts; PyAV ${hasPyAv ? 'checked' : 'not installed'}), decoded without padding, with ${ffmpegs.join(' and ')}`, async () => {
    for (const { path, exactStart } of containers()) {
      const reference = hasPyAv ? pyAvStart(path) : undefined;
      for (const ffmpegPath of ffmpegs) {
        const target = { sampleRate: 44100, channels: 1, ffmpegPath };
        const pcm = await loadAudio({ path, startTime: 'container' }, target);
        if (exactStart !== undefined) expect(pcm.startTime).toBe(exactStart);
        else expect(Math.abs(pcm.startTime! - 0.5)).toBeLessThan(0.05);
        if (reference !== undefined) expect(Math.abs(pcm.startTime! - reference)).toBeLessThanOrEqual(1 / 44100);
        const full = fullDecode(ffmpegPath, path);
        expect(pcm.length).toBe(full.length);
        expect(pcm.channels[0]).toEqual(full);

        // Crops on the container axis, cut by sample count: [0.7 s, 1.2 s), one from before the start, one wholly before it.
        const first = Math.round(pcm.startTime! * 44100);
        const crop = await loadAudio({ path, start: 0.7, end: 1.2, startTime: 'container' }, target);
        expect(crop.startTime! * 44100).toBeCloseTo(Math.round(0.7 * 44100), 6);
        expect(crop.channels[0]).toEqual(full.subarray(Math.round(0.7 * 44100) - first, Math.round(1.2 * 44100) - first));
        const early = await loadAudio({ path, start: 0.2, end: 1, startTime: 'container' }, target);
        expect(early.startTime).toBe(pcm.startTime);
        expect(early.channels[0]).toEqual(full.subarray(0, 44100 - first));
        const before = await loadAudio({ path, start: 0.1, end: 0.3, startTime: 'container' }, target);
        expect(before.length).toBe(0);
      }
    }
  });

  it('through a waveform field: the stored start (at the field rate) and the timeline follow the container', async () => {
    const path = make('flac16.mkv', ['-c:a', 'flac']);
    const dataset = await written({ full: waveform({ sampleRate: 44100 }), resampled: waveform({ sampleRate: 16000 }) }, [
      { full: { path, startTime: 'container' }, resampled: { path, startTime: 'container' } },
      { full: { path, startTime: 3 }, resampled: { path, start: 0.5, end: 1, startTime: 'container' } },
    ]);
    try {
      expect(dataset.toJSON(0, 'full')).toMatchObject({ start: 22050, length: 66150 });
      expect(dataset.toJSON(0, 'resampled')).toMatchObject({ start: 8000 });
      expect(dataset.timeline('full', 0)).toEqual({ startSeconds: 0.5, durationSeconds: 1.5 });
      expect(dataset.toJSON(1, 'full')).toMatchObject({ start: 132300 });
      expect(dataset.toJSON(1, 'resampled')).toMatchObject({ start: 8000, length: 8000 });
    } finally {
      dataset.close();
    }
  });

  it('a path that is not audio is E_AUDIO_INPUT; WAV files start at 0 without a probe', async () => {
    const target = { sampleRate: 8000, channels: 1 };
    await expect(loadAudio({ path: join(directory, 'missing.mkv'), startTime: 'container' }, target)).rejects.toMatchObject({ code: 'E_AUDIO_INPUT' });
    const wav = join(directory, 'tone.wav');
    ffmpegSync(['-y', '-f', 'lavfi', '-i', 'sine=frequency=300:sample_rate=8000:duration=0.5', '-c:a', 'pcm_s16le', wav]);
    expect((await loadAudio({ path: wav, startTime: 'container' }, target)).startTime).toBe(0);
    expect((await loadAudio({ path: wav, start: 0.25, startTime: 'container' }, target)).startTime).toBe(0.25);
    await expect(loadAudio({ path: wav, startTime: 'later' as never }, target)).rejects.toMatchObject({ code: 'E_AUDIO_INPUT' });
  });
});

// ── crop 'window' ─────────────────────────────────────────────────────────────────────────────

describe("waveform decoders with crop 'window'", () => {
  // One clip of 16000 samples (1 s) at 16 kHz starting at 0.5 s (stored start 8000), stereo.
  const left = ramp(16000, 0);
  const right = ramp(16000, 20000);
  const value = { samples: [left, right], sampleRate: 16000, startTime: 0.5 };
  const fields = {
    float: waveform({ sampleRate: 16000, channels: 2 }),
    int16: waveform({ sampleRate: 16000, channels: 2, dtype: 'int16' }),
    flac: flac({ sampleRate: 16000, channels: 2, frameSize: 1024 }),
  };

  /** The expected window: output j is stored sample round(t × 16000) − 8000 + j, zero outside [0, 16000). */
  function expectedWindow(startSeconds: number, length: number): { rows: Float32Array[]; count: number } {
    const first = Math.round(startSeconds * 16000) - 8000;
    const rows = [left, right].map((row) => Float32Array.from({ length }, (_, index) => row[first + index] ?? 0));
    return { rows, count: Math.min(length, Math.max(0, 16000 - first)) };
  }

  it('cuts exactly round(d × rate) samples from round(t × rate) − start, zeros outside the clip, for every field type and dtype', async () => {
    const dataset = await written(fields, [{ float: value, int16: value, flac: value }]);
    try {
      const cases: [number, number][] = [
        [0.75, 0.25], // inside
        [0.3, 0.25], // starts before the clip: 3200 zeros, then samples 0 … 799
        [1.4, 0.25], // ends after it: samples 14400 … 15999, then zeros
        [1.6, 0.25], // after the clip
        [0, 0.25], // wholly before it
        [0.4, 1.5], // covers it
        [0.50003, 0.1], // t × rate = 8000.48 → 8000: the clip's first sample
        [0.50004, 0.1], // 8000.64 → 8001
        [0.5, 1 / 16000], // one sample
      ];
      for (const field of Object.keys(fields)) {
        for (const dtype of field === 'int16' ? ['float32', 'stored'] : [undefined]) {
          for (const [startSeconds, seconds] of cases) {
            const decoder = dataset.createDecoder(field, 'waveform', { crop: 'window', seconds, ...(dtype === undefined ? {} : { dtype }) });
            const length = Math.round(seconds * 16000);
            expect(decoder.output.shape).toEqual([2, length]);
            const slot = createOutputSlot(decoder.output);
            (slot.data as Float32Array | Int16Array).fill(7);
            decoder.decode(0, slot, context(0, startSeconds, seconds));
            const { rows, count } = expectedWindow(startSeconds, length);
            expect([field, dtype, startSeconds, slot.lengths[0]]).toEqual([field, dtype, startSeconds, count]);
            const scale = dtype === 'stored' ? 32768 : 1;
            for (let channel = 0; channel < 2; channel++) {
              const decoded = Array.from(slot.data.subarray(channel * length, (channel + 1) * length) as Float32Array);
              expect(decoded).toEqual(Array.from(rows[channel]!, (sample) => sample * scale));
            }
          }
        }
      }
    } finally {
      dataset.close();
    }
  });

  it('E_ARGUMENT without seconds, without a loader window, and for a window of another duration (tolerance: half a sample)', async () => {
    const dataset = await written(fields, [{ float: value, int16: value, flac: value }]);
    try {
      for (const field of Object.keys(fields)) {
        expect(() => dataset.createDecoder(field, 'waveform', { crop: 'window' })).toThrow(expect.objectContaining({ code: 'E_ARGUMENT', message: expect.stringContaining('needs seconds') }));
        expect(() => dataset.createDecoder(field, 'waveform', { crop: 'window', maxSamples: 100 })).toThrow(expect.objectContaining({ code: 'E_ARGUMENT' }));
        const decoder = dataset.createDecoder(field, 'waveform', { crop: 'window', seconds: 0.25 });
        const slot = createOutputSlot(decoder.output);
        expect(() => decoder.decode(0, slot, context(0))).toThrow(expect.objectContaining({ code: 'E_ARGUMENT', message: expect.stringContaining('window option') }));
        expect(() => decoder.decode(0, slot)).toThrow(expect.objectContaining({ code: 'E_ARGUMENT' }));
        expect(() => decoder.decode(0, slot, context(0, 0.6, 0.26))).toThrow(expect.objectContaining({ code: 'E_ARGUMENT', message: expect.stringContaining('seconds: 0.26') }));
        expect(() => decoder.decode(0, slot, context(0, 0.6, 0.25 + 0.6 / 16000))).toThrow(expect.objectContaining({ code: 'E_ARGUMENT' }));
        decoder.decode(0, slot, context(0, 0.6, 0.25 + 0.4 / 16000));
        expect(slot.lengths[0]).toBe(4000);
      }
    } finally {
      dataset.close();
    }
  });
});

describe.skipIf(testFfmpeg === undefined)("crop 'window' of lossy compressed fields", () => {
  it('Opus and MP3 windows are the full decode shifted by the start (within 2e-3: a crop decodes from its pre-roll), zeros outside', async () => {
    const clip = Float32Array.from({ length: 24000 }, (_, index) => 0.4 * Math.sin((2 * Math.PI * 440 * index) / 48000));
    const value = { samples: clip, sampleRate: 48000, startTime: 0.25 };
    const dataset = await written({ opus: compressedAudio({ format: 'opus', sampleRate: 48000 }), mp3: compressedAudio({ format: 'mp3', sampleRate: 48000 }) }, [{ opus: value, mp3: value }]);
    try {
      for (const field of ['opus', 'mp3']) {
        const full = (dataset.read(0, field) as StoredCompressedAudio).samples[0]!;
        expect(full).toHaveLength(24000);
        const decoder = dataset.createDecoder(field, 'waveform', { crop: 'window', seconds: 0.2 });
        const slot = createOutputSlot(decoder.output);
        for (const startSeconds of [0.1, 0.4, 0.6, 0.8]) {
          (slot.data as Float32Array).fill(7);
          decoder.decode(0, slot, context(0, startSeconds, 0.2));
          const first = Math.round(startSeconds * 48000) - 12000;
          expect(slot.lengths[0]).toBe(Math.min(9600, Math.max(0, 24000 - first)));
          const data = slot.data as Float32Array;
          let worst = 0;
          for (let index = 0; index < 9600; index++) {
            const stored = first + index;
            if (stored < 0 || stored >= 24000) expect(data[index]).toBe(0);
            else worst = Math.max(worst, Math.abs(data[index]! - full[stored]!));
          }
          expect(worst).toBeLessThan(2e-3);
        }
      }
    } finally {
      dataset.close();
    }
  });
});

// ── alignments ────────────────────────────────────────────────────────────────────────────────

describe('alignments on the time axis', () => {
  const spans: AlignmentSpan[] = [
    { start: 1000, duration: 600, label: 'ends-at-window-start' }, // [1000, 1600)
    { start: 1500, duration: 1000, label: 'straddles-start' }, // [1500, 2500)
    { start: 5599, duration: 1, label: 'last-sample' }, // [5599, 5600)
    { start: 5600, duration: 400, label: 'starts-at-window-end' }, // [5600, 6000)
    { start: 0, duration: 10000, label: 'covers' },
    { start: 3000, duration: 0, label: 'point' },
  ];
  const vocabulary = ['covers', 'straddles-start', 'point', 'last-sample'];

  it('timeline spans first start to last end; anchors are the [start, end) seconds pairs; no spans → no stream', async () => {
    const dataset = await written({ words: alignments({ sampleRate: 16000 }) }, [{ words: spans }, { words: [] }]);
    try {
      expect(dataset.timeline('words', 0)).toEqual({ startSeconds: 0, durationSeconds: 10000 / 16000 });
      expect(dataset.timeline('words', 1)).toBeUndefined();
      expect(Array.from(dataset.anchors('words', 0))).toEqual(spans.flatMap((span) => [span.start / 16000, (span.start + span.duration) / 16000]));
      expect(dataset.anchors('words', 1)).toHaveLength(0);
    } finally {
      dataset.close();
    }
  });

  it('window: true keeps spans with s < w1 and s + d > w0, starts relative to the window; maxSpans caps them', async () => {
    const dataset = await written({ words: alignments({ sampleRate: 16000 }) }, [{ words: spans }, { words: [] }]);
    try {
      // t = 0.1 s, d = 0.25 s: w0 = 1600, w1 = 5600.
      const decoder = dataset.createDecoder('words', 'spans', { window: true, vocabulary });
      expect(decoder.output).toEqual({ dtype: 'int32', shape: [6, 3], variableDims: [0] });
      const slot = createOutputSlot(decoder.output);
      decoder.decode(0, slot, context(0, 0.1, 0.25));
      expect(slot.lengths[0]).toBe(4);
      expect(Array.from(slot.data.subarray(0, 12) as Int32Array)).toEqual([-100, 1000, 1, 3999, 1, 3, -1600, 10000, 0, 1400, 0, 2]);
      expect(Array.from(slot.data.subarray(12) as Int32Array).every((item) => item === 0)).toBe(true);
      decoder.decode(1, slot, context(1, 0.1, 0.25));
      expect(slot.lengths[0]).toBe(0);

      const capped = dataset.createDecoder('words', 'spans', { window: true, maxSpans: 2 });
      const small = createOutputSlot(capped.output);
      capped.decode(0, small, context(0, 0.1, 0.25));
      expect(small.lengths[0]).toBe(2);
      expect(Array.from(small.data as Int32Array)).toEqual([-100, 1000, -1, 3999, 1, -1]);

      // Without window: every span, absolute starts (as before).
      const whole = dataset.createDecoder('words', 'spans', { vocabulary });
      const all = createOutputSlot(whole.output);
      whole.decode(0, all, context(0));
      expect(Array.from(all.data as Int32Array)).toEqual(spans.flatMap((span) => [span.start, span.duration, vocabulary.indexOf(span.label)]));

      expect(() => decoder.decode(0, slot, context(0))).toThrow(expect.objectContaining({ code: 'E_ARGUMENT', message: expect.stringContaining('window option') }));
      expect(() => decoder.decode(0, slot)).toThrow(expect.objectContaining({ code: 'E_ARGUMENT' }));
    } finally {
      dataset.close();
    }
  });
});
