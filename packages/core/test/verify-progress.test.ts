import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bytes, int64, verifyDataset, writeDataset } from '../src/index.js';

const directory = mkdtempSync(join(tmpdir(), 'tessera-verify-progress-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

type Progress = { phase: 'structure' | 'checksums'; done: number; total: number };

describe('verifyDataset onProgress', () => {
  it('reports the structure, then the checksummed regions up to done, in order', async () => {
    const path = join(directory, 'few-pages.beton');
    await writeDataset(path, { id: int64(), blob: bytes() }, Array.from({ length: 40 }, (_, index) => ({ id: index, blob: new Uint8Array(300).fill(index) })), { pageSize: 4096, workers: 0 });
    const calls: Progress[] = [];
    const report = verifyDataset(path, { onProgress: (progress) => calls.push({ ...progress }) });
    expect(report.ok).toBe(true);
    expect(calls.slice(0, 2)).toEqual([
      { phase: 'structure', done: 0, total: 1 },
      { phase: 'structure', done: 1, total: 1 },
    ]);
    const checksums = calls.slice(2);
    // header, metadata, every page, the allocation table
    const regionTotal = report.pagesChecked + 3;
    expect(checksums.every((call) => call.phase === 'checksums' && call.total === regionTotal)).toBe(true);
    expect(checksums[0]!.done).toBe(0);
    expect(checksums.at(-1)!.done).toBe(regionTotal);
    for (let index = 1; index < checksums.length; index++) expect(checksums[index]!.done).toBeGreaterThan(checksums[index - 1]!.done);
  });

  it('calls back at most about 100 times however many pages the file has', async () => {
    const path = join(directory, 'many-pages.beton');
    // 600 samples of 4000 bytes on 4 KiB pages: about 600 pages.
    await writeDataset(path, { blob: bytes() }, { length: 600, get: (index: number) => ({ blob: new Uint8Array(4000).fill(index % 256) }) }, { pageSize: 4096, workers: 0 });
    const calls: Progress[] = [];
    const report = verifyDataset(path, { onProgress: (progress) => calls.push({ ...progress }) });
    expect(report.ok).toBe(true);
    expect(report.pagesChecked).toBeGreaterThan(500);
    expect(calls.length).toBeLessThanOrEqual(104);
    expect(calls.at(-1)).toEqual({ phase: 'checksums', done: report.pagesChecked + 3, total: report.pagesChecked + 3 });
  });
});
