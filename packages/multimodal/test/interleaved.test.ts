import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Batch, createLoader, int64, lengthGroupedOrder, openDataset, optional, readPluginRequirements, writeDataset } from '@tessera/core';
import { imagePlugin, rgbImage } from '@tessera/image';
import { documentLengths, interleaved, interleavedPipelines, multimodalPlugin } from '@tessera/multimodal';
import { textPlugin, tokens } from '@tessera/text';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCUMENTS, TOKENIZER, type TestDocument, expectedOutputs, idsOf, testImage } from './helpers/documents.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-interleaved-'));
const plugins = [multimodalPlugin(), imagePlugin(), textPlugin()];
const rawPath = join(directory, 'raw.beton');
const jpegPath = join(directory, 'jpeg.beton');
const optionalPath = join(directory, 'optional.beton');
const field = () => interleaved({ items: { text: tokens({ tokenizer: TOKENIZER }), image: rgbImage({ mode: 'raw' }) } });
/** What `run` throws (anything), for matching its code and message; no throw fails. */
function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

/** 24 documents: the four test documents, repeated with growing text. */
const documents: TestDocument[] = Array.from({ length: 24 }, (_, index) => {
  const base = DOCUMENTS[index % DOCUMENTS.length]!;
  return index < DOCUMENTS.length ? base : [...base, { text: `document ${index} ends with ${'more words '.repeat(index % 5)}` }];
});

beforeAll(async () => {
  await writeDataset(rawPath, { id: int64(), document: field() }, documents.map((document, id) => ({ id, document })), { workers: 2 });
  // raw pixels, stored as JPEG by both fields (the image plugin's default mode)
  const pictures = [3, 50, 120].map((seed) => testImage(48, 32, seed));
  const jpegField = interleaved({ items: { caption: tokens({ tokenizer: TOKENIZER }), picture: rgbImage() } });
  await writeDataset(
    jpegPath,
    { document: jpegField, alone: rgbImage() },
    pictures.map((image, index) => ({ document: [{ caption: `picture ${index}` }, { picture: image }], alone: image })),
    { workers: 0 },
  );
  await writeDataset(
    optionalPath,
    { document: optional(field()) },
    documents.slice(0, 6).map((document, index) => (index % 3 === 1 ? {} : { document })),
    { workers: 0 },
  );
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const budget = { maxTokens: 32, max: 2, placeholder: 100_277, placeholderTokens: 3 };
const decoderOptions = { maxTokens: 32, media: { image: { max: 2, placeholder: 100_277, placeholderTokens: 3, decoder: 'center-crop', decoderOptions: { outputSize: 8, ratio: 1 } } } };

/** Runs `check` on every batch of a random-order epoch, while the batch is valid. */
async function eachBatch(workers: number, check: (batch: Batch) => void): Promise<void> {
  const loader = createLoader(rawPath, { batchSize: 5, workers, plugins, order: 'random', seed: 11, pipelines: { id: {}, ...interleavedPipelines('document', ['image'], decoderOptions) } });
  try {
    for await (const batch of loader) check(batch);
  } finally {
    await loader.close();
  }
}

describe('interleaved documents', () => {
  it('batches tokens with placeholder runs, the stacked images and their positions, as the budgets say (0 and 2 workers)', async () => {
    for (const workers of [0, 2]) {
      let seen = 0;
      await eachBatch(workers, (batch) => {
        const ids = batch.id!.data as BigInt64Array;
        const tokenData = batch.document!.data as Int32Array;
        const images = batch['document.image']!;
        const positions = batch['document.image.positions']!;
        expect(batch.document!.shape.slice(1)).toEqual([32]);
        expect(images.shape.slice(1)).toEqual([2, 8, 8, 3]);
        for (let row = 0; row < ids.length; row++) {
          const expected = expectedOutputs(documents[Number(ids[row])]!, budget);
          expect(batch.document!.lengths![row]).toBe(expected.tokens.length);
          expect(Array.from(tokenData.subarray(row * 32, row * 32 + expected.tokens.length))).toEqual(expected.tokens);
          expect(positions.lengths![row]).toBe(expected.positions.length);
          expect(Array.from((positions.data as Int32Array).subarray(row * 2, row * 2 + expected.positions.length))).toEqual(expected.positions);
          expect(images.lengths![row]).toBe(expected.images.length);
          const slot = (images.data as Uint8Array).subarray(row * 384, (row + 1) * 384);
          for (const [index, image] of expected.images.entries()) expect(slot.subarray(index * 192, (index + 1) * 192)).toEqual(image.data);
          expect(slot.subarray(expected.images.length * 192).every((byte) => byte === 0)).toBe(true);
          for (const position of expected.positions) expect(Array.from(tokenData.subarray(row * 32 + position, row * 32 + position + 3))).toEqual([100_277, 100_277, 100_277]);
          seen += 1;
        }
      });
      expect(seen).toBe(documents.length);
    }
  });

  it('decodes each image item with the image plugin\'s own decoder: the same pixels as the image stored as a plain field', async () => {
    const loader = createLoader(jpegPath, {
      batchSize: 3,
      plugins,
      pipelines: {
        ...interleavedPipelines('document', ['picture'], { maxTokens: 16, media: { picture: { max: 1, decoder: 'center-crop', decoderOptions: { outputSize: 24 } } } }),
        alone: { decoder: 'center-crop', decoderOptions: { outputSize: 24 } },
      },
    });
    try {
      for await (const batch of loader) {
        expect(batch['document.picture']!.data).toEqual(batch.alone!.data);
        expect(Array.from(batch['document.picture']!.lengths!)).toEqual([1, 1, 1]);
        // caption tokens, then the default placeholder of the first media kind (−1)
        const expectedRow = (index: number) => [...idsOf(`picture ${index}`), -1];
        for (let row = 0; row < 3; row++) expect(Array.from((batch.document!.data as Int32Array).subarray(row * 16, row * 16 + batch.document!.lengths![row]!))).toEqual(expectedRow(row));
      }
    } finally {
      await loader.close();
    }
  });

  it('stores per-document lengths in the metadata: tokens + one per image for grouping, and per kind', () => {
    const dataset = openDataset(rawPath, { plugins });
    try {
      const expectedTokens = documents.map((document) => document.reduce((sum, item) => sum + ('text' in item ? idsOf(item.text).length : 0), 0));
      const expectedImages = documents.map((document) => document.filter((item) => 'image' in item).length);
      expect(Array.from(dataset.lengths('document'))).toEqual(expectedTokens.map((count, index) => count + expectedImages[index]!));
      expect(Array.from(documentLengths(dataset, 'document', 'text'))).toEqual(expectedTokens);
      expect(Array.from(documentLengths(dataset, 'document', 'image'))).toEqual(expectedImages);
      expect(thrown(() => documentLengths(dataset, 'document', 'video'))).toMatchObject({ code: 'E_ARGUMENT', message: expect.stringContaining('text, image') });
      expect(thrown(() => documentLengths(dataset, 'id', 'image'))).toMatchObject({ code: 'E_ARGUMENT' });
      const order = lengthGroupedOrder({ lengths: documentLengths(dataset, 'document', 'image'), batchSize: 4 });
      expect(order).toBeDefined();
    } finally {
      dataset.close();
    }
  });

  it('lists the plugins of the item kinds among the file\'s requirements, also inside optional()', () => {
    for (const path of [rawPath, optionalPath]) {
      expect(readPluginRequirements(path).map((entry) => [entry.plugin, entry.factory, entry.fields])).toEqual([
        ['@tessera/multimodal', 'multimodalPlugin', ['document']],
        ['@tessera/text', 'textPlugin', ['document']],
        ['@tessera/image', 'imagePlugin', ['document']],
      ]);
    }
  });

  it('optional(interleaved()): absent documents give empty outputs and a presence mask', async () => {
    const loader = createLoader(optionalPath, { batchSize: 6, plugins, pipelines: interleavedPipelines('document', ['image'], decoderOptions) });
    try {
      for await (const batch of loader) {
        expect(Array.from(batch['document.present']!.data as Uint8Array)).toEqual([1, 0, 1, 1, 0, 1]);
        expect(Array.from(batch.document!.lengths!).map((length, row) => (row % 3 === 1 ? length : length > 0))).toEqual([true, 0, true, true, 0, true]);
        expect(Array.from(batch['document.image']!.lengths!)).toEqual([0, 1, 2, 3, 4, 5].map((row) => (row % 3 === 1 ? 0 : expectedOutputs(documents[row]!, budget).images.length)));
      }
    } finally {
      await loader.close();
    }
  });

  it('rejects decoder options that cannot work, naming the option', () => {
    const dataset = openDataset(rawPath, { plugins });
    try {
      expect(thrown(() => dataset.createDecoder('document', 'media', { media: { image: { decoder: 'simple' } } }))).toMatchObject({ message: expect.stringContaining('fixed output size') });
      expect(thrown(() => dataset.createDecoder('document', 'media', { media: { image: { decoder: 'sharpen' } } }))).toMatchObject({ message: expect.stringContaining('center-crop') });
      expect(thrown(() => dataset.createDecoder('document', 'tokens', { media: { video: {} } }))).toMatchObject({ message: expect.stringContaining('no media kind "video"') });
      expect(thrown(() => dataset.createDecoder('document', 'tokens', { maxTokens: 0 }))).toMatchObject({ message: expect.stringContaining('maxTokens') });
      expect(thrown(() => dataset.createDecoder('document', 'tokens', { maxTokenz: 8 }))).toMatchObject({ code: 'E_ARGUMENT' });
    } finally {
      dataset.close();
    }
  });

  it('a document whose item table is corrupt is E_METADATA at decode, never a read outside the document', () => {
    const corruptPath = join(directory, 'corrupt.beton');
    const bytes = new Uint8Array(readFileSync(rawPath));
    const dataset = openDataset(rawPath, { plugins });
    const pointer = dataset.field('document').readUint64(dataset.field('document').recordOffset(0));
    dataset.close();
    // item 1's record offset (bytes 4–7 of its 16-byte entry) far past the document
    new DataView(bytes.buffer).setUint32(pointer + 16 + 4, 0x7fff_0000, true);
    writeFileSync(corruptPath, bytes);
    const corrupt = openDataset(corruptPath, { plugins });
    try {
      const error = thrown(() => corrupt.read(0, 'document'));
      expect(error).toMatchObject({ code: 'E_METADATA', message: expect.stringContaining('item 1') });
      const decoder = corrupt.createDecoder('document', 'media', decoderOptions);
      const slot = { bytes: new Uint8Array(384), data: new Uint8Array(384), lengths: new Int32Array(1) };
      expect(thrown(() => decoder.decode(0, slot))).toMatchObject({ code: 'E_METADATA' });
    } finally {
      corrupt.close();
    }
  });

  it('a write without an item kind\'s plugin is E_PLUGIN_MISSING naming the field and the package', async () => {
    const target = join(directory, 'no-image-plugin.beton');
    const withoutUses = { ...field(), uses: [textPlugin()] };
    await expect(writeDataset(target, { document: withoutUses }, [{ document: [{ text: 'fine' }] }], { workers: 0 })).rejects.toMatchObject({
      code: 'E_PLUGIN_MISSING',
      field: 'document',
      message: expect.stringMatching(/field "document".*@tessera\/image.*imagePlugin\(\)/),
    });
    expect(() => readFileSync(target)).toThrow();
  });

  it('a write of a bad item names the item and its kind and leaves no file', async () => {
    const target = join(directory, 'bad.beton');
    await expect(
      writeDataset(target, { document: field() }, [{ document: [{ text: 'fine' }, { image: testImage(4, 4, 1) }] }, { document: [{ text: 'fine' }, { image: '/no/such.png' }] }]),
    ).rejects.toMatchObject({ message: expect.stringMatching(/sample 1.*item 1 \(image\)/) });
    expect(() => readFileSync(target)).toThrow();
  });
});
