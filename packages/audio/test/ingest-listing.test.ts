import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TesseraError } from '@tessera/core';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCsv } from '@tessera/core/internals';
import { listAudioFolder } from '../src/ingest/audio-folder.js';
import { readAudioManifest } from '../src/ingest/audio-manifest.js';

const root = mkdtempSync(join(tmpdir(), 'tessera-ingest-listing-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function touch(path: string, content = 'x'): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
  return path;
}

const caught = (run: () => unknown): TesseraError => {
  try {
    run();
  } catch (error) {
    return error as TesseraError;
  }
  throw new Error('expected an error');
};

describe('listAudioFolder', () => {
  it('classes are the sorted subfolders (label = index); audio by extension, nested files included, the rest counted as ignored', () => {
    const folder = join(root, 'speech-commands');
    const files = [
      touch(join(folder, 'yes', 'b.wav')),
      touch(join(folder, 'yes', 'a.FLAC')),
      touch(join(folder, 'yes', 'nested', 'c.mp3')),
      touch(join(folder, 'no', 'x.ogg')),
      touch(join(folder, 'no', 'y.opus')),
      touch(join(folder, 'Zed', 'z.m4a')),
      touch(join(folder, '_background', 'noise.aiff')),
      touch(join(folder, '_background', 'n.webm')),
      touch(join(folder, '_background', 'm.aac')),
    ];
    touch(join(folder, 'yes', 'notes.txt'));
    touch(join(folder, 'yes', '.hidden.wav'));
    touch(join(folder, '.cache', 'skipped.wav'));
    touch(join(folder, 'README.md'));
    symlinkSync(join(folder, 'missing.wav'), join(folder, 'no', 'dangling.wav'));
    const listing = listAudioFolder(folder);
    expect(listing.classes).toEqual(['Zed', '_background', 'no', 'yes']);
    expect(listing.entries).toEqual([
      { path: files[5], label: 0 },
      { path: files[8], label: 1 },
      { path: files[7], label: 1 },
      { path: files[6], label: 1 },
      { path: files[3], label: 2 },
      { path: files[4], label: 2 },
      { path: files[1], label: 3 },
      { path: files[0], label: 3 },
      { path: files[2], label: 3 },
    ]);
    // README.md (in ROOT), notes.txt, .hidden.wav, the dangling link.
    expect(listing.ignoredFiles).toBe(4);
    expect(listing.ignoredExamples).toContain(join(folder, 'README.md'));
  });

  it('a missing folder is E_IO; no class subfolders or no audio is E_ARGUMENT saying the layout', () => {
    expect(caught(() => listAudioFolder(join(root, 'absent'))).code).toBe('E_IO');
    const flat = join(root, 'flat');
    touch(join(flat, 'a.wav'));
    const error = caught(() => listAudioFolder(flat));
    expect(error.code).toBe('E_ARGUMENT');
    expect(error.message).toContain('has no class subfolders (it holds 1 audio file directly); expected ROOT/<class>/<audio files>');
    const empty = join(root, 'no-audio');
    touch(join(empty, 'cat', 'notes.txt'));
    expect(caught(() => listAudioFolder(empty)).message).toContain('has 1 class subfolder but no audio files below them');
    expect(caught(() => listAudioFolder(join(flat, 'a.wav'))).code).toBe('E_IO');
  });
});

describe('parseCsv', () => {
  it('quotes, doubled quotes, commas and newlines inside quotes, CRLF, BOM, blank lines', () => {
    const text = '\ufeffpath,text\r\n"a,b.wav","say ""hi""\nthere"\r\n\r\nc.wav,plain\n"",x';
    expect(parseCsv(text)).toEqual([
      { cells: ['path', 'text'], line: 1 },
      { cells: ['a,b.wav', 'say "hi"\nthere'], line: 2 },
      { cells: ['c.wav', 'plain'], line: 5 },
      { cells: ['', 'x'], line: 6 },
    ]);
    expect(parseCsv('a,"b\n')).toEqual({ problem: 'a quoted cell is never closed', line: 1 });
    expect(parseCsv('a,b"c\n')).toMatchObject({ line: 1 });
  });
});

describe('readAudioManifest', () => {
  const folder = join(root, 'corpus');
  mkdirSync(join(folder, 'clips'), { recursive: true });

  it('.jsonl: paths relative to the manifest folder, crops, text/transcript, label, speaker; duration and unknown keys ignored', () => {
    const manifest = touch(
      join(folder, 'train.jsonl'),
      [
        JSON.stringify({ path: 'clips/a.wav', start: 0.5, end: 1.25, text: 'hello', label: 3, speaker: 'spk1', duration: 9 }),
        '',
        JSON.stringify({ path: '/abs/b.flac', transcript: 'world', label: 'dog', speaker: 42, lang: 'en' }),
        JSON.stringify({ audio_filepath: 'c.mp3' }),
      ].join('\n'),
    );
    const result = readAudioManifest(manifest);
    expect(result.format).toBe('jsonl');
    expect(result.entries).toEqual([
      { path: join(folder, 'clips', 'a.wav'), line: 1, start: 0.5, end: 1.25, text: 'hello', label: 3, speaker: 'spk1' },
      { path: '/abs/b.flac', line: 3, text: 'world', label: 'dog', speaker: '42' },
      { path: join(folder, 'c.mp3'), line: 4 },
    ]);
  });

  it('.csv: a header row; integer labels are integers, other labels class names; empty cells are absent', () => {
    const manifest = touch(join(folder, 'dev.csv'), 'path,start,end,transcript,label,duration\nclips/a.wav,0.25,,"a, b",7,1.0\nclips/b.wav,,,,cat,2\n');
    expect(readAudioManifest(manifest).entries).toEqual([
      { path: join(folder, 'clips', 'a.wav'), line: 2, start: 0.25, text: 'a, b', label: 7 },
      { path: join(folder, 'clips', 'b.wav'), line: 3, label: 'cat' },
    ]);
  });

  it('malformed rows are E_ARGUMENT naming file and line; a missing manifest is E_IO', () => {
    const cases: [string, string, string][] = [
      ['bad.jsonl', '{"path": "a.wav"}\n{oops\n', 'bad.jsonl:2 is not JSON'],
      ['nopath.jsonl', '{"text": "hi"}\n', 'nopath.jsonl:1 has no "path"'],
      ['start.jsonl', '{"path": "a.wav", "start": -1}\n', 'start.jsonl:1: "start" must be a non-negative number of seconds, got -1'],
      ['order.jsonl', '{"path": "a.wav", "start": 2, "end": 1}\n', 'order.jsonl:1: end 1 is before start 2'],
      ['label.jsonl', '{"path": "a.wav", "label": 1.5}\n', 'label.jsonl:1: "label" must be an integer or a class name, got 1.5'],
      ['cells.csv', 'path,label\na.wav,1,2\n', 'cells.csv:2 has 3 cells, the header has 2'],
      ['start.csv', 'path,start\na.wav,soon\n', 'start.csv:2: "start" must be a non-negative number of seconds, got "soon"'],
      ['list.txt', 'a.wav\n', 'a manifest is a .jsonl or .csv file, got .txt'],
    ];
    for (const [name, content, message] of cases) {
      const error = caught(() => readAudioManifest(touch(join(folder, name), content)));
      expect(error.code, name).toBe('E_ARGUMENT');
      expect(error.message, name).toContain(message);
    }
    expect(caught(() => readAudioManifest(join(folder, 'absent.jsonl'))).code).toBe('E_IO');
  });
});
