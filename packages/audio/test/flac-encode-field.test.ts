/**
 * The FLAC field's write path encodes in process: PCM (float, int16, int32) and WAV inputs at the
 * field's rate are written with no ffmpeg at all (a child process whose TESSERA_FFMPEG points nowhere
 * and whose PATH is empty), and read back exactly. Needs the built package (npx tsup), as the
 * child imports '@tessera/audio'.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { audioPlugin } from '@tessera/audio';
import { openDataset } from '@tessera/core';
import { afterAll, describe, expect, it } from 'vitest';
import { flacIntegerRows } from '../src/flac/flac-encode-pcm.js';
import type { StoredCompressedAudio } from '../src/fields/compressed-codec.js';
import { parseFlacFile } from '../src/flac/index.js';
import { wavBytes } from './input-wav-bytes.js';
import { chirp, int16Exact } from './signals.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-flac-field-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const LENGTH = 9001;
const floatRow = int16Exact(chirp(LENGTH, 16000, 200, 3000, 3));
const int16Row = Int16Array.from(floatRow, (sample) => sample * 32768);
/** 24-bit values left-aligned in int32 (x / 2^31), as int32 PCM rows are read. */
const int32Rows = [0, 1].map((channel) => Int32Array.from(chirp(LENGTH, 16000, 300, 2000, channel + 5), (sample) => Math.round(sample * 2 ** 23) * 256));
const wavValues = Array.from(int16Row);

describe('FLAC field: written with no ffmpeg', () => {
  it('PCM (float32, int16, int32 at 24 bits) and WAV (bytes and a file) at the field rate write without ffmpeg and read back exactly', () => {
    const wavPath = join(directory, 'clip.wav');
    writeFileSync(wavPath, wavBytes({ sampleRate: 16000, channels: 1, formatTag: 1, bitsPerSample: 16, values: wavValues }));
    const wavBytesPath = join(directory, 'clip-bytes.wav');
    writeFileSync(wavBytesPath, wavBytes({ sampleRate: 16000, channels: 1, formatTag: 1, bitsPerSample: 16, values: wavValues }));
    const mono = join(directory, 'mono.beton');
    const stereo24 = join(directory, 'stereo24.beton');
    const pcmPath = join(directory, 'pcm.json');
    writeFileSync(pcmPath, JSON.stringify({ float: Array.from(floatRow), int16: Array.from(int16Row), int32: int32Rows.map((row) => Array.from(row)) }));
    const script = `
      import { readFileSync } from 'node:fs';
      import { flac } from '@tessera/audio';
      import { writeDataset } from '@tessera/core';
      const pcm = JSON.parse(readFileSync(${JSON.stringify(pcmPath)}, 'utf8'));
      try {
        await writeDataset(${JSON.stringify(mono)}, { audio: flac({ sampleRate: 16000 }) }, [
          { audio: { samples: Float32Array.from(pcm.float), sampleRate: 16000 } },
          { audio: { samples: Int16Array.from(pcm.int16), sampleRate: 16000 } },
          { audio: new Uint8Array(readFileSync(${JSON.stringify(wavBytesPath)})) },
          { audio: ${JSON.stringify(wavPath)} },
        ]);
        await writeDataset(${JSON.stringify(stereo24)}, { audio: flac({ sampleRate: 16000, channels: 2, bitsPerSample: 24 }) }, [
          { audio: { samples: pcm.int32.map((row) => Int32Array.from(row)), sampleRate: 16000 } },
        ]);
        console.log(JSON.stringify({ ok: true }));
      } catch (error) {
        console.log(JSON.stringify({ code: error.code, message: error.message }));
      }`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: import.meta.dirname,
      env: { ...process.env, TESSERA_FFMPEG: join(directory, 'no-such-ffmpeg'), PATH: '' },
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout.trim().split('\n').at(-1)!)).toEqual({ ok: true });

    const dataset = openDataset(mono, { plugins: [audioPlugin()] });
    try {
      for (let sampleIndex = 0; sampleIndex < 4; sampleIndex++) {
        const stored = dataset.read(sampleIndex, 'audio') as unknown as StoredCompressedAudio;
        expect(stored.samples).toHaveLength(1);
        expect(Array.from(stored.samples[0]!)).toEqual(Array.from(floatRow));
        // The stored .flac file carries the stream's facts.
        expect(parseFlacFile(stored.file!).info).toMatchObject({ sampleRate: 16000, channels: 1, bitsPerSample: 16, totalSamples: LENGTH });
      }
    } finally {
      dataset.close();
    }
    const wide = openDataset(stereo24, { plugins: [audioPlugin()] });
    try {
      const stored = wide.read(0, 'audio') as unknown as StoredCompressedAudio;
      for (const channel of [0, 1]) expect(Array.from(stored.samples[channel]!)).toEqual(Array.from(int32Rows[channel]!, (value) => value / 2 ** 31));
    } finally {
      wide.close();
    }
  });
});

describe('flacIntegerRows: field PCM → FLAC integers', () => {
  it('float32 → round(x · 2^(bits − 1)), clamped', () => {
    const row = Float32Array.of(0, 0.5, -0.5, 1, -1, 1.5, -1.5, 1 / 65536, -3 / 65536, 0.25 / 32768);
    expect(Array.from(flacIntegerRows([row], 16)[0]!)).toEqual([0, 16384, -16384, 32767, -32768, 32767, -32768, 1, -1, 0]);
    expect(Array.from(flacIntegerRows([row], 24)[0]!)).toEqual([0, 4194304, -4194304, 8388607, -8388608, 8388607, -8388608, 128, -384, 64]);
    expect(flacIntegerRows([row], 16)[0]).toBeInstanceOf(Int16Array);
  });

  it('int16 rows as they are at 16 bits (the same array), shifted by 8 at 24 bits', () => {
    const row = Int16Array.of(-32768, -1, 0, 1, 32767);
    expect(flacIntegerRows([row], 16)[0]).toBe(row);
    expect(Array.from(flacIntegerRows([row], 24)[0]!)).toEqual([-8388608, -256, 0, 256, 8388352]);
  });

  it('int32 rows (x / 2^31) scaled to 24 or 16 bits, rounded and clamped', () => {
    const row = Int32Array.of(-2147483648, 2147483647, 256, 384, 127, -129, 65536 * 3 + 32768);
    expect(Array.from(flacIntegerRows([row], 24)[0]!)).toEqual([-8388608, 8388607, 1, 2, 0, -1, 768 + 128]);
    expect(Array.from(flacIntegerRows([row], 16)[0]!)).toEqual([-32768, 32767, 0, 0, 0, 0, 4]);
  });
});
