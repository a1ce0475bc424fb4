import { join } from 'node:path';
import { BATCH_INFO, type Dataset, createLoader, createOutputSlot, openDataset, writeDataset } from '@tessera/core';
import { hierarchicalText, loadTokenizer, splitDocument, textPlugin } from '@tessera/text';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GPT35_TOKENIZER, LICENSES, temporaryDirectory } from './fixtures.js';

const directory = temporaryDirectory('hierarchical');
const texts = LICENSES.map((license) => license.text);
let textPath: string;
let tokensPath: string;
const utf8 = new TextDecoder('utf-8', { fatal: true });

beforeAll(async () => {
  textPath = join(directory.path, 'text.beton');
  tokensPath = join(directory.path, 'tokens.beton');
  await writeDataset(textPath, { document: hierarchicalText() }, texts.map((text) => ({ document: text })), { workers: 2, chunkSize: 2 });
  await writeDataset(tokensPath, { document: hierarchicalText({ tokenizer: GPT35_TOKENIZER }) }, texts.map((text) => ({ document: text })), { workers: 2, chunkSize: 2 });
});
afterAll(() => directory.remove());

function withDataset<T>(path: string, run: (dataset: Dataset) => T): T {
  const dataset = openDataset(path, { plugins: [textPlugin()] });
  try {
    return run(dataset);
  } finally {
    dataset.close();
  }
}

describe('splitDocument', () => {
  it('tiles real documents: paragraphs of sentences join back to the exact text', () => {
    for (const { name, text } of LICENSES) {
      const paragraphs = splitDocument(text);
      expect(paragraphs.flat().join(''), name).toBe(text);
      expect(paragraphs.every((paragraph) => paragraph.length > 0), name).toBe(true);
    }
    // GPL is the link to GPL-3 (listed first, so the one kept)
    const gpl = splitDocument(LICENSES.find((license) => license.name === 'GPL')!.text);
    expect(gpl.length).toBeGreaterThan(100);
    expect(gpl.flat().length).toBeGreaterThan(gpl.length);
  });

  it('splits after sentence ends, not after abbreviations, initials or list numbers; blank lines end paragraphs', () => {
    const text = 'Mr. Smith met J. R. R. Tolkien. They talked, e.g. about "Hobbits." Then they left!\n\n1. Definitions. The end?\nNo.';
    expect(splitDocument(text)).toEqual([
      ['Mr. Smith met J. R. R. Tolkien. ', 'They talked, e.g. about "Hobbits." ', 'Then they left!\n\n'],
      ['1. Definitions. ', 'The end?\n', 'No.'],
    ]);
    expect(splitDocument('')).toEqual([]);
    expect(splitDocument('\n\n  \n')).toEqual([['\n\n  \n']]);
    expect(splitDocument('\n\nHello.\n\n\nWorld')).toEqual([['\n\nHello.\n\n\n'], ['World']]);
  });
});

describe('hierarchicalText()', () => {
  it('reads documents back as paragraphs of sentences (text mode)', () => {
    withDataset(textPath, (dataset) => {
      texts.forEach((text, index) => {
        expect(dataset.read(index, 'document')).toEqual({ paragraphs: splitDocument(text) });
      });
    });
  });

  it('document, random-paragraph and sentence-window decode exact ranges of the text', () => {
    withDataset(textPath, (dataset) => {
      const index = LICENSES.findIndex((license) => license.name === 'GPL');
      const paragraphs = splitDocument(texts[index]!);
      const sentences = paragraphs.flat();
      const document = dataset.createDecoder('document', 'document', { maxLength: 64 * 1024 });
      const slot = createOutputSlot(document.output);
      document.decode(index, slot);
      expect(utf8.decode(slot.bytes.subarray(0, slot.lengths[0]))).toBe(texts[index]);

      // Without a loader context, the "random" decoders take the first paragraph / window.
      const paragraph = dataset.createDecoder('document', 'random-paragraph', { maxLength: 64 * 1024 });
      expect(paragraph.random).toBe(true);
      paragraph.decode(index, slot);
      expect(utf8.decode(slot.bytes.subarray(0, slot.lengths[0]))).toBe(paragraphs[0]!.join(''));
      const window = dataset.createDecoder('document', 'sentence-window', { sentences: 4, maxLength: 64 * 1024 });
      window.decode(index, slot);
      expect(utf8.decode(slot.bytes.subarray(0, slot.lengths[0]))).toBe(sentences.slice(0, 4).join(''));

      const counts = dataset.createDecoder('document', 'counts');
      const countSlot = createOutputSlot(counts.output);
      counts.decode(index, countSlot);
      expect(Array.from(countSlot.data as Int32Array)).toEqual([paragraphs.length, sentences.length]);
    });
  });

  it('in a loader, random-paragraph picks a paragraph per sample from the seed, the same with decode workers', async () => {
    const run = async (workers: number) => {
      const loader = createLoader(textPath, {
        batchSize: 4,
        seed: 3,
        workers,
        plugins: [textPlugin()],
        pipelines: { document: { decoder: 'random-paragraph', decoderOptions: { maxLength: 16 * 1024 } } },
      });
      const picked: string[] = [];
      try {
        for await (const batch of loader) {
          const { sampleIndices, count } = batch[BATCH_INFO];
          for (let row = 0; row < count; row++) {
            const text = utf8.decode((batch.document.data as Uint8Array).subarray(row * 16 * 1024, row * 16 * 1024 + batch.document.lengths![row]!));
            const paragraphs = splitDocument(texts[sampleIndices[row]!]!).map((paragraph) => paragraph.join('').slice(0, 16 * 1024));
            expect(paragraphs.some((paragraph) => new TextEncoder().encode(paragraph).byteLength <= 16 * 1024 ? paragraph === text : paragraph.startsWith(text))).toBe(true);
            picked.push(text);
          }
        }
      } finally {
        await loader.close();
      }
      return picked;
    };
    const first = await run(0);
    expect(await run(2)).toEqual(first);
    expect(first.filter((text, index) => text !== splitDocument(texts[index]!)[0]!.join('')).length).toBeGreaterThan(0);
  });

  it('token mode: sentences tokenized on their own; the ids decode back to the text', () => {
    const tokenizer = loadTokenizer(GPT35_TOKENIZER);
    withDataset(tokensPath, (dataset) => {
      expect(dataset.fields[0]!.arguments).toMatchObject({ unit: 'tokens', dtype: 'uint32' });
      texts.forEach((text, index) => {
        const stored = dataset.read(index, 'document') as { paragraphs: number[][][] };
        const expected = splitDocument(text).map((paragraph) => paragraph.map((sentence) => tokenizer.encode(sentence, false)));
        expect(stored.paragraphs).toEqual(expected);
        expect(tokenizer.decode(stored.paragraphs.flat(2), false)).toBe(text);
      });
      const decoder = dataset.createDecoder('document', 'sentence-window', { sentences: 2, maxLength: 4096 });
      expect(decoder.output).toEqual({ dtype: 'int32', shape: [4096], variableDims: [0] });
      const slot = createOutputSlot(decoder.output);
      decoder.decode(0, slot);
      const sentences = splitDocument(texts[0]!).flat();
      expect(tokenizer.decode((slot.data as Int32Array).subarray(0, slot.lengths[0]), false)).toBe(sentences.slice(0, 2).join(''));
    });
  });

  it('takes explicit paragraphs of sentences, and refuses malformed ones', async () => {
    const file = join(directory.path, 'explicit.beton');
    const value = { paragraphs: [['First. ', 'Second.\n\n'], ['Third']] };
    await writeDataset(file, { document: hierarchicalText() }, [{ document: value }], { workers: 0 });
    withDataset(file, (dataset) => expect(dataset.read(0, 'document')).toEqual(value));
    await expect(writeDataset(file, { document: hierarchicalText() }, [{ document: { paragraphs: [[]] } }], { workers: 0 })).rejects.toMatchObject({
      code: 'E_ENCODE',
      message: expect.stringContaining('non-empty list of sentences'),
    });
  });
});
