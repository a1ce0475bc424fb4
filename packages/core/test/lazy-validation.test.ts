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
