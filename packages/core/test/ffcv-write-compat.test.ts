import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type FieldSpec, bytes, ffcvImage, float64, int64, json, ndarray, openDataset, torchTensor, writeDataset } from '../src/index.js';
import { fixtureNames, fixturePath, fixtureTwin } from './helpers/fixtures.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-compat-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/**
 * Rewrites each FFCV fixture with Tessera (same values, same page size, `integrity: false`) and
 * compares bytes: header, descriptors and metadata must be identical, and so must the whole file
 * where FFCV's own output has no unreferenced garbage (f09 keeps abandoned bytes in a page).
 * `compatibility: 'tessera'` reproduces FFCV's writer exactly, including the empty values that share
 * the next value's pointer (f06), which FFCV's own Loader misreads; the 'ffcv' default avoids them.
 */
describe.each(fixtureNames())('Tessera rewrites FFCV fixture %s', (name) => {
  it('byte for byte', async () => {
    const twin = fixtureTwin(name);
    const source = openDataset(fixturePath(name));
    const schema: Record<string, FieldSpec> = {};
    for (const field of source.fields) {
      const kind = twin.writer.fields[field.name]!.class;
      const args = field.arguments as { dtype: string; shape: number[] };
      schema[field.name] =
        kind === 'IntField'
          ? int64()
          : kind === 'FloatField'
            ? float64()
            : kind === 'BytesField'
              ? bytes()
              : kind === 'JSONField'
                ? json()
                : kind === 'NDArrayField'
                  ? ndarray(args)
                  : kind === 'TorchTensorField'
                    ? torchTensor(args)
                    : ffcvImage();
    }
    const samples = Array.from({ length: source.numSamples }, (_, index) => source.get(index));
    const target = join(directory, `${name}.beton`);
    await writeDataset(target, schema, samples, { pageSize: twin.header.page_size, integrity: false, workers: 0, compatibility: 'tessera' });
    source.close();

    const expected = readFileSync(fixturePath(name));
    const actual = readFileSync(target);
    const metadataEnd = twin.metadata.start + twin.header.num_samples * twin.metadata.itemsize;
    expect(actual.subarray(0, metadataEnd).equals(expected.subarray(0, metadataEnd))).toBe(true);
    if ((twin as unknown as { unreferenced_regions: unknown[] }).unreferenced_regions.length === 0) {
      expect(actual.byteLength).toBe(expected.byteLength);
      expect(actual.equals(expected)).toBe(true);
    } else {
      // Same size and the same allocation table; only FFCV's abandoned page bytes differ.
      expect(actual.byteLength).toBe(expected.byteLength);
      const tableOffset = twin.header.alloc_table_ptr;
      expect(actual.subarray(tableOffset).equals(expected.subarray(tableOffset))).toBe(true);
    }
  });
});
