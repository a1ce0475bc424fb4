import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PluginError, createOutputSlot, int64, openDataset, readPluginRequirements, verifyDataset, writeDataset } from '../src/index.js';
// @ts-expect-error: a plain-JS fixture plugin
import { segments, segmentsPlugin } from './fixtures/segments-plugin.mjs';

const directory = mkdtempSync(join(tmpdir(), 'tessera-plugin-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const makeSamples = (count: number) =>
  Array.from({ length: count }, (_, index) => ({
    id: index * 10,
    parts: Array.from({ length: index % 4 }, (_, part) => new Uint8Array(part === 2 ? 9000 : 100 + index + part).fill(index + part)),
  }));

describe('the plugin contract', () => {
  const samples = makeSamples(40);
  const path = join(directory, 'segments.beton');

  it('carries plugin fields with several allocations per sample, larger than a page, written in workers', async () => {
    const schema = { id: int64(), parts: segments({ maxSegments: 3 }) };
    await writeDataset(path, schema, samples, { workers: 2, pageSize: 4096 });
    const single = join(directory, 'segments-single.beton');
    await writeDataset(single, schema, samples, { workers: 0, pageSize: 4096 });
    expect(readFileSync(single).equals(readFileSync(path))).toBe(true);

    const dataset = openDataset(path, { plugins: [segmentsPlugin()] });
    expect(dataset.fields[1]).toMatchObject({ typeId: 255, codecId: 'demo/segments', plugin: '@demo/tessera-segments', pluginVersion: '1.2.0', arguments: { maxSegments: 3 } });
    samples.forEach((sample, index) => {
      const parts = dataset.read(index, 'parts') as Uint8Array[];
      expect(parts.map((part) => Buffer.from(part))).toEqual(sample.parts.map((part) => Buffer.from(part)));
    });
    expect(verifyDataset(path, { plugins: [segmentsPlugin()] }).ok).toBe(true);
    dataset.close();
  });

  it('runs variable-size and multi-field decoders', () => {
    const dataset = openDataset(path, { plugins: [segmentsPlugin()] });
    const lengths = dataset.createDecoder('parts');
    expect(lengths.output).toEqual({ dtype: 'int32', shape: [3], variableDims: [0] });
    const slot = createOutputSlot(lengths.output);
    lengths.decode(7, slot);
    expect([...slot.lengths]).toEqual([3]);
    expect([...(slot.data as Int32Array)]).toEqual([107, 108, 9000]);
    const summary = dataset.createDecoder('parts', 'summary', { withField: 'id' });
    const summarySlot = createOutputSlot(summary.output);
    summary.decode(6, summarySlot);
    expect([...(summarySlot.data as Float64Array)]).toEqual([106 + 107, 60]);
    expect(() => dataset.createDecoder('parts', 'nope')).toThrow(/has no decoder "nope"; it has "summary", "lengths"/);
    dataset.close();
  });

  it('lists the plugins a file needs, with their factory, without opening it', () => {
    expect(readPluginRequirements(path)).toEqual([{ plugin: '@demo/tessera-segments', version: '1.2.0', factory: 'segmentsPlugin', fields: ['parts'] }]);
    expect(readPluginRequirements(join(directory, 'missing.beton'))).toEqual([]);
  });

  it('names the package and version to install when the plugin is missing or too old', () => {
    expect(() => openDataset(path)).toThrow(
      expect.objectContaining({
        code: 'E_PLUGIN_MISSING',
        message: expect.stringContaining('npm install @demo/tessera-segments@^1.2.0) and pass segmentsPlugin() in `plugins`'),
      }),
    );
    expect(() => openDataset(path, { plugins: [segmentsPlugin({ version: '2.0.0' })] })).toThrow(
      expect.objectContaining({ code: 'E_PLUGIN', message: expect.stringContaining('written with @demo/tessera-segments@1.2.0, but 2.0.0 is installed') }),
    );
    const report = verifyDataset(path);
    expect(report.ok).toBe(true);
    expect(report.notes.join(' ')).toMatch(/@demo\/tessera-segments/);
  });

  it('wraps errors thrown inside a plugin with plugin, hook, field and sample', async () => {
    const bad = makeSamples(5);
    bad[3]!.parts = [new Uint8Array(1), new Uint8Array(1), new Uint8Array(1), new Uint8Array(1)];
    for (const workers of [0, 1]) {
      const failure = await writeDataset(join(directory, 'bad.beton'), { id: int64(), parts: segments({ maxSegments: 3 }) }, bad, { workers }).catch(
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(PluginError);
      expect(failure).toMatchObject({ code: 'E_ENCODE', plugin: '@demo/tessera-segments', hook: 'encode', field: 'parts', sampleIndex: 3 });
      expect((failure as Error).message).toContain('4 segments exceed maxSegments 3');
    }
    await expect(writeDataset(join(directory, 'bad.beton'), { parts: segments({ maxSegments: 0 }) }, [])).rejects.toMatchObject({
      code: 'E_FIELD_ARGUMENTS',
      field: 'parts',
    });
  });
});
