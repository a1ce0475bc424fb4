/**
 * An asynchronous item decoder that reads its field after an await (as a native decoder may):
 * with the loader keeping many samples in flight, every decode must still see its own item. A
 * plain third-party plugin (public API only) whose codec stores one u32 per item.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BATCH_INFO, type Batch, type FieldCodec, type TesseraPlugin, createLoader, writeDataset } from '@tessera/core';
import { interleaved, interleavedPipelines, multimodalPlugin } from '@tessera/multimodal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const lateCodec: FieldCodec<number> = {
  id: 'demo/late-number',
  metadataLayout: () => ({ byteLength: 4, alignment: 4 }),
  encode(value, _args, target) {
    target.metadata.setUint32(0, value, true);
  },
  read: (field, sampleIndex) => field.metadata.getUint32(field.recordOffset(sampleIndex), true),
  decoders: {
    late: {
      options: [],
      setup(field) {
        return {
          output: { dtype: 'int32', shape: [] },
          async decode(sampleIndex, slot) {
            // wait a varying while, then read the field: whatever item the reader points at now
            await new Promise((resolve) => setTimeout(resolve, (field.metadata.getUint32(field.recordOffset(sampleIndex), true) * 7) % 5));
            (slot.data as Int32Array)[0] = field.metadata.getUint32(field.recordOffset(sampleIndex), true);
          },
        };
      },
    },
  },
  defaultDecoder: 'late',
};
const latePlugin: TesseraPlugin = { specVersion: 1, name: '@demo/late', version: '1.0.0', codecs: [lateCodec as FieldCodec] };
const directory = mkdtempSync(join(tmpdir(), 'tessera-interleaved-async-'));
const path = join(directory, 'late.beton');
const valuesOf = (index: number) => Array.from({ length: 1 + (index % 3) }, (_, k) => index * 10 + k + 1);

beforeAll(async () => {
  const field = interleaved({ items: { number: { plugin: latePlugin, codecId: lateCodec.id, arguments: null } } });
  await writeDataset(path, { document: field }, Array.from({ length: 40 }, (_, index) => ({ document: valuesOf(index).map((number) => ({ number })) })), { workers: 0 });
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('asynchronous item decoders', () => {
  it('each decode in flight reads its own items', async () => {
    const loader = createLoader(path, {
      batchSize: 8,
      workers: 0,
      order: 'random',
      seed: 4,
      plugins: [multimodalPlugin(), latePlugin],
      pipelines: { 'document.number': interleavedPipelines('document', ['number'], { media: { number: { max: 3 } } })['document.number']!, document: null },
    });
    let rows = 0;
    try {
      for await (const raw of loader) {
        const batch = raw as Batch;
        const numbers = batch['document.number']!;
        const info = batch[BATCH_INFO];
        for (let row = 0; row < info.count; row++) {
          const expected = valuesOf(info.sampleIndices[row]!);
          expect(numbers.lengths![row]).toBe(expected.length);
          expect(Array.from((numbers.data as Int32Array).subarray(row * 3, row * 3 + expected.length))).toEqual(expected);
          rows += 1;
        }
      }
    } finally {
      await loader.close();
    }
    expect(rows).toBe(40);
  });
});
