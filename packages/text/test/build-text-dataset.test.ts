import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Dataset, openDataset } from '@tessera/core';
import { type BuildTextProgress, buildTextDataset, listInputFiles, textPlugin } from '@tessera/text';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GPT35_TOKENIZER, LICENSES, LICENSES_DIRECTORY, referenceIds, temporaryDirectory } from './fixtures.js';

const directory = temporaryDirectory('build');
let corpus: string;

beforeAll(() => {
  corpus = join(directory.path, 'corpus');
  mkdirSync(join(corpus, 'nested'), { recursive: true });
  writeFileSync(join(corpus, 'lines.txt'), 'first line\n\nsecond line\r\nthird line');
  writeFileSync(join(corpus, 'nested', 'records.jsonl'), `${JSON.stringify({ body: 'alpha', id: 1 })}\n\n${JSON.stringify({ body: 'beta 🙂', id: 2 })}\n`);
  writeFileSync(join(corpus, '.hidden.txt'), 'never read');
});
afterAll(() => directory.remove());

function readAll(path: string, field = 'text'): unknown[] {
  const dataset: Dataset = openDataset(path, { plugins: [textPlugin()] });
  try {
    return Array.from({ length: dataset.numSamples }, (_, index) => dataset.read(index, field));
  } finally {
    dataset.close();
  }
}

describe('buildTextDataset', () => {
  it('lists folders recursively (sorted, hidden files and duplicate links skipped) and globs', () => {
    expect(listInputFiles(corpus).map((file) => [file.path.slice(corpus.length), file.format])).toEqual([
      ['/lines.txt', 'txt-per-file'],
      ['/nested/records.jsonl', 'jsonl'],
    ]);
    expect(listInputFiles('**/*.jsonl', { cwd: corpus }).map((file) => file.path)).toEqual([join(corpus, 'nested', 'records.jsonl')]);
    expect(listInputFiles(LICENSES_DIRECTORY).map((file) => file.path)).toEqual(LICENSES.map((license) => license.path));
    expect(() => listInputFiles(join(corpus, 'missing.txt'))).toThrowError(expect.objectContaining({ code: 'E_IO' }));
    expect(() => listInputFiles('*.nothing', { cwd: corpus })).toThrowError(expect.objectContaining({ code: 'E_IO', message: expect.stringContaining('matches no file') }));
  });

  it('raw text, one document per line and per JSON line', async () => {
    const lines = join(directory.path, 'lines.beton');
    const summary = await buildTextDataset({ inputs: join(corpus, 'lines.txt'), output: lines, format: 'txt-per-line', workers: 0 });
    expect(summary).toMatchObject({ field: 'raw', documents: 3, numSamples: 3, tokens: undefined, inputFiles: 1 });
    expect(readAll(lines)).toEqual(['first line', 'second line', 'third line']);

    const records = join(directory.path, 'records.beton');
    await buildTextDataset({ inputs: [join(corpus, 'nested')], output: records, jsonKey: 'body', fieldName: 'body', workers: 0 });
    expect(readAll(records, 'body')).toEqual(['alpha', 'beta 🙂']);
  });

  it('tokens with worker threads: the ids of each document, with progress', async () => {
    const output = join(directory.path, 'tokens.beton');
    const events: BuildTextProgress[] = [];
    const summary = await buildTextDataset({
      inputs: LICENSES_DIRECTORY,
      output,
      field: 'tokens',
      tokenizer: GPT35_TOKENIZER,
      workers: 2,
      onProgress: (progress) => events.push({ ...progress }),
    });
    const expected = LICENSES.map((license) => referenceIds(license.text));
    expect(readAll(output).map((ids) => Array.from(ids as Uint32Array))).toEqual(expected);
    expect(summary).toMatchObject({ field: 'tokens', documents: LICENSES.length, tokens: expected.flat().length });
    expect(events[0]).toMatchObject({ phase: 'tokenizing', samplesWritten: 0 });
    expect(events.at(-1)).toMatchObject({ phase: 'tokenizing', samplesWritten: LICENSES.length, documents: LICENSES.length });
    expect(events.at(-1)!.inputBytes).toBe(events.at(-1)!.totalInputBytes);
  });

  it('packed: reports tokenizing then packing, and writes the same file whatever the worker count', async () => {
    const events: string[] = [];
    const one = join(directory.path, 'packed-0.beton');
    const two = join(directory.path, 'packed-2.beton');
    const summary = await buildTextDataset({ inputs: LICENSES_DIRECTORY, output: one, tokenizer: GPT35_TOKENIZER, windowLength: 256, workers: 0, onProgress: (progress) => events.push(progress.phase) });
    await buildTextDataset({ inputs: LICENSES_DIRECTORY, output: two, tokenizer: GPT35_TOKENIZER, windowLength: 256, workers: 2 });
    expect(summary).toMatchObject({ field: 'packed', numSamples: Math.ceil(summary.tokens! / 256) });
    expect([...new Set(events)]).toEqual(['tokenizing', 'packing']);
    const { readFileSync, readdirSync } = await import('node:fs');
    expect(readFileSync(one).equals(readFileSync(two))).toBe(true);
    // The temporary tokens file is gone.
    expect(readdirSync(directory.path).filter((name) => name.includes('.tmp'))).toEqual([]);
  });

  it('errors name the file and line, and what to fix', async () => {
    const bad = join(directory.path, 'bad.jsonl');
    writeFileSync(bad, '{"text": "ok"}\n{"body": "no text key"}\n');
    await expect(buildTextDataset({ inputs: bad, output: join(directory.path, 'bad.beton'), workers: 0 })).rejects.toMatchObject({
      code: 'E_ARGUMENT',
      message: expect.stringContaining(`${bad}:2 has no string under key "text" (it has body)`),
    });
    const binary = join(directory.path, 'binary.txt');
    writeFileSync(binary, Buffer.from([0x66, 0xff, 0xfe, 0x00]));
    await expect(buildTextDataset({ inputs: binary, output: join(directory.path, 'bad.beton'), workers: 0 })).rejects.toMatchObject({
      code: 'E_ARGUMENT',
      message: expect.stringContaining('is not UTF-8 text'),
    });
    await expect(buildTextDataset({ inputs: corpus, output: join(directory.path, 'x.beton'), field: 'packed' })).rejects.toMatchObject({
      code: 'E_ARGUMENT',
      message: expect.stringContaining('needs a tokenizer'),
    });
    await expect(buildTextDataset({ inputs: corpus, output: join(directory.path, 'x.beton'), field: 'nope' as never })).rejects.toMatchObject({ code: 'E_ARGUMENT' });
  });
});
