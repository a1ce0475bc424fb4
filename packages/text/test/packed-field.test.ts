import { join } from 'node:path';
import { BATCH_INFO, type Dataset, createLoader, createOutputSlot, openDataset, writeDataset } from '@tessera/core';
import {
  type PackedChunk,
  buildTextDataset,
  countPackedTokens,
  packDocuments,
  packedTokens,
  packedWindowPipeline,
  splitPackedWindow,
  textPlugin,
} from '@tessera/text';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GPT35_END_OF_TEXT, GPT35_TOKENIZER, LICENSES, LICENSES_DIRECTORY, referenceIds, referenceTokenizer, streamOf, temporaryDirectory } from './fixtures.js';

const T = 128;
const ALL_ROWS = ['input_ids', 'labels', 'position_ids', 'boundary_mask', 'attention_mask'] as const;
const directory = temporaryDirectory('packed');
let path: string;
/** The exact token stream the packed field must hold: every license tokenized by @huggingface/tokenizers, each followed by <|endoftext|>. */
let stream: number[];
/** Where each document starts in `stream`. */
let documentStarts: number[];

beforeAll(async () => {
  const documents = LICENSES.map((license) => referenceIds(license.text));
  stream = streamOf(documents, GPT35_END_OF_TEXT);
  documentStarts = [];
  let offset = 0;
  for (const document of documents) {
    documentStarts.push(offset);
    offset += document.length + 1;
  }
  path = join(directory.path, 'licenses.beton');
  // 4 KiB pages hold 7 chunks of 128 u32 ids (+ document starts): windows cross page boundaries all the time.
  await buildTextDataset({ inputs: LICENSES_DIRECTORY, output: path, tokenizer: GPT35_TOKENIZER, windowLength: T, workers: 2, pageSize: 4096 });
});

afterAll(() => directory.remove());

function withDataset<T>(run: (dataset: Dataset) => T): T {
  const dataset = openDataset(path, { plugins: [textPlugin()] });
  try {
    return run(dataset);
  } finally {
    dataset.close();
  }
}

/** Position ids of stream[start, start + length): tokens since the last document start. */
function expectedPositions(start: number, length: number): number[] {
  const positions: number[] = [];
  for (let index = start; index < start + length; index++) {
    let documentStart = 0;
    for (const candidate of documentStarts) if (candidate <= index) documentStart = candidate;
    positions.push(index - documentStart);
  }
  return positions;
}

function expectedWindow(start: number): Record<(typeof ALL_ROWS)[number], number[]> {
  const inputs = stream.slice(start, start + T);
  const labels = stream.slice(start + 1, start + T + 1);
  return {
    input_ids: [...inputs, ...new Array(T - inputs.length).fill(0)],
    labels: [...labels, ...new Array(T - labels.length).fill(-100)],
    position_ids: [...expectedPositions(start, inputs.length), ...new Array(T - inputs.length).fill(0)],
    boundary_mask: [...inputs.map((_, offset) => (documentStarts.includes(start + offset) ? 1 : 0)), ...new Array(T - inputs.length).fill(0)],
    attention_mask: [...inputs.map(() => 1), ...new Array(T - inputs.length).fill(0)],
  };
}

describe('packedTokens(): the pretraining layout', () => {
  it('stores the whole stream in chunks of T: concatenated they are exactly the tokenized documents with separators', () => {
    withDataset((dataset) => {
      expect(dataset.fields[0]!.arguments).toMatchObject({ windowLength: T, separatorId: GPT35_END_OF_TEXT, dtype: 'uint32' });
      expect(dataset.numSamples).toBe(Math.ceil(stream.length / T));
      expect(dataset.layout.numPages).toBeGreaterThan(20);
      const stored: number[] = [];
      for (let index = 0; index < dataset.numSamples; index++) stored.push(...(dataset.read(index, 'text') as { ids: Uint32Array }).ids);
      expect(stored).toEqual(stream);
      expect(referenceTokenizer().decode(stored)).toBe(LICENSES.map((license) => `${license.text}<|endoftext|>`).join(''));
    });
  });

  it('sequential windows of T + 1 tokens reassemble the exact stream: nothing lost or duplicated at chunk and page edges', () => {
    withDataset((dataset) => {
      const decoder = dataset.createDecoder('text', 'window', { include: [...ALL_ROWS] });
      expect(decoder.output).toEqual({ dtype: 'int32', shape: [5, T] });
      expect(decoder.random).toBe(false);
      const slot = createOutputSlot(decoder.output);
      const inputs: number[] = [];
      for (let index = 0; index < dataset.numSamples; index++) {
        decoder.decode(index, slot);
        const expected = expectedWindow(index * T);
        ALL_ROWS.forEach((row, rowIndex) => {
          expect(Array.from((slot.data as Int32Array).subarray(rowIndex * T, (rowIndex + 1) * T)), `sample ${index} ${row}`).toEqual(expected[row]);
        });
        const mask = (slot.data as Int32Array).subarray(4 * T);
        (slot.data as Int32Array).subarray(0, T).forEach((id, offset) => {
          if (mask[offset] === 1) inputs.push(id);
        });
      }
      expect(inputs).toEqual(stream);
    });
  });

  it('random windows start at a random token of their chunk, drawn from the loader seed, and are full', async () => {
    const include = ['input_ids', 'labels', 'position_ids', 'boundary_mask'] as const;
    const run = async (seed: number, workers: number) => {
      const loader = createLoader(path, {
        batchSize: 16,
        seed,
        workers,
        order: 'random',
        plugins: [textPlugin()],
        pipelines: { text: packedWindowPipeline({ offsets: 'random', include: [...include] }) },
        batchOperations: [splitPackedWindow({ include: [...include] })],
      });
      const starts: number[] = [];
      try {
        for await (const batch of loader) {
          const { sampleIndices, count } = batch[BATCH_INFO];
          expect(batch.input_ids.shape).toEqual([count, T]);
          for (let row = 0; row < count; row++) {
            const inputs = Array.from((batch.input_ids.data as Int32Array).subarray(row * T, (row + 1) * T));
            const chunk = sampleIndices[row]!;
            // Find the window's start within its chunk (or, for the last chunks, where it was moved back to).
            let start = -1;
            for (let candidate = Math.min(chunk * T, stream.length - T - 1); candidate < Math.min((chunk + 1) * T, stream.length); candidate++) {
              if (stream[candidate] === inputs[0] && inputs.every((id, offset) => stream[candidate + offset] === id)) {
                start = candidate;
                break;
              }
            }
            expect(start, `window of chunk ${chunk}`).toBeGreaterThanOrEqual(0);
            const expected = expectedWindow(start);
            include.forEach((name) => {
              expect(Array.from((batch[name].data as Int32Array).subarray(row * T, (row + 1) * T)), `${name} of chunk ${chunk}`).toEqual(expected[name]);
            });
            starts.push(start);
          }
        }
      } finally {
        await loader.close();
      }
      return starts;
    };
    const first = await run(7, 0);
    expect(first.filter((start) => start % T !== 0).length).toBeGreaterThan(first.length / 2);
    expect(await run(7, 2)).toEqual(first);
    expect(await run(8, 0)).not.toEqual(first);
  });

  it('position ids restart at every document and the boundary mask marks document starts', () => {
    withDataset((dataset) => {
      const decoder = dataset.createDecoder('text', 'window', { include: ['position_ids', 'boundary_mask'] });
      const slot = createOutputSlot(decoder.output);
      const secondDocument = documentStarts[1]!;
      const chunk = Math.floor(secondDocument / T);
      decoder.decode(chunk, slot);
      const offset = secondDocument - chunk * T;
      const positions = (slot.data as Int32Array).subarray(0, T);
      expect(positions[offset]).toBe(0);
      if (offset > 0) expect(positions[offset - 1]).toBe(secondDocument - 1);
      expect((slot.data as Int32Array)[T + offset]).toBe(1);
    });
  });

  it('the window decoder accepts another window length, and the chunk decoder gives a stored chunk', () => {
    withDataset((dataset) => {
      const longer = dataset.createDecoder('text', 'window', { windowLength: 3 * T, include: ['labels'] });
      const slot = createOutputSlot(longer.output);
      longer.decode(5, slot);
      expect(Array.from(slot.data as Int32Array)).toEqual(stream.slice(5 * T + 1, 5 * T + 1 + 3 * T));
      const chunk = dataset.createDecoder('text', 'chunk');
      const chunkSlot = createOutputSlot(chunk.output);
      chunk.decode(dataset.numSamples - 1, chunkSlot);
      const lastLength = stream.length - (dataset.numSamples - 1) * T;
      expect(chunkSlot.lengths[0]).toBe(lastLength);
      expect(Array.from((chunkSlot.data as Int32Array).subarray(0, lastLength))).toEqual(stream.slice(-lastLength));
    });
  });

  it('a [32, T] loader batch is input_ids and labels shifted by one', async () => {
    const loader = createLoader(path, {
      batchSize: 32,
      plugins: [textPlugin()],
      pipelines: { text: packedWindowPipeline() },
      batchOperations: [splitPackedWindow()],
    });
    try {
      for await (const batch of loader) {
        const { sampleIndices, count } = batch[BATCH_INFO];
        expect(batch.input_ids.shape).toEqual([count, T]);
        expect(batch.labels.shape).toEqual([count, T]);
        expect(batch.text.shape).toEqual([count, 2, T]);
        const row = 3;
        const start = sampleIndices[row]! * T;
        expect(Array.from((batch.input_ids.data as Int32Array).subarray(row * T, row * T + T))).toEqual(stream.slice(start, start + T));
        expect(Array.from((batch.labels.data as Int32Array).subarray(row * T, row * T + T))).toEqual(stream.slice(start + 1, start + T + 1));
        break;
      }
    } finally {
      await loader.close();
    }
  });
});

describe('packDocuments', () => {
  it('cuts the stream into chunks with document starts and the first position', () => {
    const chunks = [...packDocuments([[1, 2, 3, 4, 5], [6], [], [7, 8]], { windowLength: 4, separatorId: 0 })];
    const plain = chunks.map((chunk: PackedChunk) => ({ ids: Array.from(chunk.ids), starts: Array.from(chunk.documentStarts!), first: chunk.firstPosition }));
    expect(plain).toEqual([
      { ids: [1, 2, 3, 4], starts: [0], first: 0 },
      { ids: [5, 0, 6, 0], starts: [2], first: 4 },
      { ids: [0, 7, 8, 0], starts: [0, 1], first: 0 },
    ]);
    expect(countPackedTokens([5, 1, 0, 2], 0)).toBe(12);
    expect(countPackedTokens([5, 1, 0, 2], null)).toBe(8);
    const unseparated = [...packDocuments([[1, 2, 3], [4, 5]], { windowLength: 2, separatorId: null, dtype: 'uint16' })];
    expect(unseparated.map((chunk) => [Array.from(chunk.ids), chunk.documentStarts, chunk.firstPosition])).toEqual([
      [[1, 2], [0], 0],
      [[3, 4], [1], 2],
      [[5], [], 1],
    ]);
    expect(unseparated[0]!.ids).toBeInstanceOf(Uint16Array);
  });

  it('the codec refuses inconsistent chunks', async () => {
    const field = packedTokens({ vocabularySize: 10, windowLength: 4 });
    const file = join(directory.path, 'bad.beton');
    const bad: Array<[unknown, string]> = [
      [{ ids: [1, 2, 3, 4, 5] }, 'more than windowLength 4'],
      [{ ids: [1, 2], documentStarts: [1, 0] }, 'documentStarts[1] is 0'],
      [{ ids: [1, 2], documentStarts: [0], firstPosition: 3 }, 'a document starts at token 0'],
      [{ ids: [1, 12] }, 'token id 1 is 12'],
      [[1, 2], 'expected a packed chunk'],
    ];
    for (const [value, message] of bad) {
      await expect(writeDataset(file, { text: field }, [{ text: value }], { workers: 0 })).rejects.toMatchObject({ code: 'E_ENCODE', message: expect.stringContaining(message) });
    }
  });
});
