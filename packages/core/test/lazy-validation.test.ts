import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytes, int64, openDataset, verifyDataset, writeDataset } from '../src/index.js';
import { errorOf } from './helpers/error-of.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-lazy-validation-'));
const path = join(directory, 'good.beton');
const corruptPath = join(directory, 'corrupt.beton');

beforeAll(async () => {
  await writeDataset(path, { id: int64(), blob: bytes() }, Array.from({ length: 8 }, (_, id) => ({ id, blob: `value ${id}` })), { workers: 0 });
  // sample 5's blob pointer far past the end of the file
  const file = new Uint8Array(readFileSync(path));
  const dataset = openDataset(path);
  const blob = dataset.field('blob');
  const at = dataset.layout.metadataStart + blob.recordOffset(5);
  dataset.close();
  new DataView(file.buffer).setUint32(at, 0x7fff_fff0, true);
  writeFileSync(corruptPath, file);
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe("openDataset({ validateFields: 'lazy' })", () => {
  it("'open' (the default) rejects a corrupt pointer when the file opens; 'lazy' opens and fails only on that sample, bounds-checked", () => {
    expect(errorOf(() => openDataset(corruptPath))).toMatchObject({ code: expect.stringMatching(/^E_(METADATA|ALLOCATION_)/), message: expect.stringContaining('sample 5') });
    const dataset = openDataset(corruptPath, { validateFields: 'lazy' });
    try {
      expect(new TextDecoder().decode(dataset.read(4, 'blob') as Uint8Array)).toBe('value 4');
      expect(errorOf(() => dataset.read(5, 'blob'))).toMatchObject({ code: 'E_ALLOCATION_OUT_OF_BOUNDS', message: expect.stringContaining('field "blob"') });
      expect(dataset.read(6, 'id')).toBe(6);
    } finally {
      dataset.close();
    }
    expect(verifyDataset(corruptPath).ok).toBe(false);
  });

  it('rejects other values', () => {
    expect(errorOf(() => openDataset(path, { validateFields: 'never' as never }))).toMatchObject({ code: 'E_ARGUMENT', message: expect.stringContaining('validateFields') });
  });
});

describe('a 2^20-sample file opens without scanning its columns; the first read checks them against the allocation table', () => {
  const bigPath = join(directory, 'big.beton');
  const bigCorruptPath = join(directory, 'big-corrupt.beton');
  const numSamples = (1 << 20) + 3;
  const corruptSample = 700_001;

  beforeAll(async () => {
    await writeDataset(
      bigPath,
      { id: int64(), blob: bytes() },
      { length: numSamples, get: (id) => ({ id, blob: Uint8Array.of(id & 0xff, (id >>> 8) & 0xff, id >>> 16) }) },
      { workers: 0, chunkSize: 8192 },
    );
    const file = new Uint8Array(readFileSync(bigPath));
    const dataset = openDataset(bigPath);
    const at = dataset.layout.metadataStart + dataset.field('blob').recordOffset(corruptSample);
    dataset.close();
    new DataView(file.buffer).setUint32(at + 8, 0x7fff_0000, true); // its size: far past the end
    writeFileSync(bigCorruptPath, file);
  }, 120_000);

  it('the intact file reads back; the corrupt one opens, and its first read is E_METADATA naming the sample, every time', () => {
    const good = openDataset(bigPath);
    try {
      expect(Array.from(good.read(numSamples - 1, 'blob') as Uint8Array)).toEqual([(numSamples - 1) & 0xff, ((numSamples - 1) >>> 8) & 0xff, (numSamples - 1) >>> 16]);
      expect(Array.from(good.read(corruptSample, 'blob') as Uint8Array)).toEqual([corruptSample & 0xff, (corruptSample >>> 8) & 0xff, corruptSample >>> 16]);
    } finally {
      good.close();
    }
    const dataset = openDataset(bigCorruptPath);
    try {
      for (const sample of [5, corruptSample, numSamples - 1]) {
        expect(errorOf(() => dataset.read(sample, 'blob'))).toMatchObject({ code: 'E_METADATA', message: expect.stringContaining(`field "blob" of sample ${corruptSample} declares 2147418112 bytes`) });
      }
    } finally {
      dataset.close();
    }
    expect(verifyDataset(bigCorruptPath).ok).toBe(false);
  });

  it('a loader over the corrupt file fails with E_METADATA before any batch; over the intact one it reads every sample', async () => {
    const { createLoader } = await import('../src/index.js');
    const run = async (path: string) => {
      const loader = createLoader(path, { batchSize: 8192, order: 'sequential', pipelines: { id: null } });
      let samples = 0;
      try {
        for await (const batch of loader) {
          const blob = batch.blob as unknown as { data: Uint8Array; shape: readonly number[] };
          if (samples === 0) expect(Array.from(blob.data.subarray(3 * 258, 3 * 259))).toEqual([2, 1, 0]);
          samples += blob.shape[0] as number;
        }
      } finally {
        await loader.close();
      }
      return samples;
    };
    expect(await run(bigPath)).toBe(numSamples);
    await expect(run(bigCorruptPath)).rejects.toMatchObject({ code: 'E_METADATA', message: expect.stringContaining(`sample ${corruptSample}`) });
  });
});
