import { join } from 'node:path';
import { type Dataset, createOutputSlot, openDataset, writeDataset } from '@tessera/core';
import { rawText, textPlugin } from '@tessera/text';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LICENSES, temporaryDirectory } from './fixtures.js';

const directory = temporaryDirectory('raw');
const MIXED = 'naïve café — 日本語 🙂\u0000tab\tCRLF\r\n';
const texts = [...LICENSES.map((license) => license.text), MIXED, ''];
let path: string;

beforeAll(async () => {
  path = join(directory.path, 'raw.beton');
  await writeDataset(path, { text: rawText() }, texts.map((text) => ({ text })), { workers: 2, chunkSize: 3 });
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

describe('rawText()', () => {
  it('reads every text back exactly, as a string', () => {
    withDataset((dataset) => {
      texts.forEach((text, index) => {
        expect(dataset.read(index, 'text')).toBe(text);
      });
    });
  });

  it('utf8: bytes padded to maxByteLength, cut before a character that does not fit', () => {
    withDataset((dataset) => {
      const mixed = texts.indexOf(MIXED);
      const bytes = new TextEncoder().encode(MIXED);
      const whole = dataset.createDecoder('text', 'utf8', { maxByteLength: 256 });
      const slot = createOutputSlot(whole.output);
      whole.decode(mixed, slot);
      expect(slot.lengths[0]).toBe(bytes.byteLength);
      expect(new TextDecoder().decode(slot.bytes.subarray(0, slot.lengths[0]))).toBe(MIXED);
      // "naïve café — 日" is 20 bytes; 22 would cut 本 (3 bytes) in two.
      const cut = dataset.createDecoder('text', 'utf8', { maxByteLength: 22 });
      const small = createOutputSlot(cut.output);
      cut.decode(mixed, small);
      expect(new TextDecoder('utf-8', { fatal: true }).decode(small.bytes.subarray(0, small.lengths[0]))).toBe('naïve café — 日');
      expect(Array.from(small.bytes.subarray(small.lengths[0]!))).toEqual([0, 0]);
    });
  });

  it('codepoints: int32 Unicode code points; byte-length: the UTF-8 size', () => {
    withDataset((dataset) => {
      const mixed = texts.indexOf(MIXED);
      const decoder = dataset.createDecoder('text', 'codepoints', { maxLength: 64 });
      const slot = createOutputSlot(decoder.output);
      decoder.decode(mixed, slot);
      const expected = Array.from(MIXED, (character) => character.codePointAt(0)!);
      expect(Array.from((slot.data as Int32Array).subarray(0, slot.lengths[0]))).toEqual(expected);
      const size = dataset.createDecoder('text', 'byte-length');
      const sizeSlot = createOutputSlot(size.output);
      size.decode(mixed, sizeSlot);
      expect(sizeSlot.data[0]).toBe(new TextEncoder().encode(MIXED).byteLength);
    });
  });

  it('refuses strings UTF-8 cannot hold and non-strings', async () => {
    const file = join(directory.path, 'bad.beton');
    await expect(writeDataset(file, { text: rawText() }, [{ text: 'a\ud800b' }], { workers: 0 })).rejects.toMatchObject({ code: 'E_ENCODE', message: expect.stringContaining('lone surrogate') });
    await expect(writeDataset(file, { text: rawText() }, [{ text: 42 }], { workers: 0 })).rejects.toMatchObject({ code: 'E_ENCODE', message: expect.stringContaining('expected a string') });
  });
});
