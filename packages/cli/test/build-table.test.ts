import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDataset } from '@tessera/core';
import { imagePlugin } from '@tessera/image';
import { textPlugin } from '@tessera/text';
import { parquetWriteBuffer } from 'hyparquet-writer';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONE_LINE_ERROR, runCaptured } from './helpers/run-captured.js';

let directory: string;
// Three rows: a label, a caption, JSON metadata and an image path relative to the table's folder.
const LABELS = [3, 0, 7];
const CAPTIONS = ['a red square', 'ünïcode, with "quotes"', ''];
const METAS = [{ split: 'train', tags: ['a', 'b'] }, { split: 'val', score: 0.5 }, null];
const SCORES = [0.25, -1.5, 1e-3];
const IMAGE_SIZES: Array<[number, number]> = [
  [24, 16],
  [10, 30],
  [17, 17],
];

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'tessera-cli-build-table-'));
  mkdirSync(join(directory, 'images'));
  for (const [index, [width, height]] of IMAGE_SIZES.entries()) {
    // Flat colours: JPEG (the image field's default codec) keeps them within a few levels.
    const pixels = Buffer.alloc(width * height * 3);
    for (let offset = 0; offset < pixels.length; offset += 3) pixels.set([40 + 80 * index, 200 - 60 * index, 120], offset);
    await sharp(pixels, { raw: { width, height, channels: 3 } }).png().toFile(join(directory, 'images', `${index}.png`));
  }
  const rows = LABELS.map((label, index) => ({ label, caption: CAPTIONS[index], meta: METAS[index], score: SCORES[index], image: `images/${index}.png` }));
  writeFileSync(join(directory, 'table.jsonl'), `${rows.map((row) => JSON.stringify(row)).join('\n')}\n\n`);
  const csvCell = (text: string) => (/[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);
  const csvLines = ['label,caption,meta,score,image', ...rows.map((row) => [String(row.label), row.caption!, JSON.stringify(row.meta), String(row.score), row.image].map(csvCell).join(','))];
  writeFileSync(join(directory, 'table.csv'), `${csvLines.join('\r\n')}\r\n`);
  const parquet = parquetWriteBuffer({
    columnData: [
      { name: 'label', data: LABELS.map(BigInt), type: 'INT64' },
      { name: 'caption', data: CAPTIONS, type: 'STRING' },
      { name: 'meta', data: METAS.map((meta) => JSON.stringify(meta)), type: 'STRING' },
      { name: 'score', data: SCORES, type: 'DOUBLE' },
      { name: 'image', data: rows.map((row) => row.image), type: 'STRING' },
      { name: 'png', data: IMAGE_SIZES.map((_, index) => new Uint8Array(readFileSync(join(directory, 'images', `${index}.png`)))), type: 'BYTE_ARRAY' },
    ],
  });
  writeFileSync(join(directory, 'table.parquet'), new Uint8Array(parquet));
});

afterAll(() => rmSync(directory, { recursive: true, force: true }));

const FIELDS = ['--field', 'label=int64', '--field', 'caption=text', '--field', 'score=float64', '--field', 'image=image:path'];

function expectDataset(path: string, options: { meta: 'json' | 'none'; imageField?: string } = { meta: 'json' }): void {
  const dataset = openDataset(path, { plugins: [imagePlugin(), textPlugin()] });
  try {
    const imageField = options.imageField ?? 'image';
    const names = dataset.fields.map((field) => field.name);
    expect(names).toContain('source_row');
    for (let row = 0; row < 3; row++) {
      expect(Number(dataset.read(row, 'source_row'))).toBe(row);
      expect(Number(dataset.read(row, 'label'))).toBe(LABELS[row]);
      expect(dataset.read(row, 'caption')).toBe(CAPTIONS[row]);
      expect(dataset.read(row, 'score')).toBe(SCORES[row]);
      if (options.meta === 'json') expect(dataset.read(row, 'meta')).toEqual(METAS[row]);
      const image = dataset.read(row, imageField) as { width: number; height: number; data: Uint8Array };
      expect([image.width, image.height]).toEqual(IMAGE_SIZES[row]);
      const expected = [40 + 80 * row, 200 - 60 * row, 120];
      for (let channel = 0; channel < 3; channel++) expect(Math.abs(image.data[channel]! - expected[channel]!)).toBeLessThanOrEqual(6);
    }
    expect(dataset.numSamples).toBe(3);
  } finally {
    dataset.close();
  }
}

describe('tessera build table', () => {
  it('builds from JSON Lines: int64, text, float64, json and image paths relative to the table, with the source row', async () => {
    const output = join(directory, 'jsonl.beton');
    const { exitCode, stdout, stderr } = await runCaptured(['build', 'table', join(directory, 'table.jsonl'), output, ...FIELDS, '--field', 'meta=json', '--workers', '0', '-q']);
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(new RegExp(`^wrote ${output}: 3 rows of table\\.jsonl \\(jsonl\\), fields label, caption, score, image, meta, source_row, `));
    expectDataset(output);
  });

  it('builds from CSV (quoted cells, CRLF, JSON cells parsed), -o given and the table named relative to cwd', async () => {
    const { exitCode, stderr } = await runCaptured(['build', 'table', 'table.csv', '-o', 'csv.beton', ...FIELDS, '--field', 'meta=json', '-q'], { cwd: directory });
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
    expectDataset(join(directory, 'csv.beton'));
  });

  it('builds from Parquet: INT64 as bigint, STRING, DOUBLE, and a binary column as image:bytes', async () => {
    const output = join(directory, 'parquet.beton');
    const { exitCode, stderr } = await runCaptured(['build', 'table', join(directory, 'table.parquet'), output, ...FIELDS, '--field', 'png=image:bytes', '-q']);
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
    expectDataset(output, { meta: 'none' });
    expectDataset(output, { meta: 'none', imageField: 'png' });
  });

  it('--row-field renames the source row field and --no-row-field leaves it out', async () => {
    const renamed = join(directory, 'renamed.beton');
    expect((await runCaptured(['build', 'table', join(directory, 'table.jsonl'), renamed, '--field', 'label=int64', '--row-field', 'line', '-q'])).exitCode).toBe(0);
    const without = join(directory, 'without.beton');
    expect((await runCaptured(['build', 'table', join(directory, 'table.jsonl'), without, '--field', 'label=int64', '--no-row-field', '-q'])).exitCode).toBe(0);
    const first = openDataset(renamed);
    const second = openDataset(without);
    try {
      expect(first.fields.map((field) => field.name)).toEqual(['label', 'line']);
      expect([0, 1, 2].map((row) => Number(first.read(row, 'line')))).toEqual([0, 1, 2]);
      expect(second.fields.map((field) => field.name)).toEqual(['label']);
    } finally {
      first.close();
      second.close();
    }
  });

  it('a missing column is E_USAGE naming it and listing the columns; an unknown kind is E_USAGE listing the kinds', async () => {
    const missing = await runCaptured(['build', 'table', join(directory, 'table.csv'), join(directory, 'x.beton'), '--field', 'labels=int64']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(ONE_LINE_ERROR);
    expect(missing.stderr).toContain('E_USAGE: table.csv has no column "labels"; its columns are "label", "caption", "meta", "score", "image"'.replace('table.csv', join(directory, 'table.csv')));

    const unknown = await runCaptured(['build', 'table', join(directory, 'table.csv'), join(directory, 'x.beton'), '--field', 'label=integer']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('E_USAGE: --field label=integer: unknown kind "integer"; the kinds are int64, float64, json, bytes, text, tokens, image, gray-image');

    const option = await runCaptured(['build', 'table', join(directory, 'table.csv'), join(directory, 'x.beton'), '--field', 'image=image:url']);
    expect(option.exitCode).toBe(2);
    expect(option.stderr).toContain('unknown option "url"; the options of image are path, bytes');
  });

  it('a missing image file is E_IO naming the row, column and path; a non-integer cell is E_FIELD_VALUE; no output is left', async () => {
    writeFileSync(join(directory, 'broken.jsonl'), `${JSON.stringify({ image: 'images/0.png', label: 1 })}\n${JSON.stringify({ image: 'images/nope.png', label: 'two' })}\n`);
    const output = join(directory, 'broken.beton');
    const image = await runCaptured(['build', 'table', join(directory, 'broken.jsonl'), output, '--field', 'image=image', '-q']);
    expect(image.exitCode).toBe(1);
    expect(image.stderr).toMatch(ONE_LINE_ERROR);
    expect(image.stderr).toContain(`E_IO: row 1, column "image": cannot read the image ${join(directory, 'images', 'nope.png')}: ENOENT`);
    const label = await runCaptured(['build', 'table', join(directory, 'broken.jsonl'), output, '--field', 'label=int64', '-q']);
    expect(label.exitCode).toBe(1);
    expect(label.stderr).toContain('E_FIELD_VALUE: row 1, column "label": "two" is not an integer (--field label=int64)');
    expect(() => readFileSync(output)).toThrow();
  });

  it('an unknown table extension and a bad JSON line are E_ARGUMENT', async () => {
    writeFileSync(join(directory, 'table.tsv'), 'a\tb\n');
    const extension = await runCaptured(['build', 'table', join(directory, 'table.tsv'), join(directory, 'x.beton'), '--field', 'a=int64']);
    expect(extension.exitCode).toBe(1);
    expect(extension.stderr).toContain('E_ARGUMENT');
    expect(extension.stderr).toContain('.jsonl, .ndjson, .csv, .parquet');
    writeFileSync(join(directory, 'bad.jsonl'), '{"a": 1}\n{"a": \n');
    const line = await runCaptured(['build', 'table', join(directory, 'bad.jsonl'), join(directory, 'x.beton'), '--field', 'a=int64']);
    expect(line.exitCode).toBe(1);
    expect(line.stderr).toContain(`E_ARGUMENT: ${join(directory, 'bad.jsonl')}:2: not JSON`);
  });
});
