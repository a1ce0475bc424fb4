import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bytes, ffcvLoaderSafety, int64, json, openDataset, verifyDataset, writeDataset } from '../src/index.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-ffcv-compatibility-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));
const file = (name: string) => join(directory, name);
const schema = { id: int64(), data: bytes(), meta: json() };

/** FFCV's f06 pattern: empty values first, in a row, and right before non-empty ones (each also right before its own JSON value). */
const withEmpties = Array.from({ length: 40 }, (_, id) => ({
  id,
  data: [0, 2, 3, 15, 25].includes(id) ? new Uint8Array(0) : new Uint8Array(1 + (id % 7)).fill(id),
  meta: { id },
}));

/** Small samples first (the automatic page size is chosen from them), one of 300 KB later. */
const growing = Array.from({ length: 200 }, (_, id) => ({
  id,
  data: new Uint8Array(id === 150 ? 300_000 : 500 + id).fill(id & 255),
  meta: { id },
}));

function safetyOf(path: string) {
  const dataset = openDataset(path);
  try {
    return { ...ffcvLoaderSafety(dataset), pageSize: dataset.pageSize };
  } finally {
    dataset.close();
  }
}

function expectValues(path: string, samples: typeof withEmpties): void {
  const dataset = openDataset(path);
  try {
    expect(dataset.numSamples).toBe(samples.length);
    for (const [index, sample] of samples.entries()) {
      expect(Buffer.from(dataset.read(index, 'data') as Uint8Array).equals(Buffer.from(sample.data))).toBe(true);
      expect(dataset.read(index, 'meta')).toEqual(sample.meta);
    }
  } finally {
    dataset.close();
  }
  expect(verifyDataset(path).ok).toBe(true);
}

describe("compatibility 'ffcv' (the default for schemas FFCV can read)", () => {
  it('gives every empty value a pointer of its own; the FFCV writer layout shares it and is flagged', async () => {
    await writeDataset(file('empties-default.beton'), schema, withEmpties, { workers: 0 });
    expect(safetyOf(file('empties-default.beton'))).toMatchObject({ safe: true, problems: [] });
    expectValues(file('empties-default.beton'), withEmpties);

    await writeDataset(file('empties-tessera.beton'), schema, withEmpties, { workers: 0, compatibility: 'tessera' });
    const flagged = safetyOf(file('empties-tessera.beton'));
    expect(flagged.safe).toBe(false);
    expect(flagged.problems).toEqual([
      "5 empty values share a pointer with a non-empty value (first: sample 0); FFCV's Loader may read that value as empty",
    ]);
    expectValues(file('empties-tessera.beton'), withEmpties);
  });

  it('grows the automatic page size when a later sample is larger, for known and unknown lengths, identically for any worker count', async () => {
    const outputs: Buffer[] = [];
    for (const [name, source, workers] of [
      ['array-0', growing, 0],
      ['array-2', growing, 2],
      [
        'iterable-2',
        (function* () {
          yield* growing;
        })(),
        2,
      ],
    ] as const) {
      const path = file(`growing-${name}.beton`);
      const summary = await writeDataset(path, schema, source, { workers, chunkSize: 16 });
      expect(summary.pageSize).toBe(524288);
      const safety = safetyOf(path);
      expect(safety).toMatchObject({ safe: true, problems: [], pageSize: 524288 });
      expectValues(path, growing);
      outputs.push(readFileSync(path));
    }
    expect(outputs[1]!.equals(outputs[0]!)).toBe(true);
    expect(outputs[2]!.equals(outputs[0]!)).toBe(true);
  });

  it('without the growth the first chunk would have chosen a smaller page, and compatibility tessera spans pages (flagged)', async () => {
    const path = file('growing-tessera.beton');
    const summary = await writeDataset(path, schema, growing, { workers: 0, chunkSize: 16, compatibility: 'tessera' });
    expect(summary.pageSize).toBe(65536);
    const safety = safetyOf(path);
    expect(safety.safe).toBe(false);
    expect(safety.problems).toEqual([
      "1 value crosses a page boundary (first: sample 150, 300000 bytes, page size 65536); FFCV's Loader reads only the first page of a value",
    ]);
    expectValues(path, growing);
  });

  it('an explicit page size smaller than a sample is E_ARGUMENT naming the sample and the page size to use', async () => {
    const error = await writeDataset(file('explicit.beton'), schema, growing, { pageSize: 65536, workers: 0 }).catch((caught: Error) => caught);
    expect(error).toMatchObject({ code: 'E_ARGUMENT' });
    expect((error as Error).message).toBe(
      "pageSize: 65536 is smaller than sample 150 (300012 bytes, empty values counted as 1), and FFCV's Loader cannot read a sample that spans pages; pass pageSize: 524288 or more, 'auto', or compatibility: 'tessera'",
    );
    await writeDataset(file('explicit.beton'), schema, growing, { pageSize: 524288, workers: 0 });
    expect(safetyOf(file('explicit.beton')).safe).toBe(true);
  });

  it('keeps a dataset of scalars and a tiny dataset as small as before', async () => {
    const scalars = await writeDataset(file('scalars.beton'), { id: int64() }, [{ id: 1 }, { id: 2 }]);
    expect(scalars.numPages).toBe(0);
    const tiny = await writeDataset(file('tiny.beton'), schema, withEmpties.slice(0, 4));
    expect(tiny.pageSize).toBe(4096);
    expect(safetyOf(file('tiny.beton')).safe).toBe(true);
  });
});
