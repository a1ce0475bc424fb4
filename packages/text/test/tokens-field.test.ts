import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BATCH_INFO, type Dataset, PluginError, type TesseraError, createLoader, createOutputSlot, openDataset, writeDataset } from '@tessera/core';
import { TokenizerMismatchError, identifyTokenizer, padToLongest, paddedToLongest, textPlugin, tokens } from '@tessera/text';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GPT35_TOKENIZER, LICENSES, referenceIds, referenceTokenizer, temporaryDirectory, writeSmallTokenizer } from './fixtures.js';

const directory = temporaryDirectory('tokens');
let path: string;
let smallTokenizer: string;
let smallPath: string;
const texts = LICENSES.map((license) => license.text);

beforeAll(async () => {
  path = join(directory.path, 'licenses.beton');
  // Workers tokenize: each loads the tokenizer from the path recorded in the field arguments.
  await writeDataset(path, { ids: tokens({ tokenizer: GPT35_TOKENIZER }) }, texts.map((text) => ({ ids: text })), { workers: 2, chunkSize: 2 });
  smallTokenizer = writeSmallTokenizer(join(directory.path, 'small'));
  smallPath = join(directory.path, 'small.beton');
  await writeDataset(smallPath, { ids: tokens({ tokenizer: smallTokenizer }) }, texts.map((text) => ({ ids: text })), { workers: 0 });
});

afterAll(() => directory.remove());

function withDataset<T>(file: string, run: (dataset: Dataset) => T, plugin = textPlugin()): T {
  const dataset = openDataset(file, { plugins: [plugin] });
  try {
    return run(dataset);
  } finally {
    dataset.close();
  }
}

describe('tokens() on real text with the real GPT-3.5 tokenizer', () => {
  it("stores exactly @huggingface/tokenizers' ids, as u32, and they decode back to the text", () => {
    const reference = referenceTokenizer();
    withDataset(path, (dataset) => {
      expect(dataset.fields[0]!.arguments).toMatchObject({ dtype: 'uint32', vocabularySize: 100_277, tokenizer: identifyTokenizer(GPT35_TOKENIZER) });
      expect(dataset.numSamples).toBe(texts.length);
      texts.forEach((text, index) => {
        const ids = dataset.read(index, 'ids') as Uint32Array;
        expect(ids).toBeInstanceOf(Uint32Array);
        expect(Array.from(ids), LICENSES[index]!.name).toEqual(referenceIds(text));
        expect(reference.decode(Array.from(ids)), LICENSES[index]!.name).toBe(text);
      });
    });
  });

  it('a vocabulary of at most 65,536 ids is stored as u16, with the same ids as the tokenizer gives', async () => {
    const small = (await import('@tessera/text')).loadTokenizer(smallTokenizer);
    withDataset(smallPath, (dataset) => {
      expect(dataset.fields[0]!.arguments).toMatchObject({ dtype: 'uint16', vocabularySize: 32_001 });
      texts.forEach((text, index) => {
        const ids = dataset.read(index, 'ids') as Uint16Array;
        expect(ids).toBeInstanceOf(Uint16Array);
        expect(Array.from(ids)).toEqual(small.encode(text, true));
        expect(small.decode(ids, false)).toBe(text);
      });
      // u16 takes half the payload of u32 for similar token counts.
      expect(dataset.layout.payloadByteLength).toBeLessThan(Array.from({ length: texts.length }, (_, index) => (dataset.read(index, 'ids') as Uint16Array).length).reduce((a, b) => a + b) * 2 + 1);
    });
  });

  it('the text decoder detokenizes back to the exact UTF-8 text', () => {
    withDataset(path, (dataset) => {
      const decoder = dataset.createDecoder('ids', 'text', { maxByteLength: 64 * 1024 });
      const slot = createOutputSlot(decoder.output);
      texts.forEach((text, index) => {
        decoder.decode(index, slot);
        expect(new TextDecoder().decode(slot.bytes.subarray(0, slot.lengths[0]))).toBe(text);
      });
    });
  });

  it('padded: int32 ids truncated to maxLength, zero padding, lengths, optional attention-mask row and left truncation', () => {
    withDataset(path, (dataset) => {
      const expected = referenceIds(texts[2]!);
      const right = dataset.createDecoder('ids', 'padded', { maxLength: 16 });
      expect(right.output).toEqual({ dtype: 'int32', shape: [16], variableDims: [0] });
      const slot = createOutputSlot(right.output);
      right.decode(2, slot);
      expect(Array.from(slot.data as Int32Array)).toEqual(expected.slice(0, 16));
      expect(slot.lengths[0]).toBe(16);

      const left = dataset.createDecoder('ids', 'padded', { maxLength: 16, truncation: 'left' });
      left.decode(2, slot);
      expect(Array.from(slot.data as Int32Array)).toEqual(expected.slice(-16));

      const long = dataset.createDecoder('ids', 'padded', { maxLength: expected.length + 5, includeMask: true });
      expect(long.output).toEqual({ dtype: 'int32', shape: [2, expected.length + 5], variableDims: [1] });
      const maskSlot = createOutputSlot(long.output);
      long.decode(2, maskSlot);
      const width = expected.length + 5;
      expect(Array.from((maskSlot.data as Int32Array).subarray(0, width))).toEqual([...expected, 0, 0, 0, 0, 0]);
      expect(Array.from((maskSlot.data as Int32Array).subarray(width))).toEqual([...expected.map(() => 1), 0, 0, 0, 0, 0]);
      expect(maskSlot.lengths[0]).toBe(expected.length);
    });
  });

  it('bad decoder options are typed errors naming the option', () => {
    withDataset(path, (dataset) => {
      expect(() => dataset.createDecoder('ids', 'padded', { maxLength: 0 })).toThrowError(expect.objectContaining({ code: 'E_PLUGIN', message: expect.stringContaining('maxLength must be an integer') }));
      expect(() => dataset.createDecoder('ids', 'padded', { truncate: 'left' })).toThrowError(
        expect.objectContaining({ code: 'E_ARGUMENT', message: expect.stringContaining('unknown option "truncate"; did you mean truncation?') }),
      );
    });
  });

  it('dynamic padding: padToLongest packs each batch to its longest sample', async () => {
    const maxLength = 20_000;
    const loader = createLoader(path, {
      batchSize: 4,
      plugins: [textPlugin()],
      pipelines: { ids: { decoder: 'padded', decoderOptions: { maxLength } } },
      batchOperations: [padToLongest({ field: 'ids', multipleOf: 8 })],
    });
    try {
      let batches = 0;
      for await (const batch of loader) {
        batches++;
        const { sampleIndices, count } = batch[BATCH_INFO];
        const expected = Array.from(sampleIndices, (index) => referenceIds(texts[index]!).slice(0, maxLength));
        const longest = Math.min(maxLength, Math.ceil(Math.max(...expected.map((ids) => ids.length)) / 8) * 8);
        const padded = paddedToLongest(batch.ids, batch.ids_length);
        expect(padded.shape).toEqual([count, longest]);
        // The batch itself carries the per-batch shape and a view of exactly the dense block.
        expect(batch.ids.shape).toEqual([count, longest]);
        expect(batch.ids.data.length).toBe(count * longest);
        expect(Array.from(batch.ids_length.data as Int32Array)).toEqual(expected.map(() => longest));
        expected.forEach((ids, row) => {
          expect(batch.ids.lengths![row]).toBe(ids.length);
          const data = Array.from((padded.data as Int32Array).subarray(row * longest, (row + 1) * longest));
          expect(data).toEqual([...ids, ...new Array(longest - ids.length).fill(0)]);
        });
      }
      expect(batches).toBe(Math.ceil(texts.length / 4));
    } finally {
      await loader.close();
    }
  });
});

describe('a tokenizer mismatch between writer and reader', () => {
  it('is a TokenizerMismatchError (E_PLUGIN) at open when the reader names another tokenizer, with both sha256', () => {
    let error: unknown;
    try {
      openDataset(path, { plugins: [textPlugin({ tokenizer: smallTokenizer })] }).close();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TokenizerMismatchError);
    expect(error).toBeInstanceOf(PluginError);
    const mismatch = error as TokenizerMismatchError;
    expect(mismatch.code).toBe('E_PLUGIN');
    expect(mismatch.field).toBe('ids');
    expect(mismatch.expected.sha256).toBe(identifyTokenizer(GPT35_TOKENIZER).sha256);
    expect(mismatch.actual.sha256).toBe(identifyTokenizer(smallTokenizer).sha256);
    expect(mismatch.message).toContain(mismatch.expected.sha256);
    expect(mismatch.message).toContain(mismatch.actual.sha256);
    // The same tokenizer opens.
    withDataset(path, (dataset) => expect(dataset.numSamples).toBe(texts.length), textPlugin({ tokenizer: GPT35_TOKENIZER }));
  });

  it('is caught when detokenizing with a tokenizer.json that changed at the recorded path', async () => {
    const copied = join(directory.path, 'copied', 'tokenizer.json');
    mkdirSync(dirname(copied), { recursive: true });
    copyFileSync(GPT35_TOKENIZER, copied);
    const file = join(directory.path, 'copied.beton');
    await writeDataset(file, { ids: tokens({ tokenizer: copied }) }, [{ ids: 'hello world' }], { workers: 0 });
    copyFileSync(smallTokenizer, copied);
    withDataset(file, (dataset) => {
      expect(Array.from(dataset.read(0, 'ids') as Uint32Array)).toEqual(referenceIds('hello world'));
      let error: unknown;
      try {
        dataset.createDecoder('ids', 'text');
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(TokenizerMismatchError);
      expect((error as TesseraError).code).toBe('E_PLUGIN');
    });
  });

  it('a tokenizer file that disappeared is an error that says how to pass one', async () => {
    const gone = join(directory.path, 'gone', 'tokenizer.json');
    mkdirSync(dirname(gone), { recursive: true });
    copyFileSync(GPT35_TOKENIZER, gone);
    const file = join(directory.path, 'gone.beton');
    await writeDataset(file, { ids: tokens({ tokenizer: gone }) }, [{ ids: 'hello' }], { workers: 0 });
    writeFileSync(gone, '');
    withDataset(file, (dataset) => {
      expect(() => dataset.createDecoder('ids', 'text')).toThrowError(expect.objectContaining({ code: 'E_PLUGIN', message: expect.stringContaining("textPlugin({ tokenizer: '/path/to/tokenizer.json' })") }));
      // The reader's own copy of the same tokenizer works.
    });
    withDataset(file, (dataset) => expect(() => dataset.createDecoder('ids', 'text')).not.toThrow(), textPlugin({ tokenizer: GPT35_TOKENIZER }));
  });

  it('the writer refuses text for a field without a tokenizer, and ids outside the vocabulary', async () => {
    const file = join(directory.path, 'ids.beton');
    await expect(writeDataset(file, { ids: tokens({ vocabularySize: 100 }) }, [{ ids: 'text' }], { workers: 0 })).rejects.toMatchObject({
      code: 'E_ENCODE',
      message: expect.stringContaining('no tokenizer'),
    });
    await expect(writeDataset(file, { ids: tokens({ vocabularySize: 100 }) }, [{ ids: [1, 100] }], { workers: 0 })).rejects.toMatchObject({
      code: 'E_ENCODE',
      message: expect.stringContaining('token id 1 is 100'),
    });
    await expect(writeDataset(file, { ids: tokens({ vocabularySize: 0 }) }, [], { workers: 0 })).rejects.toMatchObject({ code: 'E_FIELD_ARGUMENTS' });
  });
});
