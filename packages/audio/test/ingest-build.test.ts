import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Dataset, openDataset } from '@tessera/core';
import { afterAll, describe, expect, it } from 'vitest';
import { audioPlugin } from '../src/audio-plugin.js';
import type { StoredWaveform } from '../src/fields/waveform-codec.js';
import { AudioInputError } from '../src/input/index.js';
import { type BuildAudioProgress, buildAudioDataset } from '../src/ingest/index.js';
import { NO_FFMPEG_REASON, testFfmpeg } from './ffmpeg-available.js';
import { integerRamp, wavBytes } from './input-wav-bytes.js';

const root = mkdtempSync(join(tmpdir(), 'tessera-ingest-build-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A 16 kHz int16 WAV with seeded values; returns the values (the stored int16 samples). */
function writeWav(path: string, length: number, seed: number, sampleRate = 16000, channels = 1): number[] {
  mkdirSync(join(path, '..'), { recursive: true });
  const values = integerRamp(length * channels, -20000, 20000, seed);
  writeFileSync(path, wavBytes({ sampleRate, channels, formatTag: 1, bitsPerSample: 16, values }));
  return values;
}

function withDataset<T>(path: string, run: (dataset: Dataset) => T): T {
  const dataset = openDataset(path, { plugins: [audioPlugin()] });
  try {
    return run(dataset);
  } finally {
    dataset.close();
  }
}

const asInt16 = (values: readonly number[]) => Int16Array.from(values);

describe('buildAudioDataset from an audio folder (WAV, no ffmpeg)', () => {
  const folder = join(root, 'commands');
  const clips = {
    'yes/a.wav': writeWav(join(folder, 'yes', 'a.wav'), 1600, 1),
    'yes/b.wav': writeWav(join(folder, 'yes', 'b.wav'), 800, 2),
    'no/c.wav': writeWav(join(folder, 'no', 'c.wav'), 2400, 3),
    'go/d.wav': writeWav(join(folder, 'go', 'd.wav'), 1, 4),
  };
  writeFileSync(join(folder, 'no', 'readme.txt'), 'not audio');

  it('int16 waveform + int64 label: samples exact, labels = sorted class index, summary counts', async () => {
    const output = join(root, 'commands.beton');
    const events: BuildAudioProgress[] = [];
    const summary = await buildAudioDataset({ folder, output, dtype: 'int16', workers: 0, ffmpegPath: join(root, 'no-ffmpeg'), onProgress: (event) => events.push(event) });
    expect(summary).toMatchObject({ source: 'folder', field: 'waveform', fieldName: 'audio', sampleRate: 16000, channels: 1, classes: ['go', 'no', 'yes'], fields: ['audio', 'label'], listed: 4, numSamples: 4, skipped: [], ignoredFiles: 1 });
    expect(summary.audioSeconds).toBeCloseTo((1600 + 800 + 2400 + 1) / 16000, 12);
    expect(events.at(-1)).toMatchObject({ loaded: 4, skipped: 0, samplesWritten: 4, totalSamples: 4 });
    withDataset(output, (dataset) => {
      const expected = [
        ['go/d.wav', 0],
        ['no/c.wav', 1],
        ['yes/a.wav', 2],
        ['yes/b.wav', 2],
      ] as const;
      expected.forEach(([name, label], index) => {
        const audio = dataset.read(index, 'audio') as StoredWaveform;
        expect(audio.sampleRate).toBe(16000);
        expect(audio.samples).toEqual([asInt16(clips[name])]);
        expect(Number(dataset.read(index, 'label'))).toBe(label);
      });
    });
  });

  it('an unreadable file fails the build with AudioInputError naming it; skipInvalid leaves it out and reports it', async () => {
    const broken = join(root, 'broken');
    writeWav(join(broken, 'cat', 'good.wav'), 400, 5);
    writeFileSync(join(broken, 'cat', 'bad.wav'), 'RIFF....WAVEjunk');
    writeWav(join(broken, 'dog', 'fine.wav'), 300, 6);
    const output = join(root, 'broken.beton');
    // A WAV that JS cannot read goes to ffmpeg; with none configured that is E_FFMPEG_NOT_FOUND, so this
    // case uses a truncated RIFF header that ffmpeg also refuses, or no ffmpeg at all.
    const ffmpegPath = testFfmpeg;
    const error = (await buildAudioDataset({ folder: broken, output, workers: 0, ffmpegPath }).catch((caught) => caught)) as Error;
    if (ffmpegPath === undefined) {
      expect((error as { code?: string }).code).toBe('E_FFMPEG_NOT_FOUND');
      return;
    }
    expect(error).toBeInstanceOf(AudioInputError);
    expect((error as AudioInputError).code).toBe('E_AUDIO_INPUT');
    expect(error.message).toContain(join(broken, 'cat', 'bad.wav'));
    const summary = await buildAudioDataset({ folder: broken, output, workers: 0, ffmpegPath, skipInvalid: true });
    expect(summary.numSamples).toBe(2);
    expect(summary.skipped).toHaveLength(1);
    expect(summary.skipped[0]).toMatchObject({ path: join(broken, 'cat', 'bad.wav'), code: 'E_AUDIO_INPUT' });
    withDataset(output, (dataset) => {
      expect(dataset.numSamples).toBe(2);
      expect(Number(dataset.read(1, 'label'))).toBe(1);
    });
  });

  it('a missing file is E_AUDIO_INPUT without ffmpeg; bad options are E_ARGUMENT / E_AUDIO_SAMPLE_RATE before anything is read', async () => {
    await expect(buildAudioDataset({ folder, output: join(root, 'x.beton'), field: 'opus', sampleRate: 44100 })).rejects.toMatchObject({ code: 'E_AUDIO_SAMPLE_RATE' });
    await expect(buildAudioDataset({ folder, manifest: 'm.jsonl', output: join(root, 'x.beton') } as never)).rejects.toMatchObject({ code: 'E_ARGUMENT' });
    await expect(buildAudioDataset({ folder, output: join(root, 'x.beton'), field: 'wav' as never })).rejects.toMatchObject({ code: 'E_ARGUMENT' });
  });
});

describe('buildAudioDataset from a manifest', () => {
  const folder = join(root, 'corpus');
  const long = writeWav(join(folder, 'wav', 'long.wav'), 16000, 7);
  const stereo = writeWav(join(folder, 'wav', 'stereo.wav'), 500, 8, 16000, 2);

  it('crops, class-name labels, transcripts and speakers; stereo mixed down to mono; lines named in errors', async () => {
    const manifest = join(folder, 'train.jsonl');
    writeFileSync(
      manifest,
      [
        { path: 'wav/long.wav', start: 0.25, end: 0.5, text: 'first', label: 'dog', speaker: 's1' },
        { path: 'wav/stereo.wav', text: 'second', label: 'cat', duration: 1 },
        { path: 'wav/long.wav', start: 0.9, label: 'dog', speaker: 's2' },
      ]
        .map((row) => JSON.stringify(row))
        .join('\n'),
    );
    const output = join(root, 'manifest.beton');
    const summary = await buildAudioDataset({ manifest, output, dtype: 'float32', workers: 0, ffmpegPath: join(root, 'no-ffmpeg') });
    expect(summary).toMatchObject({ source: 'manifest', classes: ['cat', 'dog'], fields: ['audio', 'label', 'text', 'speaker'], numSamples: 3 });
    withDataset(output, (dataset) => {
      const first = dataset.read(0, 'audio') as StoredWaveform;
      expect(first.samples).toEqual([Float32Array.from(long.slice(4000, 8000), (value) => value / 32768)]);
      const second = dataset.read(1, 'audio') as StoredWaveform;
      const mono = Float32Array.from({ length: 500 }, (_, frame) => Math.fround(Math.fround(stereo[frame * 2]! / 32768) + Math.fround(stereo[frame * 2 + 1]! / 32768)) / 2);
      expect(second.samples).toEqual([mono]);
      expect((dataset.read(2, 'audio') as StoredWaveform).samples[0]).toHaveLength(1600);
      expect([0, 1, 2].map((index) => Number(dataset.read(index, 'label')))).toEqual([1, 0, 1]);
      expect([0, 1, 2].map((index) => dataset.read(index, 'text'))).toEqual(['first', 'second', null]);
      expect([0, 1, 2].map((index) => dataset.read(index, 'speaker'))).toEqual(['s1', null, 's2']);
    });

    const missing = join(folder, 'missing.csv');
    writeFileSync(missing, 'path,label\nwav/long.wav,1\nwav/nope.wav,2\n');
    const error = (await buildAudioDataset({ manifest: missing, output: join(root, 'missing.beton'), workers: 0 }).catch((caught) => caught)) as AudioInputError;
    expect(error).toBeInstanceOf(AudioInputError);
    expect(error.message).toBe(`${join(folder, 'wav', 'nope.wav')} (line 3): cannot be read: no such file`);
    expect(error.line).toBe(3);
    const skipping = await buildAudioDataset({ manifest: missing, output: join(root, 'missing.beton'), workers: 0, skipInvalid: true });
    expect(skipping.numSamples).toBe(1);
    expect(skipping.classes).toBeUndefined();
    expect(skipping.skipped).toEqual([{ path: join(folder, 'wav', 'nope.wav'), line: 3, code: 'E_AUDIO_INPUT', error: `${join(folder, 'wav', 'nope.wav')}: cannot be read: no such file` }]);
  });

  it('labels on some rows only, or mixing names and integers, are E_ARGUMENT', async () => {
    const partial = join(folder, 'partial.jsonl');
    writeFileSync(partial, '{"path": "wav/long.wav", "label": 1}\n{"path": "wav/long.wav"}\n');
    await expect(buildAudioDataset({ manifest: partial, output: join(root, 'p.beton') })).rejects.toThrow('partial.jsonl:2 has no "label", line 1 has one');
    const mixed = join(folder, 'mixed.jsonl');
    writeFileSync(mixed, '{"path": "wav/long.wav", "label": 1}\n{"path": "wav/long.wav", "label": "dog"}\n');
    await expect(buildAudioDataset({ manifest: mixed, output: join(root, 'p.beton') })).rejects.toMatchObject({ code: 'E_ARGUMENT' });
  });
});

// Worker threads load the built package (dist/), never TypeScript: this runs once index.ts exports
// buildAudioDataset and the package is built.
const built = (await import('@tessera/audio').catch(() => ({}))) as { buildAudioDataset?: typeof buildAudioDataset };
const NOT_BUILT = 'dist/ of @tessera/audio does not export buildAudioDataset yet (add the export to src/index.ts and build)';
describe.skipIf(built.buildAudioDataset === undefined)(`buildAudioDataset with worker threads (${built.buildAudioDataset === undefined ? NOT_BUILT : 'dist'})`, () => {
  it('with 2 encoder workers the file is byte-identical to workers: 0 (waveform int16, and FLAC when ffmpeg exists)', async () => {
    const folder = join(root, 'commands');
    for (const field of testFfmpeg === undefined ? (['waveform'] as const) : (['waveform', 'flac'] as const)) {
      const zero = join(root, `${field}-w0.beton`);
      const two = join(root, `${field}-w2.beton`);
      // An explicit page size: core's 'auto' sizes a dataset that fits in its first chunk from whether
      // the source has ended by then, which depends on the read-ahead (the worker count) for async sources.
      await built.buildAudioDataset!({ folder, output: zero, field, dtype: 'int16', workers: 0, pageSize: 1 << 16 });
      await built.buildAudioDataset!({ folder, output: two, field, dtype: 'int16', workers: 2, pageSize: 1 << 16 });
      expect(readFileSync(two).equals(readFileSync(zero)), field).toBe(true);
    }
  });
});

describe.skipIf(testFfmpeg === undefined)(`buildAudioDataset with ffmpeg (${testFfmpeg ?? NO_FFMPEG_REASON})`, () => {
  it('a FLAC field: int16 WAV at 16 kHz reads back exactly; a 48 kHz WAV is resampled to 16 kHz (4800 → 1600 samples)', async () => {
    const folder = join(root, 'flac-source');
    const values = writeWav(join(folder, 'a', 'one.wav'), 5000, 9);
    writeWav(join(folder, 'b', 'two.wav'), 4800, 10, 48000);
    const output = join(root, 'flac.beton');
    const summary = await buildAudioDataset({ folder, output, field: 'flac', workers: 0, ffmpegPath: testFfmpeg });
    expect(summary.numSamples).toBe(2);
    withDataset(output, (dataset) => {
      const first = dataset.read(0, 'audio') as { samples: Float32Array[]; sampleRate: number };
      expect(first.sampleRate).toBe(16000);
      expect(first.samples).toEqual([Float32Array.from(values, (value) => value / 32768)]);
      const second = dataset.read(1, 'audio') as { samples: Float32Array[] };
      expect(second.samples[0]).toHaveLength(1600);
    });
  });
});
