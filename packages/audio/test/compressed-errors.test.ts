/**
 * Bad input around compressed fields, end to end through writeDataset, openDataset and the loader:
 * corrupt stored frames, truncated input files, a missing ffmpeg. Every case is a typed error that
 * names the field and the sample.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { audioPlugin, flac, resolveFfmpeg } from '@tessera/audio';
import { TesseraError, createLoader, openDataset, writeDataset } from '@tessera/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { chirp, int16Exact } from './signals.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-audio-errors-'));
const clean = join(directory, 'clean.beton');
const clips = Array.from({ length: 6 }, (_, index) => int16Exact(chirp(16000 + index * 1111, 16000, 100, 4000, index + 1)));

async function caught(action: () => Promise<unknown>): Promise<TesseraError> {
  try {
    await action();
  } catch (error) {
    if (error instanceof TesseraError) return error;
    throw error;
  }
  throw new Error('no error was thrown');
}

async function drain(path: string, workers: number): Promise<void> {
  const loader = createLoader(path, { batchSize: 2, workers, plugins: [audioPlugin()], pipelines: { audio: { decoder: 'waveform' } } });
  try {
    for await (const _batch of loader);
  } finally {
    await loader.close();
  }
}

beforeAll(async () => {
  await writeDataset(clean, { audio: flac({ sampleRate: 16000 }) }, clips.map((samples) => ({ audio: { samples, sampleRate: 16000 } })));
});

describe('compressed audio: bad input', () => {
  it('a byte flipped inside a stored FLAC frame: E_AUDIO_FORMAT naming the field and the sample, with workers 0 and 2', async () => {
    const dataset = openDataset(clean, { plugins: [audioPlugin()] });
    const field = dataset.field('audio');
    const pointer = field.readUint64(field.recordOffset(3));
    const frames = field.metadata.getUint32(field.recordOffset(3) + 12, true);
    dataset.close();
    const corrupt = join(directory, 'corrupt-frame.beton');
    copyFileSync(clean, corrupt);
    const bytes = readFileSync(corrupt);
    // Past the frame index (8 bytes per frame + 1) and the MD5: a byte of the second frame's data.
    const at = pointer + 8 * (frames + 1) + 16 + 5000;
    bytes[at]! ^= 0x10;
    writeFileSync(corrupt, bytes);
    for (const workers of [0, 2]) {
      const error = await caught(() => drain(corrupt, workers));
      expect(error.code).toBe('E_AUDIO_FORMAT');
      expect(error.message).toMatch(/"audio"/);
      expect(error.message).toMatch(/\bsample 3\b/);
    }
    // The other samples still read exactly.
    const reopened = openDataset(corrupt, { plugins: [audioPlugin()] });
    try {
      const value = reopened.read(2, 'audio') as { samples: Float32Array[] };
      expect(value.samples[0]).toEqual(clips[2]);
      expect(() => reopened.read(3, 'audio')).toThrow(expect.objectContaining({ code: 'E_AUDIO_FORMAT' }));
    } finally {
      reopened.close();
    }
  });

  it('a FLAC frame index that contradicts the payload: E_AUDIO_FORMAT, not an out-of-bounds read', async () => {
    const dataset = openDataset(clean, { plugins: [audioPlugin()] });
    const field = dataset.field('audio');
    const pointer = field.readUint64(field.recordOffset(1));
    dataset.close();
    const corrupt = join(directory, 'corrupt-index.beton');
    copyFileSync(clean, corrupt);
    const bytes = readFileSync(corrupt);
    // The second frame offset pointed far past the frames.
    new DataView(bytes.buffer, bytes.byteOffset).setUint32(pointer + 4, 0x7fff_0000, true);
    writeFileSync(corrupt, bytes);
    const error = await caught(() => drain(corrupt, 0));
    expect(error.code).toBe('E_AUDIO_FORMAT');
    expect(error.message).toMatch(/\bsample 1\b/);
  });

  it('a truncated .flac input file: the write fails with a typed error naming the sample, and leaves no file', async () => {
    const flacFile = join(directory, 'tone.flac');
    const ffmpeg = resolveFfmpeg().path;
    const made = spawnSync(ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=300:sample_rate=16000:duration=2', '-c:a', 'flac', flacFile]);
    if (made.status !== 0) throw new Error(`ffmpeg could not make the test file: ${made.stderr}`);
    const truncated = join(directory, 'truncated.flac');
    const whole = readFileSync(flacFile);
    writeFileSync(truncated, whole.subarray(0, Math.floor(whole.byteLength * 0.6)));
    const target = join(directory, 'from-truncated.beton');
    const error = await caught(() => writeDataset(target, { audio: flac({ sampleRate: 16000 }) }, [{ audio: flacFile }, { audio: truncated }]));
    expect(['E_AUDIO_INPUT', 'E_AUDIO_FORMAT']).toContain(error.code);
    expect(error.message).toMatch(/\bsample 1\b/);
    expect(() => readFileSync(target)).toThrow();
  });

  it('no ffmpeg: writing an Opus field fails with E_FFMPEG_NOT_FOUND naming what was tried (FLAC needs none)', () => {
    const script = `
      import { opus } from '@tessera/audio';
      import { writeDataset } from '@tessera/core';
      try {
        await writeDataset(${JSON.stringify(join(directory, 'no-ffmpeg.beton'))}, { audio: opus({ sampleRate: 16000 }) }, [{ audio: { samples: new Float32Array(1600), sampleRate: 16000 } }]);
        console.log(JSON.stringify({ ok: true }));
      } catch (error) {
        console.log(JSON.stringify({ code: error.code, message: error.message }));
      }`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: import.meta.dirname,
      env: { ...process.env, TESSERA_FFMPEG: join(directory, 'no-such-ffmpeg'), PATH: '' },
      encoding: 'utf8',
    });
    const outcome = JSON.parse(result.stdout.trim().split('\n').at(-1)!);
    expect(outcome.code).toBe('E_FFMPEG_NOT_FOUND');
    expect(outcome.message).toContain('TESSERA_FFMPEG');
    expect(outcome.message).toMatch(/\bsample 0\b/);
  });
});
