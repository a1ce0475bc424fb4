import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FieldCodec, type TesseraPlugin, bytes, ffcvImage, float64, int64, json, ndarray, openDataset, optional, writeDataset, writeSidecar } from '../src/index.js';
// @ts-expect-error: a plain ESM fixture without types
import { timedPlugin, timedSpans } from './fixtures/timed-plugin.mjs';
import { errorOf, rejectionOf } from './helpers/error-of.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-preview-'));
const path = join(directory, 'preview.beton');
const timed: TesseraPlugin = timedPlugin();
/** 3 × 2 raw RGB: pixel (x, y) = (10x + y, 100 + x, 200 − y). */
const raw = Uint8Array.from({ length: 18 }, (_, at) => {
  const pixel = Math.floor(at / 3);
  const [x, y] = [pixel % 3, Math.floor(pixel / 3)];
  return [10 * x + y, 100 + x, 200 - y][at % 3]!;
});
const jpegLike = Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9);
const samples = [
  { label: 3, score: 0.5, blob: Uint8Array.from({ length: 300 }, (_, k) => k & 255), meta: { a: 1 }, grid: Float32Array.of(1, 2, 3, 4), image: { mode: 'raw', width: 3, height: 2, data: raw }, spans: { start: 1, duration: 2, spans: [] } },
  { label: 7, score: Number.NaN, blob: new Uint8Array(0), meta: null, grid: Float32Array.of(-1, 0, 0.5, 8), image: { mode: 'jpg', width: 40, height: 30, data: jpegLike }, spans: null },
];

beforeAll(async () => {
  await writeDataset(
    path,
    { label: int64(), score: float64(), blob: bytes(), meta: json(), grid: ndarray({ dtype: 'float32', shape: [2, 2] }), image: ffcvImage(), spans: optional(timedSpans()) },
    samples,
    { workers: 0 },
  );
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('previews and statistics of core fields', () => {
  it('images: a JPEG as stored, raw pixels as a BMP whose pixels are the stored ones', async () => {
    const dataset = openDataset(path, { plugins: [timed] });
    try {
      const bmp = await dataset.preview('image', 0);
      expect(bmp).toMatchObject({ kind: 'image', mimeType: 'image/bmp', width: 3, height: 2 });
      const file = (bmp as { bytes: Uint8Array }).bytes;
      const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
      expect([file[0], file[1], view.getUint32(2, true), view.getInt32(18, true), view.getInt32(22, true), view.getUint16(28, true)]).toEqual([0x42, 0x4d, file.byteLength, 3, -2, 24]);
      // rows of 3 × 3 bytes padded to 12, top to bottom, BGR
      for (let y = 0; y < 2; y++) {
        for (let x = 0; x < 3; x++) {
          const at = 54 + y * 12 + x * 3;
          expect([file[at + 2], file[at + 1], file[at]]).toEqual([10 * x + y, 100 + x, 200 - y]);
        }
      }
      const jpeg = await dataset.preview('image', 1);
      expect(jpeg).toMatchObject({ kind: 'image', mimeType: 'image/jpeg', width: 40, height: 30 });
      expect(Array.from((jpeg as { bytes: Uint8Array }).bytes)).toEqual(Array.from(jpegLike));
      expect(dataset.statistics('image', 1)).toEqual({ width: 40, height: 30, byteLength: jpegLike.byteLength });
      expect(dataset.statistics('image', 0)).toEqual({ width: 3, height: 2, byteLength: 18 });
    } finally {
      dataset.close();
    }
  });

  it('scalars, bytes, arrays, JSON and optional fields', async () => {
    const dataset = openDataset(path, { plugins: [timed] });
    try {
      expect(await dataset.preview('label', 1)).toEqual({ kind: 'json', value: 7 });
      expect(dataset.statistics('label', 1)).toEqual({ value: 7 });
      expect(dataset.statistics('score', 0)).toEqual({ value: 0.5 });
      expect(dataset.statistics('score', 1)).toEqual({});
      const blob = await dataset.preview('blob', 0);
      expect(blob).toMatchObject({ kind: 'bytes', byteLength: 300 });
      expect(Array.from((blob as { head: Uint8Array }).head)).toEqual(Array.from({ length: 256 }, (_, k) => k));
      expect(await dataset.preview('blob', 1)).toMatchObject({ kind: 'bytes', byteLength: 0 });
      expect(dataset.statistics('blob', 0)).toEqual({ byteLength: 300 });
      const grid = await dataset.preview('grid', 1);
      expect(grid).toMatchObject({ kind: 'array', dtype: '<f4', shape: [2, 2] });
      expect(Array.from((grid as { values: Float64Array }).values)).toEqual([-1, 0, 0.5, 8]);
      expect(await dataset.preview('meta', 0)).toEqual({ kind: 'json', value: { a: 1 } });
      expect(await dataset.preview('spans', 1)).toEqual({ kind: 'json', value: null });
      expect(await dataset.preview('spans', 0)).toEqual({ kind: 'json', value: { start: 1, duration: 2, spans: [] } });
      expect([dataset.hasPreview('image'), dataset.hasPreview('meta'), dataset.hasStatistics('label'), dataset.hasStatistics('meta')]).toEqual([true, false, true, false]);
      expect(errorOf(() => dataset.statistics('meta', 0))).toMatchObject({ code: 'E_ARGUMENT', message: expect.stringContaining('no per-sample statistics') });
      await expect(dataset.preview('label', 2)).rejects.toMatchObject({ code: 'E_SAMPLE_INDEX' });
      await expect(dataset.preview('nope', 0)).rejects.toMatchObject({ code: 'E_UNKNOWN_FIELD' });
      await expect(dataset.preview('label', 0, { maxSide: 0 })).rejects.toThrow(/maxSide/);
    } finally {
      dataset.close();
    }
  });

  it('a sidecar field previews through the join', async () => {
    const sidecar = join(directory, 'preview.side.beton');
    await writeSidecar(path, sidecar, { extra: bytes() }, [{ extra: 'hello' }, { extra: '' }], { plugins: [timed] });
    const dataset = openDataset(path, { plugins: [timed], sidecars: [sidecar] });
    try {
      expect(await dataset.preview('extra', 0)).toMatchObject({ kind: 'bytes', byteLength: 5 });
      expect(dataset.statistics('extra', 0)).toEqual({ byteLength: 5 });
    } finally {
      dataset.close();
    }
  });

  it('a plugin preview that breaks the contract is E_PLUGIN naming the field and sample, never served', async () => {
    const previews: unknown[] = [{ kind: 'picture' }, { kind: 'image', mimeType: 'image/png', bytes: [1, 2], width: 1, height: 1 }, { kind: 'text', text: 5 }, { kind: 'array', dtype: 'f4', shape: [1], values: [1] }, null];
    let which = 0;
    const base = timed.codecs[0]!;
    const codec: FieldCodec = { ...base, preview: () => previews[which] as never, statistics: () => ({ count: Number.NaN }) };
    const plugin: TesseraPlugin = { ...timed, codecs: [codec] };
    const dataset = openDataset(path, { plugins: [plugin] });
    try {
      for (which = 0; which < previews.length; which++) {
        const error = await rejectionOf(() => dataset.preview('spans', 0));
        expect(error, JSON.stringify(previews[which])).toMatchObject({ code: 'E_PLUGIN', message: expect.stringMatching(/field "spans": preview of sample 0/) });
      }
      expect(errorOf(() => dataset.statistics('spans', 0))).toMatchObject({ code: 'E_PLUGIN', message: expect.stringContaining('"count"') });
    } finally {
      dataset.close();
    }
  });
});
