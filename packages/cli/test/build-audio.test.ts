import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDataset } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONE_LINE_ERROR, runCaptured } from './helpers/run-captured.js';
import { testSignal, writeWav } from './helpers/wav-file.js';

/** The built @tessera/audio (the CLI imports it at run time); these tests need its buildAudioDataset. */
const audio = (await import('@tessera/audio').catch(() => ({}))) as { buildAudioDataset?: unknown; audioPlugin?: () => unknown };
const NOT_BUILT = '@tessera/audio (dist) does not export buildAudioDataset yet: export it from src/index.ts and build the package';
const ffmpeg = process.env.TESSERA_FFMPEG ?? 'ffmpeg';
const hasFfmpeg = spawnSync(ffmpeg, ['-version'], { stdio: 'ignore' }).status === 0;

let directory: string;
let root: string;
const clips: Record<string, Int16Array> = {};

const signal = testSignal;

function readDataset<T>(path: string, run: (dataset: ReturnType<typeof openDataset>) => T): T {
  const dataset = openDataset(path, { plugins: [audio.audioPlugin!() as never] });
  try {
    return run(dataset);
  } finally {
    dataset.close();
  }
}

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'tessera-cli-audio-'));
  root = join(directory, 'commands');
  for (const [name, length, seed] of [['yes/a.wav', 1600, 1], ['yes/b.wav', 800, 2], ['no/c.wav', 2400, 3]] as const) {
    clips[name] = signal(length, seed);
    writeWav(join(root, name), clips[name]!);
  }
  writeFileSync(join(root, 'no', 'notes.txt'), 'not audio');
});

afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe.skipIf(audio.buildAudioDataset === undefined)(`tessera build audio-folder (${audio.buildAudioDataset === undefined ? NOT_BUILT : 'WAV, no ffmpeg'})`, () => {
  it('writes audio (int16 waveform, exact) and label fields with a one-line summary', async () => {
    const output = join(directory, 'commands.beton');
    const { exitCode, stdout, stderr } = await runCaptured(['build', 'audio-folder', root, output, '--dtype', 'int16', '--workers', '0', '-q']);
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(new RegExp(`^wrote ${output}: 3 clips in 2 classes, 0\\.3 s of audio, field "audio" \\(waveform, 16000 Hz × 1\\) \\+ label, .*; 1 non-audio file left out\\n$`));
    readDataset(output, (dataset) => {
      expect(dataset.fields.map((field) => field.name)).toEqual(['audio', 'label']);
      const order = ['no/c.wav', 'yes/a.wav', 'yes/b.wav'];
      order.forEach((name, index) => {
        expect((dataset.read(index, 'audio') as { samples: Int16Array[] }).samples).toEqual([clips[name]]);
        expect(Number(dataset.read(index, 'label'))).toBe(index === 0 ? 0 : 1);
      });
    });
  });

  it('--json prints the summary object; -o works like the last argument', async () => {
    const output = join(directory, 'json.beton');
    const { exitCode, stdout } = await runCaptured(['build', 'audio-folder', root, '-o', output, '--json', '--sample-rate', '16000', '-q', '--workers', '0']);
    expect(exitCode).toBe(0);
    const summary = JSON.parse(stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ output, source: 'folder', field: 'waveform', classes: ['no', 'yes'], numSamples: 3, listed: 3, skipped: [], ignoredFiles: 1 });
    expect(summary.audioSeconds).toBeCloseTo(0.3, 12);
  });

  it('bad command lines exit 2 with one line', async () => {
    const cases: [string[], RegExp][] = [
      [['build', 'audio-folder', root, join(directory, 'x.beton'), '--field', 'wav'], /--field must be one of waveform, flac, opus, mp3, logmel, got "wav"/],
      [['build', 'audio-folder', root, join(directory, 'x.beton'), '--field', 'flac', '--dtype', 'int16'], /--dtype applies to --field waveform, not flac/],
      [['build', 'audio-folder', root, join(directory, 'x.beton'), '--sample-rate', '16k'], /--sample-rate must be an integer/],
      [['build', 'audio-folder'], /needs DIR/],
      [['build', 'audio', join(directory, 'x.beton')], /needs --manifest FILE/],
    ];
    for (const [argv, message] of cases) {
      const { exitCode, stderr } = await runCaptured(argv);
      expect(exitCode, argv.join(' ')).toBe(2);
      expect(stderr).toMatch(ONE_LINE_ERROR);
      expect(stderr).toMatch(message);
    }
  });

  it('a missing folder exits 1 (E_IO); Opus at 44.1 kHz exits 1 (E_AUDIO_SAMPLE_RATE) before reading', async () => {
    const missing = await runCaptured(['build', 'audio-folder', join(directory, 'absent'), join(directory, 'x.beton'), '-q']);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/^tessera: E_IO: cannot read the audio folder .*absent/);
    const opus = await runCaptured(['build', 'audio-folder', root, join(directory, 'x.beton'), '--field', 'opus', '--sample-rate', '44100', '-q']);
    expect(opus.exitCode).toBe(1);
    expect(opus.stderr).toMatch(/^tessera: E_AUDIO_SAMPLE_RATE: sampleRate: opus stores 8000, 12000, 16000, 24000, 48000 Hz only, got 44100/);
  });
});

describe.skipIf(audio.buildAudioDataset === undefined)(`tessera build audio --manifest (${audio.buildAudioDataset === undefined ? NOT_BUILT : 'WAV, no ffmpeg'})`, () => {
  it('crops, class-name labels and transcripts from a CSV manifest', async () => {
    const manifest = join(root, 'train.csv');
    writeFileSync(manifest, 'path,start,end,text,label\nyes/a.wav,0.025,0.05,"hello, world",yes\nno/c.wav,,,second,no\n');
    const output = join(directory, 'manifest.beton');
    const { exitCode, stdout } = await runCaptured(['build', 'audio', '--manifest', manifest, output, '--dtype', 'int16', '-q', '--workers', '0'], { cwd: directory });
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/: 2 clips in 2 classes, .* field "audio" \(waveform, 16000 Hz × 1\) \+ label, text, /);
    readDataset(output, (dataset) => {
      expect((dataset.read(0, 'audio') as { samples: Int16Array[] }).samples).toEqual([clips['yes/a.wav']!.subarray(400, 800)]);
      expect(dataset.read(0, 'text')).toBe('hello, world');
      expect([0, 1].map((index) => Number(dataset.read(index, 'label')))).toEqual([1, 0]);
    });
  });

  it('an unreadable clip exits 1 naming file and line (and --skip-invalid); with --skip-invalid it is left out and listed', async () => {
    const manifest = join(root, 'broken.jsonl');
    writeFileSync(manifest, `${JSON.stringify({ path: 'yes/a.wav' })}\n${JSON.stringify({ path: 'yes/gone.wav' })}\n`);
    const output = join(directory, 'broken.beton');
    const strict = await runCaptured(['build', 'audio', '--manifest', manifest, output, '-q', '--workers', '0']);
    expect(strict.exitCode).toBe(1);
    expect(strict.stderr).toMatch(ONE_LINE_ERROR);
    expect(strict.stderr).toContain(`tessera: E_AUDIO_INPUT: ${join(root, 'yes', 'gone.wav')} (line 2): cannot be read: no such file; to leave unreadable files out (and list them), run again with --skip-invalid`);
    const lenient = await runCaptured(['build', 'audio', '--manifest', manifest, output, '-q', '--workers', '0', '--skip-invalid']);
    expect(lenient.exitCode).toBe(0);
    expect(lenient.stdout).toContain(': 1 clip, ');
    expect(lenient.stdout).toContain('; 1 unreadable file skipped\n');
    expect(lenient.stdout).toContain(`skipped ${join(root, 'yes', 'gone.wav')} (line 2): cannot be read: no such file\n`);
  });
});

describe.skipIf(audio.buildAudioDataset === undefined || !hasFfmpeg)(
  `tessera build audio-folder --field flac (${audio.buildAudioDataset === undefined ? NOT_BUILT : hasFfmpeg ? ffmpeg : 'no ffmpeg: set TESSERA_FFMPEG or put ffmpeg on PATH'})`,
  () => {
    it('stores FLAC that decodes to the WAV samples exactly', async () => {
      const output = join(directory, 'flac.beton');
      const { exitCode, stdout } = await runCaptured(['build', 'audio-folder', root, output, '--field', 'flac', '-q', '--workers', '0']);
      expect(exitCode).toBe(0);
      expect(stdout).toContain('field "audio" (flac, 16000 Hz × 1)');
      readDataset(output, (dataset) => {
        const stored = dataset.read(1, 'audio') as { samples: Float32Array[] };
        expect(stored.samples).toEqual([Float32Array.from(clips['yes/a.wav']!, (value) => value / 32768)]);
      });
    });
  },
);
