import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { boundingBoxes, boxMask, boxesPlugin } from '@tessera-examples/custom-field-plugin';
import { type Dataset, TesseraError, createLoader, createOutputSlot, int64, openDataset, writeDataset } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };

let directory: string;
let path: string;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'boxes-'));
  path = join(directory, 'detections.beton');
  await writeDataset(
    path,
    { image_id: int64(), boxes: boundingBoxes({ maxBoxes: 4 }) },
    [
      { image_id: 7, boxes: [{ x: 10, y: 20, width: 30, height: 40, label: 1 }, { x: 0.5, y: 0.25, width: 2, height: 3, label: 9 }] },
      { image_id: 8, boxes: [] },
    ],
    { workers: 0 },
  );
});

afterAll(() => rmSync(directory, { recursive: true, force: true }));

function withDataset<T>(run: (dataset: Dataset) => T): T {
  const dataset = openDataset(path, { plugins: [boxesPlugin()] });
  try {
    return run(dataset);
  } finally {
    dataset.close();
  }
}

describe('boxesPlugin()', () => {
  it('is named and versioned after its package, and workers rebuild it from the built module', () => {
    const plugin = boxesPlugin();
    expect(plugin).toMatchObject({ specVersion: 1, name: packageJson.name, version: packageJson.version });
    expect(plugin.origin).toEqual({ module: expect.stringMatching(/\/dist\/index\.js$/), exportName: 'boxesPlugin' });
    expect(plugin.codecs.map((codec) => codec.id)).toEqual(['boxes/bounding-boxes']);
  });

  it('is named, with its version, when a reader lacks it', () => {
    let error: unknown;
    try {
      openDataset(path).close();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TesseraError);
    expect((error as TesseraError).code).toBe('E_PLUGIN_MISSING');
    expect((error as TesseraError).message).toContain(`${packageJson.name}@${packageJson.version}`);
    expect((error as TesseraError).message).toContain(`npm install ${packageJson.name}@^${packageJson.version}`);
  });

  it('rejects bad arguments when writing, naming the field', async () => {
    const write = writeDataset(join(directory, 'bad.beton'), { boxes: boundingBoxes({ maxBoxes: 0 }) }, [], { workers: 0 });
    await expect(write).rejects.toMatchObject({ code: 'E_FIELD_ARGUMENTS', message: expect.stringMatching(/"boxes".*maxBoxes must be an integer from 1/) });
  });
});

describe('decoders', () => {
  it('padded: float32 [maxBoxes, 5], the box count in lengths[0], zero rows after it', () => {
    withDataset((dataset) => {
      const decoder = dataset.createDecoder('boxes', 'padded');
      expect(decoder.output).toEqual({ dtype: 'float32', shape: [4, 5], variableDims: [0] });
      const slot = createOutputSlot(decoder.output);
      decoder.decode(0, slot);
      expect(slot.lengths[0]).toBe(2);
      expect(Array.from(slot.data as Float32Array)).toEqual([10, 20, 30, 40, 1, 0.5, 0.25, 2, 3, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
      decoder.decode(1, slot);
      expect(slot.lengths[0]).toBe(0);
      expect((slot.data as Float32Array).every((value) => value === 0)).toBe(true);
    });
  });

  it('count: an int32 scalar', () => {
    withDataset((dataset) => {
      const decoder = dataset.createDecoder('boxes', 'count');
      expect(decoder.output).toEqual({ dtype: 'int32', shape: [] });
      const slot = createOutputSlot(decoder.output);
      decoder.decode(0, slot);
      expect(slot.data[0]).toBe(2);
    });
  });

  it('random-box: one stored box per sample, drawn from the seeded context; the same seed gives the same boxes', async () => {
    withDataset((dataset) => {
      const decoder = dataset.createDecoder('boxes', 'random-box');
      expect(decoder.output).toEqual({ dtype: 'float32', shape: [5] });
      expect(decoder.random).toBe(true);
      const slot = createOutputSlot(decoder.output);
      decoder.decode(0, slot); // standalone: the first box
      expect(Array.from(slot.data as Float32Array)).toEqual([10, 20, 30, 40, 1]);
      decoder.decode(1, slot);
      expect(Array.from(slot.data as Float32Array)).toEqual([0, 0, 0, 0, 0]);
    });
    const drawn = async (seed: number) => {
      const loader = createLoader(path, { batchSize: 2, seed, plugins: [boxesPlugin()], pipelines: { image_id: null, boxes: { decoder: 'random-box' } } });
      const boxes: number[][] = [];
      try {
        for (let epoch = 0; epoch < 8; epoch++) {
          for await (const batch of loader) boxes.push(Array.from(batch.boxes!.data as Float32Array));
        }
      } finally {
        await loader.close();
      }
      return boxes;
    };
    const first = await drawn(3);
    expect(await drawn(3)).toEqual(first);
    const rows = first.map((batch) => batch.slice(0, 5).join(','));
    expect(new Set(rows)).toEqual(new Set(['10,20,30,40,1', '0.5,0.25,2,3,9']));
    expect(first.every((batch) => batch.slice(5).every((value) => value === 0))).toBe(true);
  });

  it('boxMask: a batch operation that adds a bool [maxBoxes] batch field from the padded lengths', async () => {
    const loader = createLoader(path, { batchSize: 2, plugins: [boxesPlugin()], pipelines: { boxes: { decoder: 'padded' } }, batchOperations: [boxMask()] });
    try {
      expect(loader.outputs.boxes_mask).toEqual({ dtype: 'bool', shape: [4] });
      for await (const batch of loader) {
        expect(Object.keys(batch).sort()).toEqual(['boxes', 'boxes_mask', 'image_id']);
        expect(batch.boxes_mask!.shape).toEqual([2, 4]);
        expect(Array.from(batch.boxes_mask!.data as Uint8Array)).toEqual([1, 1, 0, 0, 0, 0, 0, 0]);
        expect(Array.from(batch.boxes!.lengths!)).toEqual([2, 0]);
      }
    } finally {
      await loader.close();
    }
  });

  it('read and toJSON give the boxes back as plain objects', () => {
    withDataset((dataset) => {
      expect(dataset.read(0, 'boxes')).toEqual([
        { x: 10, y: 20, width: 30, height: 40, label: 1 },
        { x: 0.5, y: 0.25, width: 2, height: 3, label: 9 },
      ]);
      expect(dataset.toJSON(1, 'boxes')).toEqual([]);
    });
  });

  it('previews the boxes as JSON and counts them as statistics, for tessera view', async () => {
    const dataset = openDataset(path, { plugins: [boxesPlugin()] });
    try {
      expect(await dataset.preview('boxes', 0)).toEqual({
        kind: 'json',
        value: { boxes: [{ x: 10, y: 20, width: 30, height: 40, label: 1 }, { x: 0.5, y: 0.25, width: 2, height: 3, label: 9 }] },
      });
      expect([dataset.statistics('boxes', 0), dataset.statistics('boxes', 1)]).toEqual([{ boxes: 2 }, { boxes: 0 }]);
    } finally {
      dataset.close();
    }
  });
});
