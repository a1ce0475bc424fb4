import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeDataset } from '@tessera/core';
import { rawText, textPlugin, tokens } from '@tessera/text';
import { afterAll, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM helper of @tessera/core's tests (no types)
import { runFuzzInChild } from '../../core/test/fuzz/run-fuzz-child.mjs';
import { GPT35_TOKENIZER } from './fixtures.js';

/**
 * Issue 9's fuzz suite over text files: raw UTF-8 text and GPT-3.5 token ids, mutated by core's
 * seeded runner; every mutant must give a typed error, identical values, or damage verify reports.
 */
const directory = mkdtempSync(join(tmpdir(), 'tessera-text-fuzz-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

it('classifies every mutant of a text file as a typed error, identical data, or damage verify reports', async () => {
  const path = join(directory, 'text.beton');
  const words = ['tessera', 'mosaic', 'tile', 'über', '東京', 'data', 'loader', ''];
  const samples = Array.from({ length: 20 }, (_, index) => {
    const text = Array.from({ length: index % 7 }, (_, word) => words[(index + word * 3) % words.length]).join(' ');
    return { text, ids: text };
  });
  await writeDataset(path, { text: rawText(), ids: tokens({ tokenizer: GPT35_TOKENIZER }) }, samples, {
    plugins: [textPlugin()],
    pageSize: 4096,
    workers: 0,
  });
  const plugin = `${pathToFileURL(join(import.meta.dirname, '../dist/index.js')).href}#textPlugin`;
  const { summary, crash } = await runFuzzInChild(['--only-bases', '--base', path, '--plugin', plugin, '--mutants', '300']);
  expect(crash).toBeUndefined();
  console.log(`text fuzz outcomes: ${JSON.stringify(summary.counts)}`);
  expect(summary.failures).toEqual([]);
  for (const outcome of ['typed-error', 'identical', 'flagged-by-verify']) expect(summary.counts[outcome]).toBeGreaterThan(20);
}, 300_000);
